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

from hftlab.engine.accounting_nb import apply_fill, fee_of
from hftlab.core.book_nb import ADD, CLEAR, EXECUTE, LEVEL, STATUS, TRADE
from hftlab.core.latency_nb import draw
from hftlab.core.layout import (ERR_QUEUE_FULL, G_ASK_HI, G_ASK_LO, G_BID_HI, G_BID_LO,
                                  I_MARK_BOOK, K_ERR, K_NACT, K_NFILL, K_OWN_DIRTY,
                                  K_NFREE, K_NORD, K_RH, K_RT, M_INSTR, M_VENUE, O_BOOK,
                                  O_FILLED, O_ID, O_LEAVES, O_LSTATUS, O_NCOL,
                                  O_PENDING, O_PRICE, O_SEQ, O_SIDE, O_STATUS, O_TIF,
                                  O_TS_SENT, O_TYPE, Q_AHEAD, Q_TRADED, R_FILL, R_REFUSED,
                                  ACT_CANCEL,
                                  V_RESP, V_RESP_J, X_EXTS, X_KIND, X_MAKER, X_PRICE, X_QTY,
                                  X_REASON, X_SLOT, X_STATUS, X_TS)

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


@nb.njit(cache=True)
def push(q, cur, head_k, tail_k, ts, kind, slot, price, qty, status, reason, maker, exts):
    """Append to a FIFO ring buffer; due times never go back (FIFO channels)."""
    cap = q.shape[0]
    h = cur[head_k]
    t = cur[tail_k]
    if t - h >= cap:
        cur[K_ERR] = ERR_QUEUE_FULL
        return
    if t > h and ts < q[(t - 1) % cap, X_TS]:
        ts = q[(t - 1) % cap, X_TS]
    r = t % cap
    q[r, X_TS] = ts
    q[r, X_KIND] = kind
    q[r, X_SLOT] = slot
    q[r, X_PRICE] = price
    q[r, X_QTY] = qty
    q[r, X_STATUS] = status
    q[r, X_REASON] = reason
    q[r, X_MAKER] = maker
    q[r, X_EXTS] = exts
    cur[tail_k] = t + 1


@nb.njit(cache=True)
def respond(resp, cur, venues, v, now, kind, slot, price, qty, status, reason, maker):
    """Send a response to the host after the venue's response latency; returns its due time."""
    due = now + draw(cur, venues[v, V_RESP], venues[v, V_RESP_J])
    push(resp, cur, K_RH, K_RT, due, kind, slot, price, qty, status, reason, maker, now)
    return resp[(cur[K_RT] - 1) % resp.shape[0], X_TS]


@nb.njit(cache=True)
def record_order(rec, cur, orders, s, action, ts_ex, ts_ack, price, qty, status, reason, market):
    """One row of the orders record for a command on our order s."""
    b = orders[s, O_BOOK]
    order_row(rec, cur, orders[s, O_ID], orders[s, O_TS_SENT], ts_ex, ts_ack, market[b, M_VENUE],
              market[b, M_INSTR], action, orders[s, O_SIDE], orders[s, O_TYPE], orders[s, O_TIF],
              price, qty, status, reason)


@nb.njit(cache=True)
def order_row(rec, cur, order_id, ts_sent, ts_ex, ts_ack, venue, instrument, action, side,
              order_type, tif, price, qty, status, reason):
    """The one writer of the orders record: every field of the row, in the field order of
    schema.ORDER_RECORD_DTYPE (rows reused after a flush keep nothing of their past)."""
    n = cur[K_NORD]
    rec[n, 0] = order_id
    rec[n, 1] = ts_sent
    rec[n, 2] = ts_ex
    rec[n, 3] = ts_ack
    rec[n, 4] = venue
    rec[n, 5] = instrument
    rec[n, 6] = action
    rec[n, 7] = side
    rec[n, 8] = order_type
    rec[n, 9] = tif
    rec[n, 10] = price
    rec[n, 11] = qty
    rec[n, 12] = status
    rec[n, 13] = reason
    cur[K_NORD] = n + 1


@nb.njit(cache=True)
def close_order(s, now, rk, reason, orders, cur, resp, rec_o, venues, market):
    """The venue cancels our open order s (our cancel: rk R_CANCELLED; self-trade
    prevention: R_DONE, reason SELF_TRADE): close it, answer the host, record it."""
    orders[s, O_STATUS] = ST_CANCELLED
    due = respond(resp, cur, venues, market[orders[s, O_BOOK], M_VENUE], now, rk, s,
                  orders[s, O_PRICE], orders[s, O_LEAVES], ST_CANCELLED, reason, 0)
    record_order(rec_o, cur, orders, s, ACT_CANCEL, now, due, orders[s, O_PRICE],
                 orders[s, O_LEAVES], ST_CANCELLED, reason, market)


