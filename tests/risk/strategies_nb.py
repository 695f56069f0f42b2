"""Compiled test strategies: a runaway order sender (the Knight Capital failure mode)."""

from __future__ import annotations

import numba as nb

from hftlab.engine.layout import (ACT_SUBMIT, C_ACTION, C_BOOK, C_PRICE, C_QTY, C_SIDE, C_TIF,
                                  C_TYPE, M_ASK, M_BID, W_BOOK, W_TIMER)
from hftlab.engine.loop_nb import STRATEGY_SIG
from hftlab.risk.layout import KILL_ENGINE, RS_KILL

# params: book, side, qty, orders per wake-up, price (0 = cross the spread), order type,
# tif, kill at this many wake-ups (0 = never)
P_BOOK, P_SIDE, P_QTY, P_PER_WAKE, P_PRICE, P_TYPE, P_TIF, P_KILL_AFTER = range(8)
N_PARAMS = 8


@nb.njit(STRATEGY_SIG, cache=True)
def runaway_step(reason, now, book, params, state, market, lqty, ltop, base, acct, orders,
                 active, cur, rstate, cmds):
    """On every timer or book wake-up, send P_PER_WAKE identical orders, whatever happens."""
    if reason != W_TIMER and reason != W_BOOK:
        return 0
    state[0] += 1
    if params[P_KILL_AFTER] > 0 and state[0] >= params[P_KILL_AFTER]:
        rstate[RS_KILL] = KILL_ENGINE  # a compiled caller pulls the switch
    b = int(params[P_BOOK])
    side = int(params[P_SIDE])
    price = int(params[P_PRICE])
    if price == 0:
        price = market[b, M_ASK] if side > 0 else market[b, M_BID]
        if price <= 0:
            return 0
    n = int(params[P_PER_WAKE])
    for k in range(n):
        cmds[k, C_ACTION] = ACT_SUBMIT
        cmds[k, C_BOOK] = b
        cmds[k, C_SIDE] = side
        cmds[k, C_PRICE] = price
        cmds[k, C_QTY] = int(params[P_QTY])
        cmds[k, C_TIF] = int(params[P_TIF])
        cmds[k, C_TYPE] = int(params[P_TYPE])
    return n
