"""The replay venue: our own orders against a recorded book (compiled).

In replay the recorded events are the market: our orders never move the recorded book.
A passive order learns its fills from the market events at or through its price. The
default fill model ("partial") fills no more than the data shows could have traded
with us; every event's volume (its budget) goes to our orders in price-time priority,
best price first, so one print never fills more of ours in total than it traded:
- a trade (or an L3 execution) at a better price than ours traded through us: we fill
  min(leaves, its size), and nothing is left ahead of us at our price;
- a trade at our price first uses up the quantity ahead of us, then fills us:
  min(leaves, max(size - ahead, 0)); on L3 data, position is exact FIFO (each resting
  order's arrival number says whether a cancel or execution was ahead of us), on L2 data
  a queue model (queue_nb) moves us forward when the level shrinks;
- the opposite side reaching our price without a print (an L2 level or L3 order added
  at or through our price) is new interest that would have met ours first: we fill
  min(leaves, the increase of that level). What already rested there when our order
  arrived was taken by it as a taker, so the recorded crossed quantity is not counted
  again (a snapshot after CLEAR counts as new interest).
As hftbacktest documents its exchanges, PartialFillExchange fills an order in full when
the opposite best reaches its price or a trade prints through it, and partially (by the
trade's remaining size) only when a trade prints at its price with it at the front;
NoPartialFillExchange fills in full in all three cases. The "full" model
(backtest(fill_model="full"), this engine's rule before the cap) is PartialFillExchange's:
through trades and crossings fill the whole remaining size, trades at our price fill
what is left of them after the queue ahead. With one-lot orders all of them agree.
An aggressive order takes liquidity from the recorded levels at their prices (taker),
without removing it from the recorded book (no market impact in replay).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from hftlab.core.specialise import plain_args
from hftlab.engine.accounting_nb import apply_fill, fee_of
from hftlab.core.latency_nb import draw
from hftlab.core.layout import ACT_CANCEL, ERR_QUEUE_FULL, R_FILL, R_REFUSED
from hftlab.schema import Kind, OrderStatus

NO_PRICE = np.iinfo(np.int64).max


@nb.njit(cache=True, inline="always")
def is_open(status):
    return status == OrderStatus.ACCEPTED or status == OrderStatus.PARTIALLY_FILLED


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
    orders[s].status = OrderStatus.CANCELLED
    due = respond(resp, rends, cur, venues, market[orders[s].book].venue, now, rk, s,
                  orders[s].price, orders[s].leaves, OrderStatus.CANCELLED, reason, 0)
    record_order(rec_o, cur, orders, s, ACT_CANCEL, now, due, orders[s].price,
                 orders[s].leaves, OrderStatus.CANCELLED, reason, market)


@plain_args
@nb.njit(cache=True)
def refuse(s, kind, now, price, q, reason, orders, cur, resp, rends, rec_o, venues, market):
    """The venue refuses a cancel / modify of ours (e.g. the order is no longer open)."""
    due = respond(resp, rends, cur, venues, market[orders[s].book].venue, now, R_REFUSED, s,
                  price, q, orders[s].status, reason, 0)
    record_order(rec_o, cur, orders, s, kind, now, due, price, q, OrderStatus.REJECTED, reason,
                 market)


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
    orders[s].status = OrderStatus.FILLED if done else OrderStatus.PARTIALLY_FILLED
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


@nb.njit(cache=True, _nrt=False)
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
    if kind == Kind.TRADE:
        return (side < 0 and price <= bid_hi) or (side > 0 and price >= ask_lo)
    if kind == Kind.STATUS:
        return False
    if kind == Kind.CLEAR:
        return True
    if side > 0:  # our bids' queue or a trade through them; or the bid reaching our asks
        return (price <= bid_hi and (price >= ownr[b].bid_lo or kind == Kind.EXECUTE)) or (
            price >= ask_lo)
    return (price >= ask_lo and (price <= ownr[b].ask_hi or kind == Kind.EXECUTE)) or (
        price <= bid_hi)


@nb.njit(cache=True, inline="always")
def better_or_at(side, op, price):
    """Our order on side at op stands at or better than price (a buyer: op >= price)."""
    return op >= price if side > 0 else op <= price


@nb.njit(cache=True, _nrt=False)
def next_in_priority(b, os_, lo_key, lo_seq, orders, active, cur):
    """Our next open order on book b and side os_ in price-time priority after the one of
    key (lo_key, lo_seq) (key: -side * price, lower first; then arrival number), or -1."""
    best = -1
    bk = NO_PRICE
    bs = NO_PRICE
    for k in range(cur[0].n_active):
        s = active[k]
        if orders[s].book != b or orders[s].side != os_ or not is_open(orders[s].status):
            continue
        key = -os_ * orders[s].price
        sq = orders[s].seq
        if key < lo_key or (key == lo_key and sq <= lo_seq):
            continue
        if key < bk or (key == bk and sq < bs):
            best, bk, bs = s, key, sq
    return best


@nb.njit(cache=True, _nrt=False)
def on_market_event(b, kind, side, price, q, idx, old, new, oseq, now, qfn, qparams, full,
                    orders, active, cur, resp, rends, rec_f, acct, venues,
                    instruments, market, qty, top, base):
    """Update queue positions and fill our passive orders on book b after one market event.

    full: 1 for the all-or-nothing fill model (module docstring), 0 for the capped one.
    First every order at the event's price learns its new queue position; then the
    volume the event shows could have traded with us (its budget) goes to our orders in
    price-time priority, best price first, so one print never fills more of ours than
    it traded.
    """
    na = cur[0].n_active
    # 1. queue positions at the event's price
    for k in range(na):
        s = active[k]
        if orders[s].book != b or not is_open(orders[s].status):
            continue
        os_ = orders[s].side
        op = orders[s].price
        if kind == Kind.TRADE:  # side is the aggressor: a seller hits bids
            if side == 0 or side == os_:
                continue
            if op == price:
                orders[s].ahead -= q
                orders[s].traded += q
            elif better_or_at(os_, op, price):  # traded through: all ahead of us is gone
                orders[s].ahead = min(orders[s].ahead, 0.0)
        elif op == price and idx >= 0 and side == os_:
            if kind == Kind.LEVEL:  # L2 depth change: the queue model decides
                orders[s].ahead = qfn(orders[s].ahead, float(old), float(new),
                                     orders[s].traded, qparams)
                orders[s].traded = 0.0
            elif kind != Kind.ADD and oseq < orders[s].seq:  # L3 removal ahead of us (-1: rested
                orders[s].ahead = max(orders[s].ahead - (old - new), 0.0)  # before the data)
    # 2. what could have traded with us: (our side, budget)
    budget = 0
    os_ = 0
    if kind == Kind.TRADE and side != 0:
        os_ = -side
        budget = q
    elif kind == Kind.EXECUTE and idx >= 0:
        os_ = side  # side is the resting order's
        budget = old - new
    elif (kind == Kind.LEVEL or kind == Kind.ADD) and idx >= 0 and new > old and full == 0:
        os_ = -side  # new interest on the other side at or through our price
        budget = new - old
    if full != 0 and os_ != 0:
        budget = NO_PRICE
    key, sq = -NO_PRICE, -NO_PRICE
    while budget > 0:
        s = next_in_priority(b, os_, key, sq, orders, active, cur)
        if s < 0:
            break
        op = orders[s].price
        key, sq = -os_ * op, orders[s].seq
        if not better_or_at(os_, op, price):
            break  # this and every later order stand behind the event's price
        leaves = orders[s].leaves
        f = 0
        # traded through us, or crossed us
        if op != price or kind == Kind.LEVEL or kind == Kind.ADD:
            f = leaves if full != 0 else min(leaves, budget)
        elif kind == Kind.TRADE:  # whole lots past the front are ours; a fraction stays progress
            f = min(np.int64(np.floor(-orders[s].ahead)), leaves, budget)
            if f >= 1:
                orders[s].ahead += f
            if orders[s].ahead <= -1.0:  # the print went to our better orders
                orders[s].ahead -= np.ceil(orders[s].ahead)
        elif oseq >= orders[s].seq and orders[s].ahead <= 0:  # L3: executed behind us
            f = min(leaves, budget, old - new)
        if f >= 1:
            budget -= f
            fill(s, f, op, True, now, orders, cur, resp, rends, rec_f, acct, venues,
                 instruments, market, qty, top, base)
    if full != 0:
        crossed_fills(b, now, orders, active, cur, resp, rends, rec_f, acct, venues,
                      instruments, market, qty, top, base)


@nb.njit(cache=True, _nrt=False)
def crossed_fills(b, now, orders, active, cur, resp, rends, rec_f, acct, venues, instruments,
                  market, qty, top, base):
    """The all-or-nothing model's crossing rule: an order of ours that the opposite best
    price has reached fills in full at its price."""
    width = qty.shape[2]
    for k in range(cur[0].n_active):
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
        closed_ex = not is_open(st) and st != OrderStatus.NEW
        closed_lo = not is_open(lst) and lst != OrderStatus.NEW
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
