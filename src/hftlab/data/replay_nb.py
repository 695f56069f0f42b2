"""Compiled replay of one book's events through the engine's ladders, sampling depth.

Used by :func:`hftlab.book.snapshots`; the book arithmetic is ``engine.book_nb``'s.
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numba.typed import Dict

from hftlab.core.book_nb import ORDER_KEY, ORDER_VAL, apply_event, depth


@nb.njit(cache=True)
def replay_depth(kind, side, price, qty, oid, emit, base, width, levels):
    """Apply every event to one book of `width` ticks from `base`; after each event with
    emit[i] set, write the best `levels` prices and sizes per side.

    Returns (px[m, 2, levels], sz[m, 2, levels], errors[4]) with row 0 bids and row 1
    asks (price -1 / size 0 for an empty level) and errors counted by apply_event's code.
    """
    m = 0
    for i in range(len(emit)):
        if emit[i]:
            m += 1
    px = np.empty((m, 2, levels), dtype=np.int64)
    sz = np.empty((m, 2, levels), dtype=np.int64)
    ladder = np.zeros((1, 2, width), dtype=np.int64)
    top = np.empty((1, 2), dtype=np.int64)
    top[0, 0] = -1
    top[0, 1] = width
    bases = np.full(1, base, dtype=np.int64)
    orders = Dict.empty(key_type=ORDER_KEY, value_type=ORDER_VAL)
    errors = np.zeros(4, dtype=np.int64)
    k = 0
    for i in range(len(kind)):
        err, _, _, _, _ = apply_event(ladder, top, bases, orders, 0, np.uint8(kind[i]),
                                      np.int8(side[i]), price[i], qty[i],
                                      np.uint64(oid[i]), i)  # the loop's types: one compile
        errors[err] += 1
        if emit[i]:
            depth(ladder, top, bases, 0, levels, px[k], sz[k])
            k += 1
    return px, sz, errors
