"""The strategy API: a compiled strategy's read-only view, its bounded sink, its typed
state; typed order events for Python strategies; books by name."""

import numba as nb
import numpy as np
import pytest

import hftlab
from hftlab.engine.api_nb import ORDER_VIEW_DTYPE
from hftlab.engine.backtest import EngineError
from hftlab.risk import RiskLimits
from hftlab.schema import OrderStatus, Reason, Wake
from hftlab.strategy import (BookId, TradingState, best_ask, best_bid, depth, n_orders, order,
                             position, request_kill, requote, requote_both, submit,
                             trading_state)
from tests.engine.conftest import US, book_rows, events, venue

T = hftlab.schema.Kind.TRADE


def market(extra=()):
    return events(book_rows() + list(extra) + [(200, hftlab.schema.Kind.LEVEL, 1, 98, 1)])


@nb.njit
def writes_its_view(reason, book, view, orders, state):
    view.books[0].bid = 1


@nb.njit
def floods(reason, book, view, orders, state):
    if reason == Wake.TIMER:
        for _ in range(state.n):
            submit(view, orders, 0, 1, 90, 1)


@nb.njit
def buys_then_watches(reason, book, view, orders, st):
    """Buys 2 at the ask at the first timer; then records, at every timer, what the host
    believes: the leaves of its order and its position."""
    if reason != Wake.TIMER:
        return
    if st.sent == 0:
        st.sent = 1
        submit(view, orders, 0, 1, best_ask(view, 0), 2)
        return
    if n_orders(view) > 0:
        o = order(view, 0)
        if st.first_leaves < 0:
            st.first_leaves = o.leaves
        st.last_leaves = o.leaves
    st.position = position(view, 0)
    st.wakes += 1


@nb.njit
def pulls_the_switch(reason, book, view, orders, st):
    """Counts timers seen ACTIVE and HALTED; asks for the kill at its third timer."""
    if reason != Wake.TIMER:
        return
    st.wakes += 1
    if trading_state(view) == TradingState.ACTIVE:
        st.active += 1
    elif trading_state(view) == TradingState.HALTED:
        st.halted += 1
    if st.wakes == 3:
        request_kill(orders)


def test_a_compiled_strategy_reads_its_trading_state_by_name():
    """The kill it requests halts trading from its next wake-up on: it reads HALTED."""
    strat = hftlab.CompiledStrategy(pulls_the_switch, dict(wakes=0, active=0, halted=0),
                                    timer_ns=10 * US)
    st = hftlab.backtest(market(), strat, venues=[venue()]).strategy_state
    assert st["active"][0] == 3 and st["halted"][0] == st["wakes"][0] - 3 > 0


def test_a_compiled_strategy_that_writes_to_its_view_fails_with_a_clear_error():
    strat = hftlab.CompiledStrategy(writes_its_view, {"x": 0}, timer_ns=US, name="vandal")
    with pytest.raises(TypeError, match="'vandal' writes to its view, which is read-only"):
        hftlab.backtest(market(), strat, venues=[venue()])


def test_overflowing_the_sink_stops_the_run_naming_the_strategy_and_its_capacity():
    strat = hftlab.CompiledStrategy(floods, {"n": 9}, timer_ns=US, name="flood", max_commands=8)
    with pytest.raises(EngineError, match=r"strategy 'flood' wrote more than its 8 commands"):
        hftlab.backtest(market(), strat, venues=[venue()])
    ok = hftlab.CompiledStrategy(floods, {"n": 8}, timer_ns=100 * US, max_commands=8)
    rec = hftlab.backtest(market(), ok, venues=[venue()])
    assert (rec.orders["action"] == 0).sum() == 8 * 2  # every command went out, none lost


