"""Compiled InventorySkew: the quote rule (params: half_spread, skew; quoting_nb's records)."""

from __future__ import annotations

import numba as nb

from hftlab.strategies.quoting_nb import tapered_sizes, to_ticks

__all__ = ["inventory_skew_quotes", "skew_quotes"]


@nb.njit(cache=True)
def skew_quotes(best_bid, best_ask, position, half_spread, skew, capacity, qty):
    """(bid, ask, bid lots, ask lots) in ticks and lots; 0 lots means no quote on that side.

    reservation r = mid - skew * position / capacity; quotes at r -/+ half_spread, rounded
    away from r to whole ticks, never crossing the opposite best. The side that grows
    |position| shrinks linearly towards capacity, and no fill can pass capacity.
    """
    mid = 0.5 * (best_bid + best_ask)
    r = mid - skew * position / capacity
    bid, ask = to_ticks(r - half_spread, r + half_spread, best_bid, best_ask)
    bq, aq = tapered_sizes(qty, position, capacity)
    return bid, ask, bq, aq


@nb.njit(cache=True)
def inventory_skew_quotes(params, state, now, best_bid, best_ask, position):
    """skew_quotes with the strategy's params record."""
    return skew_quotes(best_bid, best_ask, position, params.half_spread, params.skew,
                       params.capacity, params.qty)
