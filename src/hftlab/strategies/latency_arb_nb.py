"""Compiled latency arbitrage: the strategy function the engine calls in place.

``latency_arb(reason, book, view, orders, state)`` on the strategy API (hftlab.strategy):
woken by every book update that reaches the host and by our own orders' events. The
edge rule is the stale-quote detector's (hftlab.analytics.stale_quotes_nb), applied to
the host's delayed view; see strategies/latency_arb.py for the parameters and counts.
"""

from __future__ import annotations

import numba as nb

from hftlab.analytics.stale_quotes_nb import (HEDGE_CROSS, HEDGE_JOIN, HEDGE_NONE, decay,
                                              edge_ticks, hedge_price, net_value)
from hftlab.strategy import (best_ask, best_bid, is_open, market, n_orders, now, order,
                             position, requote_both, submit)

IOC = 1
GTC = 0


@nb.njit(cache=True)
def _find(view, order_id):
    """Our listed order with this id (index into the listing), or -1."""
    for j in range(n_orders(view)):
        if order(view, j).order_id == order_id:
            return j
    return -1


@nb.njit(cache=True)
def _settle_take(view, state, bf, af):
    """Count the outcome of the take once the host learns it closed: a miss (nothing
    filled: the quote was gone when the order arrived), a fill (partial or whole), and
    whether the fill is adverse (the fast venue already moved so the hedge no longer
    pays: net value at the fill price against its current hedge price <= 0)."""
    j = _find(view, state.take_id)
    if j < 0:  # no longer listed, its outcome unseen (not expected: closes wake us)
        state.unsettled += 1
        state.take_id = -1
        return
    o = order(view, j)
    if is_open(o):
        return
    filled = state.take_qty - o.leaves
    if filled <= 0:
        state.misses += 1
    else:
        state.fills += 1
        state.filled_lots += filled
        if o.leaves > 0:
            state.partial += 1
        if bf > 0 and af > 0:
            side = state.take_side
            p_f = hedge_price(side, state.hedge, bf, af)
            v = net_value(side, state.hedge, state.take_price, state.take_price, p_f,
                          state.basis, filled, state.value, state.fee_slow, state.fee_fast,
                          state.cost)
            if v <= 0.0:
                state.adverse += 1
    state.take_id = -1


@nb.njit(cache=True)
def _hedge(view, orders, state, pos, bf, af):
    """Bring the position back to flat on the fast venue: a market order (cross) once
    the previous one closed, or one resting order at the fast touch (join)."""
    fast = state.fast
    if state.hedge == HEDGE_CROSS:
        j = _find(view, state.hedge_id) if state.hedge_id >= 0 else -1
        if pos != 0 and (j < 0 or not is_open(order(view, j))):
            state.hedge_id = market(view, orders, fast, -1 if pos > 0 else 1, abs(pos))
            state.hedges += 1
    elif state.hedge == HEDGE_JOIN:
        buy = -pos if pos < 0 and bf > 0 else 0
        sell = pos if pos > 0 and af > 0 else 0
        requote_both(view, orders, fast, bf, buy, af, sell, GTC)


@nb.njit(cache=True)
def _take(view, orders, state, t, bs, as_, bf, af):
    """Send an IOC at the slow venue's stale quote when the edge pays (net > 0 and at
    least min_edge ticks); the better side when both do. A quote already taken is not
    taken again (a replay does not remove the liquidity we took)."""
    best_v = 0.0
    best_side = 0
    best_lots = 0
    for side in (-1, 1):
        p_f = hedge_price(side, state.hedge, bf, af)
        e = edge_ticks(side, bs, as_, p_f, state.basis)
        if e < state.min_edge or e <= 0.0 or (side == state.take_side and state.take_price
                                              == (bs if side < 0 else as_)):
            continue
        lots = min(state.qty, view.books[state.slow].bid_qty if side < 0
                   else view.books[state.slow].ask_qty)
        if state.hedge == HEDGE_NONE:
            lots = min(lots, state.max_position - abs(position(view, state.instrument)))
        if lots <= 0:
            continue
        v = net_value(side, state.hedge, bs, as_, p_f, state.basis, lots, state.value,
                      state.fee_slow, state.fee_fast, state.cost)
        if v > best_v:
            best_v, best_side, best_lots = v, side, lots
    if best_side == 0:
        return
    price = bs if best_side < 0 else as_
    oid = submit(view, orders, state.slow, best_side, price, best_lots, IOC, 0)
    if oid < 0:
        return
    state.take_id = oid
    state.take_side = best_side
    state.take_price = price
    state.take_qty = best_lots
    state.takes += 1
    state.last_take = t
    state.expected += best_v


@nb.njit(cache=True)
def latency_arb(reason, book, view, orders, state):
    """Take stale quotes on the slow book and hedge on the fast one (module doc)."""
    t = now(view)
    bf, af = best_bid(view, state.fast), best_ask(view, state.fast)
    bs, as_ = best_bid(view, state.slow), best_ask(view, state.slow)
    if state.take_id >= 0:
        _settle_take(view, state, bf, af)
    pos = position(view, state.instrument)
    if state.hedge != HEDGE_NONE:
        _hedge(view, orders, state, pos, bf, af)
    quoted = bf > 0 and af > 0 and bs > 0 and as_ > 0
    if quoted and state.take_id < 0 and (pos == 0 or state.hedge == HEDGE_NONE) \
            and t - state.last_take >= state.cooldown_ns:
        _take(view, orders, state, t, bs, as_, bf, af)
    if quoted and state.halflife > 0:
        x = 0.5 * (bf + af) - 0.5 * (bs + as_)
        if state.basis_t == 0:
            state.basis = x
        else:
            state.basis += decay(t - state.basis_t, state.halflife) * (x - state.basis)
        state.basis_t = t
