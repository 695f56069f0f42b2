"""Intraday controls on the trading host (compiled): loss, drawdown, holding time,
correlation, and the kill switch.

monitor() runs after every fill the host learns of, at every state sample and whenever
the gate finds a kill, reset or pause request, on the host's own view (account marked to
the local mid). Loss and drawdown limits have a soft level (state REDUCING: only
position-reducing orders pass; orders that add to a position are cancelled) and a hard
level (state HALTED: cancel all, flatten, deny new orders). The kill switch (from a
strategy, the engine, a configured time or a count of denials) halts in the same way and
latches until an explicit reset. Flattening stays within the limits: IOC orders priced
inside the price band, no larger than the max order size, and sized net of our open
orders on the same side, so that nothing still filling can carry the position past zero;
what is left is flattened at the next call. Every decision writes a risk event.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from hftlab.core.commands_nb import write_command
from hftlab.core.layout import ACT_CANCEL, ACT_SUBMIT
from hftlab.risk.layout import (ACTIVE, HALTED, KILL_CONFIG_TIME, REDUCING, RP_BAND_PCT,
                                RP_BAND_TICKS, RP_CORR_HALFLIFE, RP_CORR_INTERVAL,
                                RP_CORR_MIN_UPDATES, RP_CORR_THRESHOLD, RP_HARD_DRAWDOWN,
                                RP_HARD_LOSS, RP_MAX_HOLDING, RP_MAX_ORDER_QTY, RP_SOFT_DRAWDOWN,
                                RP_SOFT_LOSS, RS_CORR_ALERT, RS_CORR_LAST, RS_CORR_N,
                                RS_CORR_STARTED, RS_CORR_VALUE, RS_INSTR0, RS_KILL, RS_KILL_AT_DONE,
                                RS_KILLED, RS_PEAK, RS_STATE, RSI_INFLIGHT, RSI_LAST_MID, RSI_NCOL,
                                RSI_OPEN_BUY, RSI_OPEN_SELL, RSI_RET, RSI_SIGN, RSI_SINCE, RSI_VAR)
from hftlab.risk.pretrade_nb import (ibase, kill_time_reached, on_requests, reference_price, rel,
                                     risk_event, scan_open)

R_KILL_SWITCH, R_SOFT_LOSS, R_HARD_LOSS, R_SOFT_DD, R_HARD_DD = 45, 46, 47, 48, 49
R_HOLDING_TIME, R_CORRELATION, R_CANCEL_ALL, R_FLATTEN = 50, 51, 57, 58
IOC, FOK, LIMIT, MARKET = 1, 2, 0, 1
ST_NEW, ST_ACCEPTED, ST_PARTIAL = 0, 1, 2


@nb.njit(cache=True, _nrt=False)
def cancel_orders(orders, active, cur, market, instrument, pos_sign, rcmds, n):
    """Cancel commands for open orders not already being cancelled (IOC / FOK excepted).

    instrument: only that instrument (or -1 for all); pos_sign: only orders on that side
    of a position, i.e. the ones that add to it (0: every side). Returns the new count.
    """
    for k in range(cur[0].n_active):
        if n >= rcmds.shape[0]:
            break
        s = active[k]
        st = orders[s].local_status
        if not (st == ST_NEW or st == ST_ACCEPTED or st == ST_PARTIAL) or orders[s].pending != 0:
            continue
        if orders[s].tif == IOC or orders[s].tif == FOK:  # the venue closes them itself
            continue
        if instrument >= 0 and market[orders[s].book].instrument != instrument:
            continue
        if pos_sign != 0 and orders[s].side * pos_sign < 0:
            continue
        write_command(rcmds, n, ACT_CANCEL, 0, 0, 0, 0, 0, 0, orders[s].order_id)
        n += 1
    return n


@nb.njit(cache=True, _nrt=False)
def cancel_adding(orders, active, cur, market, lacct, rcmds, n):
    """Cancel every open order that would add to its instrument's position (REDUCING)."""
    for i in range(lacct.shape[0]):
        pos = lacct[i].position
        if pos == 0:
            n = cancel_orders(orders, active, cur, market, i, 0, rcmds, n)
        else:
            n = cancel_orders(orders, active, cur, market, i, 1 if pos > 0 else -1, rcmds, n)
    return n


