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
