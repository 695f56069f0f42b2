"""The replay venue: our own orders against a recorded book (compiled).

In replay the recorded events are the market: our orders never move the recorded book.
A passive order learns its fills from the market events at its price:
- a trade (or an L3 execution) at a better price than ours fills us completely (the
  market traded through us);
- a trade at our price first uses up the quantity ahead of us, then fills us;
- on L3 data, position is exact FIFO: each resting order's arrival number says whether
  a cancel or execution was ahead of us; on L2 data a queue model (queue_nb) moves us
  forward when the level shrinks;
- when the opposite best price reaches ours, we are filled at our price.
An aggressive order takes liquidity from the recorded levels at their prices (taker),
without removing it from the recorded book (no market impact in replay).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from hftlab.core.specialise import plain_args
from hftlab.engine.accounting_nb import apply_fill, fee_of
from hftlab.core.book_nb import ADD, CLEAR, EXECUTE, LEVEL, STATUS, TRADE
from hftlab.core.latency_nb import draw
from hftlab.core.layout import ACT_CANCEL, ERR_QUEUE_FULL, R_FILL, R_REFUSED

# schema.OrderStatus / TimeInForce / OrderType / Reason (numba needs plain ints)
ST_NEW, ST_ACCEPTED, ST_PARTIAL, ST_FILLED, ST_CANCELLED, ST_REJECTED, ST_DENIED, ST_EXPIRED = (
    0, 1, 2, 3, 4, 5, 6, 7)
GTC, IOC, FOK, POST_ONLY = 0, 1, 2, 3
LIMIT, MARKET = 0, 1
RS_NONE, RS_BAD_PRICE, RS_BAD_QTY = 0, 2, 3
NO_PRICE = np.iinfo(np.int64).max
RS_POST_ONLY, RS_FOK, RS_NO_LIQ, RS_UNKNOWN_ORDER, RS_SELF_TRADE, RS_HALTED, RS_RANGE = (
    6, 7, 8, 9, 10, 11, 12)


@nb.njit(cache=True, inline="always")
def is_open(status):
    return status == ST_ACCEPTED or status == ST_PARTIAL


@plain_args
@nb.njit(cache=True)
def push(q, ends, cur, ts, kind, slot, price, qty, status, reason, maker, exts):
    """Append to a FIFO ring buffer q (ends[0]: head, tail); due times never go back (FIFO
    channels)."""
    cap = q.shape[0]
    e = ends[0]
    h = e.head
    t = e.tail
    if t - h >= cap:
        cur[0].error = ERR_QUEUE_FULL
        return
    if t > h and ts < q[(t - 1) % cap].ts:
        ts = q[(t - 1) % cap].ts
    x = q[t % cap]
    x.ts = ts
    x.kind = kind
    x.slot = slot
    x.price = price
    x.qty = qty
    x.status = status
    x.reason = reason
    x.maker = maker
    x.ts_exchange = exts
    e.tail = t + 1


@plain_args
@nb.njit(cache=True)
def respond(resp, rends, cur, venues, v, now, kind, slot, price, qty, status, reason, maker):
    """Send a response to the host after the venue's response latency; returns its due time."""
    due = now + draw(cur, venues[v].response, venues[v].response_jitter)
    push(resp, rends, cur, due, kind, slot, price, qty, status, reason, maker, now)
    return resp[(rends[0].tail - 1) % resp.shape[0]].ts


@plain_args
@nb.njit(cache=True)
def record_order(rec, cur, orders, s, action, ts_ex, ts_ack, price, qty, status, reason, market):
    """One row of the orders record for a command on our order s."""
    b = orders[s].book
    order_row(rec, cur, orders[s].order_id, orders[s].ts_sent, ts_ex, ts_ack, market[b].venue,
              market[b].instrument, action, orders[s].side, orders[s].order_type, orders[s].tif,
              price, qty, status, reason)


@plain_args
@nb.njit(cache=True)
def order_row(rec, cur, order_id, ts_sent, ts_ex, ts_ack, venue, instrument, action, side,
              order_type, tif, price, qty, status, reason):
    """The one writer of the orders record (schema.ORDER_RECORD_DTYPE): every field of
    the row (rows reused after a flush keep nothing of their past)."""
    n = cur[0].n_orders
    r = rec[n]
    r.order_id = order_id
    r.ts_sent = ts_sent
    r.ts_exchange = ts_ex
    r.ts_ack = ts_ack
    r.venue = venue
    r.instrument = instrument
    r.action = action
    r.side = side
    r.order_type = order_type
    r.tif = tif
    r.price = price
    r.qty = qty
    r.status = status
    r.reason = reason
    cur[0].n_orders = n + 1


