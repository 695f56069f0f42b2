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