@nb.njit(cache=True, _nrt=False)
def flatten_one(i, lacct, instruments, market, rparams, rstate, rcmds, n):
    """IOC orders that take instrument i's position towards zero, within the limits.

    Priced at the edge of the price band around the reference (a market order when no band
    is set or no reference exists), sliced to the max order size, and sized net of our
    open orders on the flattening side, so that they and the flatten together can never
    carry the position past zero. Needs scan_open's scratch for i. Returns the new count.
    """
    pos = lacct[i].position
    if pos == 0:
        return n
    side = -1 if pos > 0 else 1
    o = ibase(i)
    q = abs(pos) - rstate[o + (RSI_OPEN_SELL if side < 0 else RSI_OPEN_BUY)]
    b = np.int64(instruments[i].mark_book)
    ref = reference_price(market, b)
    band = min(rparams[i, RP_BAND_TICKS], rparams[i, RP_BAND_PCT] * ref) if not math.isnan(ref) \
        else np.inf
    price = 0
    otype = MARKET
    if band < np.inf:
        price = np.int64(math.floor(ref + band)) if side > 0 else np.int64(math.ceil(ref - band))
        otype = LIMIT
        if price <= 0:
            price = 0
            otype = MARKET
    slice_q = rparams[i, RP_MAX_ORDER_QTY]
    while q > 0 and n < rcmds.shape[0]:
        k = min(q, slice_q)
        write_command(rcmds, n, ACT_SUBMIT, b, side, price, np.int64(k), IOC, otype, 0)
        n += 1
        q -= k
    return n


@nb.njit(cache=True, _nrt=False)
def sent_qty(rcmds, lo, hi):
    """Lots in command rows lo..hi-1."""
    total = 0.0
    for r in range(lo, hi):
        total += rcmds[r].qty
    return total


@nb.njit(cache=True, _nrt=False)
def flatten_all(now, lacct, instruments, market, rparams, rstate, rec_r, cur, rcmds,
                n):
    """Flatten every position that has no order of ours in flight (HALTED)."""
    for i in range(lacct.shape[0]):
        pos = lacct[i].position
        if pos == 0 or rstate[ibase(i) + RSI_INFLIGHT] > 0:
            continue
        m = flatten_one(i, lacct, instruments, market, rparams, rstate, rcmds, n)
        if m > n:
            risk_event(rec_r, cur, now, R_FLATTEN, -1, i, HALTED, pos,
                       sent_qty(rcmds, n, m))
        n = m
    return n


@nb.njit(cache=True, _nrt=False)
def holding(now, lacct, instruments, orders, active, cur, market, rparams, rstate, rec_r, rcmds, n):
    """Max holding time: a position open longer than its limit is flattened."""
    t = rel(now, rstate)
    state = np.int64(rstate[RS_STATE])
    for i in range(lacct.shape[0]):
        o = ibase(i)
        pos = lacct[i].position
        sg = 0.0 if pos == 0 else (1.0 if pos > 0 else -1.0)
        if sg == 0:
            rstate[o + RSI_SIGN] = 0.0
            continue
        if rstate[o + RSI_SIGN] != sg:
            rstate[o + RSI_SIGN] = sg
            rstate[o + RSI_SINCE] = t
            continue
        held = t - rstate[o + RSI_SINCE]
        lim = rparams[i, RP_MAX_HOLDING]
        if not held > lim:
            continue
        rstate[o + RSI_SINCE] = t  # the clock restarts: a retry after another full period
        risk_event(rec_r, cur, now, R_HOLDING_TIME, -1, i, state, held, lim)
        n = cancel_orders(orders, active, cur, market, i, np.int64(sg), rcmds, n)
        scan_open(orders, active, cur, market, rstate, lacct.shape[0], i, -1)
        if rstate[o + RSI_INFLIGHT] == 0:
            m = flatten_one(i, lacct, instruments, market, rparams, rstate, rcmds, n)
            if m > n:
                risk_event(rec_r, cur, now, R_FLATTEN, -1, i, state, pos,
                           sent_qty(rcmds, n, m))
            n = m
    return n


