"""The correlation alert with a direction, a scope and an action: a pairs trader through a
correlation breakdown is stopped by the risk engine (state REDUCING, or paused until the
risk desk resumes), and instruments outside the scope do not count."""

import numpy as np
import pytest

from hftlab.instruments import ConfigError, Instrument
from hftlab.risk import RiskLimits
from hftlab.risk.layout import KILL_ENGINE
from hftlab.schema import OrderStatus, Reason
from tests.risk.conftest import A, B, book, path, rules, state_at, submits, watch

C = Instrument("CCC", tick_size=0.01, lot_size=1.0)
BASE = dict(correlation_threshold=0.2, correlation_halflife=5.0, correlation_min_updates=5,
            correlation_interval_ns=1_000)


def walk(seed: int, n: int) -> list[int]:
    steps = np.random.default_rng(seed).choice([-1, 1], n)
    return (100 + np.cumsum(steps)).tolist()


def breakdown_rows():
    """A and B move together for 20 us, then B moves against A (the pair breaks down)."""
    w = walk(3, 40)
    b = w[:20] + [2 * w[19] - x for x in w[20:]]
    return book() + book(inst=1) + path(5, w) + path(5, b, inst=1)


BUY_A = {3: lambda c: c.market_order(1, 2, 0), 50: lambda c: c.buy(90, 1, 0)}


def test_a_breakdown_below_the_threshold_is_caught_and_puts_the_run_in_reducing():
    lim = RiskLimits(**BASE, correlation_direction="below", correlation_action="reducing")
    rec, s = watch(breakdown_rows(), BUY_A, risk=lim, instruments=(A, B))
    ev = rec.risk_events[rec.risk_events["rule"] == Reason.RISK_CORRELATION]
    assert len(ev) >= 1 and ev["value"].iloc[0] <= 0.2 and ev["state"].iloc[0] == 1
    assert ev["ts"].iloc[0] > 25 * 1000  # after the break, not while they moved together
    assert state_at(s, 50) == "REDUCING"
    assert submits(rec)["reason"].tolist()[-1] == Reason.RISK_STATE_REDUCING
    up, _ = watch(breakdown_rows(), {}, risk=RiskLimits(**BASE), instruments=(A, B))
    first_up = up.risk_events[up.risk_events["rule"] == Reason.RISK_CORRELATION]["ts"].iloc[0]
    assert first_up < 25 * 1000  # "above" (the default) fires on the co-movement instead
    assert up.risk_events["state"].max() == 0  # and its default action is an event only


def test_the_pause_action_holds_whatever_the_strategy_asks():
    lim = RiskLimits(**BASE, correlation_direction="below", correlation_action="pause")
    acts = dict(BUY_A)
    acts[55] = lambda c: c.resume()  # the strategy cannot lift the risk engine's pause
    acts[56] = lambda c: c.buy(90, 1, 0)
    rec, _ = watch(breakdown_rows(), acts, risk=lim, instruments=(A, B), end_us=70)
    ev = rec.risk_events
    paused = ev[(ev["rule"] == Reason.RISK_PAUSED) & (ev["value"] == KILL_ENGINE)]
    assert len(paused) == 1
    last = submits(rec).iloc[-2:]
    assert (last["status"] == OrderStatus.DENIED).all()
    assert (last["reason"] == Reason.RISK_PAUSED).all()


def test_scope_limits_the_alert_to_its_instruments():
    w = walk(3, 40)
    rows = (book() + book(inst=1) + book(inst=2) + path(5, w) + path(5, w, inst=1)
            + path(5, [200 - x for x in w], inst=2))
    lim = RiskLimits(**{**BASE, "correlation_threshold": 0.8})
    every, _ = watch(rows, {}, risk=lim, instruments=(A, B, C))  # mean of +1, -1, -1
    assert Reason.RISK_CORRELATION not in rules(every)
    pair, _ = watch(rows, {}, risk=lim.with_overrides(correlation_scope=["AAA", "BBB"]),
                    instruments=(A, B, C))
    assert rules(pair).count(Reason.RISK_CORRELATION) == 1


def test_correlation_options_are_validated():
    with pytest.raises(ConfigError, match="correlation_direction"):
        RiskLimits(correlation_direction="up")
    with pytest.raises(ConfigError, match="correlation_action"):
        RiskLimits(correlation_action="halt")
    with pytest.raises(ConfigError, match="correlation_scope"):
        RiskLimits(correlation_scope=["AAA"])
    with pytest.raises(ConfigError, match="correlation_scope"):
        RiskLimits(correlation_scope=["AAA", "ZZZ"]).to_params(2, ["AAA", "BBB"])
    p = RiskLimits(correlation_scope=[0, "BBB"], correlation_direction="below",
                   correlation_action="pause").to_params(3, ["AAA", "BBB", "CCC"])
    assert p.limits["corr_scope"].tolist() == [1.0, 1.0, 0.0]
    assert p.portfolio["corr_below"][0] == 1.0 and p.portfolio["corr_action"][0] == 2.0
