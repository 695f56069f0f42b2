"""Compiled InventorySkew: the quote rule and the strategy function for the compiled loop."""

from __future__ import annotations

import math

import numba as nb

from hftlab.engine.layout import (A_POS, ACT_CANCEL, ACT_SUBMIT, C_ACTION, C_BOOK, C_ID,
                                  C_PRICE, C_QTY, C_SIDE, C_TIF, C_TYPE, K_NACT, M_ASK, M_BID,
                                  M_INSTR, O_BOOK, O_ID, O_LPRICE, O_LSTATUS, O_PENDING, O_SIDE,
                                  W_TIMER)
from hftlab.engine.loop_nb import STRATEGY_SIG

# params layout
P_BOOK, P_HALF_SPREAD, P_SKEW, P_CAPACITY, P_QTY, P_TIF = 0, 1, 2, 3, 4, 5
N_PARAMS = 6


@nb.njit(cache=True)
def skew_quotes(best_bid, best_ask, position, half_spread, skew, capacity, qty):
    """(bid, ask, bid_qty, ask_qty) in ticks and lots; 0 qty means no quote on that side.

    reservation = mid - skew * position / capacity; quotes at reservation -/+ half_spread,
    rounded away from it to whole ticks, never crossing the opposite best. Sizes shrink
    so that a fill can never take |position| beyond capacity.
    """
    mid = 0.5 * (best_bid + best_ask)
    r = mid - skew * position / capacity
    bid = math.floor(r - half_spread)
    ask = math.ceil(r + half_spread)
    bid = min(bid, best_ask - 1)
    ask = max(ask, best_bid + 1)
    bq = min(qty, capacity - position)
    aq = min(qty, capacity + position)
    return bid, ask, max(bq, 0), max(aq, 0)


@nb.njit(cache=True)
def requote(side, price, q, book, tif, orders, active, cur, cmds, n):
    """Keep one order at (side, price); cancel our others on that side. Returns commands."""
    have = False
    for k in range(cur[K_NACT]):
        s = active[k]
        if orders[s, O_BOOK] != book or orders[s, O_SIDE] != side:
            continue
        st = orders[s, O_LSTATUS]
        if st > 2:  # closed
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


@nb.njit(STRATEGY_SIG, cache=True)
def inventory_skew_step(reason, now, book, params, state, market, lqty, ltop, base, acct, orders,
                        active, cur, rstate, cmds):
    """On each timer: requote both sides around the inventory-skewed reservation price."""
    if reason != W_TIMER:
        return 0
    b = int(params[P_BOOK])
    bb = market[b, M_BID]
    ba = market[b, M_ASK]
    if bb <= 0 or ba <= 0:
        return 0
    pos = int(acct[market[b, M_INSTR], A_POS])
    bid, ask, bq, aq = skew_quotes(bb, ba, pos, params[P_HALF_SPREAD], params[P_SKEW],
                                   int(params[P_CAPACITY]), int(params[P_QTY]))
    tif = int(params[P_TIF])
    n = requote(1, bid, bq, b, tif, orders, active, cur, cmds, 0)
    return requote(-1, ask, aq, b, tif, orders, active, cur, cmds, n)