@nb.njit(cache=True)
def refuse(s, kind, now, price, q, reason, orders, cur, resp, rec_o, venues, market):
    """The venue refuses a cancel / modify of ours (e.g. the order is no longer open)."""
    due = respond(resp, cur, venues, market[orders[s, O_BOOK], M_VENUE], now, R_REFUSED, s,
                  price, q, orders[s, O_STATUS], reason, 0)
    record_order(rec_o, cur, orders, s, kind, now, due, price, q, ST_REJECTED, reason, market)


@nb.njit(cache=True)
def book_mid(qty, top, base, b):
    """Exchange mid of book b in ticks, NaN when a side is empty."""
    width = qty.shape[2]
    if top[b, 0] < 0 or top[b, 1] >= width:
        return np.nan
    return base[b] + 0.5 * (top[b, 0] + top[b, 1])


@nb.njit(cache=True)
def fill(s, q, price, maker, now, orders, cur, resp, fills_i, fills_f, acct, venues,
         instruments, market, qty, top, base):
    """Fill own order slot s for q lots at price: account it, record it, tell the host."""
    b = orders[s, O_BOOK]
    v = market[b, M_VENUE]
    i = market[b, M_INSTR]
    side = orders[s, O_SIDE]
    fee = fee_of(venues, instruments, v, i, price, q, maker)
    orders[s, O_LEAVES] -= q
    orders[s, O_FILLED] += q
    cur[K_OWN_DIRTY] = 1
    done = orders[s, O_LEAVES] == 0
    orders[s, O_STATUS] = ST_FILLED if done else ST_PARTIAL
    mb = np.int64(instruments[i, I_MARK_BOOK])
    apply_fill(acct, instruments, i, side, price, q, fee, maker)
    due = respond(resp, cur, venues, v, now, R_FILL, s, price, q, orders[s, O_STATUS], 0,
                  1 if maker else 0)
    n = cur[K_NFILL]
    fills_i[n, 0] = orders[s, O_ID]
    fills_i[n, 1] = now
    fills_i[n, 2] = due
    fills_i[n, 3] = v
    fills_i[n, 4] = i
    fills_i[n, 5] = side
    fills_i[n, 6] = price
    fills_i[n, 7] = q
    fills_i[n, 8] = 1 if maker else 0
    fills_f[n, 0] = fee
    fills_f[n, 1] = book_mid(qty, top, base, mb)
    cur[K_NFILL] = n + 1


@nb.njit(cache=True)
def own_ranges(orders, active, cur, ownr):
    """Lowest and highest price of our open bids and asks per book (returns True)."""
    for b in range(ownr.shape[0]):
        ownr[b, G_BID_LO] = NO_PRICE
        ownr[b, G_BID_HI] = -1
        ownr[b, G_ASK_LO] = NO_PRICE
        ownr[b, G_ASK_HI] = -1
    for k in range(cur[K_NACT]):
        s = active[k]
        if not is_open(orders[s, O_STATUS]):
            continue
        b = orders[s, O_BOOK]
        p = orders[s, O_PRICE]
        if orders[s, O_SIDE] > 0:
            ownr[b, G_BID_LO] = min(ownr[b, G_BID_LO], p)
            ownr[b, G_BID_HI] = max(ownr[b, G_BID_HI], p)
        else:
            ownr[b, G_ASK_LO] = min(ownr[b, G_ASK_LO], p)
            ownr[b, G_ASK_HI] = max(ownr[b, G_ASK_HI], p)
    cur[K_OWN_DIRTY] = 0
    return True


@nb.njit(cache=True, inline="always")
def may_touch(ownr, b, kind, side, price):
    """False when a market event on book b cannot fill or move any of our open orders."""
    bid_hi = ownr[b, G_BID_HI]
    ask_lo = ownr[b, G_ASK_LO]
    if bid_hi < 0 and ask_lo == NO_PRICE:
        return False
    if kind == TRADE:
        return (side < 0 and price <= bid_hi) or (side > 0 and price >= ask_lo)
    if kind == STATUS:
        return False
    if kind == CLEAR:
        return True
    if side > 0:  # our bids' queue or a trade through them; or the bid reaching our asks
        return (price <= bid_hi and (price >= ownr[b, G_BID_LO] or kind == EXECUTE)) or (
            price >= ask_lo)
    return (price >= ask_lo and (price <= ownr[b, G_ASK_HI] or kind == EXECUTE)) or (
        price <= bid_hi)


