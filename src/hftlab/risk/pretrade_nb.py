"""Pre-trade risk checks in the compiled gate every order passes on its way to a venue.

In the spirit of SEC Rule 15c3-5 (market access rule): every new order and every size or
price change is checked against credit and capital thresholds (order size and notional,
position and portfolio exposure) and erroneous-order controls (price band around a
reference price, duplicate orders, message rate) before it can reach a venue. Exposure is
counted worst case: position plus every open or in-flight order on the same side, so no
interleaving of fills and new orders can take a position beyond its limit.

Limits live in rparams and counters in rstate (risk.layout). A denial writes a risk event
row (risk/events_nb.deny) and returns its reason code (schema.Reason); 0 lets the command
through. Times kept
in rstate are ns relative to an anchor (the first time the risk engine saw), so float64
holds them exactly for 104 days.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from hftlab.core.specialise import plain_args
from hftlab.risk.events_nb import deny
from hftlab.risk.layout import DUP_SLOTS, KILL_CONFIG_TIME, MAX_VENUES, NEVER
from hftlab.schema import OrderStatus, OrderType, Reason, TradingState


@nb.njit(cache=True, _nrt=False)
def rel(now, rstate):
    """now (ns since epoch) as exact float64 ns since the risk engine's anchor time."""
    g = rstate.glob[0]
    if g.anchor_set == 0:
        g.anchor_set = 1
        g.anchor = now
    return float(now - g.anchor)


@nb.njit(cache=True, _nrt=False)
def kill_time_reached(now, rparams, rstate):
    """True once host time reaches the configured kill time (portfolio kill_at)."""
    at = rparams.portfolio[0].kill_at
    if at == NEVER or rstate.glob[0].kill_at_done != 0:
        return False
    return now >= at


@nb.njit(cache=True, inline="always", _nrt=False)
def has_requests(rstate):
    """A kill, reset, pause or resume is waiting to be carried out."""
    g = rstate.glob[0]
    return g.kill != 0 or g.reset != 0 or g.pause_req != 0 or g.desk_pause != 0


@nb.njit(cache=True, _nrt=False)
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


@plain_args
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
        o = rstate.instruments[i]
        o.open_buy = 0.0
        o.open_sell = 0.0
        o.pend_buy = 0
        o.pend_sell = 0
        o.inflight = 0
    for k in range(cur[0].n_active):
        s = active[k]
        if s == skip:
            continue
        st = orders[s].local_status
        if not (st == OrderStatus.NEW or st == OrderStatus.ACCEPTED
                or st == OrderStatus.PARTIALLY_FILLED):
            continue
        i = market[orders[s].book].instrument
        if only >= 0 and i != only:
            continue
        o = rstate.instruments[i]
        pend = orders[s].pending > 0
        if orders[s].side > 0:
            o.open_buy += orders[s].local_leaves
            if pend:
                o.pend_buy += 1
        else:
            o.open_sell += orders[s].local_leaves
            if pend:
                o.pend_sell += 1
        if pend or st == OrderStatus.NEW:
            o.inflight += 1
    for i in range(lo, hi):
        o = rstate.instruments[i]
        if o.pend_buy == 0:
            o.up_buy = 0.0
        if o.pend_sell == 0:
            o.up_sell = 0.0


@nb.njit(cache=True, _nrt=False)
def collar(market, b, side, rparams):
    """The protection price of a market order on book b (ticks), or 0 when the book's
    instrument has no price band: the band's edge on the side the order trades through,
    as exchanges' market-order collars (protection points) do. With it the order goes out
    as a limit IOC at that price, so it cannot sweep past the band, and its notional is
    checked at the worst price it can reach. -1 when a band is set but there is no
    reference price (the order is then denied NO_REFERENCE)."""
    i = market[b].instrument
    band_pct = rparams.limits[i].band_pct
    band_ticks = rparams.limits[i].band_ticks
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
def portfolio_check(now, oid, i, side, add, ref, lacct, instruments, rparams, rstate, rec_r,
                    cur):
    """Gross, net and concentration after the order vs before; 0 or the denial's rule."""
    n = lacct.shape[0]
    gross_b = gross_a = 0.0
    long_b = long_a = short_b = short_a = 0.0
    ex_i_b = ex_i_a = 0.0
    for j in range(n):
        o = rstate.instruments[j]
        pj = lacct[j].position
        ob = o.open_buy + o.up_buy
        os_ = o.open_sell + o.up_sell
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
            return deny(now, Reason.RISK_NO_REFERENCE, oid, j, exa, 0.0, rparams, rstate, rec_r,
                        cur)
        v = m * instruments[j].value
        gross_b += exb * v
        gross_a += exa * v
        long_b += lw_b * v
        long_a += lw_a * v
        short_b += sw_b * v
        short_a += sw_a * v
        if j == i:
            ex_i_b, ex_i_a = exb * v, exa * v
    lim = rparams.portfolio[0].gross
    if gross_a > lim and gross_a > gross_b:
        return deny(now, Reason.RISK_GROSS_NOTIONAL, oid, i, gross_a, lim, rparams, rstate, rec_r,
                    cur)
    net_b = max(abs(long_b), abs(short_b))
    net_a = max(abs(long_a), abs(short_a))
    lim = rparams.portfolio[0].net
    if net_a > lim and net_a > net_b:
        return deny(now, Reason.RISK_NET_NOTIONAL, oid, i, net_a, lim, rparams, rstate, rec_r, cur)
    lim = rparams.portfolio[0].concentration
    if gross_a > 0 and gross_a >= rparams.portfolio[0].conc_min_gross and ex_i_a > ex_i_b:
        share = ex_i_a / gross_a
        if share > lim:
            return deny(now, Reason.RISK_CONCENTRATION, oid, i, share, lim, rparams, rstate, rec_r,
                        cur)
    return 0