@plain_args
@nb.njit(cache=True)
def close_order(s, now, rk, reason, orders, cur, resp, rends, rec_o, venues, market):
    """The venue cancels our open order s (our cancel: rk R_CANCELLED; self-trade
    prevention: R_DONE, reason SELF_TRADE): close it, answer the host, record it."""
    orders[s].status = ST_CANCELLED
    due = respond(resp, rends, cur, venues, market[orders[s].book].venue, now, rk, s,
                  orders[s].price, orders[s].leaves, ST_CANCELLED, reason, 0)
    record_order(rec_o, cur, orders, s, ACT_CANCEL, now, due, orders[s].price,
                 orders[s].leaves, ST_CANCELLED, reason, market)


@plain_args
@nb.njit(cache=True)
def refuse(s, kind, now, price, q, reason, orders, cur, resp, rends, rec_o, venues, market):
    """The venue refuses a cancel / modify of ours (e.g. the order is no longer open)."""
    due = respond(resp, rends, cur, venues, market[orders[s].book].venue, now, R_REFUSED, s,
                  price, q, orders[s].status, reason, 0)
    record_order(rec_o, cur, orders, s, kind, now, due, price, q, ST_REJECTED, reason, market)


@nb.njit(cache=True)
def book_mid(qty, top, base, b):
    """Exchange mid of book b in ticks, NaN when a side is empty."""
    width = qty.shape[2]
    if top[b, 0] < 0 or top[b, 1] >= width:
        return np.nan
    return base[b] + 0.5 * (top[b, 0] + top[b, 1])


@plain_args
@nb.njit(cache=True)
def fill(s, q, price, maker, now, orders, cur, resp, rends, rec_f, acct, venues,
         instruments, market, qty, top, base):
    """Fill own order slot s for q lots at price: account it, record it, tell the host."""
    b = orders[s].book
    v = market[b].venue
    i = market[b].instrument
    side = orders[s].side
    fee = fee_of(venues, instruments, v, i, price, q, maker)
    orders[s].leaves -= q
    orders[s].filled += q
    cur[0].own_dirty = 1
    done = orders[s].leaves == 0
    orders[s].status = ST_FILLED if done else ST_PARTIAL
    mb = np.int64(instruments[i].mark_book)
    apply_fill(acct, instruments, i, side, price, q, fee, maker)
    due = respond(resp, rends, cur, venues, v, now, R_FILL, s, price, q, orders[s].status, 0,
                  1 if maker else 0)
    fill_row(rec_f, cur, orders[s].order_id, now, due, v, i, side, price, q, maker, fee,
             book_mid(qty, top, base, mb))


@plain_args
@nb.njit(cache=True)
def fill_row(rec, cur, order_id, ts_ex, ts_local, venue, instrument, side, price, q, maker,
             fee, mid):
    """The one writer of the fills record (schema.FILL_RECORD_DTYPE): every field."""
    n = cur[0].n_fills
    r = rec[n]
    r.order_id = order_id
    r.ts_exchange = ts_ex
    r.ts_local = ts_local
    r.venue = venue
    r.instrument = instrument
    r.side = side
    r.price = price
    r.qty = q
    r.maker = 1 if maker else 0
    r.fee = fee
    r.mid = mid
    cur[0].n_fills = n + 1


@nb.njit(cache=True)
def own_ranges(orders, active, cur, ownr):
    """Lowest and highest price of our open bids and asks per book (returns True)."""
    for b in range(ownr.shape[0]):
        ownr[b].bid_lo = NO_PRICE
        ownr[b].bid_hi = -1
        ownr[b].ask_lo = NO_PRICE
        ownr[b].ask_hi = -1
    for k in range(cur[0].n_active):
        s = active[k]
        if not is_open(orders[s].status):
            continue
        b = orders[s].book
        p = orders[s].price
        if orders[s].side > 0:
            ownr[b].bid_lo = min(ownr[b].bid_lo, p)
            ownr[b].bid_hi = max(ownr[b].bid_hi, p)
        else:
            ownr[b].ask_lo = min(ownr[b].ask_lo, p)
            ownr[b].ask_hi = max(ownr[b].ask_hi, p)
    cur[0].own_dirty = 0
    return True


@nb.njit(cache=True, inline="always")
def may_touch(ownr, b, kind, side, price):
    """False when a market event on book b cannot fill or move any of our open orders."""
    bid_hi = ownr[b].bid_hi
    ask_lo = ownr[b].ask_lo
    if bid_hi < 0 and ask_lo == NO_PRICE:
        return False
    if kind == TRADE:
        return (side < 0 and price <= bid_hi) or (side > 0 and price >= ask_lo)
    if kind == STATUS:
        return False
    if kind == CLEAR:
        return True
    if side > 0:  # our bids' queue or a trade through them; or the bid reaching our asks
        return (price <= bid_hi and (price >= ownr[b].bid_lo or kind == EXECUTE)) or (
            price >= ask_lo)
    return (price >= ask_lo and (price <= ownr[b].ask_hi or kind == EXECUTE)) or (
        price <= bid_hi)


