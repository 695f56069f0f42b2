"""DollarNeutralMM on the correlated-assets scenario: net dollar exposure inside its band at
every state sample, the hard band's hedge within its latency, both forms identical,
parameters bounded, the concentration limit enforced by the risk gate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hftlab
from hftlab.instruments import ConfigError
from hftlab.report.portfolio import exposure
from hftlab.schema import Reason
from hftlab.strategies import DollarNeutralMM

MS = 1_000_000
LATENCY = hftlab.LatencyProfile.constant(feed_ns="500us", entry_ns="1ms", response_ns="1ms")
HEDGE_LATENCY_NS = 2 * MS  # entry + response: from sending the hedge to knowing its fill


def venue(taker_bps: float = 0.3) -> list:
    return [hftlab.Venue("SIMX", hftlab.FeeSchedule(maker=-0.2, taker=taker_bps), LATENCY)]


def ten_stocks(seed: int, seconds: float = 60.0):
    return hftlab.sim.market("correlated-assets", seconds=seconds, seed=seed)


def volatile_three(seed: int, seconds: float = 60.0):
    """Three instruments of one sector moving 30 bps per sqrt(s): prices move positions'
    value past a hard band only slightly above the band, so the hedge is exercised."""
    return hftlab.sim.market("correlated-assets", seconds=seconds, seed=seed, instruments=3,
                             sectors=1, instrument_vols=(3e-3, 3e-3, 3e-3))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_net_exposure_stays_inside_the_band_at_every_state_sample(seed):
    m = ten_stocks(seed)
    mm = DollarNeutralMM(m.instruments, band=10_000, hard_band=15_000, quote_notional=1_500,
                         max_position_notional=8_000, skew_bps=5.0, taker_fee_bps=0.3)
    rec = hftlab.backtest(m, mm.compiled(), venues=venue())
    ex = exposure(rec)
    assert len(ex) > 500 and rec.summary()["fills"] > 500  # it trades every instrument
    assert set(rec.fills["instrument"]) == set(range(10))
    assert ex["net"].abs().max() <= 10_000, ex["net"].abs().max()
    assert ex["gross"].max() > 2_000  # not neutral by doing nothing
    c = mm.counters(rec.strategy_state)
    assert c["over_hard_max_ns"] == 0 and c["history_lost"] == 0
    hist = mm.exposure_history(rec.strategy_state)
    # one history row per tick of the covariance clock (1 s), each with net beside the
    # beta-weighted net
    assert len(hist) >= c["samples"] >= 55
    assert (np.diff(hist["ts"]) >= 1_000 * MS).all()
    assert np.isfinite(hist["beta_net"]).all() and (hist["gross"] >= hist["net"].abs()).all()


def test_the_hard_band_is_never_crossed_for_longer_than_the_hedge_latency():
    hedges = 0
    for seed in (1, 2, 3):
        m = volatile_three(seed)
        mm = DollarNeutralMM(m.instruments, band=2_000, hard_band=2_001, quote_notional=1_000,
                             max_position_notional=5_000, skew_bps=5.0, taker_fee_bps=0.3,
                             requote_ns=50 * MS)
        rec = hftlab.backtest(m, mm.compiled(), venues=venue())
        c = mm.counters(rec.strategy_state)
        hedges += c["hedges"]
        # the host saw |net| past the hard band for at most the hedge's round trip
        assert c["over_hard_max_ns"] <= HEDGE_LATENCY_NS + 1_000, c
        # and no two state samples (100 ms apart) in a row show it past the hard band
        over = (exposure(rec)["net"].abs() > 2_001).to_numpy()
        assert not (over[1:] & over[:-1]).any()
        taker = rec.fills[rec.fills["maker"] == 0]
        assert len(taker) > 0 or c["hedges"] == 0
    assert hedges > 0


def _records_equal(a, b) -> None:
    for name in ("orders", "fills", "states", "risk_events"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), check_exact=True)


def test_compiled_and_python_forms_leave_identical_records():
    m = volatile_three(3, seconds=20)
    kw = dict(band=2_000, hard_band=2_001, quote_notional=1_000, max_position_notional=5_000,
              skew_bps=5.0, taker_fee_bps=0.3, requote_ns=50 * MS, min_samples=3)
    compiled = DollarNeutralMM(m.instruments, **kw)
    rec_c = hftlab.backtest(m, compiled.compiled(), venues=venue())
    python = DollarNeutralMM(m.instruments, **kw)
    rec_p = hftlab.backtest(m, python, venues=venue())
    assert len(rec_c.fills) > 50
    _records_equal(rec_c, rec_p)
    assert rec_c.strategy_state.dtype == python.state.dtype  # params, state, arrays by name
    assert rec_c.strategy_state.tobytes() == python.state.tobytes()
    m10 = ten_stocks(2, seconds=10)
    a, b = DollarNeutralMM(m10.instruments), DollarNeutralMM(m10.instruments)
    _records_equal(hftlab.backtest(m10, a.compiled()), hftlab.backtest(m10, b))


def test_parameters_are_named_and_bounded():
    inst = ten_stocks(1, seconds=5).instruments
    with pytest.raises(ConfigError, match="DollarNeutralMM.hard_band"):
        DollarNeutralMM(inst, band=1_000, hard_band=500)
    with pytest.raises(ConfigError, match="DollarNeutralMM.band"):
        DollarNeutralMM(inst, band=0.0)
    with pytest.raises(ConfigError, match="DollarNeutralMM.cov_halflife"):
        DollarNeutralMM(inst, cov_halflife=-1.0)
    with pytest.raises(ConfigError, match="DollarNeutralMM.books"):
        DollarNeutralMM(inst, books=[0, 1])
    with pytest.raises(ConfigError, match="DollarNeutralMM.instruments"):
        DollarNeutralMM(inst[:1])


def test_the_hedge_goes_to_the_cheapest_instrument_per_unit_of_exposure():
    from hftlab.strategies import dollar_neutral_nb as k

    inst = ten_stocks(1, seconds=5).instruments[:3]
    mm = DollarNeutralMM(inst, band=1_000, hard_band=2_000, taker_fee_bps=1.0)
    r = mm.record()[0]
    params, state, arrays = r["params"], r["state"], k.arrays_of(r)
    # spreads in bps of the mid: 4200/4204 ~ 9.5, 11850/11851 ~ 0.8, 2730/2740 ~ 36.6
    bids = np.array([4200, 11850, 2730], np.int64)
    asks = np.array([4204, 11851, 2740], np.int64)
    pos = np.array([100, 0, 0])  # $4,202 long in the first
    out = np.zeros((4, 4), np.int64)
    k.plan(params, state, arrays, 1, bids, asks, pos, False, out)
    book, side, lots = out[3, :3]
    assert (book, side) == (1, -1)
    assert lots == round(4202.0 / (11850.5 * 0.01))
    assert out[0, 2] == 0  # no more buying past the band in the long name
    k.plan(params, state, arrays, 2, bids, asks, pos, True, out)
    assert out[3, 2] == 0  # one hedge in flight at a time


def test_the_concentration_limit_is_enforced_by_the_risk_gate():
    m = ten_stocks(1, seconds=30)
    mm = DollarNeutralMM(m.instruments, band=10_000, hard_band=15_000, quote_notional=1_500,
                         max_position_notional=8_000)
    limits = hftlab.risk.RiskLimits(max_concentration=0.1, concentration_min_gross=5_000.0)
    rec = hftlab.backtest(m, mm.compiled(), risk=limits)
    denied = rec.orders[rec.orders["reason"] == int(Reason.RISK_CONCENTRATION)]
    assert len(denied) > 0
    ev = rec.risk_events[rec.risk_events["rule"] == int(Reason.RISK_CONCENTRATION)]
    assert len(ev) == len(denied)
    assert (ev["value"] > ev["limit"]).all() and (ev["limit"] == 0.1).all()
