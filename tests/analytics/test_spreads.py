"""Spreads: hand cases and the exact identity effective = realized + impact."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hftlab.analytics import (
    decomposition_summary, effective_spread, from_bps, price_impact, quoted_spread,
    realized_spread, spread_decomposition, to_bps,
)

NAN = float("nan")


def test_quoted_spread_hand_case():
    out = quoted_spread([99.0, 100.0, NAN, 101.0], [101.0, 100.0, 101.0, 99.0])
    np.testing.assert_allclose(out.to_numpy(), [0.02, 0.0, NAN, -0.02])
    assert to_bps(out.iloc[0]) == pytest.approx(200.0)


def test_bps_helpers_round_trip():
    assert to_bps(0.0001) == pytest.approx(1.0) and from_bps(25.0) == pytest.approx(0.0025)


def test_effective_realized_impact_hand_case():
    price, mid, later, side = [101.0, 99.5], [100.0, 100.0], [100.5, 99.0], [1, -1]
    eff = effective_spread(price, mid, side).to_numpy()
    imp = price_impact(mid, later, side).to_numpy()
    real = realized_spread(price, mid, later, side).to_numpy()
    # values sit on the 2**-44 grid, within 3e-14 of the exact fractions
    # 2 (101 - 100) / 100 and -2 (99.5 - 100) / 100
    np.testing.assert_allclose(eff, [0.02, 0.01], rtol=0, atol=3e-14)
    np.testing.assert_allclose(imp, [0.01, 0.02], rtol=0, atol=3e-14)  # mid moved with the trade
    np.testing.assert_allclose(real, [0.01, -0.01], rtol=0, atol=6e-14)


def test_nan_in_nan_out_and_bad_mid_rejected():
    assert np.isnan(effective_spread([NAN], [100.0], [1]).iloc[0])
    assert np.isnan(price_impact([100.0], [NAN], [1]).iloc[0])
    with pytest.raises(ValueError, match="mid must be > 0"):
        effective_spread([1.0], [0.0], [1])
    with pytest.raises(ValueError, match="same unit"):
        effective_spread([1e6], [1.0], [1])
    with pytest.raises(ValueError, match=r"\+1 \(buy\)"):
        effective_spread([1.0], [1.0], [2])


finite = st.floats(1e-3, 1e6, allow_nan=False, allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(finite, st.floats(0.5, 2.0), st.floats(0.5, 2.0),
                          st.sampled_from([-1, 0, 1])), min_size=1, max_size=50))
def test_identity_holds_exactly_for_any_prices(rows):
    mid = np.array([r[0] for r in rows])
    price = mid * np.array([r[1] for r in rows])
    later = mid * np.array([r[2] for r in rows])
    side = np.array([r[3] for r in rows])
    eff = effective_spread(price, mid, side).to_numpy()
    total = (realized_spread(price, mid, later, side) + price_impact(mid, later, side)).to_numpy()
    assert np.array_equal(eff, total)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 5 * 10**8), st.integers(-3, 3), st.integers(1, 9)),
                min_size=2, max_size=60),
       st.lists(st.integers(0, 10**9), min_size=1, max_size=80))
def test_decomposition_identity_exact_on_tick_data(trade_rows, quote_ts):
    quote_ts = np.sort(np.array(quote_ts, dtype=np.int64))
    rng = np.random.default_rng(len(quote_ts))
    bid = 10_000 + rng.integers(-20, 20, quote_ts.size)
    quotes = pd.DataFrame({"ts": quote_ts, "bid": bid.astype(float),
                           "ask": (bid + rng.integers(1, 4, quote_ts.size)).astype(float)})
    trade_rows = sorted(trade_rows)
    trades = pd.DataFrame({"ts": [r[0] for r in trade_rows],
                           "price": [10_000.0 + r[1] for r in trade_rows],
                           "qty": [float(r[2]) for r in trade_rows]})
    d = spread_decomposition(trades, quotes, horizons=["1ms", 200_000_000])
    for h in ("1ms", "200000000ns"):
        e, r, i = d["effective"], d[f"realized_{h}"], d[f"impact_{h}"]
        ok = e.notna() & i.notna()
        assert ((r + i)[ok] == e[ok]).all()
        assert i[d["mid"].notna() & ~ok].isna().all()


def test_decomposition_hand_case_and_nan_past_the_quotes():
    quotes = pd.DataFrame({"ts": [0, 10, 20], "bid": [99.0, 100.0, 98.0],
                           "ask": [101.0, 102.0, 100.0]})
    trades = pd.DataFrame({"ts": [5, 15, 25], "price": [101.0, 100.0, 98.0],
                           "qty": [1.0, 2.0, 3.0], "side": [1, -1, -1]})
    d = spread_decomposition(trades, quotes, horizons=[10])
    # trade 0: mid 100, 10 ns later mid 101 -> eff 0.02, impact 0.02, realized 0
    # trade 1: mid 101, later mid 99 -> eff 2*(-1)*(100-101)/101, impact 2*(-1)*(99-101)/101
    # trade 2: sold 98 at mid 99 (the last quote still stands) -> eff 2/99, but 35 ns is
    # past the end of the data
    np.testing.assert_allclose(d["effective"], [0.02, 2 / 101, 2 / 99], rtol=0, atol=3e-14)
    np.testing.assert_allclose(d["impact_10ns"][:2], [0.02, 4 / 101], rtol=0, atol=3e-14)
    np.testing.assert_allclose(d["realized_10ns"][:2], [0.0, -2 / 101], rtol=0, atol=6e-14)
    assert np.isnan(d["impact_10ns"].iloc[2]) and np.isnan(d["realized_10ns"].iloc[2])
    s = decomposition_summary(d, weight="volume", bps=True)
    assert s.loc["10ns", "trades"] == 2
    assert s.loc["10ns", "effective"] == pytest.approx((0.02 + 2 * 2 / 101) / 3 * 1e4)
    assert s.loc["10ns", "impact"] == pytest.approx((0.02 + 2 * 4 / 101) / 3 * 1e4)


def test_decomposition_signs_trades_by_lee_ready_without_side():
    quotes = pd.DataFrame({"ts": [0], "bid": [99.0], "ask": [101.0]})
    trades = pd.DataFrame({"ts": [1, 2], "price": [101.0, 99.0], "qty": [1.0, 1.0]})
    d = spread_decomposition(trades, quotes, horizons=[1])
    assert d["side"].tolist() == [1, -1]
    np.testing.assert_allclose(d["effective"], [0.02, 0.02], rtol=0, atol=3e-14)


def test_real_binance_spreads_are_sane(binance_usdm):
    trades, quotes = binance_usdm
    qs = quoted_spread(quotes["bid"], quotes["ask"])
    assert (qs > 0).all() and to_bps(qs.median()) < 1.0  # one 0.1 tick on ~61,800
    s = decomposition_summary(spread_decomposition(trades, quotes, horizons=["1s", "10s"]))
    for h in ("1s", "10s"):
        assert 0 < s.loc[h, "effective"] < 5
        assert s.loc[h, "effective"] == pytest.approx(s.loc[h, "realized"] + s.loc[h, "impact"],
                                                      abs=1e-9)


def test_real_lobster_effective_spread_below_quoted(lobster_amzn):
    trades, quotes = lobster_amzn
    d = spread_decomposition(trades, quotes, horizons=["5s"])
    qs = quoted_spread(quotes["bid"], quotes["ask"])
    eff = d["effective"].median()
    assert 0 < eff <= qs.median() * 1.5
