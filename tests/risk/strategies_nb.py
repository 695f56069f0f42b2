"""Compiled test strategies on the strategy API: a runaway order sender (the Knight
Capital failure mode)."""

from __future__ import annotations

import numba as nb

import hftlab
from hftlab.engine import api_nb as api
from hftlab.core.layout import W_BOOK, W_TIMER


def runaway(side: int = 1, qty: int = 1, per_wake: int = 1, price: int = 0, order_type: int = 0,
            tif: int = 0, kill_after: int = 0, **kw) -> hftlab.CompiledStrategy:
    """The runaway sender: price 0 crosses the spread; kill_after > 0 requests the kill
    switch at that many wake-ups."""
    state = dict(book=0, side=side, qty=qty, per_wake=per_wake, price=price,
                 order_type=order_type, tif=tif, kill_after=kill_after, wakes=0)
    return hftlab.CompiledStrategy(runaway_step, state, name="runaway", **kw)


@nb.njit(cache=True)
def runaway_step(reason, book, view, orders, st):
    """On every timer or book wake-up, send per_wake identical orders, whatever happens."""
    if reason != W_TIMER and reason != W_BOOK:
        return
    st.wakes += 1
    if st.kill_after > 0 and st.wakes >= st.kill_after:
        api.request_kill(orders)  # a compiled caller pulls the switch
    price = st.price
    if price == 0:
        price = api.best_ask(view, st.book) if st.side > 0 else api.best_bid(view, st.book)
        if price <= 0:
            return
    for _ in range(st.per_wake):
        api.submit(view, orders, st.book, st.side, price, st.qty, st.tif, st.order_type)


def refresher(qty: int, price: int, **kw) -> hftlab.CompiledStrategy:
    """One resting bid of qty lots at price, modified to (price, qty) on every timer tick:
    under "new remaining size" modifies each refresh brings back the lots filled while it
    travelled."""
    state = dict(book=0, qty=qty, price=price, sent=0)
    return hftlab.CompiledStrategy(refresher_step, state, name="refresher", **kw)


@nb.njit(cache=True)
def refresher_step(reason, book, view, orders, st):
    """Submit once, then modify every open order to (price, qty) on each timer wake-up."""
    if reason != W_TIMER:
        return
    if st.sent == 0:
        api.submit(view, orders, st.book, 1, st.price, st.qty, 0, 0)
        st.sent = 1
        return
    for k in range(api.n_orders(view)):
        o = api.order(view, k)
        if api.is_open(o):
            api.modify(orders, o.order_id, st.price, st.qty)


def canceller(offset: int = 3, **kw) -> hftlab.CompiledStrategy:
    """Quote stuffing: a new bid offset ticks behind the best on every timer tick, and a
    cancel for every open order on every tick (again and again while it travels)."""
    return hftlab.CompiledStrategy(canceller_step, dict(book=0, offset=offset),
                                   name="canceller", **kw)


@nb.njit(cache=True)
def canceller_step(reason, book, view, orders, st):
    """Cancel everything the host lists as open, then send one more bid."""
    if reason != W_TIMER:
        return
    for k in range(api.n_orders(view)):
        o = api.order(view, k)
        if api.is_open(o):
            api.cancel(orders, o.order_id)
    bid = api.best_bid(view, st.book)
    if bid > 0:
        api.submit(view, orders, st.book, 1, bid - st.offset, 1, 0, 0)


def defiant(**kw) -> hftlab.CompiledStrategy:
    """Tries to clear any halt: asks to resume on every wake-up and keeps buying at the ask."""
    return hftlab.CompiledStrategy(defiant_step, dict(book=0), name="defiant", **kw)


@nb.njit(cache=True)
def defiant_step(reason, book, view, orders, st):
    """request_resume, then an IOC buy of one lot at the ask, on every timer wake-up."""
    if reason != W_TIMER:
        return
    api.request_resume(orders)
    ask = api.best_ask(view, st.book)
    if ask > 0:
        api.submit(view, orders, st.book, 1, ask, 1, 1, 0)
