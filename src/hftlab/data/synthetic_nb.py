"""Kernel of the synthetic L2 stream (see synthetic.py)."""

from __future__ import annotations

import numba as nb
import numpy as np

LEVEL, TRADE = 6, 5


@nb.njit(cache=True)
def generate(n, seed, start_tick, levels, max_qty, p_trade, p_improve, dt_ns, t0, out_ts,
             out_kind, out_side, out_price, out_qty):
    """Fill n events of a consistent, never-crossed L2 book with trades; returns the count."""
    np.random.seed(seed)
    width = 1 << 16
    base = start_tick - width // 2
    bid = np.zeros(width, np.int64)
    ask = np.zeros(width, np.int64)
    bb = width // 2
    ba = bb + 1
    k = 0
    t = t0
    for j in range(levels):  # the opening book
        if k + 2 > n:
            break
        bid[bb - j] = np.random.randint(1, max_qty + 1)
        ask[ba + j] = np.random.randint(1, max_qty + 1)
        for side, i, q in ((1, bb - j, bid[bb - j]), (-1, ba + j, ask[ba + j])):
            out_ts[k], out_kind[k], out_side[k] = t, LEVEL, side
            out_price[k], out_qty[k] = base + i, q
            k += 1
    while k < n - 3:
        t += 1 + np.random.randint(0, 2 * dt_ns)
        r = np.random.random()
        if bb < levels + 2 or ba > width - levels - 2:
            break
        if r < p_trade:  # a market order takes part or all of the best level
            side = 1 if np.random.random() < 0.5 else -1
            lvl = ba if side > 0 else bb
            book = ask if side > 0 else bid
            q = np.random.randint(1, book[lvl] + 1)
            out_ts[k], out_kind[k], out_side[k], out_price[k], out_qty[k] = (
                t, TRADE, side, base + lvl, q)
            k += 1
            book[lvl] -= q
            out_ts[k], out_kind[k], out_side[k], out_price[k], out_qty[k] = (
                t, LEVEL, -side, base + lvl, book[lvl])
            k += 1
            if book[lvl] == 0:  # the best moved: refill the far end to keep `levels` levels
                if side > 0:
                    ba += 1
                    far = ba + levels - 1
                    ask[far] = np.random.randint(1, max_qty + 1)
                    out_ts[k], out_kind[k], out_side[k], out_price[k], out_qty[k] = (
                        t, LEVEL, -1, base + far, ask[far])
                else:
                    bb -= 1
                    far = bb - levels + 1
                    bid[far] = np.random.randint(1, max_qty + 1)
                    out_ts[k], out_kind[k], out_side[k], out_price[k], out_qty[k] = (
                        t, LEVEL, 1, base + far, bid[far])
                k += 1
        elif r < p_trade + p_improve and ba - bb > 1:  # a new best inside the spread
            if np.random.random() < 0.5:
                bb += 1
                bid[bb] = np.random.randint(1, max_qty + 1)
                out_ts[k], out_kind[k], out_side[k], out_price[k], out_qty[k] = (
                    t, LEVEL, 1, base + bb, bid[bb])
                k += 1
                far = bb - levels  # drop the level that fell out of view
                if bid[far] > 0:
                    bid[far] = 0
                    out_ts[k], out_kind[k], out_side[k], out_price[k], out_qty[k] = (
                        t, LEVEL, 1, base + far, 0)
                    k += 1
            else:
                ba -= 1
                ask[ba] = np.random.randint(1, max_qty + 1)
                out_ts[k], out_kind[k], out_side[k], out_price[k], out_qty[k] = (
                    t, LEVEL, -1, base + ba, ask[ba])
                k += 1
                far = ba + levels
                if ask[far] > 0:
                    ask[far] = 0
                    out_ts[k], out_kind[k], out_side[k], out_price[k], out_qty[k] = (
                        t, LEVEL, -1, base + far, 0)
                    k += 1
        else:  # a depth update on one of the visible levels
            j = np.random.randint(0, levels)
            if np.random.random() < 0.5:
                i = bb - j
                bid[i] = np.random.randint(1, max_qty + 1)
                out_ts[k], out_kind[k], out_side[k], out_price[k], out_qty[k] = (
                    t, LEVEL, 1, base + i, bid[i])
            else:
                i = ba + j
                ask[i] = np.random.randint(1, max_qty + 1)
                out_ts[k], out_kind[k], out_side[k], out_price[k], out_qty[k] = (
                    t, LEVEL, -1, base + i, ask[i])
            k += 1
    return k
