"""A modify states the order's new total quantity (core/rules_nb.modify_leaves): refreshed
modifies racing fills never resurrect filled lots, in the Python and the compiled path,
and no interleaving of submits, modifies and cancels with fills under random latencies
takes a position, an order's fills or its notional past a limit."""

import hypothesis.strategies as st
from hypothesis import HealthCheck, given, settings

import hftlab
from hftlab.risk import RiskLimits
from tests.engine.conftest import US, venue
from tests.risk import strategies_nb as rs
from tests.risk.conftest import L, T, book, market, position_path

LIMIT = 10


def hammered(prints: int = 50, qty: int = 3):
    """Our bid level 100 (1 lot ahead of us) hit by a seller every us from t = 3 us."""
    rows = book(qty=1) + [(t, T, -1, 100, qty) for t in range(3, 3 + prints)]
    return market(rows + [(3 + prints + 5, L, 1, 90, 1)])


class Refresher(hftlab.Strategy):
    """The hostile refresher: one bid, modified to the same price and size every us."""

    timer_ns = US

    def __init__(self) -> None:
        self.oid = 0

    def on_timer(self, ctx):
        if not self.oid:
            self.oid = ctx.submit(1, 100, LIMIT)
        elif any(o.order_id == self.oid for o in ctx.open_orders()):
            ctx.modify(self.oid, 100, LIMIT)


def fills_per_order(rec):
    return rec.fills.groupby("order_id")["qty"].sum()


def check_no_resurrection(rec):
    pos = position_path(rec)
    assert pos.max() == LIMIT  # filled in full, never beyond
    assert (fills_per_order(rec) <= LIMIT).all()


def test_python_refresher_cannot_resurrect_fills():
    lim = RiskLimits(max_position=LIMIT, max_order_qty=LIMIT)
    rec = hftlab.backtest(hammered(), Refresher(), venues=[venue(entry_us=3, resp_us=3)],
                          sample_ns=US, risk=lim)
    assert (rec.orders["action"] == 2).sum() > 5  # it did refresh while filling
    check_no_resurrection(rec)


def test_compiled_refresher_cannot_resurrect_fills():
    lim = RiskLimits(max_position=LIMIT, max_order_qty=LIMIT)
    strat = rs.refresher(LIMIT, 100, timer_ns=US)
    rec = hftlab.backtest(hammered(), strat, venues=[venue(entry_us=3, resp_us=3)],
                          sample_ns=US, risk=lim)
    assert (rec.orders["action"] == 2).sum() > 5
    check_no_resurrection(rec)


def test_modify_at_or_below_the_filled_quantity_cancels_the_rest():
    class Shrink(hftlab.Strategy):
        timer_ns = US

        def __init__(self):
            self.oid = 0

        def on_timer(self, ctx):
            if not self.oid:
                self.oid = ctx.submit(1, 100, LIMIT)
            elif ctx.now // US == 8:
                ctx.modify(self.oid, 100, 1)  # less than has filled by now

    rec = hftlab.backtest(hammered(qty=1), Shrink(), venues=[venue(entry_us=1, resp_us=1)],
                          sample_ns=US)
    filled = int(rec.fills["qty"].sum())
    assert 1 < filled < LIMIT
    closed = rec.orders[rec.orders["status"] == hftlab.schema.OrderStatus.CANCELLED]
    assert len(closed) == 1


@settings(max_examples=40, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(script=st.lists(st.tuples(st.sampled_from(["submit", "modify", "cancel"]),
                                 st.integers(0, 3), st.integers(1, 6)), min_size=3, max_size=30),
       prints=st.lists(st.tuples(st.integers(1, 40), st.integers(1, 8)), max_size=30),
       entry=st.integers(0, 4), resp=st.integers(0, 4))
def test_no_interleaving_passes_position_order_size_or_notional(script, prints, entry, resp):
    """Every action on our bid side at 99-100 while sellers print: position, each order's
    total fills and each order's notional stay within the limits."""
    max_qty, notional = 4, 4 * 100 * 0.01

    class Actor(hftlab.Strategy):
        timer_ns = US

        def __init__(self):
            self.todo = list(script)

        def on_timer(self, ctx):
            if not self.todo:
                return
            kind, k, q = self.todo.pop(0)
            opens = ctx.open_orders()
            if kind == "submit":
                ctx.submit(1, 100 - k % 2, q)
            elif opens:
                o = opens[k % len(opens)]
                if kind == "modify":
                    ctx.modify(o.order_id, 100 - k % 2, q)
                else:
                    ctx.cancel(o.order_id)

    rows = book(qty=1) + [(t, T, -1, 100 - t % 2, q) for t, q in prints]
    lim = RiskLimits(max_position=LIMIT // 2, max_order_qty=max_qty,
                     max_order_notional=notional)
    rec = hftlab.backtest(market(rows + [(60, L, 1, 90, 1)]), Actor(),
                          venues=[venue(entry_us=entry, resp_us=resp)], sample_ns=US, risk=lim)
    assert (abs(position_path(rec)) <= LIMIT // 2).all()
    per = fills_per_order(rec)
    assert (per <= max_qty).all()
    value = rec.fills.assign(v=rec.fills["qty"] * rec.fills["price_ccy"])
    assert (value.groupby("order_id")["v"].sum() <= notional + 1e-9).all()
