"""The venue's price-time matching engine (compiled): pure kernels over named structures.

State (several books in one state, book = one (venue, instrument)): the order pool, its
FIFO queues and the ladder, as core/pool_nb.py defines them (``orders, head, tail, qty,
top, base, n_resting``; pool_nb also holds the primitives that rest an order, take it
out and write fills and events), and ``ctr[0]`` -- the next order id; every submit
consumes one id, rejected or not. This module is the venue's command handlers on that
state: submit, cancel, modify and the batch ``process``.

Every kernel appends to caller-provided output buffers and returns the new cursors:

- ``fills`` (MATCH_FILL_DTYPE): ts, book, maker_id, taker_id, maker_owner, taker_owner,
  price, qty, maker_side.
- ``events`` (MATCH_EVENT_DTYPE): ts, book, kind, side, price, qty, order_id -- canonical
  market events (schema.Kind): ADD when an order rests, EXECUTE per resting order hit
  (side of the resting order; the aggressor is the other side) -- the only print of a
  visible fill, as in ITCH's order-executed message (TRADE is for L2 data and hidden
  prints), CANCEL for a size decrease, DELETE when a resting order leaves otherwise
  (cancel, self-trade prevention, or loss of priority / price change, which re-ADDs it
  with the same id). Replaying them with ``book_nb.apply_event`` rebuilds the engine's
  ladder exactly.

Each operation returns ``(status, reason, order_id, filled, resting, removed, nf, ne)``:
status is a schema.OrderStatus of the command's outcome or RETRY_CAPACITY /
RETRY_BUFFER (nothing was changed: grow the pool / make room in the buffers and call
again); filled is what the commanded order traded in this call, resting its quantity
left on the book, removed the quantity it lost without trading (cancelled, expired,
size decrease, self-trade prevention). The kernels use schema's IntEnums (OrderStatus,
Reason, Kind, OrderType, TimeInForce) directly; numba compiles their members to constants.

Self-trade prevention (STP) applies between a taker and a resting order with the same
non-zero owner; owner 0 means "anonymous, no STP". Modes: STP_CANCEL_NEWEST (the
incoming order's remainder is cancelled, reason SELF_TRADE), STP_CANCEL_OLDEST (the
resting order is deleted and matching continues), STP_CANCEL_BOTH (both).

Rules, in the order they are checked for a submit: BAD_QTY (qty <= 0); for limit orders
BAD_PRICE (price <= 0) and OUT_OF_BOOK_RANGE (outside the book's window; never
clipped); POST_ONLY_WOULD_CROSS (a post-only limit meeting the opposite best, or any
post-only market order); FOK_NOT_FILLABLE (FOK that cannot fill completely now; STP
counts: under cancel-newest / cancel-both matching would stop at the first own order,
under cancel-oldest own orders are skipped). Rejections trade nothing and change no
order. Then the order trades; a GTC / post-only limit rests its remainder (ACCEPTED or
PARTIALLY_FILLED), market and IOC remainders expire (EXPIRED, reason NO_LIQUIDITY when
nothing traded), and a remainder stopped by STP is CANCELLED with SELF_TRADE.
Modify takes the new price and the new *resting* qty (KEEP = unchanged).

Batch messages (``process``): MESSAGE_DTYPE records (action ACT_SUBMIT / ACT_CANCEL /
ACT_MODIFY, ts, book, owner, side, price, qty, order_type, tif, order_id for cancel /
modify); one RESULT_DTYPE record per message (status, reason, order_id, filled,
resting, removed). A replace is a cancel followed by a submit.

Speed: matching one order against the top level, resting an order and cancelling by
id are O(1); a level that empties makes book_nb.set_level find the next non-empty one
through its occupancy bitmap (a few word reads, whatever the ladder's width). The
kernels never allocate, so they are compiled without numba's reference-counting
runtime (``_nrt=False``): with the runtime, atomic reference counts on the dozen state
arrays at every helper boundary cost about 5x (benchmarks/matching_throughput.py).
Helpers are plain kernels that LLVM inlines where it pays; only the smallest are
inlined by numba itself (its inlining copies a helper's IR into every caller, and
nested, that made ``modify`` alone a 40-second compile). ``submit`` and ``cancel`` (and
their bodies) are inlined into their callers by LLVM (``forceinline=True``): a call passes
every array as its exploded fields, about a hundred words for the state, which cost the
simulated market an eighth of its profile. The other kernels say
``forceinline=False``: numba hands a kernel that does not set it its first caller's value,
and a kernel that reaches book_nb.set_level must not force-inline (its searches would
inherit it).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from hftlab.core import pool_nb as pool
from hftlab.core import rules_nb as rules
from hftlab.core.book_nb import ASK_ROW, BID_ROW, row_of, set_level
from hftlab.core.layout import ACT_CANCEL, ACT_SUBMIT
from hftlab.core.rules_nb import STP_CANCEL_BOTH, STP_CANCEL_NEWEST, STP_CANCEL_OLDEST  # noqa: F401
from hftlab.core.pool_nb import CLOSED, NIL, RESTING, RESTING_POST_ONLY, level_orders  # noqa: F401
from hftlab.core.specialise import plain_args
from hftlab.schema import Kind, OrderStatus, OrderType, Reason, TimeInForce

# statuses beyond schema.OrderStatus: nothing was done, grow the pool / the buffers
RETRY_CAPACITY, RETRY_BUFFER = -1, -2
# "leave unchanged" for modify's price / qty
KEEP = np.iinfo(np.int64).min


@nb.njit(cache=True, _nrt=False, forceinline=False)
def crosses(qty, top, base, b, side, price):
    """True when a limit order at price would meet the opposite best price."""
    width = qty.shape[2]
    if side > 0:
        a = top[b, 1]
        return rules.would_cross(side, False, price, a < width, base[b] + a)
    bb = top[b, 0]
    return rules.would_cross(side, False, price, bb >= 0, base[b] + bb)


@nb.njit(cache=True, _nrt=False, forceinline=False)
def _fillable(orders, head, qty, top, base, b, side, price, is_market, need, owner, stp_mode):
    """Whether a FOK order could trade `need` lots now, STP included (reads only)."""
    width = qty.shape[2]
    orow = ASK_ROW if side > 0 else BID_ROW
    step = 1 if side > 0 else -1
    i = top[b, orow]
    avail = 0
    while 0 <= i < width:
        px = base[b] + i
        if not is_market and not rules.reaches(side, price, px):
            break
        if qty[b, orow, i] > 0:
            if owner == 0:
                avail += qty[b, orow, i]
                if rules.fok_can_fill(avail, need):
                    return True
            else:
                m = head[b, orow, i]
                while m != NIL:
                    if orders[m].owner == owner:
                        if not rules.fok_skips_own(stp_mode):
                            return False  # matching would stop here with avail < need
                    else:
                        avail += orders[m].qty
                        if rules.fok_can_fill(avail, need):
                            return True
                    m = orders[m].next
        i += step
    return False


@plain_args
@nb.njit(cache=True, _nrt=False, forceinline=False)
def _match(orders, head, tail, qty, top, base, n_resting, b, taker, side, price, is_market,
           rem, owner, stp_mode, ts, fills, nf, events, ne):
    """Trade `rem` lots of taker against the opposite side in price-time order.

    Returns (rem, filled, stp_stopped, nf, ne). O(1) per fill; a level that empties
    makes set_level look up the next non-empty one in its occupancy bitmap.
    """
    width = qty.shape[2]
    orow = ASK_ROW if side > 0 else BID_ROW
    mside = -side
    filled = 0
    while rem > 0:
        i = top[b, orow]
        if i < 0 or i >= width:
            break
        px = base[b] + i
        if not is_market and not rules.reaches(side, price, px):
            break
        m = head[b, orow, i]
        if owner != 0 and orders[m].owner == owner:
            cancel_resting, stop_taker = rules.stp_action(stp_mode)
            if not cancel_resting:
                return rem, filled, True, nf, ne
            mq = pool.take_out(orders, head, tail, qty, top, base, n_resting, m)
            ne = pool.emit(events, ne, ts, b, Kind.DELETE, mside, px, mq, m)
            if stop_taker:
                return rem, filled, True, nf, ne
            continue
        mq = orders[m].qty
        t = min(mq, rem)
        nf = pool.fill(fills, nf, ts, b, m, taker, orders[m].owner, owner, px, t, mside)
        ne = pool.emit(events, ne, ts, b, Kind.EXECUTE, mside, px, t, m)
        rem -= t
        filled += t
        if t == mq:
            pool.take_out(orders, head, tail, qty, top, base, n_resting, m)
        else:
            orders[m].qty = mq - t
            set_level(qty, top, b, orow, i, qty[b, orow, i] - t)
    return rem, filled, False, nf, ne


@nb.njit(cache=True, inline="always", _nrt=False)
def _room(fills, nf, events, ne, n_opp, extra_events):
    """Whether the buffers can hold the worst case: every opposite order hit once."""
    return fills.shape[0] - nf >= n_opp and events.shape[0] - ne >= 2 * n_opp + extra_events


@nb.njit(cache=True, _nrt=False, forceinline=False)
def check_price(qty, base, b, price):
    if price <= 0:
        return Reason.BAD_PRICE
    i = price - base[b]
    if i < 0 or i >= qty.shape[2]:
        return Reason.OUT_OF_BOOK_RANGE
    return Reason.NONE


@plain_args
@nb.njit(cache=True, _nrt=False, forceinline=False)
def _settle(orders, head, tail, qty, top, base, n_resting, oid, rem, filled, stp_stopped,
            can_rest, state, removed, ts, nf, events, ne):
    """Decide what happens to a taker's remainder: done, cancelled (STP), rests or expires."""
    b = orders[oid].book
    st, reason = rules.remainder_outcome(rem, filled, stp_stopped, can_rest)
    if rem == 0:
        return st, reason, oid, filled, 0, removed, nf, ne
    if st == OrderStatus.ACCEPTED or st == OrderStatus.PARTIALLY_FILLED:
        orders[oid].qty = rem
        pool.rest(orders, head, tail, qty, top, base, n_resting, oid, state)
        ne = pool.emit(events, ne, ts, b, Kind.ADD, orders[oid].side, orders[oid].price, rem, oid)
        return st, reason, oid, filled, rem, removed, nf, ne
    return st, reason, oid, filled, 0, removed + rem, nf, ne


