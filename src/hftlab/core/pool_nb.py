"""The order pool of the venue's matching engine (compiled): its state and the primitives
the command handlers (core/matching_nb.py) and the trading halt (core/halt_nb.py) share.

State (several books in one state, book = one (venue, instrument); the record dtypes are
core/layout.py's, all fields int64):

- ``orders`` -- the order pool, (capacity,) of MATCH_ORDER_DTYPE; the row of an order is
  its id (ids start at 1, row 0 is never used): price (ticks), qty (lots still resting; 0
  once closed), side (+1 buy / -1 sell), owner, book, prev / next (FIFO neighbours at the
  same price, NIL at the ends) and state (CLOSED, RESTING, RESTING_POST_ONLY).
- ``head[b, row, i]`` / ``tail[b, row, i]`` -- first / last order id of the FIFO queue at
  price ``base[b] + i`` on side row (0 bids, 1 asks), NIL when the level is empty.
- ``qty[b, row, i]``, ``top[b, 2]``, ``base[b]`` -- the aggregate ladder of book_nb, kept
  with ``book_nb.set_level`` so ``book_nb.depth`` works on it.
- ``n_resting[b, row]`` -- number of resting orders per book side (bounds output sizes).

The primitives keep the queues, the ladder and n_resting in step (``rest``, ``take_out``,
O(1) each) and write one fill / event record (``emit``, ``fill``). Compiled without the
runtime (``_nrt=False``) like matching_nb. ``rest`` and ``take_out``, called for most
messages, are inlined into their callers (numba IR): a call copied its seven arrays,
some 60 words (2 % of a live backtest, perf 2026-12-08). The others say
``forceinline=False``, so they are not force-inlined by inheritance from a caller that
is (nor are rest's and take_out's callees, which IR inlining does not touch).
"""

from __future__ import annotations

import numba as nb

from hftlab.core.book_nb import row_of, set_level

# the state field, and NIL for no neighbour / an empty level
CLOSED, RESTING, RESTING_POST_ONLY = 0, 1, 2
NIL = -1


@nb.njit(cache=True, inline="always", _nrt=False)
def emit(events, ne, ts, b, kind, side, price, q, oid):
    """Write events[ne] (a MATCH_EVENT_DTYPE record); returns ne + 1."""
    e = events[ne]
    e.ts = ts
    e.book = b
    e.kind = kind
    e.side = side
    e.price = price
    e.qty = q
    e.order_id = oid
    return ne + 1


@nb.njit(cache=True, inline="always", _nrt=False)
def fill(fills, nf, ts, b, maker, taker, maker_owner, taker_owner, price, q, maker_side):
    """Write fills[nf] (a MATCH_FILL_DTYPE record); returns nf + 1."""
    f = fills[nf]
    f.ts = ts
    f.book = b
    f.maker_id = maker
    f.taker_id = taker
    f.maker_owner = maker_owner
    f.taker_owner = taker_owner
    f.price = price
    f.qty = q
    f.maker_side = maker_side
    return nf + 1


@nb.njit(cache=True, _nrt=False, forceinline=False)
def link_back(orders, head, tail, b, row, i, oid):
    """Append order oid to the FIFO queue of level i of side row of book b."""
    t = tail[b, row, i]
    orders[oid].prev = t
    orders[oid].next = NIL
    if t == NIL:
        head[b, row, i] = oid
    else:
        orders[t].next = oid
    tail[b, row, i] = oid


@nb.njit(cache=True, _nrt=False, forceinline=False)
def unlink(orders, head, tail, b, row, i, oid):
    """Remove order oid from the FIFO queue of level i of side row of book b."""
    p = orders[oid].prev
    n = orders[oid].next
    if p == NIL:
        head[b, row, i] = n
    else:
        orders[p].next = n
    if n == NIL:
        tail[b, row, i] = p
    else:
        orders[n].prev = p
    orders[oid].prev = NIL
    orders[oid].next = NIL


@nb.njit(cache=True, inline="always", _nrt=False)
def rest(orders, head, tail, qty, top, base, n_resting, oid, state):
    """Queue order oid at the back of its price level and add it to the ladder."""
    b = orders[oid].book
    row = row_of(orders[oid].side)
    i = orders[oid].price - base[b]
    link_back(orders, head, tail, b, row, i, oid)
    set_level(qty, top, b, row, i, qty[b, row, i] + orders[oid].qty)
    orders[oid].state = state
    n_resting[b, row] += 1


@nb.njit(cache=True, inline="always", _nrt=False)
def take_out(orders, head, tail, qty, top, base, n_resting, oid):
    """Remove resting order oid from its queue and the ladder; returns its resting qty."""
    b = orders[oid].book
    row = row_of(orders[oid].side)
    i = orders[oid].price - base[b]
    q = orders[oid].qty
    unlink(orders, head, tail, b, row, i, oid)
    set_level(qty, top, b, row, i, qty[b, row, i] - q)
    orders[oid].qty = 0
    orders[oid].state = CLOSED
    n_resting[b, row] -= 1
    return q


@nb.njit(cache=True, _nrt=False, forceinline=False)
def level_orders(orders, head, b, row, i, out):
    """Write the FIFO queue at (b, row, i) into out (ids, front first); returns the count."""
    n = 0
    m = head[b, row, i]
    while m != NIL:
        out[n] = m
        n += 1
        m = orders[m].next
    return n
