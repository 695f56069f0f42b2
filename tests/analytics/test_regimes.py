"""Toxicity regimes (Gaussian HMM) and the regime-switched spread policy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hftlab.analytics import (
    regime_spread_policy, toxicity_features, toxicity_regimes,
)


def _two_regime_features(n=600, seed=1):
    rng = np.random.default_rng(seed)
    truth = np.zeros(n, dtype=int)
    state = 0
    for i in range(n):  # persistent two-state chain
        if rng.random() < 0.03:
            state = 1 - state
        truth[i] = state
    f = pd.DataFrame({"vpin": np.where(truth, 0.6, 0.2) + rng.normal(0, 0.05, n),
                      "volatility": np.where(truth, 3e-4, 1e-4) + rng.normal(0, 3e-5, n),
                      "spread": np.where(truth, 4e-4, 1e-4) + rng.normal(0, 3e-5, n),
                      "ofi": np.where(truth, 2.0, 0.5) + rng.normal(0, 0.2, n)},
                     index=pd.date_range("2024-01-01", periods=n, freq="1min", tz="UTC"))
    return f, truth


def test_hmm_recovers_simulated_regimes_and_orders_them_by_vpin():
    f, truth = _two_regime_features()
    fit = toxicity_regimes(f, n_regimes=2, seed=0)
    assert (fit.regimes.to_numpy() == truth).mean() > 0.97
    assert fit.means.loc[1, "vpin"] > fit.means.loc[0, "vpin"]
    np.testing.assert_allclose(fit.transmat.sum(axis=1), 1.0)
    np.testing.assert_allclose(fit.probabilities.sum(axis=1), 1.0)


def test_regimes_are_reproducible_with_a_seed():
    f, _ = _two_regime_features()
    a, b = toxicity_regimes(f, 3, seed=4), toxicity_regimes(f, 3, seed=4)
    assert a.regimes.equals(b.regimes) and a.log_likelihood == b.log_likelihood


def test_nan_rows_get_regime_minus_one():
    f, _ = _two_regime_features()
    f.iloc[5, 0] = np.nan
    fit = toxicity_regimes(f, 2)
    assert fit.regimes.iloc[5] == -1 and fit.probabilities.iloc[5].isna().all()
    assert (fit.regimes.drop(f.index[5]) >= 0).all()


def test_regimes_reject_bad_input():
    f, _ = _two_regime_features(n=50)
    with pytest.raises(ValueError, match="n_regimes"):
        toxicity_regimes(f, 1)
    with pytest.raises(ValueError, match="constant"):
        toxicity_regimes(f.assign(spread=1.0), 2)
    with pytest.raises(ValueError, match="order_by"):
        toxicity_regimes(f, 2, columns=["spread", "ofi"])
    with pytest.raises(ValueError, match="rows without NaN"):
        toxicity_regimes(f.iloc[:5], 2)


def test_regime_spread_policy_maps_and_checks():
    regimes = pd.Series([0, 1, 2, -1, 1], index=list("abcde"))
    out = regime_spread_policy(regimes, {0: 1e-4, 1: 2e-4, 2: 5e-4}, default=1e-3)
    assert out.tolist() == [1e-4, 2e-4, 5e-4, 1e-3, 2e-4] and list(out.index) == list("abcde")
    with pytest.raises(ValueError, match=r"regimes \[-1\]"):
        regime_spread_policy(regimes, {0: 1e-4, 1: 2e-4, 2: 5e-4})
    with pytest.raises(ValueError, match="finite spread"):
        regime_spread_policy(regimes, {0: -1.0}, default=0.0)
    assert regime_spread_policy(np.array([1, 1]), {1: 0.5}).tolist() == [0.5, 0.5]


def test_features_and_regimes_on_real_binance(binance_usdm):
    trades, quotes = binance_usdm
    f = toxicity_features(trades, quotes, interval="5s",
                          bucket_volume=trades["qty"].sum() / 400, window=20, bar="1s")
    assert list(f.columns) == ["vpin", "volatility", "spread", "ofi"]
    v = f["vpin"].dropna()
    assert len(v) > 30 and ((v >= 0) & (v <= 1)).all()
    assert (f["spread"] > 0).all() and (f["volatility"].dropna() >= 0).all()
    fit = toxicity_regimes(f, n_regimes=2, seed=0)
    labelled = fit.regimes[fit.regimes >= 0]
    assert set(labelled.unique()) == {0, 1}
    # the toxic regime has the higher mean VPIN by construction of the labels
    assert fit.means.loc[1, "vpin"] >= fit.means.loc[0, "vpin"]


def test_toxicity_features_hand_case():
    s = 1_000_000_000
    quotes = pd.DataFrame({"ts": [0, s // 2, s, s + 1], "bid": [99.0, 99.0, 100.0, 100.0],
                           "ask": [101.0, 101.0, 102.0, 104.0],
                           "bid_qty": [5.0, 7.0, 4.0, 4.0], "ask_qty": [5.0, 5.0, 6.0, 6.0]})
    trades = pd.DataFrame({"ts": [1, 2, s + 2, s + 3], "price": [101.0, 101.0, 102.0, 103.0],
                           "qty": 1.0, "side": 1})
    f = toxicity_features(trades, quotes, interval="1s", bucket_volume=1.0, window=1,
                          classify="side")
    assert f.index.asi8.tolist() == [s, 2 * s]
    # interval 0: one mid change 0 -> volatility 0; spreads 2/100 twice; OFI +2 (bid size
    # 5 -> 7) over mean depth (5 + 6) / 2
    # interval 1: mid 100 -> 101 (update at 1 s) -> 102; spreads 2/101, 4/102; OFI: bid up
    # to 100 (+4), ask up to 102 (+5 old ask size), then ask up to 104 (+6): 15 over depth 5
    vol1 = np.sqrt(np.log(101 / 100) ** 2 + np.log(102 / 101) ** 2)
    np.testing.assert_allclose(f["volatility"], [0.0, vol1], atol=1e-15)
    np.testing.assert_allclose(f["spread"], [0.02, (2 / 101 + 4 / 102) / 2])
    np.testing.assert_allclose(f["ofi"], [2 / 5.5, 15 / 5])
    assert f["vpin"].tolist() == [1.0, 1.0]  # all buys, buckets of one lot
