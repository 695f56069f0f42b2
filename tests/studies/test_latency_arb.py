"""studies.latency_arb: the Binance pair builder, the curves, the report page."""

import json

import numpy as np
import pytest

from hftlab.report.latency import write_latency_report
from hftlab.studies.latency_arb import (NO_RIVAL_US, binance_pair, host_delays, latency_curve,
                                        venue_lag_curve)

MS = 1_000_000
SKEW = 1_270 * MS  # the capture host's clock runs behind the exchange's


def _write(path, lines):
    path.write_text("".join(f"{t} {json.dumps(m)}\n" for t, m in lines))
    return path


def _captures(tmp_path):
    """Spot: tickers (no exchange time) and trades 4 ms late; USD-M: tickers and trades
    with exchange times, 6 ms late."""
    t0 = 1_723_161_300_000
    spot, usdm = [], []
    for k in range(5):
        ms = t0 + 10 * k
        spot.append(((ms + 4) * MS - SKEW, {"stream": "btcusdt@bookTicker", "data": {
            "u": k + 1, "s": "BTCUSDT", "b": f"{100 + k}.00", "B": "1.0", "a": f"{100 + k}.01",
            "A": "2.0"}}))
        spot.append(((ms + 4) * MS - SKEW + 1, {"stream": "btcusdt@trade", "data": {
            "e": "trade", "E": ms, "T": ms, "s": "BTCUSDT", "t": k + 1, "p": f"{100 + k}.00",
            "q": "0.5", "m": True}}))
        usdm.append(((ms + 6) * MS - SKEW, {"stream": "btcusdt@bookTicker", "data": {
            "e": "bookTicker", "u": k + 1, "s": "BTCUSDT", "b": f"{100 + k}.0", "B": "1.000",
            "a": f"{100 + k}.1", "A": "3.000", "T": ms, "E": ms}}))
        usdm.append(((ms + 6) * MS - SKEW + 1, {"stream": "btcusdt@trade", "data": {
            "e": "trade", "E": ms, "T": ms, "s": "BTCUSDT", "t": k + 1, "p": f"{100 + k}.1",
            "q": "0.010", "m": False}}))
    return _write(tmp_path / "spot.txt", spot), _write(tmp_path / "usdm.txt", usdm)


def test_binance_pair_merges_both_feeds_on_one_grid(tmp_path):
    spot, usdm = _captures(tmp_path)
    d = binance_pair(spot, usdm)
    assert [v.name for v in d.venues] == ["binance-spot", "binance-usdm"]
    inst = d.instruments[0]
    assert (inst.tick_size, inst.lot_size) == (0.01, 1e-6)
    # the host clock moves forward by the smallest gap (spot's trades, 4 ms + 1 ns late),
    # so spot's median delay is 0 and USD-M's 2 ms
    assert d.stats["clock_offset_ns"] == SKEW - 4 * MS - 1
    assert d.stats["median_delay_ms"] == pytest.approx([0.0, 2.0], abs=1e-5)
    ev = d.events
    usdm_px = ev["price"][(ev["venue"] == 1) & (ev["kind"] == 6) & (ev["qty"] > 0)]
    assert set(usdm_px) >= {10000, 10010}  # 100.0 / 100.1 on the 0.01 grid
    assert (np.diff(ev["ts"]) >= 0).all()
    assert host_delays(d)["late_share"] == 0.0
    zero = binance_pair(spot, usdm, feed_delay="zero")
    assert (zero.events["ts"] == zero.events["ts_local"]).all()
    with pytest.raises(ValueError, match="feed_delay"):
        binance_pair(spot, usdm, feed_delay="mean")


def test_curves_count_every_take_and_render(tmp_path):
    lat = latency_curve([10_000, 3 * MS], seconds=30, seed=2, rival_us=NO_RIVAL_US)
    lag = venue_lag_curve([(1.0, 2.0)], seconds=30, seed=2, rival_us=NO_RIVAL_US)
    for df in (lat, lag):
        assert (df["takes"] == df["fills"] + df["misses"]).all()
        assert ((df["hit_rate"] >= 0) & (df["hit_rate"] <= 1)).all()
        assert (df["final_position"] == 0).all()  # every fill hedged
    # the slower trader reaches fewer stale quotes than the fast one
    assert lat["hit_rate"].iloc[1] < lat["hit_rate"].iloc[0]
    path = write_latency_report({"latency": {"alone": lat}, "venue_lag": {"alone": lag},
                                 "notes": ["test"]}, tmp_path)
    page = path.read_text()
    assert page.count("<img") == 2 and "bps_per_trade" in page


def test_real_binance_pair_reads_and_usdm_is_not_behind(shared_data):
    folder = shared_data / "hftbacktest_crypto_feed"
    d = binance_pair(folder / "spot" / "btcusdt_20240808.gz",
                     folder / "usdm" / "btcusdt_20240808.gz")
    assert len(d) > 200_000 and host_delays(d)["max_ms"] < 5
    from hftlab.analytics import lead_lag

    ll = lead_lag(d, "binance-usdm", "binance-spot", np.arange(-20, 21) * 5 * MS,
                  step_ns=5 * MS, clock="ts_local", n_boot=50)
    assert ll.lag_ns >= 0 and ll.corr > ll.table.loc[-5 * MS, "corr"]
