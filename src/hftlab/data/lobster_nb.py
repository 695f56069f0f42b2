"""Compiled LOBSTER book rebuild: replay the messages and reconcile with the orderbook file.

After each message the top L levels of the replayed book are compared with the
orderbook file's row; every difference becomes a LEVEL correction (side, price, size)
applied right after that message. Corrections are counted as: initial (first row:
the book before the file began), beyond-depth (a level worse than the previous row's
L-th level, i.e. one coming into view) and mismatch (anything else: the messages and
the book disagree inside the visible depth).
"""

from __future__ import annotations

import numba as nb
import numpy as np
from numba.typed import Dict

from hftlab.core.book_nb import ASK_ROW, BID_ROW, ORDER_KEY, ORDER_VAL, apply_event, set_level

INITIAL, BEYOND, MISMATCH = 0, 1, 2


@nb.njit(cache=True)
def _nth_level(ladder, top, row, n_levels, out_idx):
    """Ladder indexes of the best n_levels occupied levels of one side; returns how many."""
    width = ladder.shape[2]
    n = 0
    if row == BID_ROW:
        i = top[0, 0]
        while n < n_levels and i >= 0:
            if ladder[0, BID_ROW, i] > 0:
                out_idx[n] = i
                n += 1
            i -= 1
    else:
        i = top[0, 1]
        while n < n_levels and i < width:
            if ladder[0, ASK_ROW, i] > 0:
                out_idx[n] = i
                n += 1
            i += 1
    return n


@nb.njit(cache=True)
def rebuild(kind, side, price, qty, oid, ob_px, ob_sz, base, width, cap):
    """Replay n messages (one event each) and reconcile after each with the orderbook rows.

    ob_px / ob_sz: (n, 2, L) file levels in ticks / lots, row 0 bids and row 1 asks,
    price -1 for a dummy level. Returns (after, cside, cprice, cqty, cclass, n_corr,
    book_errors): correction j is applied after message after[j]; n_corr > cap means the
    buffers were too small (call again with cap >= n_corr).
    """
    n = len(kind)
    L = ob_px.shape[2]
    after = np.empty(cap, dtype=np.int64)
    cside = np.empty(cap, dtype=np.int64)
    cprice = np.empty(cap, dtype=np.int64)
    cqty = np.empty(cap, dtype=np.int64)
    cclass = np.empty(cap, dtype=np.int64)
    ladder = np.zeros((1, 2, width), dtype=np.int64)
    top = np.empty((1, 2), dtype=np.int64)
    top[0, 0] = -1
    top[0, 1] = width
    bases = np.full(1, base, dtype=np.int64)
    orders = Dict.empty(key_type=ORDER_KEY, value_type=ORDER_VAL)
    errors = np.zeros(4, dtype=np.int64)
    idx = np.empty(L, dtype=np.int64)
    nc = 0
    for r in range(n):
        err, _, _, _, _ = apply_event(ladder, top, bases, orders, 0, np.uint8(kind[r]),
                                      np.int8(side[r]), price[r], qty[r],
                                      np.uint64(oid[r]), r)  # the loop's types: one compile
        errors[err] += 1
        for row in range(2):
            sgn = 1 if row == BID_ROW else -1
            while True:
                have = _nth_level(ladder, top, row, L, idx)
                j = 0
                while j < L:
                    fp = ob_px[r, row, j]
                    if j >= have and fp < 0:
                        break
                    if j < have and fp >= 0 and base + idx[j] == fp \
                            and ladder[0, row, idx[j]] == ob_sz[r, row, j]:
                        j += 1
                        continue
                    break
                if j >= L or (j >= have and ob_px[r, row, j] < 0):
                    break
                fp = ob_px[r, row, j]
                if fp >= 0 and (j >= have or sgn * (base + idx[j]) <= sgn * fp):
                    # the file's level is missing in ours, or ours has the price with
                    # another size: set it from the file
                    p, q = fp, ob_sz[r, row, j]
                else:  # ours shows a level the file does not have
                    p, q = base + idx[j], 0
                i = p - base
                if i < 0 or i >= width:
                    return after, cside, cprice, cqty, cclass, -1, errors
                set_level(ladder, top, 0, row, i, q)
                if nc < cap:
                    after[nc] = r
                    cside[nc] = sgn
                    cprice[nc] = p
                    cqty[nc] = q
                    if r == 0:
                        cclass[nc] = INITIAL
                    else:
                        worst = ob_px[r - 1, row, L - 1]
                        if worst >= 0 and sgn * p < sgn * worst:
                            cclass[nc] = BEYOND
                        else:
                            cclass[nc] = MISMATCH
                nc += 1
    return after, cside, cprice, cqty, cclass, nc, errors

