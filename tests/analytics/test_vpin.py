"""VPIN (Easley, López de Prado & O'Hara 2012): buckets, bounds, extremes, CDF, real data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from hftlab.analytics import default_bucket_volume, vpin, vpin_cdf, vpin_tick_rule
from hftlab.analytics.vpin_nb import fill_buckets_nb, rolling_vpin_nb

DAY = 86_400 * 10**9


def _trades(n, side, qty=1.0, price=None):
    return pd.DataFrame({"ts": np.arange(n, dtype=np.int64) * 10**9,
                         "price": np.full(n, 100.0) if price is None else price,
                         "qty": np.full(n, qty), "side": side})


def test_bars_are_split_exactly_across_bucket_boundaries():
    # bars of 3, 5, 4 lots with buy shares 1, 0.5, 0.25 into buckets of 4
    buy, sell, end_ts, end_bar = fill_buckets_nb(np.array([10, 20, 30]),
                                                 np.array([3.0, 5.0, 4.0]),
                                                 np.array([1.0, 0.5, 0.25]), 4.0)
    # bucket 0: 3 of bar 0 (3 buy) + 1 of bar 1 (0.5 buy); bucket 1: 4 of bar 1 (2 buy);
    # bucket 2: 4 of bar 2 (1 buy)
    assert buy.tolist() == [3.5, 2.0, 1.0]
    assert sell.tolist() == [0.5, 2.0, 3.0]
    assert end_ts.tolist() == [20, 20, 30] and end_bar.tolist() == [1, 1, 2]


def test_rolling_vpin_hand_case():
    v = rolling_vpin_nb(np.array([4.0, 2.0, 3.0]), np.array([0.0, 2.0, 1.0]), 2)
    assert np.isnan(v[0])
    assert v[1:].tolist() == [(4 + 0) / 8, (0 + 2) / 8]


def test_one_sided_flow_gives_vpin_one():
    v = vpin(_trades(500, 1), bucket_volume=5, window=50, classify="side")
    assert v["vpin"].dropna().eq(1.0).all() and v["vpin"].notna().sum() == 51
    rising = _trades(500, 1, price=100.0 + np.arange(500))
    tick = vpin_tick_rule(rising, bucket_volume=5, window=50)["vpin"]
    # the first trade has no prior price, so it counts half buy, half sell
    assert tick[49] == pytest.approx(1 - 1 / 250, abs=1e-15) and tick[50:].eq(1.0).all()


def test_balanced_flow_gives_vpin_zero():
    side = np.where(np.arange(500) % 2 == 0, 1, -1)
    assert vpin(_trades(500, side), bucket_volume=4, classify="side")["vpin"].dropna().eq(
        0.0).all()
    # BVC on a flat price: every bar is half buy, half sell
    flat = _trades(600, 0)
    assert vpin(flat, bucket_volume=6, bar="1min")["vpin"].dropna().eq(0.0).all()


def test_vpin_nan_until_window_buckets_complete():
    v = vpin(_trades(100, 1), bucket_volume=10, window=5, classify="side")
    assert v["vpin"].isna().tolist() == [True] * 4 + [False] * 6
    assert v.attrs == {"bucket_volume": 10.0, "window": 5}


def test_default_bucket_volume_is_daily_volume_over_50():
    ts = np.array([0, 1, DAY, DAY + 5], dtype=np.int64)
    assert default_bucket_volume(ts, np.array([10.0, 20.0, 30.0, 40.0])) == 100.0 / 2 / 50
    v = vpin(pd.DataFrame({"ts": ts, "price": [1.0, 2.0, 1.0, 2.0],
                           "qty": [10.0, 20.0, 30.0, 40.0]}), bar="1s")
    assert v.attrs["bucket_volume"] == 1.0 and len(v) == 100


def test_bvc_vpin_uses_time_bars():
    trades = pd.DataFrame({"ts": np.array([0, 1, 60, 61]) * 10**9,
                           "price": [100.0, 101.0, 99.0, 100.0], "qty": [2.0, 2.0, 1.0, 3.0]})
    v = vpin(trades, bucket_volume=4.0, window=1, bar="1min", sigma=1.0)
    # bar 0: dP = 1, buy 4 * Phi(1); bar 1: dP = 100 - 101 = -1, buy 4 * Phi(-1)
    np.testing.assert_allclose(v["buy_volume"], 4 * stats.norm.cdf([1.0, -1.0]), rtol=1e-14)
    np.testing.assert_allclose(v["vpin"], abs(2 * stats.norm.cdf(1.0) - 1), rtol=1e-12)


def test_vpin_rejects_bad_arguments():
    t = _trades(10, 1)
    with pytest.raises(ValueError, match="window"):
        vpin(t, window=0)
    with pytest.raises(ValueError, match="bucket_volume"):
        vpin(t, bucket_volume=-1.0)
    with pytest.raises(ValueError, match="classify"):
        vpin(t, classify="magic")
    with pytest.raises(ValueError, match="side"):
        vpin(t.drop(columns="side"), classify="side")
    with pytest.raises(ValueError, match="too small"):
        vpin(t.assign(qty=1e6), bucket_volume=1e-6)
    with pytest.raises(ValueError, match="no positive volume"):
        vpin(t.assign(qty=0.0))


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**7), st.floats(50.0, 150.0),
                          st.floats(0.0, 20.0), st.sampled_from([-1, 0, 1])),
                min_size=2, max_size=300),
       st.floats(0.5, 40.0), st.integers(1, 60), st.sampled_from(["bvc", "tick", "side"]))
def test_vpin_is_always_within_zero_and_one(rows, bucket, window, classify):
    trades = pd.DataFrame(sorted(rows), columns=["ts", "price", "qty", "side"])
    if trades["qty"].sum() <= 0:
        return
    v = vpin(trades, bucket_volume=bucket, window=window, classify=classify, bar=10**5)
    x = v["vpin"].dropna()
    assert ((x >= 0) & (x <= 1)).all()
    np.testing.assert_allclose(v["buy_volume"] + v["sell_volume"], bucket, rtol=1e-9)
    full = trades["qty"].sum() / bucket  # completed buckets = floor(full), up to rounding
    assert full - 1 - 1e-9 < len(v) <= full + 1e-9


def test_vpin_cdf_expanding_is_a_running_rank():
    out = vpin_cdf(pd.Series([0.1, 0.3, np.nan, 0.2, 0.3]))
    np.testing.assert_allclose(out.to_numpy(), [1.0, 1.0, np.nan, 2 / 3, 1.0])


def test_vpin_cdf_empirical_and_lognormal():
    x = pd.Series([0.2, 0.4, 0.1, 0.3])
    assert vpin_cdf(x, method="empirical").tolist() == [0.5, 1.0, 0.25, 0.75]
    ln = vpin_cdf(x, method="lognormal")
    logs = np.log(x)
    np.testing.assert_allclose(ln, stats.norm.cdf((logs - logs.mean()) / logs.std(ddof=1)))
    with pytest.raises(ValueError, match="method"):
        vpin_cdf(x, method="kde")


def test_real_binance_vpin_is_sane(binance_usdm):
    trades, _ = binance_usdm
    bucket = trades["qty"].sum() / 200
    bvc = vpin(trades, bucket_volume=bucket, bar="1s")
    true = vpin(trades, bucket_volume=bucket, classify="side")
    tick = vpin_tick_rule(trades, bucket_volume=bucket)
    for v in (bvc, true, tick):
        x = v["vpin"].dropna()
        assert len(x) >= 140 and ((x > 0.05) & (x < 0.99)).all()
    # the tick rule signs ~97% of these trades right, so its VPIN follows the true one
    assert np.corrcoef(true["vpin"].dropna(), tick["vpin"].dropna())[0, 1] > 0.9
    assert abs(bvc["vpin"].mean() - true["vpin"].mean()) < 0.2


def test_real_lobster_vpin_default_buckets(lobster_amzn):
    trades, _ = lobster_amzn
    v = vpin(trades, window=10)  # one day: V = day volume / 50, 1-minute bars
    assert len(v) == 50  # the day's volume is 50 V exactly: its last bucket completes
    x = v["vpin"].dropna()
    assert ((x > 0) & (x < 1)).all()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 12), st.floats(0.0, 1.0)), min_size=1, max_size=40),
       st.integers(1, 9))
def test_bucket_split_matches_a_lot_by_lot_reference(bars, V):
    vol = np.array([b[0] for b in bars], dtype=float)
    frac = np.array([b[1] for b in bars])
    buy, sell, _, end_bar = fill_buckets_nb(np.arange(len(bars)), vol, frac, float(V))
    lots = np.repeat(np.arange(len(bars)), vol.astype(int))  # bar index of every lot
    k = lots.size // V
    assert len(buy) == k
    for j in range(k):
        in_bucket = lots[j * V:(j + 1) * V]
        np.testing.assert_allclose(buy[j], frac[in_bucket].sum(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(sell[j], (1 - frac[in_bucket]).sum(), rtol=1e-12,
                                   atol=1e-12)
        assert end_bar[j] == in_bucket[-1]


def test_vpin_accepts_datetime_timestamps_and_mappings():
    t = _trades(300, np.where(np.arange(300) % 3 == 0, -1, 1))
    base = vpin(t, bucket_volume=10, window=5, classify="side")
    as_dt = vpin(t.assign(ts=pd.to_datetime(t["ts"], unit="ns", utc=True)), bucket_volume=10,
                 window=5, classify="side")
    as_map = vpin({c: t[c].to_numpy() for c in t.columns}, bucket_volume=10, window=5,
                  classify="side")
    pd.testing.assert_frame_equal(base, as_dt)
    pd.testing.assert_frame_equal(base, as_map)


@pytest.mark.parametrize("n", [3, 7, 10, 49, 50, 51, 200])
def test_total_volume_a_whole_multiple_of_v_gives_exactly_n_buckets(n):
    rng = np.random.default_rng(n)
    for _ in range(20):
        vol = rng.uniform(0.01, 3.0, 997) * rng.choice([1.0, 0.1, 1e-3, 1e6])
        V = vol.sum() / n
        buy, sell, _, end_bar = fill_buckets_nb(np.arange(vol.size), vol,
                                                rng.uniform(0, 1, vol.size), V)
        assert len(buy) == n
        np.testing.assert_allclose(buy + sell, V, rtol=1e-9)
        assert end_bar[-1] == vol.size - 1


def test_tenths_fill_their_buckets_without_drift():
    # 0.1 is not exact in binary: subtracting each bar from what is left of the bucket
    # drifts; boundaries k V do not
    vol = np.full(1000, 0.1)
    for V in (0.3, 0.7, 1.0, 2.5, 10.0, 100.0):
        buy, _, _, _ = fill_buckets_nb(np.arange(1000), vol, np.full(1000, 0.5), V)
        assert len(buy) == int(100.0 / V + 1e-9)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, DAY - 1), st.floats(90.0, 110.0),
                          st.floats(0.001, 50.0), st.sampled_from([-1, 1])),
                min_size=60, max_size=400),
       st.sampled_from(["bvc", "tick", "side"]))
def test_one_day_with_default_buckets_gives_window_buckets_and_a_vpin(rows, classify):
    # default V = the day's volume / 50 and window 50: the 50th bucket must complete
    trades = pd.DataFrame(sorted(rows), columns=["ts", "price", "qty", "side"])
    trades["ts"] += 1_700_000_000 * 10**9 // DAY * DAY  # one UTC day
    v = vpin(trades, window=50, classify=classify)
    assert len(v) == 50
    assert np.isfinite(v["vpin"].iloc[-1])
    np.testing.assert_allclose(v["buy_volume"] + v["sell_volume"], v.attrs["bucket_volume"],
                               rtol=1e-9)
