"""Compiled order books: dense price ladders per book plus an L3 order map.

A book is one (venue, instrument). All books of a run share 2-D arrays of shape
(n_books, width): ``qty[b, side_row, i]`` is the aggregate resting quantity (lots) at
price ``base[b] + i`` ticks. ``top[b, 0]`` is the index of the best bid (-1 when the bid
side is empty) and ``top[b, 1]`` the index of the best ask (``width`` when empty).

Occupancy index: the rest of a ``top`` row made by :func:`new_books` (``top[b, 2:]``,
``index_columns(width)`` int64 words) is, per side, a three-level bitmap of the ladder's
non-empty levels: bit i of level 1 is set when index i holds quantity, bit w of level 2
when level-1 word w is not zero, bit v of level 3 when level-2 word v is not zero. When
the best level of a side empties, the next one is found through the bitmap in a few word
reads, plus a linear pass over ``width / 2**18`` level-3 words, so the cost no longer
grows with the empty ticks between them (a Binance capture with stray quotes from 560 to
621,369 USDT makes 12.4 M-tick ladders; a one-level bookTicker book empties a side at
every price change). A plain ``(n_books, 2)`` top (no index) is still accepted and
searched tick by tick, for small ladders built elsewhere.
L3 events keep a typed dict ``(book, order_id) -> (side, price, qty, seq)`` where seq is
the order's arrival number, which gives exact FIFO queue position for our own orders.

Every function is a pure kernel over these arrays (no hidden state). The searches for
the next level are compiled without numba's reference-counting runtime (``_nrt=False``:
they never allocate, and the runtime's atomic counts on their arrays cost more than the
search), so are their callers in the replay loop and the matching engine; apply_event
keeps it for the order map.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numba import types
from numba.cpython.unsafe.numbers import leading_zeros, trailing_zeros
from numba.typed import Dict

from hftlab.core.pages import lazy_zeros
from hftlab.core.specialise import plain_args
from hftlab.schema import Kind

BID_ROW, ASK_ROW = 0, 1

# error codes returned by apply_event (0 = ok)
ERR_RANGE = 1  # price outside the book's window
ERR_UNKNOWN_ORDER_QTY = 2  # L3 cancel/execute for more than the order's resting qty
WARN_NEGATIVE_LEVEL = 3  # the event removed more than the level showed; level set to 0

ORDER_KEY = types.UniTuple(types.int64, 2)
ORDER_VAL = types.UniTuple(types.int64, 4)


def new_order_map() -> Dict:
    """An empty L3 order map (book, order_id) -> (side, price, qty, seq)."""
    return Dict.empty(key_type=ORDER_KEY, value_type=ORDER_VAL)


def index_columns(width: int) -> int:
    """Columns of a top row after the two best indexes: both sides' occupancy bitmaps."""
    n1 = (width + 63) >> 6
    n2 = (n1 + 63) >> 6
    return 2 * (n1 + n2 + ((n2 + 63) >> 6))


