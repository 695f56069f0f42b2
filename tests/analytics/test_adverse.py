"""Adverse selection of a run's fills: hand case, exact identity, keys and summaries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hftlab.analytics import adverse_selection


def _fills():
    return pd.DataFrame({
        "order_id": [1, 2, 3], "ts_exchange": [100, 200, 300], "ts_local": [110, 210, 310],
        "venue": [0, 0, 0], "instrument": [0, 0, 0], "side": [1, -1, 1],
        "price": [999, 1001, 1002], "qty": [2, 1, 1], "maker": [1, 1, 0],
        "fee": [-0.02, -0.01, 0.05], "mid": [1000.0, 1000.0, 1001.5],
        "price_ccy": [99.9, 100.1, 100.2], "size": [2.0, 1.0, 1.0]})


def _mids():
    return pd.DataFrame({"ts": [0, 150, 250, 400], "mid": [1000.0, 999.0, 1001.5, 1003.0]})


def test_hand_case_per_fill():
    res = adverse_selection(_fills(), _mids(), horizons=[100])
    f = res.per_fill
    m2 = 1001.5
    # fill 0: bought 999 at mid 1000 -> earned 2*(1000-999)/1000; 100 ns later mid 999 ->
    # adverse 2*(1000-999)/1000; realized 0
    # fill 1: sold 1001 at mid 1000 -> earned 0.002; mid 1001.5 at 300 -> adverse 0.003
    # fill 2: bought 1002 at mid 1001.5 (aggressive) -> earned -1/m2; mid 1003 at 400
    np.testing.assert_allclose(f["effective_earned"], [0.002, 0.002, -1 / m2], rtol=0,
                               atol=3e-14)
    np.testing.assert_allclose(f["adverse_100ns"], [0.002, 0.003, -3 / m2], rtol=0, atol=3e-14)
    np.testing.assert_allclose(f["realized_100ns"], [0.0, -0.001, 2 / m2], rtol=0, atol=6e-14)
    # cost per unit = s (p - m)/m; permanent = s (m_H - m)/m at the longest horizon
    np.testing.assert_allclose(f["cost"], [-0.001, -0.001, 0.5 / m2], rtol=0, atol=3e-14)
    np.testing.assert_allclose(f["permanent"], [-0.001, -0.0015, 1.5 / m2], rtol=0, atol=3e-14)
    np.testing.assert_allclose(f["fee"], [-0.02 / 199.8, -0.01 / 100.1, 0.05 / 100.2])


def test_identity_is_exact_and_summary_splits_maker_flag():
    rng = np.random.default_rng(9)
    n = 400
    ts = np.sort(rng.integers(0, 10**9, n))
    fills = pd.DataFrame({"ts_exchange": ts, "side": rng.choice([-1, 1], n),
                          "price": 10_000 + rng.integers(-5, 6, n), "qty": rng.integers(1, 5, n),
                          "maker": rng.integers(0, 2, n)})
    mts = np.sort(rng.integers(0, 10**9, 2000))
    mids = pd.Series(10_000 + np.cumsum(rng.integers(-1, 2, 2000)) * 0.5,
                     index=pd.to_datetime(mts, unit="ns"))
    res = adverse_selection(fills, mids, horizons=["1ms", "100ms"])
    f = res.per_fill
    for h in ("1ms", "100ms"):
        ok = f[f"adverse_{h}"].notna()
        assert ok.sum() > 300
        assert ((f[f"realized_{h}"] + f[f"adverse_{h}"])[ok] == f["effective_earned"][ok]).all()
    ok = f["permanent"].notna()
    assert ((f["permanent"] + f["temporary"])[ok] == f["cost"][ok]).all()
    s = res.summary
    assert list(s.index) == ["all", "passive", "aggressive"]
    assert s.loc["passive", "fills"] + s.loc["aggressive", "fills"] == n
    assert s.loc["all", "qty"] == fills["qty"].sum()


def test_several_instruments_need_keyed_mids():
    fills = _fills()
    fills.loc[2, "instrument"] = 1
    with pytest.raises(ValueError, match="several"):
        adverse_selection(fills, _mids(), horizons=[100])
    mids = pd.concat([_mids().assign(instrument=0),
                      _mids().assign(instrument=1, mid=[2000.0, 2001.0, 2002.0, 2003.0])])
    with pytest.raises(ValueError, match="no such column"):
        adverse_selection(fills.drop(columns=["mid", "instrument", "venue"]), mids)
    res = adverse_selection(fills.drop(columns="mid"), mids, horizons=[50])
    # fill 2 (instrument 1, ts 300) meets mid 2002 (ts 250), not instrument 0's 1001.5
    assert res.per_fill["mid"].tolist() == [1000.0, 999.0, 2002.0]
    s = adverse_selection(_fills(), _mids(), horizons=[100]).summary
    # qty-weighted, bps: passive fills 0 (qty 2) and 1 (qty 1) earned 20 bps each
    assert s.loc["passive", "effective_earned"] == pytest.approx(20.0)
    assert s.loc["passive", "adverse_100ns"] == pytest.approx((2 * 20.0 + 30.0) / 3)


def test_bad_fills_are_rejected():
    with pytest.raises(ValueError, match="ts_exchange"):
        adverse_selection(_fills().drop(columns="ts_exchange"), _mids())
    with pytest.raises(ValueError, match="fills\\['side'\\]"):
        adverse_selection(_fills().assign(side=[1, 2, 1]), _mids())
    with pytest.raises(TypeError, match="mids"):
        adverse_selection(_fills(), [1.0, 2.0])
    with pytest.raises(ValueError, match="time order"):
        adverse_selection(_fills(), _mids().iloc[::-1])
