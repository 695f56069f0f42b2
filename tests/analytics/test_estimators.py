"""Roll (1984) and Corwin-Schultz (2012) recover known spreads on simulated prices."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hftlab.analytics import corwin_schultz, roll_spread


def test_roll_recovers_the_spread_of_a_simulated_roll_model():
    rng = np.random.default_rng(42)
    n, spread = 200_000, 0.10  # price units; efficient price ~100
    m = 100.0 + np.cumsum(rng.normal(0, 0.02, n))
    p = m + 0.5 * spread * rng.choice([-1, 1], n)
    assert roll_spread(p, relative=False) == pytest.approx(spread, rel=0.03)
    assert roll_spread(p) == pytest.approx(spread / p.mean(), rel=0.03)


def test_roll_is_nan_when_autocovariance_is_positive():
    assert np.isnan(roll_spread(np.cumsum(np.arange(50.0))))
    assert np.isnan(roll_spread([1.0, 2.0]))


def _cs_days(n_days=2000, steps=390, spread=0.01, sigma_day=0.01, seed=5):
    rng = np.random.default_rng(seed)
    logp = np.log(100.0) + np.cumsum(rng.normal(0, sigma_day / np.sqrt(steps),
                                                (n_days, steps)).ravel()).reshape(n_days, steps)
    true = np.exp(logp)
    side = rng.choice([-1, 1], true.shape)
    traded = true * (1 + 0.5 * spread * side)
    return traded.max(axis=1), traded.min(axis=1), traded[:, -1]


def test_corwin_schultz_recovers_a_known_spread():
    high, low, close = _cs_days()
    s = corwin_schultz(high, low, close)
    assert np.isnan(s.iloc[0])
    assert s.mean() == pytest.approx(0.01, rel=0.15)


def test_corwin_schultz_zero_range_days_give_zero():
    assert corwin_schultz([100.0, 100.0, 100.0], [100.0, 100.0, 100.0]).iloc[1:].tolist() == [
        0.0, 0.0]


def test_corwin_schultz_overnight_adjustment_removes_a_gap():
    high, low = np.array([101.0, 101.5]), np.array([99.0, 99.2])
    base = corwin_schultz(high, low, close=[100.0, 100.0]).iloc[1]
    # the same second day shifted up by a 10-point overnight gap
    gapped_h, gapped_l = np.array([101.0, 101.5 + 10]), np.array([99.0, 99.2 + 10])
    close = [100.0, 110.0]
    adjusted = corwin_schultz(gapped_h, gapped_l, close=close).iloc[1]
    unadjusted = corwin_schultz(gapped_h, gapped_l).iloc[1]
    # the adjustment shifts day 2 down by low2 - close1 = 9.2 (so its low meets the close)
    expected = corwin_schultz(np.array([101.0, 102.3]), np.array([99.0, 100.0])).iloc[1]
    assert adjusted == pytest.approx(expected, rel=1e-12)
    assert unadjusted == 0.0 and base > 0


def test_corwin_schultz_nan_and_bad_input():
    s = corwin_schultz(pd.Series([101.0, np.nan, 101.0]), pd.Series([99.0, 99.0, 99.0]))
    assert s.isna().all()
    with pytest.raises(ValueError, match="low <= high"):
        corwin_schultz([99.0, 101.0], [100.0, 100.0])


def test_real_lobster_minute_bars_give_sane_estimates(lobster_amzn):
    trades, quotes = lobster_amzn
    ts = pd.to_datetime(trades["ts"], unit="ns")
    bars = trades.groupby(ts.dt.floor("5min"))["price"].agg(["max", "min", "last"])
    cs = corwin_schultz(bars["max"], bars["min"], bars["last"]).mean()
    roll = roll_spread(trades["price"])
    quoted = ((quotes["ask"] - quotes["bid"]) / (0.5 * (quotes["ask"] + quotes["bid"]))).median()
    for est in (cs, roll):
        assert quoted / 10 < est < quoted * 10


def test_corwin_schultz_hand_case():
    # day 1: H 102, L 100; day 2: H 103, L 101 (two-day range 103 / 100)
    beta = np.log(102 / 100) ** 2 + np.log(103 / 101) ** 2
    gamma = np.log(103 / 100) ** 2
    k = 3 - 2 * np.sqrt(2)
    alpha = (np.sqrt(2 * beta) - np.sqrt(beta)) / k - np.sqrt(gamma / k)
    expected = 2 * (np.exp(alpha) - 1) / (1 + np.exp(alpha))
    got = corwin_schultz([102.0, 103.0], [100.0, 101.0], clip_negative=False).iloc[1]
    assert got == pytest.approx(expected, rel=1e-12)
    # here the two-day range is wide relative to the daily ranges, so alpha < 0: the raw
    # estimate is negative and the paper's rule sets it to 0
    assert expected < 0
    assert corwin_schultz([102.0, 103.0], [100.0, 101.0]).iloc[1] == 0.0


def test_roll_hand_case():
    # price changes +1, -1, +1, -1, +1: the 4 lagged pairs have mean 0 and products -1,
    # so the sample cov(dP_t, dP_t-1) = -4 / (4 - 1) and S = 2 sqrt(4 / 3)
    assert roll_spread([10.0, 11.0, 10.0, 11.0, 10.0, 11.0], relative=False) == pytest.approx(
        2.0 * np.sqrt(4.0 / 3.0))


def test_roll_uses_the_sample_autocovariance():
    p = np.array([100.0, 100.2, 100.0, 100.1, 99.9, 100.1, 100.0])
    dp = np.diff(p)
    cov = np.cov(dp[1:], dp[:-1], ddof=1)[0, 1]  # sample covariance, m - 1 denominator
    assert cov < 0
    assert roll_spread(p, relative=False) == pytest.approx(2 * np.sqrt(-cov), rel=1e-12)
    population = np.cov(dp[1:], dp[:-1], ddof=0)[0, 1]
    assert roll_spread(p, relative=False) > 2 * np.sqrt(-population)
    assert roll_spread(p) == pytest.approx(2 * np.sqrt(-cov) / p.mean(), rel=1e-12)


def test_roll_needs_four_prices_for_a_sample_autocovariance():
    assert np.isnan(roll_spread([100.0, 100.1, 100.0]))
    assert np.isfinite(roll_spread([100.0, 100.1, 100.0, 100.1]))
    assert np.isnan(roll_spread([]))


def test_corwin_schultz_of_nothing_is_empty():
    for out in (corwin_schultz([], []), corwin_schultz(np.array([]), np.array([]), close=[]),
                corwin_schultz(pd.Series([], dtype=float), pd.Series([], dtype=float))):
        assert isinstance(out, pd.Series) and out.empty and out.dtype == np.float64
        assert out.name == "corwin_schultz"
    assert corwin_schultz([101.0], [99.0]).isna().all()
    with pytest.raises(ValueError, match="same length"):
        corwin_schultz([], [1.0])
