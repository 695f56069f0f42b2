"""Pre-trade risk checks in the compiled gate every order passes on its way to a venue.

In the spirit of SEC Rule 15c3-5 (market access rule): every new order and every size or
price change is checked against credit and capital thresholds (order size and notional,
position and portfolio exposure) and erroneous-order controls (price band around a
reference price, duplicate orders, message rate) before it can reach a venue. Exposure is
counted worst case: position plus every open or in-flight order on the same side, so no
interleaving of fills and new orders can take a position beyond its limit.

Limits live in rparams and counters in rstate (risk.layout). A denial writes a risk event
row and returns its reason code (schema.Reason); 0 lets the command through. Times kept
in rstate are ns relative to an anchor (the first time the risk engine saw), so float64
holds them exactly for 104 days.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from hftlab.risk.layout import (ACTIVE, HALTED, KILL_CONFIG_DENIALS, KILL_CONFIG_TIME, MAX_VENUES,
                                REDUCING, RP_BAND_PCT, RP_BAND_TICKS, RP_CANCEL_GRACE,
                                RP_CONC_MIN_GROSS, RP_CONCENTRATION, RP_DUP_WINDOW, RP_GROSS,
                                RP_HALTED, RP_HARD_LOSS, RP_INTERVAL, RP_KILL_AT, RP_KILL_AT_LO,
                                RP_KILL_DENIALS, RP_MAX_CANCEL_RATIO, RP_MAX_ORDER_NOTIONAL,
                                RP_MAX_ORDER_QTY, RP_MAX_POSITION, RP_MAX_POSITION_NOTIONAL,
                                RP_NCOL, RP_NET, RP_RATE, RP_REDUCING_OFFSET, RP_SOFT_LOSS, RP_TAU,
                                RS_ANCHOR_HI, RS_ANCHOR_LO, RS_ANCHOR_SET, RS_DENIALS, RS_INSTR0,
                                RS_KILL, RS_KILL_AT_DONE, RS_KILLED, RS_NCOL, RS_PAUSE_REQ,
                                RS_PAUSED, RS_PEAK, RS_RESET, RS_STATE, RS_VENUE0, RSI_CANCELS,
                                RSI_DUP0, RSI_DUP_NEXT, RSI_INFLIGHT, DUP_BOOK, DUP_FIELDS,
                                DUP_PRICE, DUP_QTY, DUP_SIDE, DUP_SLOTS, DUP_TS, DUP_TYPE,
                                RSI_NCOL, RSI_OPEN_BUY, RSI_OPEN_SELL,
                                RSI_PEND_BUY, RSI_PEND_SELL, RSI_UP_BUY, RSI_UP_SELL, RSV_NCOL,
                                RSV_SENT, RSV_TAT)

__all__ = ["ACTIVE", "HALTED", "REDUCING", "RP_HARD_LOSS", "RP_NCOL", "RP_SOFT_LOSS",
           "RS_KILL", "RS_NCOL", "RS_STATE", "pre_trade", "risk_event"]

# schema.Reason codes (numba needs plain ints)
R_PRICE_BAND, R_MAX_ORDER_QTY, R_MAX_ORDER_NOTIONAL, R_POSITION_LIMIT = 32, 33, 34, 35
R_POSITION_NOTIONAL, R_GROSS, R_NET, R_CONCENTRATION, R_THROTTLE = 36, 37, 38, 39, 40
R_CANCEL_RATIO, R_DUPLICATE, R_STATE_REDUCING, R_STATE_HALTED, R_KILL_SWITCH = 41, 42, 43, 44, 45
R_NO_REFERENCE, R_INSTRUMENT_HALTED, R_PAUSED = 52, 53, 54
MARKET = 1
ST_NEW, ST_ACCEPTED, ST_PARTIAL = 0, 1, 2
R_RESUMED, R_RESET = 55, 56
ANCHOR_SPLIT = 1 << 30


@nb.njit(cache=True, _nrt=False)
def risk_event(rec, cur, now, rule, oid, instrument, state, value, limit):
    """The one writer of the risk events record (schema.RISK_EVENT_DTYPE): every field."""
    n = cur[0].n_risk
    r = rec[n]
    r.ts = now
    r.rule = rule
    r.order_id = oid
    r.instrument = instrument
    r.value = value
    r.limit = limit
    r.state = state
    cur[0].n_risk = n + 1


@nb.njit(cache=True, inline="always", _nrt=False)
def ibase(i):
    """Offset of instrument i's block in rstate."""
    return RS_INSTR0 + i * RSI_NCOL


