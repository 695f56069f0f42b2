"""Compiled Static quoting: the quote rule (params: half_spread; quoting_nb's records)."""

from __future__ import annotations

import numba as nb

from hftlab.strategies.quoting_nb import hard_sizes, to_ticks


@nb.njit(cache=True)
def static_quotes(params, state, now, best_bid, best_ask, position):
    """(bid, ask, bid lots, ask lots): mid -/+ half_spread rounded away from the mid;
    sizes cut only where a fill would pass capacity (no inventory skew)."""
    mid = 0.5 * (best_bid + best_ask)
    h = params.half_spread
    bid, ask = to_ticks(mid - h, mid + h, best_bid, best_ask)
    bq, aq = hard_sizes(params.qty, position, params.capacity)
    return bid, ask, bq, aq
