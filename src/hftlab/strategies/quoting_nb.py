"""Compiled pieces every built-in market maker shares: layouts, sizing, rounding, requoting.

Each strategy keeps a float64 params array and a float64 state array. The first
P_HEADER params and S_HEADER state entries have the same meaning in every strategy;
strategy-specific entries follow. Prices are ticks, sizes lots, time ns (host clock) and
seconds where a model needs a time unit.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from hftlab.engine import book_nb
from hftlab.engine.layout import (A_POS, ACT_CANCEL, ACT_SUBMIT, C_ACTION, C_BOOK, C_ID,
                                  C_PRICE, C_QTY, C_SIDE, C_TIF, C_TYPE, K_NACT, M_ASK, M_BID,
                                  M_INSTR, O_BOOK, O_ID, O_LPRICE, O_LSTATUS, O_PENDING, O_SIDE)

# params header
P_BOOK, P_TIF, P_QTY, P_CAPACITY, P_SIGMA, P_SIGMA_HALFLIFE = 0, 1, 2, 3, 4, 5
P_HEADER = 6
# state header
S_T0, S_PREV_MID, S_PREV_T, S_VAR = 0, 1, 2, 3
S_PRINT_TS, S_PRINT_PX, S_PRINT_QTY, S_PRINT_SIDE, S_PRINT_KIND = 4, 5, 6, 7, 8  # last print
S_HEADER = 9
NS = 1e9


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
def requote(side, price, q, book, tif, orders, active, cur, cmds, n):
    """Keep one order at (side, price); cancel our others on that side. Returns commands.

    q = 0 cancels every order on the side (withdrawal).
    """
    have = False
    for k in range(cur[K_NACT]):
        s = active[k]
        if orders[s, O_BOOK] != book or orders[s, O_SIDE] != side:
            continue
        if orders[s, O_LSTATUS] > 2:  # closed
            continue
        if orders[s, O_LPRICE] == price and q > 0 and not have:
            have = True
        elif orders[s, O_PENDING] == 0:
            cmds[n, C_ACTION] = ACT_CANCEL
            cmds[n, C_ID] = orders[s, O_ID]
            n += 1
    if not have and q > 0 and price > 0:
        cmds[n, C_ACTION] = ACT_SUBMIT
        cmds[n, C_BOOK] = book
        cmds[n, C_SIDE] = side
        cmds[n, C_PRICE] = price
        cmds[n, C_QTY] = q
        cmds[n, C_TIF] = tif
        cmds[n, C_TYPE] = 0
        n += 1
    return n


@nb.njit(cache=True)
def place(params, bid, ask, bq, aq, orders, active, cur, cmds):
    """Requote both sides of the strategy's book; returns the number of commands written."""
    b = np.int64(params[P_BOOK])
    tif = np.int64(params[P_TIF])
    n = requote(1, bid, bq, b, tif, orders, active, cur, cmds, 0)
    return requote(-1, ask, aq, b, tif, orders, active, cur, cmds, n)


@nb.njit(cache=True)
def view(params, market, acct):
    """(best bid, best ask, position) of the strategy's book as the host sees it."""
    b = np.int64(params[P_BOOK])
    return market[b, M_BID], market[b, M_ASK], np.int64(acct[market[b, M_INSTR], A_POS])


@nb.njit(cache=True)
def visible_depth(lqty, ltop, base, book, levels):
    """Lots resting on the best `levels` levels of both sides of the host's book."""
    px = np.empty((2, levels), np.int64)
    qty = np.empty((2, levels), np.int64)
    book_nb.depth(lqty, ltop, base, book, levels, px, qty)
    return qty.sum()