def test_the_view_holds_what_the_host_knows_not_the_venues_truth():
    # the venue fills our buy at once (the ask rests 5 lots); the host hears of it 20 us later
    strat = hftlab.CompiledStrategy(
        buys_then_watches, dict(sent=0, first_leaves=-1, last_leaves=-1, position=0, wakes=0),
        timer_ns=US)
    rec = hftlab.backtest(market(), strat, venues=[venue(resp_us=20)], sample_ns=US)
    assert rec.fills["qty"].sum() == 2 and rec.fills["ts_exchange"].iloc[0] <= 2 * US
    st = rec.strategy_state[0]
    assert st["first_leaves"] == 2  # still unfilled as far as the host knows
    assert st["position"] == 2 and st["wakes"] > 100  # learned later, through the response
    host_fields = {"order_id", "book", "side", "price", "leaves", "status", "pending", "tif"}
    assert set(ORDER_VIEW_DTYPE.names) == host_fields  # no venue-side columns to read
    assert strat.state["wakes"][0] == 0  # the given state is left as it was


class Events(hftlab.Strategy):
    timer_ns = US

    def __init__(self, actions):
        self.actions, self.seen = dict(actions), []

    def on_timer(self, ctx):
        if ctx.now // US in self.actions:
            self.actions.pop(ctx.now // US)(ctx)

    def on_order_accepted(self, ctx, o):
        self.seen.append(("accepted", o.order_id, ctx.now))

    def on_order_denied(self, ctx, o):
        self.seen.append(("denied", o.order_id, ctx.now, o.reason, o.status))

    def on_order_rejected(self, ctx, o):
        self.seen.append(("rejected", o.order_id, ctx.now, o.reason))

    def on_order_cancelled(self, ctx, o):
        self.seen.append(("cancelled", o.order_id, ctx.now))

    def on_order_modified(self, ctx, o):
        self.seen.append(("modified", o.order_id, ctx.now, o.price, o.leaves))

    def on_order_expired(self, ctx, o):
        self.seen.append(("expired", o.order_id, ctx.now))


def test_python_strategies_get_typed_order_events():
    acts = {2: lambda c: c.buy(99, 1),  # rests: accepted
            3: lambda c: c.buy(101, 1, tif="POST_ONLY"),  # would cross: rejected
            4: lambda c: c.buy(50, 1, tif="IOC"),  # nothing at 50: expired
            5: lambda c: c.buy(99, 500),  # over the size limit: denied at once
            6: lambda c: c.modify(1, 98, 1),
            8: lambda c: c.cancel(1)}
    s = Events(acts)
    hftlab.backtest(market(), s, venues=[venue(entry_us=0, resp_us=0)],
                    risk=RiskLimits(max_order_qty=100))
    kinds = [e[0] for e in s.seen]
    assert kinds == ["accepted", "rejected", "expired", "denied", "modified", "cancelled"]
    denied = s.seen[3]
    assert denied[2] == 5 * US  # in the same wake-up's time: the gate answers at once
    assert denied[3] == Reason.RISK_MAX_ORDER_QTY and denied[4] == OrderStatus.DENIED
    assert s.seen[1][3] == Reason.POST_ONLY_WOULD_CROSS
    assert s.seen[4][3:] == (98, 1)


def test_every_denied_order_reaches_on_order_denied():
    acts = {t: (lambda c: c.buy(99, 500)) for t in range(2, 38)}
    s = Events(acts)
    hftlab.backtest(market(), s, venues=[venue()], risk=RiskLimits(max_order_qty=100))
    assert [e[0] for e in s.seen].count("denied") == 36


class ByName(hftlab.Strategy):
    timer_ns = US

    def on_timer(self, ctx):
        self.book = ctx.book_id(0)
        self.top = (ctx.best_bid(BookId(0, 0)), ctx.best_ask(self.book))


def test_books_are_named_handles_and_ints_still_work():
    s = ByName()
    hftlab.backtest(market(), s, venues=[venue()])
    assert s.book == BookId(0, 0) and str(s.book) == "book(venue=0, instrument=0)"
    assert s.top == (100, 101)
    assert best_bid is not None  # the compiled helpers are public in hftlab.strategy


class Handles(hftlab.Strategy):
    """Keeps the book each callback is given."""

    subscribe_trades = True
    timer_ns = US

    def __init__(self):
        self.got, self.sent = [], False

    def on_trade(self, ctx, book):
        self.got.append(("trade", book))

    def on_timer(self, ctx):
        if not self.sent:
            ctx.buy(101, 1)  # fills at once
            self.sent = ctx.buy(98, 1) is not None  # rests: accepted

    def on_order_accepted(self, ctx, order):
        self.got.append(("accepted", order.book))

    def on_fill(self, ctx, fill):
        self.got.append(("fill", fill.book))


def test_callbacks_name_their_book():
    s = Handles()
    hftlab.backtest(market([(150, T, -1, 100, 1)]), s, venues=[venue()])
    kinds = {k for k, _ in s.got}
    assert {"trade", "accepted", "fill"} <= kinds
    for _, b in s.got:
        assert isinstance(b, hftlab.Book)
        assert b == 0 and b == BookId(0, 0) and BookId(0, 0) == b and b != BookId(1, 0)
        assert (b.venue, b.instrument) == (0, 0) and str(b) == "book(venue=0, instrument=0)"
        assert [10, 20][b] == 10  # still an index


class Churn(hftlab.Strategy):
    """Every wake-up: two orders past the open-order capacity (TOO_MANY), a cancel of an
    order that never was, and a cancel of everything."""

    timer_ns = US

    def on_timer(self, ctx):
        for _ in range(3):
            ctx.buy(90, 1)
        ctx.cancel(10**9)
        ctx.cancel_all()


def test_records_across_many_flushes_equal_one_unflushed_run(monkeypatch):
    import hftlab.engine.backtest as bt

    data = events(book_rows() + [(3000, hftlab.schema.Kind.LEVEL, 1, 98, 1)])
    monkeypatch.setattr(bt, "RECORD_ROWS", 1 << 22)
    whole = hftlab.backtest(data, Churn(), venues=[venue(entry_us=2)], order_capacity=1)
    monkeypatch.setattr(bt, "RECORD_ROWS", 0)  # buffers of ~1,000 rows: flushed many times
    flushed = hftlab.backtest(data, Churn(), venues=[venue(entry_us=2)], order_capacity=1)
    assert len(whole.orders) > 8_000
    import pandas as pd

    for t in ("orders", "fills", "states", "risk_events"):
        pd.testing.assert_frame_equal(getattr(whole, t), getattr(flushed, t))
    o = whole.orders
    unknown = o[o["reason"] == Reason.UNKNOWN_ORDER]
    assert (unknown[["side", "tif", "order_type", "venue"]] == 0).all().all()
    assert (o[o["reason"] == Reason.TOO_MANY_ORDERS]["price"] == 90).all()


def test_the_final_state_is_saved_and_loaded_with_the_record(tmp_path):
    strat = hftlab.CompiledStrategy(floods, {"n": 2, "x": 0.5}, timer_ns=100 * US)
    rec = hftlab.backtest(market(), strat, venues=[venue()])
    back = hftlab.RunRecord.load(rec.save(tmp_path / "run"))
    assert back.strategy_state.dtype == rec.strategy_state.dtype
    assert back.strategy_state.tolist() == rec.strategy_state.tolist() == [(2, 0.5)]


def test_prices_and_sizes_are_whole_or_denied_with_a_reason():
    acts = {2: lambda c: c.buy(99.5, 1),  # between ticks
            3: lambda c: c.buy(99, 1.7),  # between lots
            4: lambda c: c.buy(99, 2**63),  # past the engine's range (and int64's)
            5: lambda c: c.buy(99.0, 2.0),  # integral floats are whole ticks and lots
            6: lambda c: c.modify(4, 98.25, 2)}
    s = Events(acts)
    rec = hftlab.backtest(market(), s, venues=[venue()])
    denied = [(e[3]) for e in s.seen if e[0] == "denied"]
    assert denied == [Reason.OFF_TICK, Reason.BAD_QTY, Reason.BAD_QTY, Reason.OFF_TICK]
    ok = rec.orders[(rec.orders["action"] == 0) & (rec.orders["status"] != OrderStatus.DENIED)]
    assert ok[["price", "qty"]].values.tolist() == [[99, 2]]
    assert rec.fills.empty


def test_a_backtest_that_compiles_says_so_once_on_stderr_and_a_warm_one_says_nothing(capsys):
    @nb.njit
    def idle(reason, book, view, orders, state):  # new to numba: the run compiles it
        state.wakes += 1

    strat = hftlab.CompiledStrategy(idle, {"wakes": 0}, timer_ns=100 * US)
    hftlab.backtest(market(), strat, venues=[venue()])
    err = capsys.readouterr().err
    assert err == "compiling kernels (first run only; cached after) ...\n"
    rec = hftlab.backtest(market(), strat, venues=[venue()])
    assert capsys.readouterr().err == "" and rec.strategy_state["wakes"][0] > 0



def jump_market():
    """bid 100 / ask 110, then at 50 us the ask moves to 125 and the bid to 105: the mid
    jumps from 105 to 115 while the market's bid stays below our old ask (106)."""
    moved = [(50, L_, -1, 110, 0), (50, L_, -1, 125, 5), (50, L_, 1, 105, 5)]
    return events([(0, L_, 1, 100, 5), (0, L_, -1, 110, 5)] + moved + [(200, L_, 1, 104, 1)])


L_ = hftlab.schema.Kind.LEVEL
POST = hftlab.schema.TimeInForce.POST_ONLY


@nb.njit
def quotes_side_by_side(reason, book, view, orders, st):
    """Quotes mid -/+ 1, one side after the other (requote twice)."""
    if reason == Wake.TIMER:
        m = (best_bid(view, 0) + best_ask(view, 0)) // 2
        requote(view, orders, 0, 1, m - 1, 1, POST)
        requote(view, orders, 0, -1, m + 1, 1, POST)


@nb.njit
def quotes_both(reason, book, view, orders, st):
    """Quotes mid -/+ 1 with requote_both."""
    if reason == Wake.TIMER:
        m = (best_bid(view, 0) + best_ask(view, 0)) // 2
        requote_both(view, orders, 0, m - 1, 1, m + 1, 1, POST)


@pytest.mark.parametrize("fn, rejected", [(quotes_side_by_side, 1), (quotes_both, 0)])
def test_requote_both_pulls_the_stale_quotes_before_the_new_ones(fn, rejected):
    """After the jump the new bid (114) stands above our old ask (106). Sent before that
    ask's cancel, the venue meets it with our own ask and rejects it as post-only;
    requote_both sends both cancels first, and both new quotes rest."""
    strat = hftlab.CompiledStrategy(fn, {"x": 0}, timer_ns=20 * US)
    o = hftlab.backtest(jump_market(), strat, venues=[venue()]).orders
    self_cross = (o["status"] == OrderStatus.REJECTED) & (
        o["reason"] == Reason.POST_ONLY_WOULD_CROSS)
    assert int(self_cross.sum()) == rejected
    rest = o[(o["ts_exchange"] == 60 * US) & (o["status"] == OrderStatus.ACCEPTED)]
    assert set(zip(rest["side"], rest["price"])) == ({(-1, 116)} if rejected else
                                                      {(1, 114), (-1, 116)})


@nb.njit
def allocates(reason, book, view, orders, st):
    """Allocates arrays of its own and through depth at every wake-up."""
    if reason == Wake.TIMER:
        px, qty = depth(view, 0, 2)
        st.total += int(np.ones(3).sum()) + px[0, 0] + qty[1, 0]


def test_a_strategy_that_allocates_at_every_wake_up_runs():
    """The engine calls strategies without numba's reference counting; a strategy's own
    function keeps it, so its arrays are made and freed as numba makes them."""
    strat = hftlab.CompiledStrategy(allocates, {"total": 0}, timer_ns=US)
    st = hftlab.backtest(market(), strat, venues=[venue()]).strategy_state
    assert st["total"][0] == 200 * (3 + 100 + 5)  # bid 100, ask size 5, one wake a us
