"""The multi-asset studies: PairsTrader on Binance spot against USD-M BTCUSDT (the real
captures, and a capture-format fixture written here), and the scenario metrics."""

from __future__ import annotations

import gzip
import json
from pathlib import Path


from hftlab.studies.multi_asset import (SPOT_FEES, USDM_FEES, binance_basis,
                                        binance_basis_data, dollar_neutral_run, run_metrics)

FEED = "hftbacktest_crypto_feed"


def _capture(path: Path, t0_ms: int, mids: list[float], tick: float) -> Path:
    """A Binance capture in the collector's format: a REST snapshot, then one bookTicker
    and one depth diff per second around the given mids."""
    lines = [f"{t0_ms * 10**6} " + json.dumps({"lastUpdateId": 1, "bids": [[f"{mids[0] - tick:.2f}", "1.0"]],
                                                  "asks": [[f"{mids[0] + tick:.2f}", "1.0"]]})]
    for k, m in enumerate(mids):
        ts = t0_ms + 1000 * (k + 1)
        bid, ask = f"{m - tick:.2f}", f"{m + tick:.2f}"
        lines.append(f"{ts * 10**6} " + json.dumps({"stream": "btcusdt@bookTicker", "data": {
            "u": 10 + k, "s": "BTCUSDT", "b": bid, "B": "2.0", "a": ask, "A": "2.0"}}))
        lines.append(f"{ts * 10**6 + 1} " + json.dumps({"stream": "btcusdt@depth@100ms", "data": {
            "e": "depthUpdate", "E": ts, "s": "BTCUSDT", "U": 2 + k, "u": 2 + k,
            "b": [[bid, "1.0"]], "a": [[ask, "1.0"]]}}))
    with gzip.open(path, "wt") as fh:
        fh.write("\n".join(lines) + "\n")
    return path


def test_two_captures_become_one_run_with_each_venues_fees(tmp_path):
    mids = [60_000.0 + 5.0 * ((k * 7) % 11) for k in range(90)]
    spot = _capture(tmp_path / "spot.gz", 1_723_161_600_000, mids, 0.01)
    perp = _capture(tmp_path / "usdm.gz", 1_723_161_600_000, [m + 20.0 for m in mids], 0.1)
    data = binance_basis_data(spot, perp)
    assert [i.symbol for i in data.instruments] == ["BTCUSDT", "BTCUSDT-PERP"]
    assert [v.fees for v in data.venues] == [SPOT_FEES, USDM_FEES]
    assert set(data.events["venue"]) == {0, 1}
    assert (data.events["venue"] == data.events["instrument"]).all()
    rec, pt, _ = binance_basis(spot, perp, warmup=10, cost_mult=0.0)
    assert pt.counters(rec.strategy_state)["samples"] > 80


def test_pairs_on_binance_spot_against_usdm(shared_data):
    spot = shared_data / FEED / "spot" / "btcusdt_20240808.gz"
    usdm = shared_data / FEED / "usdm" / "btcusdt_20240808.gz"
    rec, pt, data = binance_basis(spot, usdm)
    c = pt.counters(rec.strategy_state)
    assert c["samples"] > 300  # the same ~6 minutes of both venues
    assert 0.5 < pt.hedge_ratio(rec.strategy_state)[1] < 1.5  # one BTC against one BTC
    # with both venues' taker fees (10 + 5 bps a side) counted, no trade clears its cost
    assert c["entries"] == 0 and len(rec.fills) == 0
    # without the cost test it trades, and the fees are what it loses
    rec, pt, _ = binance_basis(spot, usdm, data=data, cost_mult=0.0)
    s = run_metrics(rec)
    assert pt.counters(rec.strategy_state)["entries"] > 0 and s["fills"] > 0
    assert rec.summary()["fees"] > 0 and s["pnl"] < 0


def test_dollar_neutral_scenario_metrics():
    rec, mm, _ = dollar_neutral_run(1, seconds=60)
    s = run_metrics(rec)
    assert s["max_abs_net"] <= 10_000 and s["fills"] > 100 and s["turnover"] > 10_000
