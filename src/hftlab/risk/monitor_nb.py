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
from hftlab.core.specialise import plain_args
from hftlab.risk.events_nb import on_requests, risk_event
from hftlab.risk.layout import (CORR_PAUSE, CORR_REDUCING, KILL_CONFIG_TIME, KILL_ENGINE, NEVER,
                                PAUSE_DESK)
from hftlab.risk.pretrade_nb import kill_time_reached, reference_price, rel, scan_open
from hftlab.schema import OrderStatus, OrderType, Reason, TimeInForce, TradingState


@plain_args
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
        if not (st == OrderStatus.NEW or st == OrderStatus.ACCEPTED
                or st == OrderStatus.PARTIALLY_FILLED) or orders[s].pending != 0:
            continue
        tif = orders[s].tif
        if tif == TimeInForce.IOC or tif == TimeInForce.FOK:  # the venue closes them itself
            continue
        if instrument >= 0 and market[orders[s].book].instrument != instrument:
            continue
        if pos_sign != 0 and orders[s].side * pos_sign < 0:
            continue
        write_command(rcmds, n, ACT_CANCEL, 0, 0, 0, 0, 0, 0, orders[s].order_id)
        n += 1
    return n


@plain_args
@nb.njit(cache=True, _nrt=False)
def cancel_adding(orders, active, cur, market, lacct, rcmds, n):
    """Cancel every open order that would add to its instrument's position (state REDUCING)."""
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
    o = rstate.instruments[i]
    q = abs(pos) - (o.open_sell if side < 0 else o.open_buy)
    b = np.int64(instruments[i].mark_book)
    ref = reference_price(market, b)
    lim = rparams.limits[i]
    band = min(lim.band_ticks, lim.band_pct * ref) if not math.isnan(ref) else np.inf
    price = 0
    otype = OrderType.MARKET
    if band < np.inf:
        price = np.int64(math.floor(ref + band)) if side > 0 else np.int64(math.ceil(ref - band))
        otype = OrderType.LIMIT
        if price <= 0:
            price = 0
            otype = OrderType.MARKET
    slice_q = rparams.limits[i].max_order_qty
    while q > 0 and n < rcmds.shape[0]:
        k = min(q, slice_q)
        write_command(rcmds, n, ACT_SUBMIT, b, side, price, np.int64(k), TimeInForce.IOC, otype, 0)
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
    """Flatten every position that has no order of ours in flight (TradingState.HALTED)."""
    for i in range(lacct.shape[0]):
        pos = lacct[i].position
        if pos == 0 or rstate.instruments[i].inflight > 0:
            continue
        m = flatten_one(i, lacct, instruments, market, rparams, rstate, rcmds, n)
        if m > n:
            risk_event(rec_r, cur, now, Reason.RISK_FLATTEN, -1, i, TradingState.HALTED, pos,
                       sent_qty(rcmds, n, m))
        n = m
    return n


@nb.njit(cache=True, _nrt=False)
def holding(now, lacct, instruments, orders, active, cur, market, rparams, rstate, rec_r, rcmds,
            n):
    """Max holding time: a position open longer than its limit is flattened."""
    t = rel(now, rstate)
    state = rstate.glob[0].state
    for i in range(lacct.shape[0]):
        o = rstate.instruments[i]
        pos = lacct[i].position
        sg = 0 if pos == 0 else (1 if pos > 0 else -1)
        if sg == 0:
            o.sign = 0
            continue
        if o.sign != sg:
            o.sign = sg
            o.since = t
            continue
        held = t - o.since
        lim = rparams.limits[i].max_holding
        if not held > lim:
            continue
        o.since = t  # the clock restarts: a retry after another full period
        risk_event(rec_r, cur, now, Reason.RISK_HOLDING_TIME, -1, i, state, held, lim)
        n = cancel_orders(orders, active, cur, market, i, sg, rcmds, n)
        scan_open(orders, active, cur, market, rstate, lacct.shape[0], i, -1)
        if o.inflight == 0:
            m = flatten_one(i, lacct, instruments, market, rparams, rstate, rcmds, n)
            if m > n:
                risk_event(rec_r, cur, now, Reason.RISK_FLATTEN, -1, i, state, pos,
                           sent_qty(rcmds, n, m))
            n = m
    return n