@nb.njit(cache=True, _nrt=False, forceinline=True)
def _submit(orders, head, tail, qty, top, base, n_resting, ctr, b, owner, side, price, q,
           order_type, tif, stp_mode, ts, fills, nf, events, ne):
    """Body of ``submit``, called by ``process`` as well."""
    oid = ctr[0]
    if oid >= orders.shape[0]:
        return RETRY_CAPACITY, Reason.TOO_MANY_ORDERS, 0, 0, 0, 0, nf, ne
    n_books = qty.shape[0]
    valid_book = 0 <= b < n_books
    if valid_book and not _room(fills, nf, events, ne, n_resting[b, row_of(-side)], 1):
        return RETRY_BUFFER, Reason.NONE, 0, 0, 0, 0, nf, ne
    ctr[0] = oid + 1
    o = orders[oid]
    o.price = price
    o.qty = 0
    o.side = side
    o.owner = owner
    o.book = b
    o.prev = NIL
    o.next = NIL
    o.state = CLOSED
    if not valid_book:
        return OrderStatus.REJECTED, Reason.UNKNOWN_INSTRUMENT, oid, 0, 0, 0, nf, ne
    if q <= 0:
        return OrderStatus.REJECTED, Reason.BAD_QTY, oid, 0, 0, 0, nf, ne
    is_market = order_type == OrderType.MARKET
    if not is_market:
        reason = check_price(qty, base, b, price)
        if reason != Reason.NONE:
            return OrderStatus.REJECTED, reason, oid, 0, 0, 0, nf, ne
    if tif == TimeInForce.POST_ONLY and rules.post_only_reject(
            is_market, crosses(qty, top, base, b, side, price)):
        return OrderStatus.REJECTED, Reason.POST_ONLY_WOULD_CROSS, oid, 0, 0, 0, nf, ne
    if tif == TimeInForce.FOK and not _fillable(orders, head, qty, top, base, b, side, price,
                                                is_market, q, owner, stp_mode):
        return OrderStatus.REJECTED, Reason.FOK_NOT_FILLABLE, oid, 0, 0, 0, nf, ne
    rem, filled, stp_stopped = q, 0, False
    if is_market or crosses(qty, top, base, b, side, price):  # else nothing to match
        rem, filled, stp_stopped, nf, ne = _match(orders, head, tail, qty, top, base,
                                                  n_resting, b, oid, side, price, is_market,
                                                  q, owner, stp_mode, ts, fills, nf, events,
                                                  ne)
    can_rest = rules.can_rest(is_market, tif)
    state = RESTING_POST_ONLY if tif == TimeInForce.POST_ONLY else RESTING
    return _settle(orders, head, tail, qty, top, base, n_resting, oid, rem, filled,
                   stp_stopped, can_rest, state, 0, ts, nf, events, ne)


