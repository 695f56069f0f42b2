"""Markouts, permanent/temporary impact, Hasbrouck VAR, Kyle lambda and Amihud."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hftlab.analytics import (
    amihud, hasbrouck_var, kyle_lambda, markouts, permanent_temporary_impact,
)


def test_markouts_hand_case():
    quotes = pd.DataFrame({"ts": [0, 10, 20], "bid": [99.0, 101.0, 97.0],
                           "ask": [101.0, 103.0, 99.0]})
    trades = pd.DataFrame({"ts": [5, 6], "price": [101.0, 99.0], "qty": [1.0, 1.0],
                           "side": [1, -1]})
    m = markouts(trades, quotes, horizons=[5, 15])
    # trade 0: mid 100, +5 ns -> mid 102: (102-101)/100; +15 ns -> mid 98: (98-101)/100
    # trade 1 (sold 99): +5 ns -> mid 102: -(102-99)/100; +15 ns is past the data's end (20)
    np.testing.assert_allclose(m["5ns"], [0.01, -0.03], rtol=1e-12)
    np.testing.assert_allclose(m["15ns"], [-0.03, np.nan], rtol=1e-12)


def test_permanent_plus_temporary_is_the_cost_exactly():
    rng = np.random.default_rng(3)
    qts = np.sort(rng.integers(0, 10**9, 500))
    bid = 5000.0 + np.cumsum(rng.integers(-1, 2, 500))
    quotes = pd.DataFrame({"ts": qts, "bid": bid, "ask": bid + rng.integers(1, 3, 500)})
    trades = pd.DataFrame({"ts": np.sort(rng.integers(0, 9 * 10**8, 300)),
                           "price": 5000.0 + rng.integers(-30, 30, 300), "qty": 1.0,
                           "side": rng.choice([-1, 1], 300)})
    p = permanent_temporary_impact(trades, quotes, horizon="50ms")
    ok = p["permanent"].notna()
    assert ok.sum() > 250
    assert ((p["permanent"] + p["temporary"])[ok] == p["cost"][ok]).all()


def _simulated_var(n=40_000, lam=2e-4, noise=1e-4, seed=7):
    """Mid after trade t moves by lam * q_t + noise: permanent impact lam per trade."""
    rng = np.random.default_rng(seed)
    q = rng.choice([-1, 1], n)
    mid = 100.0 * np.cumprod(1 + lam * q + rng.normal(0, noise, n))
    mid = np.concatenate([[100.0], mid])
    ts = np.arange(n) * 1000 + 500
    quotes = pd.DataFrame({"ts": np.arange(n + 1) * 1000, "bid": mid - 0.01,
                           "ask": mid + 0.01})
    trades = pd.DataFrame({"ts": ts, "price": mid[:-1] + 0.01 * q, "qty": 1.0, "side": q})
    return trades, quotes, lam, noise


def test_hasbrouck_var_recovers_permanent_impact_and_trade_share():
    trades, quotes, lam, noise = _simulated_var()
    res = hasbrouck_var(trades, quotes, lags=3, steps=10)
    assert res.permanent_impact == pytest.approx(lam, rel=0.03)
    assert res.trade_share == pytest.approx(lam**2 / (lam**2 + noise**2), abs=0.03)
    assert res.irf["trade"].iloc[0] == pytest.approx(lam, rel=0.03)
    assert res.return_coef["x_lag0"] == pytest.approx(lam, rel=0.03)


def test_hasbrouck_var_needs_enough_trades():
    trades, quotes, _, _ = _simulated_var(n=8)
    with pytest.raises(ValueError, match="lags=5"):
        hasbrouck_var(trades, quotes, lags=5)


def test_kyle_lambda_recovers_simulated_slope():
    rng = np.random.default_rng(11)
    n_int, per = 400, 20
    lam = 3e-6
    ts, price, qty, side = [], [], [], []
    p = 100.0
    for k in range(n_int):
        q = rng.choice([-1, 1], per)
        v = rng.integers(1, 100, per).astype(float)
        flow = float((q * v).sum())
        p_end = p * (1 + lam * flow + rng.normal(0, 2e-5))
        ts += list(k * 60 * 10**9 + np.arange(per) * 10**9)
        price += list(np.linspace(p, p_end, per + 1)[1:])
        qty += list(v)
        side += list(q)
        p = p_end
    trades = pd.DataFrame({"ts": ts, "price": price, "qty": qty, "side": side})
    out = kyle_lambda(trades, interval="1min")
    assert out["lambda"] == pytest.approx(lam, rel=0.05)
    assert out["t_stat"] > 20 and out["n"] == n_int


def test_amihud_hand_case():
    trades = pd.DataFrame({"ts": np.array([0, 1, 10, 11]) * 10**9,
                           "price": [100.0, 110.0, 99.0, 99.0], "qty": [1.0, 2.0, 1.0, 1.0]})
    out = amihud(trades, interval="10s")
    # interval 0: r = 110/100 - 1, dollar volume 100 + 220; interval 1: r = 99/110 - 1, 198
    np.testing.assert_allclose(out.to_numpy(), [0.1 / 320, (11 / 110) / 198], rtol=1e-12)


def test_real_lobster_impact_measures_are_sane(lobster_amzn):
    trades, quotes = lobster_amzn
    res = hasbrouck_var(trades, quotes, lags=5)
    assert 0 < res.permanent_impact < 1e-3  # under 10 bps per unexpected trade
    assert 0 < res.trade_share < 1
    kl = kyle_lambda(trades, interval="5min", quotes=quotes)
    assert kl["lambda"] > 0 and kl["t_stat"] > 2