@nb.njit(cache=True, _nrt=False)
def correlation(now, lacct, rparams, rstate, rec_r, cur):
    """EWMA correlation of mid log returns across instruments (RiskMetrics-style zero-mean
    estimates); alert when the mean pairwise correlation over the pairs in scope (both
    instruments' corr_scope > 0) rises to its threshold, or with corr_below falls to it (a
    pair's correlation breaking down). Returns the configured action (CORR_*) when an
    alert fires at this update, else 0."""
    n = lacct.shape[0]
    pl = rparams.portfolio[0]
    g = rstate.glob[0]
    thr = pl.corr_threshold
    if n < 2 or not thr < np.inf:
        return 0
    t = rel(now, rstate)
    if g.corr_started != 0 and t - g.corr_last < pl.corr_interval:
        return 0
    g.corr_started = 1
    g.corr_last = t
    ready = True
    for i in range(n):
        o = rstate.instruments[i]
        mid = lacct[i].mid
        last = o.last_mid
        if not math.isnan(mid) and mid > 0 and last > 0:
            o.ret = math.log(mid / last)
        else:
            o.ret = 0.0
            ready = False
        if not math.isnan(mid) and mid > 0:
            o.last_mid = mid
    if not ready:
        return 0
    lam = 0.5 ** (1.0 / pl.corr_halflife)
    pairs = rstate.pairs
    for i in range(n):
        o = rstate.instruments[i]
        r = o.ret
        o.var = lam * o.var + (1.0 - lam) * r * r
    total = 0.0
    count = 0
    k = 0
    for i in range(n):
        ri = rstate.instruments[i].ret
        vi = rstate.instruments[i].var
        for j in range(i + 1, n):
            rj = rstate.instruments[j].ret
            vj = rstate.instruments[j].var
            c = lam * pairs[k] + (1.0 - lam) * ri * rj
            pairs[k] = c
            k += 1
            if vi > 0 and vj > 0 and rparams.limits[i].corr_scope > 0 \
                    and rparams.limits[j].corr_scope > 0:
                total += c / math.sqrt(vi * vj)
                count += 1
    g.corr_n += 1
    if count == 0:
        return 0
    mean = total / count
    g.corr_value = mean
    if g.corr_n < pl.corr_min_updates:
        return 0
    below = pl.corr_below == 1.0
    hit = mean <= thr if below else mean >= thr
    if hit and g.corr_alert == 0:
        g.corr_alert = 1
        act = 0 if pl.corr_action == np.inf else np.int64(pl.corr_action)
        state = g.state
        if act == CORR_REDUCING and state == TradingState.ACTIVE:
            state = TradingState.REDUCING
        risk_event(rec_r, cur, now, Reason.RISK_CORRELATION, -1, n, state, mean, thr)
        return act
    if not hit:
        g.corr_alert = 0
    return 0


@nb.njit(cache=True, _nrt=False)
def may_send(rparams, rstate, n_instr):
    """Whether monitor() could write a command at its next call, whatever the marks.

    It cannot while trading is not HALTED, no kill is waiting or configured to come, and no
    limit that acts by sending is set: hard loss or drawdown, soft loss or drawdown (from
    ACTIVE), max holding time, or a correlation alert that switches to REDUCING. A state
    sample then only reads, so a simulated market's agents need not stop at it
    (engine/sim_venue_nb.horizon)."""
    g = rstate.glob[0]
    pl = rparams.portfolio[0]
    if g.state == TradingState.HALTED or g.kill != 0:
        return True
    if pl.kill_at != NEVER and g.kill_at_done == 0:
        return True
    if pl.hard_loss < np.inf or pl.hard_drawdown < np.inf:
        return True
    if g.state == TradingState.ACTIVE and (pl.soft_loss < np.inf or pl.soft_drawdown < np.inf):
        return True
    for i in range(n_instr):
        if rparams.limits[i].max_holding < np.inf:
            return True
    return n_instr >= 2 and pl.corr_threshold < np.inf and pl.corr_action == CORR_REDUCING


