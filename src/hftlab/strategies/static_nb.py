"""Compiled Static quoting: the quote rule and the strategy function for the compiled loop."""

from __future__ import annotations

import numba as nb

from hftlab.engine.layout import W_START, W_TIMER
from hftlab.engine.loop_nb import STRATEGY_SIG
from hftlab.strategies.quoting_nb import (P_CAPACITY, P_HEADER, P_QTY, hard_sizes, place, start,
                                          to_ticks, view)

P_HALF_SPREAD = P_HEADER
N_PARAMS = P_HEADER + 1


@nb.njit(cache=True)
def static_quotes(params, state, now, best_bid, best_ask, position):
    """(bid, ask, bid lots, ask lots): mid -/+ half_spread rounded away from the mid;
    sizes cut only where a fill would pass capacity (no inventory skew)."""
    mid = 0.5 * (best_bid + best_ask)
    h = params[P_HALF_SPREAD]
    bid, ask = to_ticks(mid - h, mid + h, best_bid, best_ask)
    bq, aq = hard_sizes(int(params[P_QTY]), position, int(params[P_CAPACITY]))
    return bid, ask, bq, aq


@nb.njit(STRATEGY_SIG, cache=True)
def static_step(reason, now, book, params, state, market, lqty, ltop, base, acct, orders,
                active, cur, rstate, cmds):
    """Start: reset the state. Timer: requote both sides."""
    if reason == W_START:
        start(params, state, now)
        return 0
    if reason != W_TIMER:
        return 0
    bb, ba, pos = view(params, market, acct)
    if bb <= 0 or ba <= 0:
        return 0
    bid, ask, bq, aq = static_quotes(params, state, now, bb, ba, pos)
    return place(params, bid, ask, bq, aq, orders, active, cur, cmds)