def new_books(n_books: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Zeroed ladders (n_books, 2, width) and tops (n_books, 2 + index_columns(width)) for
    empty books (the best indexes, then the zeroed occupancy index). The ladders' memory
    is mapped where levels are written (core/pages.py): a wide price range costs only
    the levels used."""
    qty = lazy_zeros((n_books, 2, width), np.int64)
    top = lazy_zeros((n_books, 2 + index_columns(width)), np.int64)
    top[:, 0] = -1
    top[:, 1] = width
    return qty, top


@nb.njit(cache=True, inline="always")
def _offsets(width, row):
    """Columns of side row's level-1, -2 and -3 bitmap words in a top row."""
    n1 = (width + 63) >> 6
    n2 = (n1 + 63) >> 6
    o1 = 2 + row * (n1 + n2 + ((n2 + 63) >> 6))
    return o1, o1 + n1, o1 + n1 + n2


@nb.njit(cache=True, inline="always")
def _hi(x, k):
    """Highest set bit of word x at a position <= k (0..63), or -1."""
    if k < 63:
        x &= (np.int64(1) << (k + 1)) - 1
    if x == 0:
        return -1
    return 63 - leading_zeros(x)


@nb.njit(cache=True, inline="always")
def _lo(x, k):
    """Lowest set bit of word x at a position >= k (0..63), or 64."""
    x &= np.int64(-1) << k
    if x == 0:
        return 64
    return trailing_zeros(x)


@nb.njit(cache=True, inline="always")
def _mark(top, b, o1, o2, o3, i, occupied):
    """Set (occupied) or clear bit i of a side's bitmap, keeping the upper levels right."""
    w = i >> 6
    old = top[b, o1 + w]
    if occupied:
        top[b, o1 + w] = old | (np.int64(1) << (i & 63))
        if old == 0:
            v = w >> 6
            old2 = top[b, o2 + v]
            top[b, o2 + v] = old2 | (np.int64(1) << (w & 63))
            if old2 == 0:
                top[b, o3 + (v >> 6)] |= np.int64(1) << (v & 63)
    else:
        new = old & ~(np.int64(1) << (i & 63))
        top[b, o1 + w] = new
        if new == 0 and old != 0:
            v = w >> 6
            new2 = top[b, o2 + v] & ~(np.int64(1) << (w & 63))
            top[b, o2 + v] = new2
            if new2 == 0:
                top[b, o3 + (v >> 6)] &= ~(np.int64(1) << (v & 63))


@plain_args
@nb.njit(cache=True, _nrt=False)
def _find_le(top, b, o1, o2, o3, j):
    """Highest occupied index <= j of a side through its bitmap, or -1."""
    if j < 0:
        return -1
    w = j >> 6
    x = _hi(top[b, o1 + w], j & 63)
    if x >= 0:
        return (w << 6) | x
    w -= 1  # the highest non-empty level-1 word below w
    if w < 0:
        return -1
    v = w >> 6
    x = _hi(top[b, o2 + v], w & 63)
    if x < 0:
        v -= 1
        if v < 0:
            return -1
        u = v >> 6
        y = _hi(top[b, o3 + u], v & 63)
        while y < 0:
            u -= 1
            if u < 0:
                return -1
            y = _hi(top[b, o3 + u], 63)
        v = (u << 6) | y
        x = _hi(top[b, o2 + v], 63)
    w = (v << 6) | x
    return (w << 6) | _hi(top[b, o1 + w], 63)


@plain_args
@nb.njit(cache=True, _nrt=False)
def _find_ge(top, b, o1, o2, o3, j, width):
    """Lowest occupied index >= j of a side through its bitmap, or width."""
    if j >= width:
        return width
    n1 = o2 - o1
    n2 = o3 - o2
    n3 = (n2 + 63) >> 6
    w = j >> 6
    x = _lo(top[b, o1 + w], j & 63)
    if x < 64:
        return (w << 6) | x
    w += 1  # the lowest non-empty level-1 word above w
    if w >= n1:
        return width
    v = w >> 6
    x = _lo(top[b, o2 + v], w & 63)
    if x == 64:
        v += 1
        if v >= n2:
            return width
        u = v >> 6
        y = _lo(top[b, o3 + u], v & 63)
        while y == 64:
            u += 1
            if u >= n3:
                return width
            y = _lo(top[b, o3 + u], 0)
        v = (u << 6) | y
        x = _lo(top[b, o2 + v], 0)
    w = (v << 6) | x
    return (w << 6) | _lo(top[b, o1 + w], 0)


@plain_args
@nb.njit(cache=True, _nrt=False)
def next_below(qty, top, b, i):
    """Index of the highest non-empty bid level below index i, or -1."""
    if top.shape[1] > 2:
        o1, o2, o3 = _offsets(qty.shape[2], BID_ROW)
        return _find_le(top, b, o1, o2, o3, i - 1)
    j = i - 1
    while j >= 0 and qty[b, BID_ROW, j] == 0:
        j -= 1
    return j


@plain_args
@nb.njit(cache=True, _nrt=False)
def next_above(qty, top, b, i):
    """Index of the lowest non-empty ask level above index i, or width."""
    width = qty.shape[2]
    if top.shape[1] > 2:
        o1, o2, o3 = _offsets(width, ASK_ROW)
        return _find_ge(top, b, o1, o2, o3, i + 1, width)
    j = i + 1
    while j < width and qty[b, ASK_ROW, j] == 0:
        j += 1
    return j


@nb.njit(cache=True, inline="always")
def row_of(side):
    return BID_ROW if side > 0 else ASK_ROW


# inlined: once per replayed event; as calls, this and host_nb.deliver cost ~10 % (measured)
@nb.njit(cache=True, inline="always")
def set_level(qty, top, b, row, i, new_qty):
    """Set the aggregate at index i of a side and keep the top of book (and its occupancy
    index, when top has one) right. Returns old qty.

    With an index, a level whose bit is clear is known to be empty (levels are never
    negative: this is their only writer and its callers clamp at 0) and is not read: on
    a ladder's lazily mapped memory (core/pages.py) reading a page never written maps the
    shared zero page and the write then faults a second time (Binance spot capture: 6,000
    of a replay's 11,500 page faults, about 1.6 us each, were its two ladders')."""
    if top.shape[1] > 2:
        o1, o2, o3 = _offsets(qty.shape[2], row)
        held = ((top[b, o1 + (i >> 6)] >> (i & 63)) & 1) != 0
        old = qty[b, row, i] if held else np.int64(0)
        qty[b, row, i] = new_qty
        if held != (new_qty > 0):
            _mark(top, b, o1, o2, o3, i, new_qty > 0)
    else:
        old = qty[b, row, i]
        qty[b, row, i] = new_qty
    if row == BID_ROW:
        if new_qty > 0:
            if i > top[b, 0]:
                top[b, 0] = i
        elif i == top[b, 0]:
            top[b, 0] = next_below(qty, top, b, i)
    else:
        if new_qty > 0:
            if i < top[b, 1]:
                top[b, 1] = i
        elif i == top[b, 1]:
            top[b, 1] = next_above(qty, top, b, i)
    return old


@plain_args
@nb.njit(cache=True)
def clear_book(qty, top, b):
    """Empty book b. With an occupancy index only the occupied levels are visited."""
    width = qty.shape[2]
    if top.shape[1] > 2:
        while top[b, 0] >= 0:
            set_level(qty, top, b, BID_ROW, top[b, 0], 0)
        while top[b, 1] < width:
            set_level(qty, top, b, ASK_ROW, top[b, 1], 0)
        return
    for row in range(2):
        for i in range(width):
            qty[b, row, i] = 0
    top[b, 0] = -1
    top[b, 1] = width


@plain_args
@nb.njit(cache=True)
def clear_orders(orders, b):
    """Drop every L3 order of book b from the map."""
    dead = []
    for k in orders.keys():
        if k[0] == b:
            dead.append(k)
    for k in dead:
        del orders[k]


@nb.njit(cache=True, inline="always")
def apply_l2(qty, top, base, b, kind, side, price, q):
    """apply_event for LEVEL and TRADE events, which never need the L3 order map."""
    if kind == Kind.TRADE:
        return 0, -1, 0, 0, -1
    i = price - base[b]
    if i < 0 or i >= qty.shape[2]:
        return ERR_RANGE, -1, 0, 0, -1
    old = set_level(qty, top, b, row_of(side), i, q)
    return 0, i, old, q, -1


@nb.njit(cache=True, inline="always")
def apply_delta(qty, top, base, b, kind, side, price, q, seq):
    """apply_event for an ADD, CANCEL, DELETE or EXECUTE without an order id (0), which
    needs no order map: the event's size enters or leaves its level. It runs without the
    reference-counting runtime the map's dict needs (a simulated market's events carry no
    ids: about a tenth of a live backtest's time was that runtime)."""
    i = price - base[b]
    if i < 0 or i >= qty.shape[2]:
        return ERR_RANGE, -1, 0, 0, -1
    row = row_of(side)
    old = qty[b, row, i]
    if kind == Kind.ADD:
        set_level(qty, top, b, row, i, old + q)
        return 0, i, old, old + q, seq
    new = old - q
    if new < 0:  # the data removed more than was shown: callers count these
        set_level(qty, top, b, row, i, 0)
        return WARN_NEGATIVE_LEVEL, i, old, 0, -1
    set_level(qty, top, b, row, i, new)
    return 0, i, old, new, -1


@plain_args
# _nrt set, not inherited from loop_nb.step: the L3 order map (a typed dict) needs it
@nb.njit(cache=True, _nrt=True)
def apply_event(qty, top, base, orders, b, kind, side, price, q, oid, seq):
    """Apply one market event to book b.

    Returns (err, index, old_level_qty, new_level_qty, order_seq): the ladder index and
    aggregate before / after at the touched price, and for L3 events the arrival number
    of the order touched (-1 if the order was not in the map, i.e. it predates the data).
    Kind.TRADE and Kind.STATUS do not change the ladder (index -1).
    """
    width = qty.shape[2]
    if kind == Kind.TRADE or kind == Kind.STATUS:
        return 0, -1, 0, 0, -1
    if kind == Kind.CLEAR:
        clear_book(qty, top, b)
        clear_orders(orders, b)
        return 0, -1, 0, 0, -1
    if kind == Kind.LEVEL:
        return apply_l2(qty, top, base, b, kind, side, price, q)
    if oid == 0:
        return apply_delta(qty, top, base, b, kind, side, price, q, seq)
    i = price - base[b]
    if i < 0 or i >= width:
        return ERR_RANGE, -1, 0, 0, -1
    row = row_of(side)
    old = qty[b, row, i]
    key = (b, np.int64(oid))
    if kind == Kind.ADD:
        set_level(qty, top, b, row, i, old + q)
        orders[key] = (side, price, q, seq)
        return 0, i, old, old + q, seq
    # CANCEL (partial), DELETE, EXECUTE: the event carries price and qty, so the ladder
    # stays right even for orders that rested before the data began.
    oseq = -1
    dq = q
    if key in orders:
        o = orders[key]
        oseq = o[3]
        if kind == Kind.DELETE:
            # the event's size where the source gives one (LOBSTER: the size that leaves
            # the visible book), else what the order map holds (ITCH's D has no size)
            dq = min(q, o[2]) if q > 0 else o[2]
        elif q > o[2]:
            return ERR_UNKNOWN_ORDER_QTY, i, old, old, oseq
        left = o[2] - dq
        if left <= 0:
            del orders[key]
        else:
            orders[key] = (o[0], o[1], left, o[3])
    new = old - dq
    if new < 0:  # the data removed more than was shown: callers count these
        set_level(qty, top, b, row, i, 0)
        return WARN_NEGATIVE_LEVEL, i, old, 0, oseq
    set_level(qty, top, b, row, i, new)
    return 0, i, old, new, oseq


@nb.njit(cache=True)
def depth(qty, top, base, b, levels, out_px, out_qty):
    """Fill the best `levels` non-empty levels of book b, bids in row 0 and asks in row 1.

    out_px / out_qty have shape (2, levels); empty levels get price -1 and qty 0.
    """
    width = qty.shape[2]
    n = 0
    i = top[b, 0]
    while n < levels and i >= 0:
        out_px[0, n] = base[b] + i
        out_qty[0, n] = qty[b, BID_ROW, i]
        n += 1
        i = next_below(qty, top, b, i)
    for k in range(n, levels):
        out_px[0, k] = -1
        out_qty[0, k] = 0
    n = 0
    i = top[b, 1]
    while n < levels and i < width:
        out_px[1, n] = base[b] + i
        out_qty[1, n] = qty[b, ASK_ROW, i]
        n += 1
        i = next_above(qty, top, b, i)
    for k in range(n, levels):
        out_px[1, k] = -1
        out_qty[1, k] = 0


@nb.njit(cache=True, _nrt=False)
def depth_lots(qty, top, b, levels):
    """Lots resting on the best `levels` non-empty levels of both sides of book b: the sizes
    depth lists, summed on the walk with no array made (so a caller compiled without numba's
    reference-counting runtime, a maker's step, can use it)."""
    lots = 0
    n, i = 0, top[b, 0]
    while n < levels and i >= 0:
        lots += qty[b, BID_ROW, i]
        n += 1
        i = next_below(qty, top, b, i)
    n, i = 0, top[b, 1]
    while n < levels and i < qty.shape[2]:
        lots += qty[b, ASK_ROW, i]
        n += 1
        i = next_above(qty, top, b, i)
    return lots
