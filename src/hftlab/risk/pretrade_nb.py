"""Pre-trade risk checks in the compiled gate every order passes on its way to a venue.

Limits live in rparams, float64 (n_instruments + 1, RP_NCOL): one row per instrument
and a last row for the portfolio; NaN or inf disables a limit. The trading state and the
counters live in rstate, float64 (RS_NCOL,). A denial writes a risk event row and
returns its reason code (schema.Reason); 0 lets the command through.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from hftlab.engine.layout import A_POS, K_NRISK

# rparams columns (instrument rows; the last row holds portfolio-wide limits)
RP_MAX_ORDER_QTY = 0  # lots per order
RP_MAX_POSITION = 1  # |position| in lots, counting open orders on the same side
RP_SOFT_LOSS = 2  # portfolio row: loss (currency, > 0) that switches to REDUCING
RP_HARD_LOSS = 3  # portfolio row: loss (currency, > 0) that HALTS, cancels and flattens
RP_NCOL = 16

# rstate entries
RS_STATE = 0  # 0 ACTIVE, 1 REDUCING, 2 HALTED
RS_KILL = 1  # 1 = kill requested (by the strategy, the engine or the configuration)
RS_NCOL = 32

ACTIVE, REDUCING, HALTED = 0, 1, 2
R_MAX_ORDER_QTY, R_POSITION_LIMIT, R_STATE_REDUCING, R_STATE_HALTED = 33, 35, 43, 44


@nb.njit(cache=True)
def risk_event(risk_i, risk_f, cur, now, rule, oid, instrument, state, value, limit):
    """Append one row to the risk events record."""
    n = cur[K_NRISK]
    risk_i[n, 0] = now
    risk_i[n, 1] = rule
    risk_i[n, 2] = oid
    risk_i[n, 3] = instrument
    risk_i[n, 4] = state
    risk_f[n, 0] = value
    risk_f[n, 1] = limit
    cur[K_NRISK] = n + 1


@nb.njit(cache=True)
def pre_trade(now, oid, i, side, qty, open_same_side, lacct, rparams, rstate, risk_i, risk_f,
              cur):
    """Check a new order of qty lots on instrument i; returns 0 or the denial's reason."""
    state = np.int64(rstate[RS_STATE])
    pos = lacct[i, A_POS]
    reducing = (pos > 0 and side < 0 and qty <= pos) or (pos < 0 and side > 0 and qty <= -pos)
    if state == HALTED:
        risk_event(risk_i, risk_f, cur, now, R_STATE_HALTED, oid, i, state, qty, 0.0)
        return R_STATE_HALTED
    if state == REDUCING and not reducing:
        risk_event(risk_i, risk_f, cur, now, R_STATE_REDUCING, oid, i, state, qty, 0.0)
        return R_STATE_REDUCING
    lim = rparams[i, RP_MAX_ORDER_QTY]
    if qty > lim:
        risk_event(risk_i, risk_f, cur, now, R_MAX_ORDER_QTY, oid, i, state, qty, lim)
        return R_MAX_ORDER_QTY
    lim = rparams[i, RP_MAX_POSITION]
    worst = abs(pos + side * (qty + open_same_side))
    if worst > lim and worst > abs(pos):
        risk_event(risk_i, risk_f, cur, now, R_POSITION_LIMIT, oid, i, state, worst, lim)
        return R_POSITION_LIMIT
    return 0