@nb.njit(cache=True, inline="always", _nrt=False)
def _is_open(orders, ctr, oid):
    return 0 < oid < ctr[0] and orders[oid].state != CLOSED


@nb.njit(cache=True, _nrt=False, forceinline=True)
def _cancel(orders, head, tail, qty, top, base, n_resting, ctr, oid, ts, fills, nf, events,
           ne):
    """Body of ``cancel``, called by ``process`` as well."""
    if not _is_open(orders, ctr, oid):
        return OrderStatus.REJECTED, Reason.UNKNOWN_ORDER, oid, 0, 0, 0, nf, ne
    if events.shape[0] - ne < 1:
        return RETRY_BUFFER, Reason.NONE, oid, 0, 0, 0, nf, ne
    side = orders[oid].side
    price = orders[oid].price
    b = orders[oid].book
    q = pool.take_out(orders, head, tail, qty, top, base, n_resting, oid)
    ne = pool.emit(events, ne, ts, b, Kind.DELETE, side, price, q, oid)
    return OrderStatus.CANCELLED, Reason.NONE, oid, 0, 0, q, nf, ne


@nb.njit(cache=True, _nrt=False, forceinline=False)
def _modify(orders, head, tail, qty, top, base, n_resting, ctr, oid, new_price, new_qty,
           stp_mode, ts, fills, nf, events, ne):
    """Change the price and / or the resting qty of order oid (KEEP leaves one unchanged).

    A size decrease at the same price keeps time priority (CANCEL event). A size
    increase or a price change loses it: the order leaves (DELETE) and re-enters with
    the same id at the back of the queue (ADD); a new price may cross and trade first,
    as a GTC taker with the order's owner (STP applies). A post-only order is not
    allowed to move to a crossing price (POST_ONLY_WOULD_CROSS, order unchanged).
    A rejected modify leaves the order as it was.
    """
    if not _is_open(orders, ctr, oid):
        return OrderStatus.REJECTED, Reason.UNKNOWN_ORDER, oid, 0, 0, 0, nf, ne
    b = orders[oid].book
    side = orders[oid].side
    old_px = orders[oid].price
    old_q = orders[oid].qty
    state = orders[oid].state
    owner = orders[oid].owner
    px = old_px if new_price == KEEP else new_price
    nq = old_q if new_qty == KEEP else new_qty
    if nq <= 0:
        return OrderStatus.REJECTED, Reason.BAD_QTY, oid, 0, old_q, 0, nf, ne
    reason = check_price(qty, base, b, px)
    if reason != Reason.NONE:
        return OrderStatus.REJECTED, reason, oid, 0, old_q, 0, nf, ne
    if not _room(fills, nf, events, ne, n_resting[b, row_of(-side)], 2):
        return RETRY_BUFFER, Reason.NONE, oid, 0, 0, 0, nf, ne
    if px == old_px:
        if nq == old_q:
            return OrderStatus.ACCEPTED, Reason.NONE, oid, 0, old_q, 0, nf, ne
        row = row_of(side)
        i = px - base[b]
        if rules.modify_keeps_priority(old_px, old_q, px, nq):
            orders[oid].qty = nq
            set_level(qty, top, b, row, i, qty[b, row, i] - (old_q - nq))
            ne = pool.emit(events, ne, ts, b, Kind.CANCEL, side, px, old_q - nq, oid)
            return OrderStatus.ACCEPTED, Reason.NONE, oid, 0, nq, old_q - nq, nf, ne
        pool.take_out(orders, head, tail, qty, top, base, n_resting, oid)
        ne = pool.emit(events, ne, ts, b, Kind.DELETE, side, px, old_q, oid)
        orders[oid].qty = nq
        pool.rest(orders, head, tail, qty, top, base, n_resting, oid, state)
        ne = pool.emit(events, ne, ts, b, Kind.ADD, side, px, nq, oid)
        return OrderStatus.ACCEPTED, Reason.NONE, oid, 0, nq, 0, nf, ne
    if state == RESTING_POST_ONLY and crosses(qty, top, base, b, side, px):
        return OrderStatus.REJECTED, Reason.POST_ONLY_WOULD_CROSS, oid, 0, old_q, 0, nf, ne
    pool.take_out(orders, head, tail, qty, top, base, n_resting, oid)
    ne = pool.emit(events, ne, ts, b, Kind.DELETE, side, old_px, old_q, oid)
    orders[oid].price = px
    rem, filled, stp_stopped, nf, ne = _match(orders, head, tail, qty, top, base, n_resting,
                                              b, oid, side, px, False, nq, owner, stp_mode,
                                              ts, fills, nf, events, ne)
    decrease = old_q - nq if nq < old_q else 0
    return _settle(orders, head, tail, qty, top, base, n_resting, oid, rem, filled,
                   stp_stopped, True, state, decrease, ts, nf, events, ne)


