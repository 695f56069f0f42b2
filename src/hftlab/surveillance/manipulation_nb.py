"""Compiled passes of the manipulation detectors (see manipulation.py): the greedy choice
of non-overlapping aggressive bursts and the price path after each. Integers throughout:
ticks, lots, ns.
"""

from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(cache=True)
def pick_bursts(ts, n_same, share, end_idx, min_orders, min_share):
    """Greedy non-overlapping bursts over aggressive orders sorted by (group, ts).

    Order i opens a candidate window [ts[i], ts[end_idx[i] - 1]] of its group's
    aggressive orders, n_same[i] of them on its side, share[i] the fraction of the
    window's aggressive volume on its side; it is a burst when n_same >= min_orders and
    share >= min_share. After a burst the scan goes on from the
    first order past its window (end_idx stays inside the order's group). Returns the
    opening indices."""
    out = np.empty(len(ts), np.int64)
    k = 0
    i = 0
    n = len(ts)
    while i < n:
        if n_same[i] >= min_orders and share[i] >= min_share:
            out[k] = i
            k += 1
            i = max(end_idx[i], i + 1)
        else:
            i += 1
    return out[:k]


@nb.njit(cache=True)
def move_and_reversal(px_ts, px, starts, ends, horizon, sides):
    """For each burst (start ns, end ns, side d): p0 = the last trade price before the
    start (the first inside when none), the peak d x price over [start, end + horizon]
    and the deepest retracement within horizon after that peak. Returns (p0,
    peak price, retraced price, peak ts) per burst, prices in ticks."""
    n = len(starts)
    p0 = np.zeros(n, np.int64)
    peak = np.zeros(n, np.int64)
    back = np.zeros(n, np.int64)
    peak_ts = np.zeros(n, np.int64)
    for k in range(n):
        a = np.searchsorted(px_ts, starts[k], side="left")
        b = np.searchsorted(px_ts, ends[k] + horizon, side="right")
        if b <= a:
            continue
        d = sides[k]
        p0[k] = px[a - 1] if a > 0 else px[a]
        best = px[a]
        bi = a
        for j in range(a, b):
            if d * px[j] > d * best:
                best = px[j]
                bi = j
        worst = best
        b2 = np.searchsorted(px_ts, px_ts[bi] + horizon, side="right")
        for j in range(bi, b2):
            if d * px[j] < d * worst:
                worst = px[j]
        peak[k] = best
        back[k] = worst
        peak_ts[k] = px_ts[bi]
    return p0, peak, back, peak_ts