@nb.njit(cache=True)
def on_market_event(b, kind, side, price, q, idx, old, new, oseq, now, qfn, qparams,
                    orders, oq, active, cur, resp, fills_i, fills_f, acct, venues,
                    instruments, market, qty, top, base):
    """Update queue positions and fill our passive orders on book b after one market event."""
    width = qty.shape[2]
    na = cur[K_NACT]
    for k in range(na):
        s = active[k]
        if orders[s, O_BOOK] != b or not is_open(orders[s, O_STATUS]):
            continue
        os_ = orders[s, O_SIDE]
        op = orders[s, O_PRICE]
        leaves = orders[s, O_LEAVES]
        if kind == TRADE:
            # side is the aggressor: a buyer lifts asks, a seller hits bids
            if side == 0 or side == os_:
                continue
            if (os_ > 0 and price < op) or (os_ < 0 and price > op):
                fill(s, leaves, op, True, now, orders, cur, resp, fills_i, fills_f, acct,
                     venues, instruments, market, qty, top, base)
            elif price == op:
                oq[s, Q_AHEAD] -= q
                oq[s, Q_TRADED] += q
                # whole lots past the front are ours; a fraction stays as progress
                f = min(np.int64(np.floor(-oq[s, Q_AHEAD])), leaves)
                if f >= 1:
                    oq[s, Q_AHEAD] += f
                    fill(s, f, op, True, now, orders, cur, resp, fills_i, fills_f, acct,
                         venues, instruments, market, qty, top, base)
            continue
        if idx < 0 or side != os_:
            continue
        # a resting order on our side traded through our price: we would have gone first
        if kind == EXECUTE and ((os_ > 0 and price < op) or (os_ < 0 and price > op)):
            fill(s, leaves, op, True, now, orders, cur, resp, fills_i, fills_f, acct,
                 venues, instruments, market, qty, top, base)
            continue
        if price != op:
            continue
        if kind == LEVEL:  # LEVEL: L2 depth change, the queue model decides
            oq[s, Q_AHEAD] = qfn(oq[s, Q_AHEAD], float(old), float(new), oq[s, Q_TRADED],
                                 qparams)
            oq[s, Q_TRADED] = 0.0
        elif kind != ADD:  # L3 cancel / delete / execute at our price: exact FIFO
            ahead_of_us = oseq < orders[s, O_SEQ]  # -1: rested before the data began
            dq = old - new
            if ahead_of_us:
                oq[s, Q_AHEAD] = max(oq[s, Q_AHEAD] - dq, 0.0)
            elif kind == EXECUTE and oq[s, Q_AHEAD] <= 0:
                f = min(dq, leaves)
                fill(s, f, op, True, now, orders, cur, resp, fills_i, fills_f, acct,
                     venues, instruments, market, qty, top, base)
    # the opposite best reached our price: the market crossed us, fill at our price
    for k in range(na):
        s = active[k]
        if orders[s, O_BOOK] != b or not is_open(orders[s, O_STATUS]):
            continue
        op = orders[s, O_PRICE] - base[b]
        if orders[s, O_SIDE] > 0:
            crossed = top[b, 1] < width and top[b, 1] <= op
        else:
            crossed = top[b, 0] >= 0 and top[b, 0] >= op
        if crossed:
            fill(s, orders[s, O_LEAVES], orders[s, O_PRICE], True, now, orders, cur, resp,
                 fills_i, fills_f, acct, venues, instruments, market, qty, top, base)


@nb.njit(cache=True)
def release_closed(orders, active, free, cur):
    """Free the slots of orders that are closed both at the venue and at the host."""
    k = 0
    while k < cur[K_NACT]:
        s = active[k]
        st = orders[s, O_STATUS]
        lst = orders[s, O_LSTATUS]
        closed_ex = not is_open(st) and st != ST_NEW
        closed_lo = not is_open(lst) and lst != ST_NEW
        if closed_ex and closed_lo and orders[s, O_PENDING] == 0:
            cur[K_NACT] -= 1
            active[k] = active[cur[K_NACT]]
            for c in range(O_NCOL):
                orders[s, c] = 0
            free[cur[K_NFREE]] = s
            cur[K_NFREE] += 1
        else:
            k += 1
