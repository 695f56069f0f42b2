"""A runaway strategy (the Knight Capital failure: a buy on every event, forever) is
stopped by the limits, in the compiled and in the Python path alike: no order beyond a
limit reaches the venue, and the record names the rule that stopped each one."""

import numpy as np

import hftlab
from hftlab.data.synthetic import l2_stream
from hftlab.risk import RiskLimits, risk_summary
from hftlab.schema import OrderStatus, Reason
from tests.engine.conftest import venue
from tests.risk import strategies_nb as rs
from tests.risk.conftest import position_path, reached_venue, submits

LIMITS = RiskLimits(max_order_qty=200, max_position=2_000, price_band_pct=0.02,
                    max_orders_per_sec=50, throttle_burst=5)


def compiled_runaway(qty: int) -> hftlab.CompiledStrategy:
    return rs.runaway(side=1, qty=qty, per_wake=1, tif=1, subscribe_book=True)  # IOC at the ask


class PyRunaway(hftlab.Strategy):
    subscribe_book = True

    def on_book(self, ctx, book):
        if ctx.best_ask(book) > 0:
            ctx.submit(1, ctx.best_ask(book), 100, book, "IOC")


def check_stopped(rec, lim: RiskLimits, seconds: float):
    pos = position_path(rec)
    assert len(pos) and pos.max() <= lim.max_position  # the exchange's position, fill by fill
    sent = reached_venue(rec)
    assert (sent["qty"] <= lim.max_order_qty).all()
    assert len(sent) <= lim.throttle_burst + lim.max_orders_per_sec * seconds
    sub = submits(rec)
    denied = sub[sub["status"] == OrderStatus.DENIED]
    assert len(denied) > 10 * len(sent)
    ev = rec.risk_events.set_index("order_id")
    assert (ev.loc[denied["order_id"], "rule"].to_numpy() == denied["reason"].to_numpy()).all()
    assert set(denied["reason"]) <= {Reason.RISK_POSITION_LIMIT, Reason.RISK_THROTTLE}
    return denied


def test_compiled_runaway_is_stopped_by_the_limits():
    data = l2_stream(60_000, seed=5)
    span = (data.events["ts"][-1] - data.events["ts"][0]) / 1e9
    free = hftlab.backtest(data, compiled_runaway(100), venues=[venue()])
    assert position_path(free).max() > 100 * LIMITS.max_position  # it does run away
    rec = hftlab.backtest(data, compiled_runaway(100), venues=[venue()], risk=LIMITS)
    denied = check_stopped(rec, LIMITS, span)
    assert {Reason.RISK_POSITION_LIMIT, Reason.RISK_THROTTLE} <= set(denied["reason"])
    summary = risk_summary(rec)
    assert set(summary["rule_name"]) == {"RISK_POSITION_LIMIT", "RISK_THROTTLE"}
    assert summary["count"].sum() == len(rec.risk_events)
    big = hftlab.backtest(data, compiled_runaway(10_000), venues=[venue()], risk=LIMITS)
    assert len(reached_venue(big)) == 0
    assert (submits(big)["reason"] == Reason.RISK_MAX_ORDER_QTY).all()


def test_python_runaway_is_stopped_by_the_same_limits():
    data = l2_stream(8_000, seed=6)
    span = (data.events["ts"][-1] - data.events["ts"][0]) / 1e9
    rec = hftlab.backtest(data, PyRunaway(), venues=[venue()], risk=LIMITS)
    check_stopped(rec, LIMITS, span)


def test_runaway_is_killed_after_too_many_denials_and_left_flat():
    data = l2_stream(20_000, seed=7)
    lim = LIMITS.with_overrides(kill_after_denials=500)
    rec = hftlab.backtest(data, compiled_runaway(100), venues=[venue()], risk=lim)
    ev = rec.risk_events
    fired = ev[(ev["rule"] == Reason.RISK_KILL_SWITCH) & (ev["order_id"] == -1)]
    assert len(fired) == 1
    pos = position_path(rec)
    assert pos[-1] == 0 and rec.states["position"].iloc[-1] == 0
    assert pos.min() >= 0  # the flatten never overshoots into a short position
    after = submits(rec)[lambda d: (d["ts_sent"] > fired["ts"].iloc[0]) & (d["side"] == 1)]
    assert len(after) > 0 and (after["status"] == OrderStatus.DENIED).all()
