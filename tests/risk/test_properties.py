"""Property: no sequence of strategy actions gets a position beyond its limit.

Hypothesis draws the market (book changes and trade prints that fill our orders), the
latencies (so fills, acks and new orders race each other) and the strategy's actions
(submits of every kind, bursts, cancels, size and price modifies). Whatever it draws,
the exchange's position after every fill stays within max_position, and every order
that reached the venue respected the order-size limit.
"""

import math

import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings

import hftlab
from hftlab.risk import RiskLimits
from hftlab.schema import OrderStatus
from tests.engine.conftest import US, venue
from tests.risk.conftest import L, T, book, market, position_path, reached_venue

SUBMIT = st.tuples(st.just("submit"), st.sampled_from([1, -1]), st.integers(-3, 3),
                   st.integers(1, 5), st.sampled_from(["GTC", "IOC", "MARKET"]))
CANCEL = st.tuples(st.just("cancel"), st.integers(0, 7))
MODIFY = st.tuples(st.just("modify"), st.integers(0, 7), st.integers(-3, 3), st.integers(1, 6))
BURST = st.tuples(st.just("burst"), st.sampled_from([1, -1]), st.integers(2, 6))
ACTION = st.one_of(SUBMIT, SUBMIT, CANCEL, MODIFY, BURST)

PRINT = st.tuples(st.integers(1, 60), st.sampled_from([1, -1]), st.integers(97, 104),
                  st.integers(1, 15))
LEVEL = st.tuples(st.integers(1, 60), st.sampled_from([1, -1]), st.integers(0, 2),
                  st.integers(0, 12))


class Actor(hftlab.Strategy):
    """Plays one drawn action per 1 us timer tick."""

    timer_ns = US

    def __init__(self, actions):
        self.actions = list(actions)

    def on_timer(self, ctx):
        if not self.actions:
            return
        a = self.actions.pop(0)
        mid = ctx.mid(0)
        ref = int(mid) if not math.isnan(mid) else 100
        opens = ctx.open_orders()
        if a[0] == "submit":
            _, side, off, qty, kind = a
            if kind == "MARKET":
                ctx.market_order(side, qty)
            else:
                ctx.submit(side, ref + side * off, qty, tif=kind)
        elif a[0] == "burst":
            for _ in range(a[2]):
                ctx.submit(a[1], ref + a[1] * 2, 1, tif="IOC")
        elif opens:
            o = opens[a[1] % len(opens)]
            if a[0] == "cancel":
                ctx.cancel(o.order_id)
            else:
                ctx.modify(o.order_id, o.price + a[2], a[3])


def drawn_market(prints, levels):
    rows = book(qty=5)
    for t, side, px, q in prints:
        rows.append((t, T, side, px, q))
    for t, side, k, q in levels:
        rows.append((t, L, side, (100 - k) if side > 0 else (101 + k), q))
    rows.append((80, L, 1, 90, 1))
    return market(rows)


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(actions=st.lists(ACTION, min_size=5, max_size=40),
       prints=st.lists(PRINT, max_size=40), levels=st.lists(LEVEL, max_size=30),
       limit=st.integers(1, 6), entry=st.integers(0, 3), resp=st.integers(0, 3))
def test_no_action_sequence_takes_a_position_beyond_its_limit(actions, prints, levels, limit,
                                                              entry, resp):
    lim = RiskLimits(max_position=limit, max_order_qty=4)
    rec = hftlab.backtest(drawn_market(prints, levels), Actor(actions),
                          venues=[venue(entry_us=entry, resp_us=resp)], sample_ns=US, risk=lim)
    pos = position_path(rec)
    assert (abs(pos) <= limit).all(), (pos.tolist(), limit)
    sent = reached_venue(rec)
    assert (sent["qty"] <= 4).all()
    mods = rec.orders[(rec.orders["action"] == 2) & (rec.orders["status"] != OrderStatus.DENIED)]
    assert (mods["qty"] <= 4).all()
