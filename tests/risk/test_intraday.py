"""Intraday controls: loss and drawdown limits, holding time, correlation alert.

Book: bid 100 / ask 101, 10 lots a level, two levels a side; one tick of one lot is
worth 0.01. A strategy buys 10 lots at 101, then the market moves one tick per us.
Samples (and the monitor) run every us on the host's view.
"""

import numpy as np

from hftlab.risk import RiskLimits
from hftlab.schema import OrderStatus, Reason
from tests.risk.conftest import (A, B, book, final_position, path, position_path, rules, state_at,
                                 submits, watch)

BUY10 = {2: lambda c: c.market_order(1, 10)}  # fills 10 at 101: equity = 0.1 * (bid - 100.5)
DOWN = path(10, [99, 98, 97, 96, 95, 94, 93, 92, 91, 90])


def event(rec, rule):
    ev = rec.risk_events
    return ev[ev["rule"] == rule].iloc[0]


def test_hard_loss_trips_at_the_configured_loss_and_leaves_the_position_flat():
    acts = dict(BUY10)
    acts[30] = lambda c: c.buy(80, 1)
    rec, s = watch(book() + DOWN, acts, risk=RiskLimits(hard_loss=0.5))
    ev = event(rec, Reason.RISK_HARD_LOSS)
    assert np.isclose(ev["value"], -0.55) and ev["limit"] == -0.5  # first check past -0.5
    assert ev["state"] == 2
    assert state_at(s, 9) == "ACTIVE" and state_at(s, 20) == "HALTED"
    assert final_position(rec) == 0
    sells = rec.fills[rec.fills["side"] == -1]
    assert sells["qty"].sum() == 10 and (sells["ts_exchange"] >= ev["ts"]).all()
    assert rec.states["position"].iloc[-1] == 0
    assert submits(rec)["reason"].tolist()[-1] == Reason.RISK_STATE_HALTED
    assert Reason.RISK_FLATTEN in rules(rec)


def test_flatten_stays_within_the_band_and_the_order_size():
    lim = RiskLimits(hard_loss=0.5, price_band_ticks=2, max_order_qty=10)
    rec, _ = watch(book() + DOWN, BUY10, risk=lim.with_overrides(max_order_qty=10))
    assert final_position(rec) == 0
    lim = RiskLimits(hard_loss=0.5, price_band_ticks=2, max_order_qty=4, max_position=10)
    rec, _ = watch(book() + DOWN, {2: lambda c: [c.market_order(1, 4), c.market_order(1, 4),
                                                 c.market_order(1, 2)]}, risk=lim)
    flat = submits(rec)[lambda d: d["side"] == -1]
    assert flat["qty"].tolist() == [4, 4, 2] and (flat["tif"] == 1).all()
    assert (flat["price"] >= 95.5 - 2).all() and (flat["order_type"] == 0).all()
    assert final_position(rec) == 0


def test_soft_loss_reduces_only_and_cancels_orders_that_add():
    acts = dict(BUY10)
    acts[3] = lambda c: (c.buy(90, 1), c.sell(110, 2))
    acts[16] = lambda c: c.buy(90, 1)  # adds: denied
    acts[17] = lambda c: c.sell(97, 3)  # 0.5 tick above the mid 96.5 (offset 3): denied
    acts[18] = lambda c: c.sell(100, 3)  # reduces, rests far enough: passes
    acts[19] = lambda c: c.sell(101, 6)  # 2 + 3 + 6 > 10 could flip the position: denied
    lim = RiskLimits(soft_loss=0.3, hard_loss=2.0, reducing_offset_ticks=3)
    rec, s = watch(book() + path(10, [99, 98, 97, 96]), acts, risk=lim)
    ev = event(rec, Reason.RISK_SOFT_LOSS)
    assert np.isclose(ev["value"], -0.35) and ev["state"] == 1
    assert state_at(s, 20) == "REDUCING"
    sub = submits(rec)
    assert sub["reason"].tolist() == [0, 0, 0, Reason.RISK_STATE_REDUCING,
                                      Reason.RISK_STATE_REDUCING, 0, Reason.RISK_STATE_REDUCING]
    cancels = rec.orders[rec.orders["action"] == 1]
    assert cancels["order_id"].tolist() == [2]  # the resting buy; the sell (reducing) stays
    assert cancels["status"].tolist() == [OrderStatus.CANCELLED]
    assert Reason.RISK_CANCEL_ALL in rules(rec)


def test_drawdown_from_the_peak_halts_while_still_in_profit():
    rows = book() + path(10, [101, 102, 103, 104, 105, 106, 105, 104, 103, 102, 101])
    rec, _ = watch(rows, BUY10, risk=RiskLimits(hard_drawdown=0.4, soft_drawdown=0.2))
    soft = event(rec, Reason.RISK_SOFT_DRAWDOWN)
    hard = event(rec, Reason.RISK_HARD_DRAWDOWN)
    assert np.isclose(soft["value"], 0.2) and np.isclose(hard["value"], 0.4)
    assert soft["ts"] < hard["ts"]
    assert final_position(rec) == 0
    assert rec.fills["fee"].sum() == 0 and rec.states["equity"].iloc[-1] > 0  # a profit kept


def test_max_holding_time_flattens_the_position():
    acts = {2: lambda c: c.market_order(1, 2), 20: lambda c: c.buy(99, 1)}
    rec, s = watch(book(), acts, risk=RiskLimits(max_holding_ns=5_000))
    ev = event(rec, Reason.RISK_HOLDING_TIME)
    assert ev["ts"] == 8_000 and ev["value"] == 6_000 and ev["limit"] == 5_000
    assert position_path(rec).tolist() == [2, 0]
    assert state_at(s, 10) == "ACTIVE"
    assert submits(rec)["status"].tolist()[-1] == OrderStatus.ACCEPTED


def random_walk(seed: int, n: int) -> np.ndarray:
    steps = np.random.default_rng(seed).choice([-1, 1], n)
    return 100 + np.cumsum(steps)


def test_correlation_spike_raises_an_alert():
    walk = random_walk(3, 40).tolist()
    lim = RiskLimits(correlation_threshold=0.8, correlation_halflife=10.0,
                     correlation_min_updates=5, correlation_interval_ns=1_000)
    rows = book() + book(inst=1) + path(5, walk) + path(5, walk, inst=1)
    rec, _ = watch(rows, {}, risk=lim, instruments=(A, B))
    ev = event(rec, Reason.RISK_CORRELATION)
    assert ev["value"] >= 0.8 and ev["limit"] == 0.8 and ev["state"] == 0
    assert rules(rec).count(Reason.RISK_CORRELATION) == 1  # raised once, not every update
    mirror = [200 - w for w in walk]  # B moves against A: correlation -1, no alert
    rows = book() + book(inst=1) + path(5, walk) + path(5, mirror, inst=1)
    rec, _ = watch(rows, {}, risk=lim, instruments=(A, B))
    assert Reason.RISK_CORRELATION not in rules(rec)


def test_a_hard_loss_halt_stays_whatever_the_strategy_asks():
    acts = dict(BUY10)
    acts[30] = lambda c: c.resume()
    acts[31] = lambda c: c.buy(80, 1)
    rec, s = watch(book() + DOWN, acts, risk=RiskLimits(hard_loss=0.5))
    r = rules(rec)
    assert r.count(Reason.RISK_HARD_LOSS) == 1 and Reason.RISK_RESET not in r
    assert state_at(s, 29) == "HALTED" and state_at(s, 40) == "HALTED"
    assert submits(rec)["reason"].tolist()[-1] == Reason.RISK_STATE_HALTED
    assert final_position(rec) == 0