@nb.njit(cache=True, inline="always", _nrt=False)
def rel(now, rstate):
    """now (ns since epoch) as exact float64 ns since the risk engine's anchor time."""
    if rstate[RS_ANCHOR_SET] == 0:
        rstate[RS_ANCHOR_SET] = 1
        rstate[RS_ANCHOR_HI] = now // ANCHOR_SPLIT
        rstate[RS_ANCHOR_LO] = now % ANCHOR_SPLIT
    anchor = np.int64(rstate[RS_ANCHOR_HI]) * ANCHOR_SPLIT + np.int64(rstate[RS_ANCHOR_LO])
    return float(now - anchor)


@nb.njit(cache=True, inline="always", _nrt=False)
def kill_time_reached(now, rparams, rstate, p):
    """True once host time reaches the configured kill time (rparams row p, hi/lo split)."""
    hi = rparams[p, RP_KILL_AT]
    if not hi < np.inf or rstate[RS_KILL_AT_DONE] != 0:
        return False
    at = np.int64(hi) * ANCHOR_SPLIT + np.int64(rparams[p, RP_KILL_AT_LO])
    return now >= at


@nb.njit(cache=True, inline="always", _nrt=False)
def has_requests(rstate):
    """A kill, reset, pause or resume is waiting to be carried out."""
    return rstate[RS_KILL] != 0 or rstate[RS_RESET] != 0 or rstate[RS_PAUSE_REQ] != 0


@nb.njit(cache=True, inline="always", _nrt=False)
def reference_price(market, b):
    """Reference price of book b on the host (ticks): mid, else the one side, else last trade."""
    bid = market[b].bid
    ask = market[b].ask
    if bid > 0 and ask > 0:
        return 0.5 * (bid + ask)
    if bid > 0:
        return float(bid)
    if ask > 0:
        return float(ask)
    if market[b].last_price > 0:
        return float(market[b].last_price)
    return np.nan


@nb.njit(cache=True, _nrt=False)
def scan_open(orders, active, cur, market, rstate, n_instr, only, skip):
    """Open or in-flight lots per instrument and side (host view) into rstate's scratch.

    only: one instrument, or -1 for all; skip: an order slot to leave out (or -1). Size
    increases sent by modify and not yet answered are kept while an order of that side
    has a command in flight, and forgotten once none has.
    """
    lo = max(only, 0)
    hi = n_instr if only < 0 else only + 1
    for i in range(lo, hi):
        o = ibase(i)
        rstate[o + RSI_OPEN_BUY] = 0.0
        rstate[o + RSI_OPEN_SELL] = 0.0
        rstate[o + RSI_PEND_BUY] = 0.0
        rstate[o + RSI_PEND_SELL] = 0.0
        rstate[o + RSI_INFLIGHT] = 0.0
    for k in range(cur[0].n_active):
        s = active[k]
        if s == skip:
            continue
        st = orders[s].local_status
        if st != ST_NEW and st != ST_ACCEPTED and st != ST_PARTIAL:
            continue
        i = market[orders[s].book].instrument
        if only >= 0 and i != only:
            continue
        o = ibase(i)
        pend = orders[s].pending > 0
        if orders[s].side > 0:
            rstate[o + RSI_OPEN_BUY] += orders[s].local_leaves
            if pend:
                rstate[o + RSI_PEND_BUY] += 1.0
        else:
            rstate[o + RSI_OPEN_SELL] += orders[s].local_leaves
            if pend:
                rstate[o + RSI_PEND_SELL] += 1.0
        if pend or st == ST_NEW:
            rstate[o + RSI_INFLIGHT] += 1.0
    for i in range(lo, hi):
        o = ibase(i)
        if rstate[o + RSI_PEND_BUY] == 0:
            rstate[o + RSI_UP_BUY] = 0.0
        if rstate[o + RSI_PEND_SELL] == 0:
            rstate[o + RSI_UP_SELL] = 0.0