@nb.njit(cache=True, _nrt=False, forceinline=True)
def submit(orders, head, tail, qty, top, base, n_resting, ctr, b, owner, side, price, q,
           order_type, tif, stp_mode, ts, fills, nf, events, ne):
    """A new order (limit or market, GTC / IOC / FOK / POST_ONLY) into book b.

    Market orders never rest (GTC and IOC both expire the remainder) and are rejected
    as POST_ONLY. side is +1 buy / -1 sell, price in ticks (ignored for market), q lots.
    """
    return _submit(orders, head, tail, qty, top, base, n_resting, ctr, b, owner, side, price,
                   q, order_type, tif, stp_mode, ts, fills, nf, events, ne)


@nb.njit(cache=True, _nrt=False, forceinline=True)
def cancel(orders, head, tail, qty, top, base, n_resting, ctr, oid, ts, fills, nf, events,
           ne):
    """Cancel resting order oid entirely (DELETE event); UNKNOWN_ORDER if it is not open."""
    return _cancel(orders, head, tail, qty, top, base, n_resting, ctr, oid, ts, fills, nf,
                   events, ne)


@nb.njit(cache=True, _nrt=False, forceinline=False)
def modify(orders, head, tail, qty, top, base, n_resting, ctr, oid, new_price, new_qty,
           stp_mode, ts, fills, nf, events, ne):
    """Change the price and / or resting qty of order oid (KEEP leaves one unchanged).

    Rules as for _modify; a rejected modify leaves the order as it was.
    """
    return _modify(orders, head, tail, qty, top, base, n_resting, ctr, oid, new_price,
                   new_qty, stp_mode, ts, fills, nf, events, ne)


