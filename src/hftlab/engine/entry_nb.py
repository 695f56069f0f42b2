"""Our commands as the replay venue processes them when they arrive (compiled).

submit: validate, take liquidity from the recorded levels if the order crosses
(limit / market, IOC / FOK / GTC, post-only rejected if it would cross, self-trade
prevention against our own resting orders), rest the remainder (GTC / post-only) at the
back of its level. cancel: close an open order. modify: a size decrease keeps queue
priority; a price change or size increase re-enters the order at the back (and may trade).
Every decision writes a row of the orders record and sends the host a response.
"""

from __future__ import annotations

import numba as nb

from hftlab.core.book_nb import ASK_ROW, BID_ROW
from hftlab.core.layout import (ACT_CANCEL, ACT_MODIFY, ACT_SUBMIT, K_NACT, K_OWN_DIRTY,
                                  K_SEQ, M_VENUE,
                                  O_BOOK, O_FILLED, O_LEAVES, O_PRICE, O_QTY, O_SEQ, O_SIDE,
                                  O_STATUS, O_TIF, O_TYPE, Q_AHEAD, Q_TRADED, R_ACK,
                                  R_CANCELLED, R_DONE, R_MODIFIED)
from hftlab.engine.venue_nb import (FOK, IOC, MARKET, POST_ONLY, RS_BAD_QTY, RS_FOK,
                                    RS_HALTED, RS_NO_LIQ, RS_NONE, RS_POST_ONLY, RS_RANGE,
                                    RS_SELF_TRADE, RS_UNKNOWN_ORDER, ST_ACCEPTED,
                                    ST_CANCELLED, ST_EXPIRED, ST_FILLED, ST_PARTIAL,
                                    ST_REJECTED, close_order, fill, is_open, record_order,
                                    refuse, respond)

STP_CANCEL_NEWEST, STP_CANCEL_OLDEST, STP_CANCEL_BOTH = 0, 1, 2


@nb.njit(cache=True)
def own_cross_price(s, orders, active, cur):
    """Best price of our own resting orders opposite slot s that s would reach, or -1."""
    b = orders[s, O_BOOK]
    side = orders[s, O_SIDE]
    lim = orders[s, O_PRICE]
    mkt = orders[s, O_TYPE] == MARKET
    best = -1
    for k in range(cur[K_NACT]):
        r = active[k]
        if r == s or orders[r, O_BOOK] != b or orders[r, O_SIDE] == side:
            continue
        if not is_open(orders[r, O_STATUS]):
            continue
        p = orders[r, O_PRICE]
        if side > 0 and (mkt or p <= lim) and (best < 0 or p < best):
            best = p
        if side < 0 and (mkt or p >= lim) and (best < 0 or p > best):
            best = p
    return best


@nb.njit(cache=True)
def cancel_own_at(s, price, now, reason, orders, active, cur, resp, rec_o, venues, market):
    """Self-trade prevention, cancel-oldest: close our resting orders opposite s at price."""
    b = orders[s, O_BOOK]
    for k in range(cur[K_NACT]):
        r = active[k]
        if r == s or orders[r, O_BOOK] != b or orders[r, O_SIDE] == orders[s, O_SIDE]:
            continue
        if is_open(orders[r, O_STATUS]) and orders[r, O_PRICE] == price:
            close_order(r, now, R_DONE, reason, orders, cur, resp, rec_o, venues, market)


@nb.njit(cache=True)
def execute(s, now, stp, orders, oq, active, cur, resp, rec_o, fills_i, fills_f, acct, venues,
            instruments, market, qty, top, base):
    """Match slot s (price, leaves set) against the recorded book, then rest or expire it.

    Returns (status, reason). The order's leaves and status are updated.
    """
    b = orders[s, O_BOOK]
    side = orders[s, O_SIDE]
    width = qty.shape[2]
    mkt = orders[s, O_TYPE] == MARKET
    tif = orders[s, O_TIF]
    lim = orders[s, O_PRICE] - base[b]
    orow = ASK_ROW if side > 0 else BID_ROW
    # market liquidity we would reach, and where our own opposite orders stand
    if side > 0:
        crosses = top[b, 1] < width and (mkt or lim >= top[b, 1])
    else:
        crosses = top[b, 0] >= 0 and (mkt or lim <= top[b, 0])
    own = own_cross_price(s, orders, active, cur)
    own_i = own - base[b] if own >= 0 else -1
    if (crosses or own >= 0) and tif == POST_ONLY:
        return ST_REJECTED, RS_POST_ONLY
    if tif == FOK:
        avail = 0
        i = top[b, 1] if side > 0 else top[b, 0]
        while 0 <= i < width and (mkt or (i <= lim if side > 0 else i >= lim)):
            if own_i >= 0 and (i >= own_i if side > 0 else i <= own_i):
                break
            avail += qty[b, orow, i]
            i += side
        if avail < orders[s, O_LEAVES]:
            return ST_REJECTED, RS_FOK
    reason = RS_NONE
    i = top[b, 1] if side > 0 else top[b, 0]
    while orders[s, O_LEAVES] > 0 and 0 <= i < width:
        if not mkt and (i > lim if side > 0 else i < lim):
            break
        if own_i >= 0 and (i >= own_i if side > 0 else i <= own_i):
            if stp == STP_CANCEL_OLDEST or stp == STP_CANCEL_BOTH:
                cancel_own_at(s, own, now, RS_SELF_TRADE, orders, active, cur, resp, rec_o,
                              venues, market)
                own = own_cross_price(s, orders, active, cur)
                own_i = own - base[b] if own >= 0 else -1
            if stp != STP_CANCEL_OLDEST:
                reason = RS_SELF_TRADE
                break
            continue
        avail = qty[b, orow, i]
        if avail > 0:
            f = min(avail, orders[s, O_LEAVES])
            fill(s, f, base[b] + i, False, now, orders, cur, resp, fills_i, fills_f, acct,
                 venues, instruments, market, qty, top, base)
        i += side
    leaves = orders[s, O_LEAVES]
    if leaves == 0:
        return ST_FILLED, RS_NONE
    if reason == RS_SELF_TRADE or mkt or tif == IOC or tif == FOK:
        if reason == RS_NONE and orders[s, O_FILLED] == 0:
            reason = RS_NO_LIQ
        return (ST_CANCELLED if reason == RS_SELF_TRADE else ST_EXPIRED), reason
    # rest at the back of our level
    oq[s, Q_AHEAD] = float(qty[b, BID_ROW if side > 0 else ASK_ROW, lim])
    oq[s, Q_TRADED] = 0.0
    orders[s, O_SEQ] = cur[K_SEQ]
    cur[K_SEQ] += 1
    return (ST_PARTIAL if orders[s, O_FILLED] > 0 else ST_ACCEPTED), RS_NONE