@nb.njit(cache=True, _nrt=False)
def collar(market, b, side, rparams):
    """The protection price of a market order on book b (ticks), or 0 when the book's
    instrument has no price band: the band's edge on the side the order trades through,
    as exchanges' market-order collars (protection points) do. With it the order goes out
    as a limit IOC at that price, so it cannot sweep past the band, and its notional is
    checked at the worst price it can reach. -1 when a band is set but there is no
    reference price (the order is then denied NO_REFERENCE)."""
    i = market[b].instrument
    band_pct = rparams[i, RP_BAND_PCT]
    band_ticks = rparams[i, RP_BAND_TICKS]
    if band_pct == np.inf and band_ticks == np.inf:
        return 0
    ref = reference_price(market, b)
    if math.isnan(ref):
        return -1
    band = min(band_ticks, band_pct * ref)
    if side > 0:
        return np.int64(math.floor(ref + band))
    return max(np.int64(math.ceil(ref - band)), 1)


@nb.njit(cache=True, _nrt=False)
def deny(now, rule, oid, i, value, limit, rparams, rstate, rec_r, cur):
    """Record a denial, count it (the kill switch may fire on a count) and return its rule."""
    risk_event(rec_r, cur, now, rule, oid, i, np.int64(rstate[RS_STATE]), value, limit)
    rstate[RS_DENIALS] += 1.0
    p = rparams.shape[0] - 1
    if rstate[RS_DENIALS] >= rparams[p, RP_KILL_DENIALS] and rstate[RS_KILLED] == 0 \
            and rstate[RS_KILL] == 0:
        rstate[RS_KILL] = KILL_CONFIG_DENIALS
    return rule


@nb.njit(cache=True, inline="always", _nrt=False)
def mark_of(j, i, ref, lacct):
    """Price (ticks) that values instrument j's exposure: the order's reference for j == i,
    else the host's last mark, else the position's average price."""
    if j == i and not math.isnan(ref):
        return ref
    m = lacct[j].mid
    if not math.isnan(m):
        return m
    return lacct[j].avg_price


@nb.njit(cache=True, _nrt=False)
def portfolio_check(now, oid, i, side, add, ref, lacct, instruments, rparams, rstate, rec_r, cur):
    """Gross, net and concentration after the order vs before; 0 or the denial's rule."""
    n = lacct.shape[0]
    gross_b = gross_a = 0.0
    long_b = long_a = short_b = short_a = 0.0
    ex_i_b = ex_i_a = 0.0
    for j in range(n):
        o = ibase(j)
        pj = lacct[j].position
        ob = rstate[o + RSI_OPEN_BUY] + rstate[o + RSI_UP_BUY]
        os_ = rstate[o + RSI_OPEN_SELL] + rstate[o + RSI_UP_SELL]
        lw_b = pj + ob
        sw_b = pj - os_
        lw_a, sw_a = lw_b, sw_b
        if j == i:
            if side > 0:
                lw_a += add
            else:
                sw_a -= add
        exb = max(abs(lw_b), abs(sw_b))
        exa = max(abs(lw_a), abs(sw_a))
        if exa == 0:
            continue
        m = mark_of(j, i, ref, lacct)
        if math.isnan(m):
            return deny(now, R_NO_REFERENCE, oid, j, exa, 0.0, rparams, rstate, rec_r, cur)
        v = m * instruments[j].value
        gross_b += exb * v
        gross_a += exa * v
        long_b += lw_b * v
        long_a += lw_a * v
        short_b += sw_b * v
        short_a += sw_a * v
        if j == i:
            ex_i_b, ex_i_a = exb * v, exa * v
    p = n
    lim = rparams[p, RP_GROSS]
    if gross_a > lim and gross_a > gross_b:
        return deny(now, R_GROSS, oid, i, gross_a, lim, rparams, rstate, rec_r, cur)
    net_b = max(abs(long_b), abs(short_b))
    net_a = max(abs(long_a), abs(short_a))
    lim = rparams[p, RP_NET]
    if net_a > lim and net_a > net_b:
        return deny(now, R_NET, oid, i, net_a, lim, rparams, rstate, rec_r, cur)
    lim = rparams[p, RP_CONCENTRATION]
    if gross_a > 0 and gross_a >= rparams[p, RP_CONC_MIN_GROSS] and ex_i_a > ex_i_b:
        share = ex_i_a / gross_a
        if share > lim:
            return deny(now, R_CONCENTRATION, oid, i, share, lim, rparams, rstate, rec_r, cur)
    return 0