@nb.njit(cache=True, _nrt=False)
def monitor(now, lacct, instruments, orders, active, cur, market, rparams, rstate, rec_r,
            rcmds):
    """Run the intraday controls; returns the number of commands written into rcmds (they
    go to the gate exempt from pre-trade checks)."""
    n_instr = lacct.shape[0]
    g = rstate.glob[0]
    on_requests(now, lacct, rstate, rec_r, cur)
    if kill_time_reached(now, rparams, rstate):
        g.kill_at_done = 1
        if g.kill == 0:
            g.kill = KILL_CONFIG_TIME
    pnl = 0.0
    for i in range(n_instr):
        pnl += lacct[i].equity
    g.peak = max(g.peak, pnl)
    dd = g.peak - pnl
    state = g.state
    new = state
    if g.kill != 0:
        src = g.kill
        g.kill = 0
        g.killed = 1
        new = TradingState.HALTED
        risk_event(rec_r, cur, now, Reason.RISK_KILL_SWITCH, -1, n_instr, TradingState.HALTED, src,
                   0.0)
    elif state != TradingState.HALTED:
        pl = rparams.portfolio[0]
        hard_loss = pl.hard_loss
        hard_dd = pl.hard_drawdown
        soft_loss = pl.soft_loss
        soft_dd = pl.soft_drawdown
        rule, value, limit = 0, 0.0, 0.0
        if pnl <= -hard_loss:
            new, rule, value, limit = TradingState.HALTED, Reason.RISK_HARD_LOSS, pnl, -hard_loss
        elif dd >= hard_dd:
            new, rule, value, limit = TradingState.HALTED, Reason.RISK_HARD_DRAWDOWN, dd, hard_dd
        elif state == TradingState.ACTIVE and pnl <= -soft_loss:
            new, rule, value, limit = TradingState.REDUCING, Reason.RISK_SOFT_LOSS, pnl, -soft_loss
        elif state == TradingState.ACTIVE and dd >= soft_dd:
            new, rule, value, limit = TradingState.REDUCING, Reason.RISK_SOFT_DRAWDOWN, dd, soft_dd
        if rule != 0:
            risk_event(rec_r, cur, now, rule, -1, n_instr, new, value, limit)
    g.state = new
    n = 0
    if new == TradingState.HALTED:
        n = cancel_orders(orders, active, cur, market, -1, 0, rcmds, 0)
        if n > 0:
            risk_event(rec_r, cur, now, Reason.RISK_CANCEL_ALL, -1, n_instr, TradingState.HALTED, n,
                       0.0)
        scan_open(orders, active, cur, market, rstate, n_instr, -1, -1)
        n = flatten_all(now, lacct, instruments, market, rparams, rstate, rec_r, cur,
                        rcmds, n)
    else:
        if new == TradingState.REDUCING and state == TradingState.ACTIVE:
            n = cancel_adding(orders, active, cur, market, lacct, rcmds, 0)
            if n > 0:
                risk_event(rec_r, cur, now, Reason.RISK_CANCEL_ALL, -1, n_instr, TradingState.REDUCING, n,
                           0.0)
        n = holding(now, lacct, instruments, orders, active, cur, market, rparams, rstate,
                    rec_r, rcmds, n)
    act = correlation(now, lacct, rparams, rstate, rec_r, cur)
    if act == CORR_REDUCING and g.state == TradingState.ACTIVE:  # only reducing orders from now on
        g.state = TradingState.REDUCING
        m = cancel_adding(orders, active, cur, market, lacct, rcmds, n)
        if m > n:
            risk_event(rec_r, cur, now, Reason.RISK_CANCEL_ALL, -1, n_instr, TradingState.REDUCING,
                       m - n, 0.0)
        n = m
    elif act == CORR_PAUSE and g.paused & PAUSE_DESK == 0:  # held until the desk resumes
        g.paused |= PAUSE_DESK
        risk_event(rec_r, cur, now, Reason.RISK_PAUSED, -1, n_instr, g.state, KILL_ENGINE, 0.0)
    return n