@nb.njit(cache=True, _nrt=False, forceinline=False)
def process(msgs, start, results, orders, head, tail, qty, top, base, n_resting, ctr,
            stp_mode, fills, nf, events, ne):
    """Run messages msgs[start:] (MESSAGE_DTYPE) in order, writing results[k] per message.

    Stops early when a message needs a bigger pool or more buffer room (state untouched
    for that message). Returns (next message index, code, nf, ne) with code 0 when all
    were processed, else RETRY_CAPACITY / RETRY_BUFFER.
    """
    n = msgs.shape[0]
    k = start
    while k < n:
        m = msgs[k]
        if m.action == ACT_SUBMIT:
            r = _submit(orders, head, tail, qty, top, base, n_resting, ctr, m.book, m.owner,
                        m.side, m.price, m.qty, m.order_type, m.tif, stp_mode, m.ts, fills, nf,
                        events, ne)
        elif m.action == ACT_CANCEL:
            r = _cancel(orders, head, tail, qty, top, base, n_resting, ctr, m.order_id, m.ts,
                        fills, nf, events, ne)
        else:
            r = _modify(orders, head, tail, qty, top, base, n_resting, ctr, m.order_id,
                        m.price, m.qty, stp_mode, m.ts, fills, nf, events, ne)
        if r[0] < 0:
            return k, r[0], nf, ne
        out = results[k]
        out.status = r[0]
        out.reason = r[1]
        out.order_id = r[2]
        out.filled = r[3]
        out.resting = r[4]
        out.removed = r[5]
        nf = r[6]
        ne = r[7]
        k += 1
    return k, 0, nf, ne