@nb.njit(cache=True, inline="always", _nrt=False)
def throttle(now, b, market, rparams, rstate):
    """Token bucket per venue as GCRA: -1 if the order may go (a token is taken), else the
    ns until the next token."""
    p = rparams.shape[0] - 1
    rate = rparams[p, RP_RATE]
    if not rate < np.inf:
        return -1.0
    v = min(market[b].venue, MAX_VENUES - 1)
    o = RS_VENUE0 + v * RSV_NCOL
    t = rel(now, rstate)
    interval = rparams[p, RP_INTERVAL]
    tau = rparams[p, RP_TAU]
    tat = rstate[o + RSV_TAT]
    if rstate[o + RSV_SENT] > 0 and tat - t > tau:
        return tat - t - tau
    rstate[o + RSV_TAT] = max(tat, t) + interval if rstate[o + RSV_SENT] > 0 else t + interval
    rstate[o + RSV_SENT] += 1.0
    return -1.0


@nb.njit(cache=True, inline="always", _nrt=False)
def pre_trade(now, oid, s, b, side, price, qty, otype, add, is_modify, lacct, market,
              instruments, orders, active, cur, rparams, rstate, rec_r):
    """Check a new order (or a size / price change) on book b; returns 0 or the denial's rule.

    s: the order's slot (left out of the open-order scan); qty: its size in lots (the new
    remaining size for a modify); add: lots it adds to exposure (qty for a new order, the
    size increase for a modify); price: limit price in ticks (ignored for market orders).
    """
    n = lacct.shape[0]
    p = n
    i = market[b].instrument
    state = np.int64(rstate[RS_STATE])
    if rstate[RS_KILL] == 0 and kill_time_reached(now, rparams, rstate, p):
        rstate[RS_KILL] = KILL_CONFIG_TIME
        rstate[RS_KILL_AT_DONE] = 1
    if rstate[RS_KILL] != 0 or rstate[RS_KILLED] != 0:
        return deny(now, R_KILL_SWITCH, oid, i, max(rstate[RS_KILL], rstate[RS_KILLED]), 0.0,
                    rparams, rstate, rec_r, cur)
    if state == HALTED:
        return deny(now, R_STATE_HALTED, oid, i, qty, 0.0, rparams, rstate, rec_r, cur)
    if rstate[RS_PAUSED] != 0:
        return deny(now, R_PAUSED, oid, i, qty, 0.0, rparams, rstate, rec_r, cur)
    if market[b].status == 0 or rparams[i, RP_HALTED] == 1:
        return deny(now, R_INSTRUMENT_HALTED, oid, i, market[b].status, 0.0, rparams, rstate,
                    rec_r, cur)
    lim = rparams[i, RP_MAX_ORDER_QTY]
    if qty > lim:
        return deny(now, R_MAX_ORDER_QTY, oid, i, qty, lim, rparams, rstate, rec_r, cur)
    limit_order = otype != MARKET
    ref = reference_price(market, b)
    band_pct = rparams[i, RP_BAND_PCT]
    band_ticks = rparams[i, RP_BAND_TICKS]
    if limit_order and (band_pct < np.inf or band_ticks < np.inf):
        if math.isnan(ref):
            return deny(now, R_NO_REFERENCE, oid, i, price, 0.0, rparams, rstate, rec_r,
                        cur)
        band = min(band_ticks, band_pct * ref)
        dev = abs(price - ref)
        if dev > band:
            return deny(now, R_PRICE_BAND, oid, i, dev, band, rparams, rstate, rec_r, cur)
    px = float(price) if limit_order else ref
    value = instruments[i].value
    lim = rparams[i, RP_MAX_ORDER_NOTIONAL]
    if lim < np.inf:
        if math.isnan(px):
            return deny(now, R_NO_REFERENCE, oid, i, qty, 0.0, rparams, rstate, rec_r,
                        cur)
        notional = qty * px * value
        if notional > lim:
            return deny(now, R_MAX_ORDER_NOTIONAL, oid, i, notional, lim, rparams, rstate, rec_r, cur)
    o = ibase(i)
    window = rparams[i, RP_DUP_WINDOW]
    if not is_modify and window < np.inf:
        age = duplicate_age(rel(now, rstate), o, b, side, price, qty, otype, limit_order,
                            window, rstate)
        if age >= 0.0:
            return deny(now, R_DUPLICATE, oid, i, age, window, rparams, rstate, rec_r,
                        cur)
    ratio = rparams[i, RP_MAX_CANCEL_RATIO]
    if ratio < np.inf and rstate[o + RSI_CANCELS] >= rparams[i, RP_CANCEL_GRACE]:
        r = rstate[o + RSI_CANCELS] / max(lacct[i].fills, 1.0)
        if r > ratio:
            return deny(now, R_CANCEL_RATIO, oid, i, r, ratio, rparams, rstate, rec_r,
                        cur)
    port = rparams[p, RP_GROSS] < np.inf or rparams[p, RP_NET] < np.inf \
        or rparams[p, RP_CONCENTRATION] < np.inf
    lim = rparams[i, RP_MAX_POSITION]
    limn = rparams[i, RP_MAX_POSITION_NOTIONAL]
    if state == REDUCING or port or lim < np.inf or limn < np.inf:
        scan_open(orders, active, cur, market, rstate, n, -1 if port else i, s)
        pos = lacct[i].position
        if side > 0:
            same = rstate[o + RSI_OPEN_BUY] + rstate[o + RSI_UP_BUY]
        else:
            same = rstate[o + RSI_OPEN_SELL] + rstate[o + RSI_UP_SELL]
        before = pos + side * same
        after = before + side * add
        if state == REDUCING:
            if not (pos * side < 0 and same + add <= abs(pos)):
                return deny(now, R_STATE_REDUCING, oid, i, after, pos, rparams, rstate, rec_r, cur)
            off = rparams[p, RP_REDUCING_OFFSET]
            if limit_order and off < np.inf:
                if math.isnan(ref):
                    return deny(now, R_NO_REFERENCE, oid, i, price, 0.0, rparams, rstate, rec_r, cur)
                bound = ref - off if side > 0 else ref + off
                if (side > 0 and price > bound) or (side < 0 and price < bound):
                    return deny(now, R_STATE_REDUCING, oid, i, price, bound, rparams, rstate,
                                rec_r, cur)
        grows = add > 0 and abs(after) > abs(before)
        if grows and abs(after) > lim:
            return deny(now, R_POSITION_LIMIT, oid, i, abs(after), lim, rparams, rstate, rec_r, cur)
        if grows and limn < np.inf:
            m = mark_of(i, i, ref, lacct)
            if math.isnan(m):
                m = px
            if math.isnan(m):
                return deny(now, R_NO_REFERENCE, oid, i, abs(after), 0.0, rparams, rstate,
                            rec_r, cur)
            notional = abs(after) * m * value
            if notional > limn:
                return deny(now, R_POSITION_NOTIONAL, oid, i, notional, limn, rparams, rstate,
                            rec_r, cur)
        if port and add > 0:
            rule = portfolio_check(now, oid, i, side, add, ref, lacct, instruments, rparams,
                                   rstate, rec_r, cur)
            if rule != 0:
                return rule
    wait = throttle(now, b, market, rparams, rstate)
    if wait >= 0:
        return deny(now, R_THROTTLE, oid, i, wait, rparams[p, RP_RATE], rparams, rstate, rec_r, cur)
    # passed: remember what later checks need
    if is_modify:
        if add > 0:
            rstate[o + (RSI_UP_BUY if side > 0 else RSI_UP_SELL)] += add
    elif window < np.inf:
        k = np.int64(rstate[o + RSI_DUP_NEXT])
        d = o + RSI_DUP0 + (k % DUP_SLOTS) * DUP_FIELDS
        rstate[d + DUP_TS] = rel(now, rstate)
        rstate[d + DUP_BOOK] = b
        rstate[d + DUP_SIDE] = side
        rstate[d + DUP_PRICE] = price
        rstate[d + DUP_QTY] = qty
        rstate[d + DUP_TYPE] = otype
        rstate[o + RSI_DUP_NEXT] = k + 1
    return 0


