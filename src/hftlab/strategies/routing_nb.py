"""Compiled venue routing of a built-in market maker's passive quotes (see routing.py).

``routed_maker(reason, book, view, orders, state)`` on the strategy API: the maker's quote
rule (makers_nb) prices both sides on the consolidated touch of the routed books, then
each side rests on the one venue with the highest expected rebate (ticks per lot):

    EV_v = rebate_v(p) * P_v,   P_v = min(1, lambda_v * T / (Q_v + q))

rebate_v(p) the venue's maker rebate at price p in ticks (minus its maker fee), lambda_v
the venue's traded lots per second on that side (a decayed count of its prints), T the
quote's life (s), Q_v the visible lots at p or better on that side of the venue (less our
own order there), q our size. The price is the same on every venue (never a worse price
for a rebate); venues whose opposite best it would cross are not candidates.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from hftlab.core.layout import W_BOOK, W_START, W_TIMER, W_TRADE
from hftlab.strategies.makers_nb import book_rule, print_rule, quote_rule, start_rule
from hftlab.strategies.quoting_nb import NS
from hftlab.strategy import depth, position, requote

LEVELS = 5  # book levels read to count the queue ahead of a price behind the touch


@nb.njit(cache=True)
def decayed(count, since_ns, halflife_s):
    """A decayed count after since_ns of host time (halflife in seconds)."""
    return count * math.exp(-since_ns / NS * math.log(2.0) / halflife_s)


@nb.njit(cache=True)
def fill_probability(rate, horizon_s, queue_ahead, qty):
    """Fluid queue depletion: the share of our order the expected traded volume reaches,
    min(1, rate * horizon / (queue ahead + qty)); rate in lots/s, sizes in lots."""
    return min(1.0, rate * horizon_s / (queue_ahead + qty))


@nb.njit(cache=True)
def queue_ahead(view, b, side, price):
    """Visible lots at price or better on this side of book b, less our own resting there."""
    px, qty = depth(view, b, LEVELS)
    row = 0 if side > 0 else 1
    q = 0
    for k in range(LEVELS):
        if qty[row, k] > 0 and (px[row, k] - price) * side >= 0:
            q += qty[row, k]
    for k in range(view.clock[0].n_active):
        o = view.orders[view.active[k]]
        if o.book == b and o.side == side and o.price == price and o.status <= 2:
            q -= o.leaves
    return max(q, 0)


@nb.njit(cache=True)
def route(view, state, side, price, qty, now):
    """Index (into state.books) of the venue with the highest EV for this quote, or -1."""
    best, best_ev = -1, -np.inf
    s = 0 if side > 0 else 1
    for i in range(state.books.shape[0]):
        b = view.books[state.books[i]]
        opposite = b.ask if side > 0 else b.bid
        if opposite > 0 and (opposite - price) * side <= 0:
            continue
        rate = state.prior_rate + decayed(state.hits[i, s], now - state.hits_t[i],
                                          state.halflife_s) * math.log(2.0) / state.halflife_s
        p = fill_probability(rate, state.horizon_s, queue_ahead(view, state.books[i], side,
                                                                price), qty)
        ev = -(state.fee_a[i] + state.fee_b[i] * price) / state.tick_value * p
        if ev > best_ev:
            best, best_ev = i, ev
    return best


@nb.njit(cache=True)
def _count_print(state, i, b, now):
    """Add a print to venue i's decayed count of the side it hit (a sell hits bids)."""
    dt = now - state.hits_t[i]
    for s in range(2):
        state.hits[i, s] = decayed(state.hits[i, s], dt, state.halflife_s)
    state.hits[i, 0 if b.last_side < 0 else 1] += b.last_qty
    state.hits_t[i] = now


@nb.njit(cache=True)
def _place(view, orders, state, side, price, qty, now, tif):
    i = route(view, state, side, price, qty, now) if qty > 0 else -1
    if i >= 0:
        state.routed[i, 0 if side > 0 else 1] += 1
    for k in range(state.books.shape[0]):
        requote(view, orders, state.books[k], side, price, qty if k == i else 0, tif)


@nb.njit(cache=True)
def routed_maker(reason, book, view, orders, state):
    """The maker's rule on the consolidated touch, each side routed (module doc). state:
    the maker's record (params, mstate, ring) and the routing fields (routing.py)."""
    params, mstate, ring = state.params, state.mstate, state.ring
    home = state.books[0]
    now = view.clock[0].now
    if reason == W_START:
        start_rule(params, mstate, ring, now)
        state.hits_t[:] = now
    elif reason == W_TRADE:
        for i in range(state.books.shape[0]):
            if state.books[i] == book:
                _count_print(state, i, view.books[book], now)
        if book == home:
            print_rule(params, mstate, ring, view.books[home], now)
    elif reason == W_BOOK:
        if book == home:
            book_rule(params, mstate, view.books[home], now)
    elif reason == W_TIMER:
        nbb, nbo = 0, 0
        for i in range(state.books.shape[0]):
            b = view.books[state.books[i]]
            if b.bid > 0 and (nbb == 0 or b.bid > nbb):
                nbb = b.bid
            if b.ask > 0 and (nbo == 0 or b.ask < nbo):
                nbo = b.ask
        if nbb > 0 and nbo > 0 and nbb < nbo:
            bid, ask, bq, aq = quote_rule(params, mstate, view, home, now, nbb, nbo,
                                          position(view, view.books[home].instrument))
            _place(view, orders, state, 1, bid, bq, now, params.tif)
            _place(view, orders, state, -1, ask, aq, now, params.tif)
    return 0