@nb.njit(cache=True)
def on_market_event(b, kind, side, price, q, idx, old, new, oseq, now, qfn, qparams,
                    orders, active, cur, resp, rends, rec_f, acct, venues,
                    instruments, market, qty, top, base):
    """Update queue positions and fill our passive orders on book b after one market event."""
    width = qty.shape[2]
    na = cur[0].n_active
    for k in range(na):
        s = active[k]
        if orders[s].book != b or not is_open(orders[s].status):
            continue
        os_ = orders[s].side
        op = orders[s].price
        leaves = orders[s].leaves
        if kind == TRADE:
            # side is the aggressor: a buyer lifts asks, a seller hits bids
            if side == 0 or side == os_:
                continue
            if (os_ > 0 and price < op) or (os_ < 0 and price > op):
                fill(s, leaves, op, True, now, orders, cur, resp, rends, rec_f, acct,
                     venues, instruments, market, qty, top, base)
            elif price == op:
                orders[s].ahead -= q
                orders[s].traded += q
                # whole lots past the front are ours; a fraction stays as progress
                f = min(np.int64(np.floor(-orders[s].ahead)), leaves)
                if f >= 1:
                    orders[s].ahead += f
                    fill(s, f, op, True, now, orders, cur, resp, rends, rec_f, acct,
                         venues, instruments, market, qty, top, base)
            continue
        if idx < 0 or side != os_:
            continue
        # a resting order on our side traded through our price: we would have gone first
        if kind == EXECUTE and ((os_ > 0 and price < op) or (os_ < 0 and price > op)):
            fill(s, leaves, op, True, now, orders, cur, resp, rends, rec_f, acct,
                 venues, instruments, market, qty, top, base)
            continue
        if price != op:
            continue
        if kind == LEVEL:  # LEVEL: L2 depth change, the queue model decides
            orders[s].ahead = qfn(orders[s].ahead, float(old), float(new), orders[s].traded,
                                 qparams)
            orders[s].traded = 0.0
        elif kind != ADD:  # L3 cancel / delete / execute at our price: exact FIFO
            ahead_of_us = oseq < orders[s].seq  # -1: rested before the data began
            dq = old - new
            if ahead_of_us:
                orders[s].ahead = max(orders[s].ahead - dq, 0.0)
            elif kind == EXECUTE and orders[s].ahead <= 0:
                f = min(dq, leaves)
                fill(s, f, op, True, now, orders, cur, resp, rends, rec_f, acct,
                     venues, instruments, market, qty, top, base)
    # the opposite best reached our price: the market crossed us, fill at our price
    for k in range(na):
        s = active[k]
        if orders[s].book != b or not is_open(orders[s].status):
            continue
        op = orders[s].price - base[b]
        if orders[s].side > 0:
            crossed = top[b, 1] < width and top[b, 1] <= op
        else:
            crossed = top[b, 0] >= 0 and top[b, 0] >= op
        if crossed:
            fill(s, orders[s].leaves, orders[s].price, True, now, orders, cur, resp, rends,
                 rec_f, acct, venues, instruments, market, qty, top, base)


@nb.njit(cache=True)
def release_closed(orders, active, free, cur):
    """Free the slots of orders that are closed both at the venue and at the host."""
    k = 0
    while k < cur[0].n_active:
        s = active[k]
        st = orders[s].status
        lst = orders[s].local_status
        closed_ex = not is_open(st) and st != ST_NEW
        closed_lo = not is_open(lst) and lst != ST_NEW
        if closed_ex and closed_lo and orders[s].pending == 0:
            cur[0].n_active -= 1
            active[k] = active[cur[0].n_active]
            clear_slot(orders, s)
            free[cur[0].n_free] = s
            cur[0].n_free += 1
        else:
            k += 1


@nb.njit(cache=True)
def clear_slot(orders, s):
    """Free order slot s: every field back to 0."""
    o = orders[s]
    o.order_id = 0
    o.book = 0
    o.side = 0
    o.price = 0
    o.qty = 0
    o.leaves = 0
    o.status = 0
    o.tif = 0
    o.order_type = 0
    o.seq = 0
    o.local_status = 0
    o.local_leaves = 0
    o.local_price = 0
    o.ts_sent = 0
    o.pending = 0
    o.filled = 0
    o.venue_id = 0
    o.ahead = 0.0
    o.traded = 0.0
