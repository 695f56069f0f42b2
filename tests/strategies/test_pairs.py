"""PairsTrader: the hedge ratio converges to the generating one on a cointegrated pair
(Kalman and rolling OLS; a basket), both forms leave the same record, the correlation
guard loses less through a breakdown, bands and parameters are checked."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hftlab
from hftlab.instruments import ConfigError
from hftlab.strategies import PairsTrader
from hftlab.studies.multi_asset import breakdown_pair, pairs_breakdown, scenario_venues

SECOND = 1_000_000_000


@pytest.fixture(scope="module")
def cointegrated():
    """Two stocks of one sector, 30 minutes: log values load 0.95 of their variance on
    common factors, own components revert in 20 s, volatilities 10 and 8 bps per sqrt(s),
    so log y - 1.25 log x is stationary (the generating hedge ratio is 1.25)."""
    return hftlab.sim.market("correlated-assets", seconds=1800, seed=1, instruments=2,
                             sectors=1, factor_correlation=0.45, sector_correlation=10 / 11,
                             instrument_vols=(1e-3, 8e-4), informed_rate=10.0,
                             idio_reversion=0.05)


@pytest.mark.parametrize("method,kw,tol", [("rolling_ols", {"window": 1800}, 0.05),
                                           ("kalman", {"delta": 1e-9}, 0.10)])
def test_hedge_ratio_converges_to_the_generating_one(cointegrated, method, kw, tol):
    p = cointegrated.stats["params"]
    beta = p.vols()[0] / p.vols()[1]
    pt = PairsTrader(cointegrated.instruments, [0, 1], method=method, **kw)
    rec = hftlab.backtest(cointegrated, pt.compiled())
    got = pt.hedge_ratio(rec.strategy_state)
    assert abs(got[1] - beta) < tol * beta, (got, beta)
    assert pt.counters(rec.strategy_state)["samples"] > 1700


def test_a_basket_hedges_the_common_loading():
    """Three stocks of one sector: y = b1 x1 + b2 x2 is identified only up to the common
    factor, so the fitted loading b1 vol1 + b2 vol2 must match vol0."""
    m = hftlab.sim.market("correlated-assets", seconds=1800, seed=2, instruments=3, sectors=1,
                          factor_correlation=0.45, sector_correlation=10 / 11,
                          instrument_vols=(1e-3, 8e-4, 6e-4), informed_rate=10.0,
                          idio_reversion=0.05)
    pt = PairsTrader(m.instruments, [0, 1, 2], method="rolling_ols", window=1800)
    rec = hftlab.backtest(m, pt.compiled())
    a, b1, b2 = pt.hedge_ratio(rec.strategy_state)
    vols = m.stats["params"].vols()
    assert abs(b1 * vols[1] + b2 * vols[2] - vols[0]) < 0.1 * vols[0], (b1, b2)


def test_the_correlation_guard_loses_less_through_a_breakdown():
    for seed in (1, 2, 3):
        m = breakdown_pair(seed)
        without, _ = pairs_breakdown(seed, None, data=m)
        guarded, pt = pairs_breakdown(seed, 0.2, data=m)
        a, b = without.summary()["total_pnl"], guarded.summary()["total_pnl"]
        assert b > a, (seed, a, b)
        assert pt.counters(guarded.strategy_state)["correlation"] < 0.2  # it saw the breakdown
        # after the breakdown the guarded trader is in the market less of the time
        held = [(r.states["ts"] > m.stats["breakdown_ns"]) & (r.states["position"] != 0)
                for r in (without, guarded)]
        assert held[1].sum() < held[0].sum(), (seed, held[0].sum(), held[1].sum())


def _same(a, b) -> None:
    for name in ("orders", "fills", "states"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)


@pytest.mark.parametrize("execution", ["taker", "passive"])
def test_compiled_and_python_forms_leave_identical_records(execution):
    m = breakdown_pair(4, seconds=300, breakdown_at=0.6)
    kw = dict(method="kalman", sample_ns=SECOND, z_halflife=20.0, warmup=20, entry_z=1.0,
              exit_z=0.2, stop_z=5.0, notional=20_000.0, execution=execution,
              correlation_threshold=0.0, correlation_min_updates=20, requote_ns=200_000_000)
    a, b = PairsTrader(m.instruments, [0, 1], **kw), PairsTrader(m.instruments, [0, 1], **kw)
    ra = hftlab.backtest(m, a.compiled(), venues=scenario_venues(m))
    rb = hftlab.backtest(m, b, venues=scenario_venues(m))
    assert len(ra.fills) > 5
    _same(ra, rb)
    assert ra.strategy_state.dtype == b.state.dtype  # params, state, ring by name
    assert ra.strategy_state.tobytes() == b.state.tobytes()


def test_bands_holding_time_and_costs():
    from hftlab.strategies import pairs_nb as k

    m = breakdown_pair(5, seconds=300, breakdown_at=-1)
    # a holding limit of 20 s: no position lives longer (plus one 1 s sample)
    pt = PairsTrader(m.instruments, [0, 1], sample_ns=SECOND, z_halflife=20.0, warmup=20,
                     entry_z=1.0, exit_z=0.0, stop_z=50.0, max_hold_ns=20 * SECOND,
                     cost_mult=0.0)
    rec = hftlab.backtest(m, pt.compiled())
    c = pt.counters(rec.strategy_state)
    assert c["entries"] > 0 and c["timeouts"] > 0
    y = rec.states[rec.states["instrument"] == 0]
    held = (y["position"] != 0).to_numpy()
    run = longest = 0
    for h in held:  # state samples are 100 ms apart
        run = run + 1 if h else 0
        longest = max(longest, run)
    assert longest * 0.1 <= 21.0, longest
    # a cost test that no edge can pass: no trade at all
    pt = PairsTrader(m.instruments, [0, 1], sample_ns=SECOND, warmup=20, cost_mult=1e6)
    rec = hftlab.backtest(m, pt.compiled())
    assert pt.counters(rec.strategy_state)["entries"] == 0 and len(rec.fills) == 0
    # entry sizes: notional of y, -b notional of x, in lots at the mids
    r = PairsTrader(m.instruments, [0, 1], warmup=0, notional=10_000.0).record()[0]
    state = r["state"]
    state["z"], state["var"], state["n"] = 3.0, 1e-6, 100
    state["theta"][1] = 2.0
    k.decide(r["params"], state, 1, np.array([4200, 11850]), np.array([4201, 11851]))
    assert state["mode"] == -1  # z high: short the spread
    target = state["target"]
    assert target[0] == -round(10_000 / 42.005) and target[1] == round(20_000 / 118.505)


def test_parameters_are_named_and_bounded():
    inst = breakdown_pair(1, seconds=5).instruments
    with pytest.raises(ConfigError, match="PairsTrader.method"):
        PairsTrader(inst, [0, 1], method="johansen")
    with pytest.raises(ConfigError, match="PairsTrader.entry_z"):
        PairsTrader(inst, [0, 1], entry_z=0.2, exit_z=0.5)
    with pytest.raises(ConfigError, match="PairsTrader.stop_z"):
        PairsTrader(inst, [0, 1], entry_z=2.0, stop_z=1.0)
    with pytest.raises(ConfigError, match="PairsTrader.books"):
        PairsTrader(inst, [0])
    with pytest.raises(ConfigError, match="PairsTrader.execution"):
        PairsTrader(inst, [0, 1], execution="iceberg")
    with pytest.raises(ConfigError, match="PairsTrader.taker_fee_bps"):
        PairsTrader(inst, [0, 1], taker_fee_bps=[1.0, 2.0, 3.0])


def test_the_risk_engines_correlation_alert_only_records_rises():
    """The risk monitor's alert (RiskLimits.correlation_threshold) fires when the mean
    pairwise correlation rises to its threshold and only writes a risk event: through a
    breakdown it leaves the pairs trader's record unchanged, which is why PairsTrader
    carries its own guard on the same estimator."""
    from hftlab.schema import Reason
    from hftlab.studies.multi_asset import PAIR_PARAMS

    m = breakdown_pair(1)
    without, _ = pairs_breakdown(1, None, data=m)
    limits = hftlab.risk.RiskLimits(correlation_threshold=0.3, correlation_halflife=12.0,
                                    correlation_interval_ns=5 * SECOND,
                                    correlation_min_updates=24)
    pt = PairsTrader(m.instruments, [0, 1], **PAIR_PARAMS)
    alerted = hftlab.backtest(m, pt.compiled(), venues=scenario_venues(m), risk=limits)
    ev = alerted.risk_events
    assert len(ev) > 0 and (ev["rule"] == int(Reason.RISK_CORRELATION)).all()
    assert (ev["value"] >= 0.3).all()  # raised on rises, never on the collapse itself
    assert (ev["ts"] < m.stats["breakdown_ns"]).mean() > 0.5
    _same(without, alerted)