@nb.njit(cache=True, _nrt=False)
def throttle(now, b, market, rparams, rstate):
    """Token bucket per venue as GCRA: -1 if the order may go (a token is taken), else the
    ns until the next token."""
    lim = rparams.portfolio[0]
    if not lim.rate < np.inf:
        return -1.0
    bucket = rstate.venues[min(market[b].venue, MAX_VENUES - 1)]
    t = rel(now, rstate)
    tat = bucket.tat
    if bucket.sent > 0 and tat - t > lim.tau:
        return tat - t - lim.tau
    bucket.tat = max(tat, t) + lim.interval if bucket.sent > 0 else t + lim.interval
    bucket.sent += 1
    return -1.0


@plain_args
@nb.njit(cache=True, _nrt=False)
def pre_trade(now, oid, s, b, side, price, qty, otype, add, is_modify, lacct, market,
              instruments, orders, active, cur, rparams, rstate, rec_r):
    """Check a new order (or a size / price change) on book b; returns 0 or the denial's rule.

    s: the order's slot (left out of the open-order scan); qty: its size in lots (the new
    total for a modify, rules_nb.modify_leaves); add: lots it adds to exposure (qty for a
    new order; for a modify its new total less the fills and leaves the host knows of:
    the venue subtracts at least those fills, so a modify never adds lots unseen here);
    price: limit price in ticks (ignored for market orders).
    """
    n = lacct.shape[0]
    i = market[b].instrument
    g = rstate.glob[0]
    state = g.state
    if g.kill == 0 and kill_time_reached(now, rparams, rstate):
        g.kill = KILL_CONFIG_TIME
        g.kill_at_done = 1
    if g.kill != 0 or g.killed != 0:
        return deny(now, Reason.RISK_KILL_SWITCH, oid, i, max(g.kill, g.killed), 0.0, rparams,
                    rstate, rec_r, cur)
    if state == TradingState.HALTED:
        return deny(now, Reason.RISK_STATE_HALTED, oid, i, qty, 0.0, rparams, rstate, rec_r, cur)
    if g.paused != 0:
        return deny(now, Reason.RISK_PAUSED, oid, i, qty, 0.0, rparams, rstate, rec_r, cur)
    if market[b].status == 0 or rparams.limits[i].halted == 1:
        return deny(now, Reason.RISK_INSTRUMENT_HALTED, oid, i, market[b].status, 0.0, rparams,
                    rstate, rec_r, cur)
    lim = rparams.limits[i].max_order_qty
    if qty > lim:
        return deny(now, Reason.RISK_MAX_ORDER_QTY, oid, i, qty, lim, rparams, rstate, rec_r, cur)
    limit_order = otype != OrderType.MARKET
    ref = reference_price(market, b)
    band_pct = rparams.limits[i].band_pct
    band_ticks = rparams.limits[i].band_ticks
    if limit_order and (band_pct < np.inf or band_ticks < np.inf):
        if math.isnan(ref):
            return deny(now, Reason.RISK_NO_REFERENCE, oid, i, price, 0.0, rparams, rstate, rec_r,
                        cur)
        band = min(band_ticks, band_pct * ref)
        dev = abs(price - ref)
        if dev > band:
            return deny(now, Reason.RISK_PRICE_BAND, oid, i, dev, band, rparams, rstate, rec_r, cur)
    px = float(price) if limit_order else ref
    value = instruments[i].value
    lim = rparams.limits[i].max_order_notional
    if lim < np.inf:
        if math.isnan(px):
            return deny(now, Reason.RISK_NO_REFERENCE, oid, i, qty, 0.0, rparams, rstate, rec_r,
                        cur)
        notional = qty * px * value
        if notional > lim:
            return deny(now, Reason.RISK_MAX_ORDER_NOTIONAL, oid, i, notional, lim, rparams, rstate,
                        rec_r, cur)
    o = rstate.instruments[i]
    window = rparams.limits[i].dup_window
    if not is_modify and window < np.inf:
        age = duplicate_age(rel(now, rstate), o.dup_next, rstate.dup[i], b, side, price, qty,
                            otype, limit_order, window)
        if age >= 0.0:
            return deny(now, Reason.RISK_DUPLICATE, oid, i, age, window, rparams, rstate, rec_r,
                        cur)
    ratio = rparams.limits[i].max_cancel_ratio
    if ratio < np.inf and o.cancels >= rparams.limits[i].cancel_grace:
        r = o.cancels / max(lacct[i].fills, 1.0)
        if r > ratio:
            return deny(now, Reason.RISK_CANCEL_RATIO, oid, i, r, ratio, rparams, rstate, rec_r,
                        cur)
    ratio = rparams.limits[i].max_cancel_to_order
    if ratio < np.inf and o.cancels >= rparams.limits[i].cancel_to_order_grace:
        r = o.cancels / max(o.orders, 1.0)
        if r > ratio:
            return deny(now, Reason.RISK_CANCEL_TO_ORDER, oid, i, r, ratio, rparams, rstate, rec_r,
                        cur)
    pl = rparams.portfolio[0]
    port = pl.gross < np.inf or pl.net < np.inf or pl.concentration < np.inf
    lim = rparams.limits[i].max_position
    limn = rparams.limits[i].max_position_notional
    if state == TradingState.REDUCING or port or lim < np.inf or limn < np.inf:
        scan_open(orders, active, cur, market, rstate, n, -1 if port else i, s)
        pos = lacct[i].position
        if side > 0:
            same = o.open_buy + o.up_buy
        else:
            same = o.open_sell + o.up_sell
        before = pos + side * same
        after = before + side * add
        if state == TradingState.REDUCING:
            if not (pos * side < 0 and same + add <= abs(pos)):
                return deny(now, Reason.RISK_STATE_REDUCING, oid, i, after, pos, rparams, rstate,
                            rec_r, cur)
            off = rparams.portfolio[0].reducing_offset
            if limit_order and off < np.inf:
                if math.isnan(ref):
                    return deny(now, Reason.RISK_NO_REFERENCE, oid, i, price, 0.0, rparams, rstate,
                                rec_r, cur)
                bound = ref - off if side > 0 else ref + off
                if (side > 0 and price > bound) or (side < 0 and price < bound):
                    return deny(now, Reason.RISK_STATE_REDUCING, oid, i, price, bound, rparams,
                                rstate, rec_r, cur)
        grows = add > 0 and abs(after) > abs(before)
        if grows and abs(after) > lim:
            return deny(now, Reason.RISK_POSITION_LIMIT, oid, i, abs(after), lim, rparams, rstate,
                        rec_r, cur)
        if grows and limn < np.inf:
            m = mark_of(i, i, ref, lacct)
            if math.isnan(m):
                m = px
            if math.isnan(m):
                return deny(now, Reason.RISK_NO_REFERENCE, oid, i, abs(after), 0.0, rparams, rstate,
                            rec_r, cur)
            notional = abs(after) * m * value
            if notional > limn:
                return deny(now, Reason.RISK_POSITION_NOTIONAL, oid, i, notional, limn, rparams,
                            rstate, rec_r, cur)
        if port and add > 0:
            rule = portfolio_check(now, oid, i, side, add, ref, lacct, instruments, rparams,
                                   rstate, rec_r, cur)
            if rule != 0:
                return rule
    wait = throttle(now, b, market, rparams, rstate)
    if wait >= 0:
        return deny(now, Reason.RISK_THROTTLE, oid, i, wait, pl.rate, rparams, rstate, rec_r, cur)
    # passed: remember what later checks need
    if is_modify:
        if add > 0 and side > 0:
            o.up_buy += add
        elif add > 0:
            o.up_sell += add
    else:
        o.orders += 1
    if not is_modify and window < np.inf:
        k = o.dup_next
        d = rstate.dup[i, k % DUP_SLOTS]
        d.ts = rel(now, rstate)
        d.book = b
        d.side = side
        d.price = price
        d.qty = qty
        d.order_type = otype
        o.dup_next = k + 1
    return 0


@nb.njit(cache=True, _nrt=False)
def duplicate_age(t, n_seen, dup, b, side, price, qty, otype, limit_order, window):
    """Age of the youngest identical submit (book, side, size, type, and price for limit
    orders) among the last DUP_SLOTS passed within the window (dup: the instrument's
    remembered submits, n_seen of them so far), or -1: a strategy that alternates orders
    A, B, A, B is caught as well as one repeating A."""
    best = -1.0
    for j in range(min(n_seen, DUP_SLOTS)):
        d = dup[j]
        age = t - d.ts
        if age <= window and d.qty == qty and d.book == b and d.side == side \
                and d.order_type == otype and (d.price == price or not limit_order) \
                and (best < 0.0 or age < best):
            best = age
    return best


@nb.njit(cache=True, _nrt=False)
def count_cancel(i, rstate):
    """A cancel of the strategy's passed the gate (for the cancel-to-trade ratio)."""
    rstate.instruments[i].cancels += 1
