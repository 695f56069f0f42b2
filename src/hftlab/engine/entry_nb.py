"""Our commands as the replay venue processes them when they arrive (compiled).

submit: validate, take liquidity from the recorded levels if the order crosses
(limit / market, IOC / FOK / GTC, post-only rejected if it would cross, self-trade
prevention against our own resting orders), rest the remainder (GTC / post-only) at the
back of its level. cancel: close an open order. modify: states the new total quantity
(rules_nb.modify_leaves: what filled is subtracted, at or below it the rest is cancelled); a
size decrease keeps queue priority; a price change or size increase re-enters the order at
the back (and may trade).
Every decision writes a row of the orders record and sends the host a response.
"""

from __future__ import annotations

import numba as nb

from hftlab.core import rules_nb as rules
from hftlab.core.book_nb import ASK_ROW, BID_ROW
from hftlab.core.layout import (ACT_CANCEL, ACT_MODIFY, ACT_SUBMIT, R_ACK, R_CANCELLED, R_DONE,
                                R_MODIFIED)
from hftlab.engine.venue_nb import close_order, fill, is_open, record_order, refuse, respond
from hftlab.schema import OrderStatus, OrderType, Reason, TimeInForce


@nb.njit(cache=True)
def own_cross_price(s, orders, active, cur):
    """Best price of our own resting orders opposite slot s that s would reach, or -1."""
    b = orders[s].book
    side = orders[s].side
    lim = orders[s].price
    mkt = orders[s].order_type == OrderType.MARKET
    best = -1
    for k in range(cur[0].n_active):
        r = active[k]
        if r == s or orders[r].book != b or orders[r].side == side:
            continue
        if not is_open(orders[r].status):
            continue
        p = orders[r].price
        if (mkt or rules.reaches(side, lim, p)) and (best < 0 or rules.reaches(side, best, p)
                                                     and p != best):
            best = p
    return best


@nb.njit(cache=True)
def cancel_own_at(s, price, now, reason, orders, active, cur, resp, rends, rec_o, venues, market):
    """Self-trade prevention, cancel-oldest: close our resting orders opposite s at price."""
    b = orders[s].book
    for k in range(cur[0].n_active):
        r = active[k]
        if r == s or orders[r].book != b or orders[r].side == orders[s].side:
            continue
        if is_open(orders[r].status) and orders[r].price == price:
            close_order(r, now, R_DONE, reason, orders, cur, resp, rends, rec_o, venues, market)


@nb.njit(cache=True)
def execute(s, now, stp, orders, active, cur, resp, rends, rec_o, rec_f, acct, venues,
            instruments, market, qty, top, base):
    """Match slot s (price, leaves set) against the recorded book, then rest or expire it.

    Returns (status, reason). The order's leaves and status are updated.
    """
    b = orders[s].book
    side = orders[s].side
    width = qty.shape[2]
    mkt = orders[s].order_type == OrderType.MARKET
    tif = orders[s].tif
    lim = orders[s].price - base[b]
    orow = ASK_ROW if side > 0 else BID_ROW
    # market liquidity we would reach, and where our own opposite orders stand
    if side > 0:
        crosses = rules.would_cross(side, mkt, lim, top[b, 1] < width, top[b, 1])
    else:
        crosses = rules.would_cross(side, mkt, lim, top[b, 0] >= 0, top[b, 0])
    own = own_cross_price(s, orders, active, cur)
    own_i = own - base[b] if own >= 0 else -1
    if tif == TimeInForce.POST_ONLY and rules.post_only_reject(mkt, crosses or own >= 0):
        return OrderStatus.REJECTED, Reason.POST_ONLY_WOULD_CROSS
    if tif == TimeInForce.FOK:
        avail = 0
        i = top[b, 1] if side > 0 else top[b, 0]
        while 0 <= i < width and (mkt or rules.reaches(side, lim, i)):
            if own_i >= 0 and not rules.fok_skips_own(stp) and rules.reaches(side, i, own_i):
                break  # matching stops at our own order (cancel-oldest cancels it, goes on)
            avail += qty[b, orow, i]
            i += side
        if not rules.fok_can_fill(avail, orders[s].leaves):
            return OrderStatus.REJECTED, Reason.FOK_NOT_FILLABLE
    reason = Reason.NONE
    i = top[b, 1] if side > 0 else top[b, 0]
    while orders[s].leaves > 0 and 0 <= i < width:
        if not mkt and not rules.reaches(side, lim, i):
            break
        if own_i >= 0 and rules.reaches(side, i, own_i):
            cancel_resting, stop_taker = rules.stp_action(stp)
            if cancel_resting:
                cancel_own_at(s, own, now, Reason.SELF_TRADE, orders, active, cur, resp, rends,
                              rec_o, venues, market)
                own = own_cross_price(s, orders, active, cur)
                own_i = own - base[b] if own >= 0 else -1
            if stop_taker:
                reason = Reason.SELF_TRADE
                break
            continue
        avail = qty[b, orow, i]
        if avail > 0:
            f = min(avail, orders[s].leaves)
            fill(s, f, base[b] + i, False, now, orders, cur, resp, rends, rec_f, acct,
                 venues, instruments, market, qty, top, base)
        i += side
    status, reason = rules.remainder_outcome(orders[s].leaves, orders[s].filled,
                                             reason == Reason.SELF_TRADE, rules.can_rest(mkt, tif))
    if status != OrderStatus.ACCEPTED and status != OrderStatus.PARTIALLY_FILLED:
        return status, reason
    # rest at the back of our level
    orders[s].ahead = float(qty[b, BID_ROW if side > 0 else ASK_ROW, lim])
    orders[s].traded = 0.0
    orders[s].seq = cur[0].seq
    cur[0].seq += 1
    return status, reason


