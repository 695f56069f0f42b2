"""Intraday controls on the trading host (compiled): loss limits and the kill switch.

monitor() runs after every fill the host learns of and at every state sample, on the
host's own view (account marked to the local mid). When a control trips it moves the
trading state (ACTIVE -> REDUCING -> HALTED), writes a risk event and returns commands
(cancel every open order; on HALTED also flatten every position with market orders)
that the gate sends without pre-trade checks, because they only reduce risk.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from hftlab.engine.layout import (A_EQUITY, A_POS, ACT_CANCEL, ACT_SUBMIT, C_ACTION, C_BOOK,
                                  C_ID, C_PRICE, C_QTY, C_SIDE, C_TIF, C_TYPE, I_MARK_BOOK,
                                  K_NACT, O_ID, O_LSTATUS, O_PENDING)
from hftlab.risk.pretrade_nb import (ACTIVE, HALTED, REDUCING, RP_HARD_LOSS, RP_SOFT_LOSS,
                                     RS_KILL, RS_STATE, risk_event)

R_KILL_SWITCH, R_SOFT_LOSS, R_HARD_LOSS = 45, 46, 47
IOC, MARKET = 1, 1


@nb.njit(cache=True)
def cancel_all(orders, active, cur, rcmds, n):
    """Cancel commands for every order the host believes open and not already being cancelled."""
    for k in range(cur[K_NACT]):
        s = active[k]
        st = orders[s, O_LSTATUS]
        if (st == 0 or st == 1 or st == 2) and orders[s, O_PENDING] == 0:
            rcmds[n, C_ACTION] = ACT_CANCEL
            rcmds[n, C_ID] = orders[s, O_ID]
            n += 1
    return n


@nb.njit(cache=True)
def flatten(lacct, instruments, rcmds, n):
    """A market order per instrument that takes its position to zero."""
    for i in range(lacct.shape[0]):
        pos = np.int64(lacct[i, A_POS])
        if pos == 0:
            continue
        rcmds[n, C_ACTION] = ACT_SUBMIT
        rcmds[n, C_BOOK] = np.int64(instruments[i, I_MARK_BOOK])
        rcmds[n, C_SIDE] = -1 if pos > 0 else 1
        rcmds[n, C_PRICE] = 0
        rcmds[n, C_QTY] = abs(pos)
        rcmds[n, C_TIF] = IOC
        rcmds[n, C_TYPE] = MARKET
        n += 1
    return n


@nb.njit(cache=True)
def monitor(now, lacct, instruments, orders, active, cur, rparams, rstate, risk_i, risk_f,
            rcmds):
    """Check the kill switch and the loss limits; returns the number of commands written."""
    n_instr = lacct.shape[0]
    state = np.int64(rstate[RS_STATE])
    pnl = 0.0
    for i in range(n_instr):
        pnl += lacct[i, A_EQUITY]
    new = state
    rule = 0
    limit = 0.0
    if rstate[RS_KILL] > 0:
        new, rule = HALTED, R_KILL_SWITCH
        rstate[RS_KILL] = 0
    elif pnl <= -rparams[n_instr, RP_HARD_LOSS]:
        new, rule, limit = HALTED, R_HARD_LOSS, -rparams[n_instr, RP_HARD_LOSS]
    elif pnl <= -rparams[n_instr, RP_SOFT_LOSS] and state == ACTIVE:
        new, rule, limit = REDUCING, R_SOFT_LOSS, -rparams[n_instr, RP_SOFT_LOSS]
    if rule == 0 or (new == state and rule != R_KILL_SWITCH):
        return 0
    rstate[RS_STATE] = new
    risk_event(risk_i, risk_f, cur, now, rule, -1, 0, new, pnl, limit)
    n = cancel_all(orders, active, cur, rcmds, 0)
    if new == HALTED:
        n = flatten(lacct, instruments, rcmds, n)
    return n