@nb.njit(cache=True)
def arrive(kind, s, new_price, new_qty, now, stp, halted, orders, oq, active, cur, resp,
           rec_o, fills_i, fills_f, acct, venues, instruments, market, qty, top, base):
    """A command of ours reaches the venue at `now`: decide it, record it, answer the host."""
    cur[K_OWN_DIRTY] = 1
    b = orders[s, O_BOOK]
    v = market[b, M_VENUE]
    width = qty.shape[2]
    if kind == ACT_SUBMIT:
        status, reason = ST_REJECTED, RS_NONE
        idx = orders[s, O_PRICE] - base[b]
        if halted[b]:
            reason = RS_HALTED
        elif orders[s, O_TYPE] != MARKET and (idx < 0 or idx >= width):
            reason = RS_RANGE
        else:
            status, reason = execute(s, now, stp, orders, oq, active, cur, resp, rec_o, fills_i,
                                     fills_f, acct, venues, instruments, market, qty, top, base)
        orders[s, O_STATUS] = status
        if status == ST_ACCEPTED or status == ST_PARTIAL:
            rk = R_ACK
        else:
            rk = R_DONE
        due = respond(resp, cur, venues, v, now, rk, s, orders[s, O_PRICE], orders[s, O_LEAVES],
                      status, reason, 0)
        record_order(rec_o, cur, orders, s, ACT_SUBMIT, now, due, orders[s, O_PRICE],
                     orders[s, O_QTY], status, reason, market)
        return
    if not is_open(orders[s, O_STATUS]):
        refuse(s, kind, now, new_price, new_qty, RS_UNKNOWN_ORDER, orders, cur, resp, rec_o,
               venues, market)
        return
    if kind == ACT_CANCEL:
        close_order(s, now, R_CANCELLED, RS_NONE, orders, cur, resp, rec_o, venues, market)
        return
    # modify: new_qty is the new remaining size
    idx = new_price - base[b]
    reason = RS_NONE
    if new_qty <= 0:
        reason = RS_BAD_QTY
    elif idx < 0 or idx >= width:
        reason = RS_RANGE
    elif halted[b]:
        reason = RS_HALTED
    if reason != RS_NONE:
        refuse(s, ACT_MODIFY, now, new_price, new_qty, reason, orders, cur, resp, rec_o, venues,
               market)
        return
    status = orders[s, O_STATUS]
    if new_price == orders[s, O_PRICE] and new_qty <= orders[s, O_LEAVES]:
        orders[s, O_LEAVES] = new_qty  # a size decrease keeps its place in the queue
        orders[s, O_QTY] = orders[s, O_FILLED] + new_qty
    else:  # a new price or a larger size re-enters the order at the back (it may trade)
        old_price, old_leaves, old_qty = orders[s, O_PRICE], orders[s, O_LEAVES], orders[s, O_QTY]
        orders[s, O_PRICE] = new_price
        orders[s, O_LEAVES] = new_qty
        orders[s, O_QTY] = orders[s, O_FILLED] + new_qty
        status, reason = execute(s, now, stp, orders, oq, active, cur, resp, rec_o, fills_i,
                                 fills_f, acct, venues, instruments, market, qty, top, base)
        if status == ST_REJECTED:  # e.g. post-only that would cross: the order stays as it was
            orders[s, O_PRICE], orders[s, O_LEAVES], orders[s, O_QTY] = old_price, old_leaves, old_qty
            status = orders[s, O_STATUS]
        orders[s, O_STATUS] = status
    due = respond(resp, cur, venues, v, now, R_MODIFIED, s, orders[s, O_PRICE],
                  orders[s, O_LEAVES], status, reason, 0)
    record_order(rec_o, cur, orders, s, ACT_MODIFY, now, due, orders[s, O_PRICE],
                 orders[s, O_LEAVES], ST_REJECTED if reason == RS_POST_ONLY else status, reason,
                 market)