@nb.njit(cache=True)
def arrive(kind, s, new_price, new_qty, now, stp, halted, orders, active, cur, resp, rends,
           rec_o, rec_f, acct, venues, instruments, market, qty, top, base):
    """A command of ours reaches the venue at `now`: decide it, record it, answer the host."""
    cur[0].own_dirty = 1
    b = orders[s].book
    v = market[b].venue
    width = qty.shape[2]
    if kind == ACT_SUBMIT:
        status, reason = OrderStatus.REJECTED, Reason.NONE
        idx = orders[s].price - base[b]
        if halted[b]:
            reason = Reason.HALTED
        elif orders[s].order_type != OrderType.MARKET and (idx < 0 or idx >= width):
            reason = Reason.OUT_OF_BOOK_RANGE
        else:
            status, reason = execute(s, now, stp, orders, active, cur, resp, rends, rec_o,
                                     rec_f, acct, venues, instruments, market, qty, top, base)
        orders[s].status = status
        if status == OrderStatus.ACCEPTED or status == OrderStatus.PARTIALLY_FILLED:
            rk = R_ACK
        else:
            rk = R_DONE
        due = respond(resp, rends, cur, venues, v, now, rk, s, orders[s].price, orders[s].leaves,
                      status, reason, 0)
        record_order(rec_o, cur, orders, s, ACT_SUBMIT, now, due, orders[s].price,
                     orders[s].qty, status, reason, market)
        return
    if not is_open(orders[s].status):
        refuse(s, kind, now, new_price, new_qty, Reason.UNKNOWN_ORDER, orders, cur, resp, rends,
               rec_o, venues, market)
        return
    if kind == ACT_CANCEL:
        close_order(s, now, R_CANCELLED, Reason.NONE, orders, cur, resp, rends, rec_o, venues,
                    market)
        return
    # modify: new_qty is the new total order quantity (rules_nb.modify_leaves); what has
    # filled by now is subtracted, and a total at or below it cancels the rest
    idx = new_price - base[b]
    reason = Reason.NONE
    if new_qty <= 0:
        reason = Reason.BAD_QTY
    elif idx < 0 or idx >= width:
        reason = Reason.OUT_OF_BOOK_RANGE
    elif halted[b]:
        reason = Reason.HALTED
    if reason != Reason.NONE:
        refuse(s, ACT_MODIFY, now, new_price, new_qty, reason, orders, cur, resp, rends, rec_o,
               venues, market)
        return
    leaves = rules.modify_leaves(new_qty, orders[s].filled)
    if leaves <= 0:
        close_order(s, now, R_CANCELLED, Reason.NONE, orders, cur, resp, rends, rec_o, venues,
                    market)
        return
    status = orders[s].status
    if rules.modify_keeps_priority(orders[s].price, orders[s].leaves, new_price, leaves):
        orders[s].leaves = leaves  # a size decrease keeps its place in the queue
        orders[s].qty = new_qty
    else:  # a new price or a larger size re-enters the order at the back (it may trade)
        old_price, old_leaves, old_qty = orders[s].price, orders[s].leaves, orders[s].qty
        orders[s].price = new_price
        orders[s].leaves = leaves
        orders[s].qty = new_qty
        status, reason = execute(s, now, stp, orders, active, cur, resp, rends, rec_o,
                                     rec_f, acct, venues, instruments, market, qty, top, base)
        if status == OrderStatus.REJECTED:  # e.g. a post-only that would cross: the order stays
            orders[s].price, orders[s].leaves, orders[s].qty = old_price, old_leaves, old_qty
            status = orders[s].status
        orders[s].status = status
    due = respond(resp, rends, cur, venues, v, now, R_MODIFIED, s, orders[s].price,
                  orders[s].leaves, status, reason, 0)
    shown = OrderStatus.REJECTED if reason == Reason.POST_ONLY_WOULD_CROSS else status
    record_order(rec_o, cur, orders, s, ACT_MODIFY, now, due, orders[s].price,
                 orders[s].leaves, shown, reason, market)
