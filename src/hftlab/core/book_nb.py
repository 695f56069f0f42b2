"""Compiled order books: dense price ladders per book plus an L3 order map.

A book is one (venue, instrument). All books of a run share 2-D arrays of shape
(n_books, width): ``qty[b, side_row, i]`` is the aggregate resting quantity (lots) at
price ``base[b] + i`` ticks. ``top[b, 0]`` is the index of the best bid (-1 when the bid
side is empty) and ``top[b, 1]`` the index of the best ask (``width`` when empty).
L3 events keep a typed dict ``(book, order_id) -> (side, price, qty, seq)`` where seq is
the order's arrival number, which gives exact FIFO queue position for our own orders.

Every function is a pure kernel over these arrays (no hidden state).
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numba import types
from numba.typed import Dict

# kinds (schema.Kind)
ADD, CANCEL, DELETE, EXECUTE, TRADE, LEVEL, CLEAR, STATUS = 1, 2, 3, 4, 5, 6, 7, 8
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


def new_books(n_books: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Zeroed ladders (n_books, 2, width) and tops (n_books, 2) for empty books."""
    qty = np.zeros((n_books, 2, width), dtype=np.int64)
    top = np.empty((n_books, 2), dtype=np.int64)
    top[:, 0] = -1
    top[:, 1] = width
    return qty, top


@nb.njit(cache=True, inline="always")
def row_of(side):
    return BID_ROW if side > 0 else ASK_ROW


@nb.njit(cache=True, inline="always")
def set_level(qty, top, b, row, i, new_qty):
    """Set the aggregate at index i of a side and keep the top of book right. Returns old qty."""
    width = qty.shape[2]
    old = qty[b, row, i]
    qty[b, row, i] = new_qty
    if row == BID_ROW:
        if new_qty > 0:
            if i > top[b, 0]:
                top[b, 0] = i
        elif i == top[b, 0]:
            j = i - 1
            while j >= 0 and qty[b, BID_ROW, j] == 0:
                j -= 1
            top[b, 0] = j
    else:
        if new_qty > 0:
            if i < top[b, 1]:
                top[b, 1] = i
        elif i == top[b, 1]:
            j = i + 1
            while j < width and qty[b, ASK_ROW, j] == 0:
                j += 1
            top[b, 1] = j
    return old


@nb.njit(cache=True)
def clear_book(qty, top, b):
    width = qty.shape[2]
    for row in range(2):
        for i in range(width):
            qty[b, row, i] = 0
    top[b, 0] = -1
    top[b, 1] = width


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
    if kind == TRADE:
        return 0, -1, 0, 0, -1
    i = price - base[b]
    if i < 0 or i >= qty.shape[2]:
        return ERR_RANGE, -1, 0, 0, -1
    old = set_level(qty, top, b, row_of(side), i, q)
    return 0, i, old, q, -1


@nb.njit(cache=True)
def apply_event(qty, top, base, orders, b, kind, side, price, q, oid, seq):
    """Apply one market event to book b.

    Returns (err, index, old_level_qty, new_level_qty, order_seq): the ladder index and
    aggregate before / after at the touched price, and for L3 events the arrival number
    of the order touched (-1 if the order was not in the map, i.e. it predates the data).
    TRADE and STATUS do not change the ladder (index -1).
    """
    width = qty.shape[2]
    if kind == TRADE or kind == STATUS:
        return 0, -1, 0, 0, -1
    if kind == CLEAR:
        clear_book(qty, top, b)
        clear_orders(orders, b)
        return 0, -1, 0, 0, -1
    i = price - base[b]
    if i < 0 or i >= width:
        return ERR_RANGE, -1, 0, 0, -1
    row = row_of(side)
    old = qty[b, row, i]
    if kind == LEVEL:
        set_level(qty, top, b, row, i, q)
        return 0, i, old, q, -1
    key = (b, np.int64(oid))
    if kind == ADD:
        set_level(qty, top, b, row, i, old + q)
        if oid != 0:
            orders[key] = (side, price, q, seq)
        return 0, i, old, old + q, seq
    # CANCEL (partial), DELETE, EXECUTE: the event carries price and qty, so the ladder
    # stays right even for orders that rested before the data began.
    oseq = -1
    dq = q
    if oid != 0 and key in orders:
        o = orders[key]
        oseq = o[3]
        if kind == DELETE:
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
    while n < levels:
        while i >= 0 and qty[b, BID_ROW, i] == 0:
            i -= 1
        if i < 0:
            break
        out_px[0, n] = base[b] + i
        out_qty[0, n] = qty[b, BID_ROW, i]
        n += 1
        i -= 1
    for k in range(n, levels):
        out_px[0, k] = -1
        out_qty[0, k] = 0
    n = 0
    i = top[b, 1]
    while n < levels:
        while i < width and qty[b, ASK_ROW, i] == 0:
            i += 1
        if i >= width:
            break
        out_px[1, n] = base[b] + i
        out_qty[1, n] = qty[b, ASK_ROW, i]
        n += 1
        i += 1
    for k in range(n, levels):
        out_px[1, k] = -1
        out_qty[1, k] = 0