@nb.njit(cache=True, inline="always", _nrt=False)
def duplicate_age(t, o, b, side, price, qty, otype, limit_order, window, rstate):
    """Age of the youngest identical submit (book, side, size, type, and price for limit
    orders) among the last DUP_SLOTS passed within the window, or -1: a strategy that
    alternates orders A, B, A, B is caught as well as one repeating A."""
    best = -1.0
    for j in range(min(np.int64(rstate[o + RSI_DUP_NEXT]), DUP_SLOTS)):
        d = o + RSI_DUP0 + j * DUP_FIELDS
        age = t - rstate[d + DUP_TS]
        if age <= window and rstate[d + DUP_QTY] == qty and rstate[d + DUP_BOOK] == b \
                and rstate[d + DUP_SIDE] == side and rstate[d + DUP_TYPE] == otype \
                and (rstate[d + DUP_PRICE] == price or not limit_order) \
                and (best < 0.0 or age < best):
            best = age
    return best


@nb.njit(cache=True, _nrt=False)
def count_cancel(i, rstate):
    """A cancel of the strategy's passed the gate (for the cancel-to-trade ratio)."""
    rstate[ibase(i) + RSI_CANCELS] += 1.0


@nb.njit(cache=True, _nrt=False)
def on_requests(now, lacct, rstate, rec_r, cur):
    """Carry out reset, pause and resume requests (they send no commands)."""
    n = lacct.shape[0]
    if rstate[RS_RESET] != 0:
        rstate[RS_RESET] = 0.0
        if rstate[RS_STATE] != ACTIVE or rstate[RS_KILLED] != 0:
            pnl = 0.0
            for i in range(n):
                pnl += lacct[i].equity
            rstate[RS_STATE] = ACTIVE
            rstate[RS_KILLED] = 0.0
            rstate[RS_DENIALS] = 0.0
            rstate[RS_PEAK] = pnl  # the drawdown is measured from here on
            risk_event(rec_r, cur, now, R_RESET, -1, n, ACTIVE, pnl, 0.0)
    req = rstate[RS_PAUSE_REQ]
    if req != 0:
        rstate[RS_PAUSE_REQ] = 0.0
        state = np.int64(rstate[RS_STATE])
        if req > 0 and rstate[RS_PAUSED] == 0:
            rstate[RS_PAUSED] = 1.0
            risk_event(rec_r, cur, now, R_PAUSED, -1, n, state, 1.0, 0.0)
        elif req < 0 and rstate[RS_PAUSED] != 0:
            rstate[RS_PAUSED] = 0.0
            risk_event(rec_r, cur, now, R_RESUMED, -1, n, state, 0.0, 0.0)
