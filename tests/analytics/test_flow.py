"""Order-flow signals and the CKS OFI regression: hand cases, causality, a stylised book
where price moves are OFI over depth, and the real AMZN and Binance books."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hftlab
from hftlab.analytics import flow_signals, ofi_regression
from hftlab.instruments import Instrument


def _depth() -> pd.DataFrame:
    """Two-level book; level 1 as in test_ofi (e_n = 0, 2, 3, -2, -1), then a row where
    only level 2 changes."""
    return pd.DataFrame({
        "ts": [0, 10, 20, 30, 40, 50],
        "bid_price_1": [10.0, 10, 11, 11, 10, 10], "bid_size_1": [5.0, 7, 3, 3, 8, 8],
        "ask_price_1": [12.0, 12, 12, 11.5, 12, 12], "ask_size_1": [4.0, 4, 4, 2, 6, 6],
        "bid_price_2": [9.0] * 6, "bid_size_2": [1.0, 1, 1, 1, 1, 3],
        "ask_price_2": [13.0] * 6, "ask_size_2": [2.0] * 6})


def _trades() -> pd.DataFrame:
    return pd.DataFrame({"ts": [5, 25, 26], "price": [12.0, 11.0, 11.0],
                         "qty": [2.0, 1.0, 1.0], "side": [1, -1, 0]})


def test_book_signals_hand_case():
    s = flow_signals(_depth(), levels=2, event_windows=[2], clock_windows=[25])
    assert s["mid"].tolist() == [11.0, 11.0, 11.5, 11.25, 11.0, 11.0]
    assert s["spread"].tolist() == [2.0, 2.0, 1.0, 0.5, 2.0, 2.0]
    # the last 2 level-1 updates; row 5 changed only level 2, so it reaches back to rows 3-4
    assert s["ofi_2ev"].tolist() == [0.0, 2.0, 5.0, 1.0, -3.0, -3.0]
    # (t - 25, t]: row 3 at 30 sums rows 1-3 (2 + 3 - 2), row 4 at 40 sums rows 2-4
    assert s["ofi_25ns"].tolist() == [0.0, 2.0, 5.0, 3.0, 0.0, -3.0]
    assert np.allclose(s["imbalance_1"], [1 / 9, 3 / 11, -1 / 7, 1 / 5, 2 / 14, 2 / 14])
    assert np.allclose(s["imbalance_2"], [0.0, 2 / 14, -2 / 10, 0.0, 1 / 17, 3 / 19])
    assert s.index[1] == pd.Timestamp(10, tz="UTC")
    assert "vpin" not in s and s.attrs["notes"]


def test_trade_signals_hand_case():
    s = flow_signals(_depth(), _trades(), levels=1, event_windows=[], clock_windows=[25],
                     vpin_bucket_volume=2.0, vpin_window=1)
    # (t - 25, t]: 5 buy 2 | 25 sell 1, 26 unknown 1 (denominator only) | none -> 0
    assert s["trade_imbalance_25ns"].tolist() == [0.0, 1.0, 1.0, -0.5, -0.5, 0.0]
    # bucket 0 (2 bought) completes at 5, bucket 1 (0.5 / 1.5) at 26
    v = s["vpin"].to_numpy()
    assert np.isnan(v[0]) and v[1:].tolist() == [1.0, 1.0, 0.5, 0.5, 0.5]


def test_clock_grid_takes_the_book_as_of_each_time():
    s = flow_signals(_depth(), _trades(), levels=1, event_windows=[2], clock_windows=[25],
                     every=20, vpin_bucket_volume=2.0, vpin_window=1)
    assert s.index.asi8.tolist() == [0, 20, 40]
    assert s["mid"].tolist() == [11.0, 11.5, 11.0]
    assert s["ofi_25ns"].tolist() == [0.0, 5.0, 0.0]
    assert s["trade_imbalance_25ns"].tolist() == [0.0, 1.0, -0.5]


def test_bad_depth_is_named():
    with pytest.raises(ValueError, match="ask_price_2"):
        flow_signals(_depth().drop(columns="ask_price_2"), levels=2)
    bad = _depth()
    bad.loc[3, "bid_size_1"] = -1.0
    with pytest.raises(ValueError, match=r"bid_size_1 must be >= 0 .*; row 3"):
        flow_signals(bad, levels=1)
    with pytest.raises(ValueError, match="trades are taken from the MarketData"):
        flow_signals(_l3_data(), _trades())


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**31), st.integers(2, 39))
def test_signals_use_nothing_after_their_time(seed, cut):
    rng = np.random.default_rng(seed)
    n = 40
    ts = np.cumsum(rng.integers(1, 5, n))
    bid = 100 + np.cumsum(rng.integers(-1, 2, n)).astype(float)
    depth = pd.DataFrame({"ts": ts, "bid_price_1": bid, "bid_size_1": rng.integers(1, 9, n) * 1.0,
                          "ask_price_1": bid + rng.integers(1, 3, n),
                          "ask_size_1": rng.integers(1, 9, n) * 1.0})
    tts = np.sort(rng.integers(0, ts[-1] + 1, 30))
    tts[0] = 0  # a trade before every cut, so both runs have the trade columns
    trades = pd.DataFrame({"ts": tts, "price": 100.0, "qty": rng.integers(1, 5, 30) * 1.0,
                           "side": rng.choice([-1, 0, 1], 30)})
    kw = dict(levels=1, event_windows=[3], clock_windows=[7], vpin_bucket_volume=4.0,
              vpin_window=2)
    full = flow_signals(depth, trades, **kw)
    part = flow_signals(depth.iloc[:cut], trades[trades["ts"] <= ts[cut - 1]], **kw)
    pd.testing.assert_frame_equal(part, full.iloc[:cut])


def _l3_data() -> hftlab.data.MarketData:
    rows = [(1, "ADD", 1, 10.00, 5, 1), (2, "ADD", -1, 10.02, 3, 2), (3, "ADD", 1, 9.99, 4, 3),
            (4, "EXECUTE", -1, 10.02, 1, 2), (5, "ADD", -1, 10.03, 6, 4),
            (6, "TRADE", -1, 10.00, 2, 0)]
    df = pd.DataFrame(rows, columns=["ts", "kind", "side", "price", "size", "order_id"])
    return hftlab.data.from_frame(df, Instrument("X", 0.01, 1.0))


def test_market_data_gives_book_and_trades():
    s = flow_signals(_l3_data(), levels=2, event_windows=[1], clock_windows=[10],
                     vpin_bucket_volume=1.0, vpin_window=1)
    # the TRADE at 6 changes no level, but the data's last state is kept
    assert s.index.asi8.tolist() == [1, 2, 3, 4, 5, 6]
    assert np.allclose(s["mid"].iloc[1:], 10.01)
    # after ts 5: bids 5 @ 10.00 + 4 @ 9.99, asks 2 @ 10.02 + 6 @ 10.03
    assert s["imbalance_2"].iloc[-1] == pytest.approx((9 - 8) / 17)
    # the EXECUTE of the resting ask at 4 is a buyer-initiated trade, the TRADE at 6 a sell
    assert s["trade_imbalance_10ns"].tolist() == [0.0, 0.0, 0.0, 1.0, 1.0,
                                                  pytest.approx(-1 / 3)]


def _stylised_book(depths: list[int], seconds: int, seed: int) -> pd.DataFrame:
    """A one-tick-spread book whose queues restart at `depth` when a side empties (the
    stylised model of CKS section 2), one depth per `seconds` block. Each event is buying
    pressure (a bid add, or an ask removal when the bid holds 2 x depth) or selling
    pressure, buying with a probability that changes every 5 s, so a price move takes
    about `depth` of net flow: the OFI slope is about 1 / depth."""
    rng = np.random.default_rng(seed)
    rows, t, bid = [], 0, 1000
    for depth in depths:
        qb = qa = depth
        for i in range(seconds * 20):
            if i % 100 == 0:
                p_buy = rng.uniform(0.2, 0.8)
            t += 50_000_000
            q, buy = int(rng.integers(1, 4)), rng.random() < p_buy
            if buy:
                qb, qa = (qb + q, qa) if qb < 2 * depth else (qb, qa - q)
            else:
                qb, qa = (qb, qa + q) if qa < 2 * depth else (qb - q, qa)
            if qb <= 0:
                bid, qb, qa = bid - 1, depth, depth
            elif qa <= 0:
                bid, qb, qa = bid + 1, depth, depth
            rows.append((t, bid, qb, bid + 1, qa))
    return pd.DataFrame(rows, columns=["ts", "bid_price_1", "bid_size_1", "ask_price_1",
                                       "ask_size_1"]).astype({"bid_size_1": float,
                                                              "ask_size_1": float})


def test_ofi_regression_on_a_stylised_book_is_linear_with_slope_over_depth():
    book = _stylised_book([5, 10, 20, 40], seconds=300, seed=3)
    r = ofi_regression(book, interval="5s", subperiod="300s")
    assert len(r.periods) == 4 and (r.periods["n"] >= 59).all()
    assert r.pooled["mean_period_r2"] > 0.5
    assert r.periods["beta"].is_monotonic_decreasing  # deeper book, smaller impact
    assert 0.6 < r.depth_exponent < 1.4 and r.depth_r2 > 0.9  # CKS: beta ~ c / depth
    assert np.corrcoef(r.bins["ofi"], r.bins["dp"])[0, 1] > 0.9  # linear by decile


def test_ofi_regression_needs_intervals():
    with pytest.raises(ValueError, match="too few"):
        ofi_regression(_depth(), interval=100)


LOBSTER = ("lobster/AMZN_2012-06-21_level1_fullday/"
           "AMZN_2012-06-21_34200000_57600000_{}_1.csv")


def test_real_amzn_day_reproduces_cks(shared_data: Path):
    paths = [shared_data / LOBSTER.format(w) for w in ("message", "orderbook")]
    data = hftlab.data.read_lobster(*paths)
    r = ofi_regression(data, interval="10s", subperiod="30min", tick_size=0.01)
    # measured 2026-12-07: 13 half hours, mean R^2 0.53, pooled 0.32, lambda 1.03
    assert len(r.periods) == 13 and (r.periods["t_beta"] > 5).all()
    assert r.pooled["mean_period_r2"] > 0.4 and r.pooled["beta"] > 0
    assert 0.5 < r.depth_exponent < 1.6
    assert np.corrcoef(r.bins["ofi"], r.bins["dp"])[0, 1] > 0.9


def test_real_binance_book_ofi_and_levels(shared_data: Path):
    path = shared_data / "hftbacktest_crypto_feed/usdm/btcusdt_20240808.gz"
    data = hftlab.data.read_binance(path)
    r = ofi_regression(data, interval="1s", subperiod="1min", levels=5)
    # measured 2026-12-07: mean R^2 0.60, pooled 0.54; level 1 explains most
    assert r.pooled["mean_period_r2"] > 0.4 and r.pooled["beta"] > 0
    assert r.levels["r2"].iloc[0] > r.levels["r2"].iloc[1:].max()
    assert r.joint_r2 >= r.levels["r2"].iloc[0]
