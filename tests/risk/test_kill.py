"""Kill switch (strategy, engine, configured time, configured condition), reset, pause.

The kill switch cancels every open order, flattens every position and denies every new
order until an explicit reset; pause only denies new orders and keeps open ones.
"""

import numpy as np

import hftlab
from hftlab.risk import RiskLimits
from hftlab.risk.layout import KILL_CONFIG_DENIALS, KILL_CONFIG_TIME, KILL_STRATEGY
from hftlab.schema import OrderStatus, Reason
from tests.engine.conftest import US, venue
from tests.risk import strategies_nb as rs
from tests.risk.conftest import book, final_position, market, rules, state_at, submits, watch

RESTING_AND_LONG = {2: lambda c: c.market_order(1, 3), 3: lambda c: c.buy(95, 1)}


def kill_event(rec):
    """The kill switch firing (denials under it name the same rule, with their order)."""
    ev = rec.risk_events
    return ev[(ev["rule"] == Reason.RISK_KILL_SWITCH) & (ev["order_id"] == -1)].iloc[0]


def test_kill_from_a_strategy_cancels_flattens_and_stays_the_strategy_cannot_reset_it():
    acts = dict(RESTING_AND_LONG)
    acts[5] = lambda c: (c.kill(), c.buy(95, 1))  # the order sent with the kill is denied
    acts[8] = lambda c: c.buy(95, 1)
    acts[20] = lambda c: c.resume()  # a strategy's only lever: it ends pauses, not kills
    acts[22] = lambda c: c.buy(95, 1)
    rec, s = watch(book(), acts, risk=RiskLimits())
    ev = kill_event(rec)
    assert ev["ts"] == 5 * US and ev["value"] == KILL_STRATEGY and ev["state"] == 2
    o = rec.orders
    cancel = o[o["action"] == 1]
    assert cancel["order_id"].tolist() == [2] and cancel["ts_exchange"].tolist() == [5 * US]
    assert final_position(rec) == 0
    sub = submits(rec)
    assert sub["reason"].tolist() == [0, 0, Reason.RISK_KILL_SWITCH, 0,
                                      Reason.RISK_KILL_SWITCH, Reason.RISK_KILL_SWITCH]
    assert sub["side"].tolist()[3] == -1  # the flatten order, sent by the risk engine
    assert state_at(s, 10) == "HALTED" and state_at(s, 21) == "HALTED"
    assert Reason.RISK_RESET not in rules(rec)
    assert not hasattr(hftlab.Context, "reset_kill")


def test_kill_without_commands_acts_at_once():
    acts = dict(RESTING_AND_LONG)
    acts[5] = lambda c: c.kill()
    rec, _ = watch(book(), acts, risk=RiskLimits(), sample_ns=4 * US)
    ev = kill_event(rec)
    assert ev["ts"] == 5 * US  # in the same wake-up, not at the next state sample
    assert final_position(rec) == 0


def test_kill_at_a_configured_time():
    acts = dict(RESTING_AND_LONG)
    acts[12] = lambda c: c.buy(95, 1)
    rec, s = watch(book(), acts, risk=RiskLimits(kill_at_ns=10 * US))
    ev = kill_event(rec)
    assert ev["ts"] == 10 * US and ev["value"] == KILL_CONFIG_TIME
    assert final_position(rec) == 0
    assert submits(rec)["reason"].tolist()[-1] == Reason.RISK_KILL_SWITCH
    assert state_at(s, 11) == "HALTED"


def test_kill_on_a_configured_count_of_denials():
    acts = {2: lambda c: c.market_order(1, 2)}
    for t in range(4, 10):
        acts[t] = lambda c: c.buy(99, 50)  # over the max order size, again and again
    rec, _ = watch(book(), acts, risk=RiskLimits(max_order_qty=10, kill_after_denials=3))
    ev = kill_event(rec)
    assert ev["value"] == KILL_CONFIG_DENIALS and ev["ts"] == 6 * US
    sub = submits(rec)
    reasons = sub[sub["side"] == 1]["reason"].tolist()
    assert reasons == [0] + [Reason.RISK_MAX_ORDER_QTY] * 3 + [Reason.RISK_KILL_SWITCH] * 3
    assert final_position(rec) == 0


def test_kill_from_a_compiled_strategy():
    strat = rs.runaway(side=1, qty=1, per_wake=1, price=95, kill_after=5, timer_ns=US)
    data = market(book() + [(30, 6, 1, 1, 1)])
    rec = hftlab.backtest(data, strat, venues=[venue()], sample_ns=US, risk=RiskLimits())
    ev = kill_event(rec)
    assert ev["value"] == KILL_STRATEGY  # a request through its sink, like any strategy's
    sub = submits(rec)
    passed = sub[sub["reason"] == 0]
    assert len(passed) == 4 and (sub["reason"].iloc[4:] == Reason.RISK_KILL_SWITCH).all()
    cancels = rec.orders[rec.orders["action"] == 1]
    assert sorted(cancels["order_id"]) == sorted(passed["order_id"])


def test_pause_denies_new_orders_but_keeps_open_ones_and_resume_ends_it():
    acts = dict(RESTING_AND_LONG)
    acts[5] = lambda c: c.pause()
    acts[6] = lambda c: c.buy(94, 1)
    acts[7] = lambda c: c.modify(c.open_orders()[0].order_id, 95, 2)  # a size increase
    acts[10] = lambda c: c.resume()
    acts[11] = lambda c: c.buy(94, 1)
    rec, s = watch(book(), acts, risk=RiskLimits())
    sub = submits(rec)
    assert sub["reason"].tolist() == [0, 0, Reason.RISK_PAUSED, 0]
    mods = rec.orders[rec.orders["action"] == 2]
    assert mods["reason"].tolist() == [Reason.RISK_PAUSED]
    assert (rec.orders["action"] == 1).sum() == 0  # nothing cancelled
    assert final_position(rec) == 3  # nothing flattened
    assert state_at(s, 8) == "ACTIVE"  # pause is not a trading state change
    assert Reason.RISK_PAUSED in rules(rec) and Reason.RISK_RESUMED in rules(rec)
    assert Reason.RISK_KILL_SWITCH not in rules(rec)
