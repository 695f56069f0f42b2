"""Compiled pieces every built-in market maker shares: layouts, sizing, rounding.

Each strategy keeps a float64 params array and a float64 state array. The first
P_HEADER params and S_HEADER state entries have the same meaning in every strategy
(P_RULE names the quote rule, so one skeleton, strategies/makers_nb.py, runs them all);
strategy-specific entries follow. Prices are ticks, sizes lots, time ns (host clock) and
seconds where a model needs a time unit.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from hftlab.core import book_nb

# params header
P_BOOK, P_TIF, P_QTY, P_CAPACITY, P_SIGMA, P_SIGMA_HALFLIFE, P_RULE = 0, 1, 2, 3, 4, 5, 6
P_HEADER = 7
# quote rules (P_RULE)
STATIC, INVENTORY_SKEW, AVELLANEDA_STOIKOV, GLFT, TOXICITY_AWARE = 0, 1, 2, 3, 4
FLOW_SKEW = 5  # InventorySkew with an order-flow term (flow_skew_nb)
# state header
S_T0, S_PREV_MID, S_PREV_T, S_VAR = 0, 1, 2, 3
S_PRINT_TS, S_PRINT_PX, S_PRINT_QTY, S_PRINT_SIDE, S_PRINT_KIND = 4, 5, 6, 7, 8  # last print
S_HEADER = 9
NS = 1e9


@nb.njit(cache=True, inline="always")
def params_and_state(raw):
    """A built-in compiled strategy's state bytes as (params, state) float64 views: the
    first float is the number of params, then the params, then the mutable state."""
    f = raw.view(np.float64)
    n = np.int64(f[0])
    return f[1:1 + n], f[1 + n:]


@nb.njit(cache=True)
def start(params, state, now):
    """Reset the shared state at the first wake-up: start time, no mid seen, prior variance."""
    state[S_T0] = now
    state[S_PREV_MID] = np.nan
    state[S_PREV_T] = np.nan
    state[S_VAR] = params[P_SIGMA] * params[P_SIGMA]
    state[S_PRINT_TS] = -1.0


@nb.njit(cache=True)
def fresh_print(state, ts, price, qty, side, kind):
    """True unless this is a TRADE print repeating the EXECUTE just counted (same
    exchange time, price, size and aggressor side): data that reports one fill both as
    the resting order's EXECUTE and as a TRADE print (hftlab's simulated sessions saved
    before 2026-11-26) would wake the strategy twice for one trade. Two executions alike
    (a sweep hitting two orders of the same size) are two trades, and so are two prints."""
    rel = float(ts - np.int64(state[S_T0]))
    if (kind == book_nb.TRADE and state[S_PRINT_KIND] == book_nb.EXECUTE
            and rel == state[S_PRINT_TS] and price == state[S_PRINT_PX]
            and qty == state[S_PRINT_QTY] and side == state[S_PRINT_SIDE]):
        return False
    state[S_PRINT_TS] = rel
    state[S_PRINT_PX] = price
    state[S_PRINT_QTY] = qty
    state[S_PRINT_SIDE] = side
    state[S_PRINT_KIND] = kind
    return True


@nb.njit(cache=True)
def observe_mid(params, state, mid, now):
    """Update the EWMA variance of mid changes (ticks^2 per second) and remember the mid.

    var += a (dm^2 / dt - var) with a = 1 - 2^(-dt / halflife); a halflife of 0 keeps
    sigma fixed at params[P_SIGMA]. Returns sigma in ticks per sqrt(second).
    """
    hl = params[P_SIGMA_HALFLIFE]
    prev_t = state[S_PREV_T]
    if hl > 0.0 and prev_t == prev_t and now > prev_t:
        dt = (now - prev_t) / NS
        dm = mid - state[S_PREV_MID]
        a = 1.0 - math.exp(-dt * math.log(2.0) / hl)
        state[S_VAR] += a * (dm * dm / dt - state[S_VAR])
    state[S_PREV_MID] = mid
    state[S_PREV_T] = now
    return math.sqrt(state[S_VAR]) if hl > 0.0 else params[P_SIGMA]


@nb.njit(cache=True)
def hard_sizes(qty, position, capacity):
    """(bid lots, ask lots): qty, cut so that no fill takes |position| beyond capacity."""
    return max(min(qty, capacity - position), 0), max(min(qty, capacity + position), 0)


@nb.njit(cache=True)
def tapered_sizes(qty, position, capacity):
    """As hard_sizes, and the side that grows |position| shrinks linearly towards capacity:
    at most ceil(qty (1 - |position| / capacity)) lots."""
    bq, aq = hard_sizes(qty, position, capacity)
    taper = int(math.ceil(qty * (1.0 - abs(position) / capacity)))
    if position > 0:
        bq = max(min(bq, taper), 0)
    elif position < 0:
        aq = max(min(aq, taper), 0)
    return bq, aq


@nb.njit(cache=True)
def to_ticks(bid, ask, best_bid, best_ask):
    """Round model prices away from the mid to whole ticks, never crossing the opposite best."""
    b = min(np.int64(math.floor(bid)), best_ask - 1)
    a = max(np.int64(math.ceil(ask)), best_bid + 1)
    return b, a


@nb.njit(cache=True)
def visible_depth(view, book, levels):
    """Lots resting on the best `levels` levels of both sides of the host's book."""
    px = np.empty((2, levels), np.int64)
    qty = np.empty((2, levels), np.int64)
    book_nb.depth(view.ladder, view.top, view.base, book, levels, px, qty)
    return qty.sum()
