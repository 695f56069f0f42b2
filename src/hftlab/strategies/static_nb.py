"""Compiled Static quoting: the quote rule and the strategy function for the compiled loop."""

from __future__ import annotations

import numba as nb

from hftlab.strategies.quoting_nb import P_CAPACITY, P_HEADER, P_QTY, hard_sizes, to_ticks

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