@nb.njit(cache=True, _nrt=False)
def correlation(now, lacct, rparams, rstate, rec_r, cur):
    """EWMA correlation of mid log returns across instruments; alert when the mean pairwise
    correlation reaches its threshold (RiskMetrics-style zero-mean estimates)."""
    n = lacct.shape[0]
    p = n
    thr = rparams[p, RP_CORR_THRESHOLD]
    if n < 2 or not thr < np.inf:
        return
    t = rel(now, rstate)
    if rstate[RS_CORR_STARTED] != 0 and t - rstate[RS_CORR_LAST] < rparams[p, RP_CORR_INTERVAL]:
        return
    rstate[RS_CORR_STARTED] = 1.0
    rstate[RS_CORR_LAST] = t
    ready = True
    for i in range(n):
        o = ibase(i)
        mid = lacct[i].mid
        last = rstate[o + RSI_LAST_MID]
        if not math.isnan(mid) and mid > 0 and last > 0:
            rstate[o + RSI_RET] = math.log(mid / last)
        else:
            rstate[o + RSI_RET] = 0.0
            ready = False
        if not math.isnan(mid) and mid > 0:
            rstate[o + RSI_LAST_MID] = mid
    if not ready:
        return
    lam = 0.5 ** (1.0 / rparams[p, RP_CORR_HALFLIFE])
    pairs = RS_INSTR0 + n * RSI_NCOL
    for i in range(n):
        o = ibase(i)
        r = rstate[o + RSI_RET]
        rstate[o + RSI_VAR] = lam * rstate[o + RSI_VAR] + (1.0 - lam) * r * r
    total = 0.0
    count = 0
    k = 0
    for i in range(n):
        ri = rstate[ibase(i) + RSI_RET]
        vi = rstate[ibase(i) + RSI_VAR]
        for j in range(i + 1, n):
            rj = rstate[ibase(j) + RSI_RET]
            vj = rstate[ibase(j) + RSI_VAR]
            c = lam * rstate[pairs + k] + (1.0 - lam) * ri * rj
            rstate[pairs + k] = c
            k += 1
            if vi > 0 and vj > 0:
                total += c / math.sqrt(vi * vj)
                count += 1
    rstate[RS_CORR_N] += 1.0
    if count == 0:
        return
    mean = total / count
    rstate[RS_CORR_VALUE] = mean
    if rstate[RS_CORR_N] < rparams[p, RP_CORR_MIN_UPDATES]:
        return
    if mean >= thr and rstate[RS_CORR_ALERT] == 0:
        rstate[RS_CORR_ALERT] = 1.0
        risk_event(rec_r, cur, now, R_CORRELATION, -1, n, np.int64(rstate[RS_STATE]),
                   mean, thr)
    elif mean < thr:
        rstate[RS_CORR_ALERT] = 0.0


@nb.njit(cache=True, _nrt=False)
def monitor(now, lacct, instruments, orders, active, cur, market, rparams, rstate, rec_r, rcmds):
    """Run the intraday controls; returns the number of commands written into rcmds (they
    go to the gate exempt from pre-trade checks)."""
    n_instr = lacct.shape[0]
    p = n_instr
    on_requests(now, lacct, rstate, rec_r, cur)
    if kill_time_reached(now, rparams, rstate, p):
        rstate[RS_KILL_AT_DONE] = 1.0
        if rstate[RS_KILL] == 0:
            rstate[RS_KILL] = KILL_CONFIG_TIME
    pnl = 0.0
    for i in range(n_instr):
        pnl += lacct[i].equity
    rstate[RS_PEAK] = max(rstate[RS_PEAK], pnl)
    dd = rstate[RS_PEAK] - pnl
    state = np.int64(rstate[RS_STATE])
    new = state
    if rstate[RS_KILL] != 0:
        src = rstate[RS_KILL]
        rstate[RS_KILL] = 0.0
        rstate[RS_KILLED] = 1.0
        new = HALTED
        risk_event(rec_r, cur, now, R_KILL_SWITCH, -1, n_instr, HALTED, src, 0.0)
    elif state != HALTED:
        hard_loss = rparams[p, RP_HARD_LOSS]
        hard_dd = rparams[p, RP_HARD_DRAWDOWN]
        soft_loss = rparams[p, RP_SOFT_LOSS]
        soft_dd = rparams[p, RP_SOFT_DRAWDOWN]
        rule, value, limit = 0, 0.0, 0.0
        if pnl <= -hard_loss:
            new, rule, value, limit = HALTED, R_HARD_LOSS, pnl, -hard_loss
        elif dd >= hard_dd:
            new, rule, value, limit = HALTED, R_HARD_DD, dd, hard_dd
        elif state == ACTIVE and pnl <= -soft_loss:
            new, rule, value, limit = REDUCING, R_SOFT_LOSS, pnl, -soft_loss
        elif state == ACTIVE and dd >= soft_dd:
            new, rule, value, limit = REDUCING, R_SOFT_DD, dd, soft_dd
        if rule != 0:
            risk_event(rec_r, cur, now, rule, -1, n_instr, new, value, limit)
    rstate[RS_STATE] = new
    n = 0
    if new == HALTED:
        n = cancel_orders(orders, active, cur, market, -1, 0, rcmds, 0)
        if n > 0:
            risk_event(rec_r, cur, now, R_CANCEL_ALL, -1, n_instr, HALTED, n, 0.0)
        scan_open(orders, active, cur, market, rstate, n_instr, -1, -1)
        n = flatten_all(now, lacct, instruments, market, rparams, rstate, rec_r, cur,
                        rcmds, n)
    else:
        if new == REDUCING and state == ACTIVE:
            n = cancel_adding(orders, active, cur, market, lacct, rcmds, 0)
            if n > 0:
                risk_event(rec_r, cur, now, R_CANCEL_ALL, -1, n_instr, REDUCING, n,
                           0.0)
        n = holding(now, lacct, instruments, orders, active, cur, market, rparams, rstate,
                    rec_r, rcmds, n)
    correlation(now, lacct, rparams, rstate, rec_r, cur)
    return n
