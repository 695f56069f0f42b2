"""Compiled kernels of the lead-lag measurement (hftlab.analytics.lead_lag).

Fixed-clock method: each book's log mid is sampled on a common grid of step ns by the
previous tick (the last quote at or before the grid time), returns are the differences
of consecutive grid values, and the cross-correlation at a lag of k steps pairs x[t]
with y[t + k]. Sums are kept per non-overlapping block of grid steps so the block
bootstrap (Carlstein 1986) resamples blocks without touching the grid again.
"""

from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(cache=True)
def previous_tick(ts, value, t0, step, n):
    """value at or before t0 + k * step for k < n (ts ascending); NaN before the first."""
    out = np.full(n, np.nan)
    j = -1
    m = ts.shape[0]
    for k in range(n):
        t = t0 + k * step
        while j + 1 < m and ts[j + 1] <= t:
            j += 1
        if j >= 0:
            out[k] = value[j]
    return out


@nb.njit(cache=True)
def block_sums(x, y, lags, block):
    """(n_blocks, n_lags, 4): per block b of `block` consecutive t and per lag k, the sums
    over t in b with x[t] and y[t + k] both finite of x*y, x*x, y*y and the count."""
    n = x.shape[0]
    nb_ = (n + block - 1) // block
    out = np.zeros((nb_, lags.shape[0], 4))
    for j in range(lags.shape[0]):
        k = lags[j]
        for t in range(n):
            u = t + k
            if u < 0 or u >= n:
                continue
            a = x[t]
            c = y[u]
            if np.isnan(a) or np.isnan(c):
                continue
            b = t // block
            out[b, j, 0] += a * c
            out[b, j, 1] += a * a
            out[b, j, 2] += c * c
            out[b, j, 3] += 1.0
    return out


@nb.njit(cache=True)
def correlations(sums):
    """Correlation per lag from summed (xy, xx, yy, n) over the first axis (NaN when a
    series does not move)."""
    nl = sums.shape[1]
    out = np.full(nl, np.nan)
    for j in range(nl):
        sxy = 0.0
        sxx = 0.0
        syy = 0.0
        for b in range(sums.shape[0]):
            sxy += sums[b, j, 0]
            sxx += sums[b, j, 1]
            syy += sums[b, j, 2]
        if sxx > 0.0 and syy > 0.0:
            out[j] = sxy / np.sqrt(sxx * syy)
    return out


@nb.njit(cache=True)
def bootstrap(sums, n_boot, seed):
    """(n_boot, n_lags) correlations of block-bootstrap replicates: each draws as many
    blocks as there are, uniformly with replacement (seeded)."""
    np.random.seed(seed)
    nb_, nl = sums.shape[0], sums.shape[1]
    out = np.full((n_boot, nl), np.nan)
    pick = np.zeros((nb_, nl, 4))
    for r in range(n_boot):
        pick[:] = 0.0
        for i in range(nb_):
            b = np.random.randint(0, nb_)
            pick[i] = sums[b]
        out[r] = correlations(pick)
    return out


@nb.njit(cache=True)
def follow_counts(x, y, window):
    """For each t with x[t] != 0: the first non-zero y[u], t < u <= t + window. Returns
    (leader moves, followed the same way, followed the other way)."""
    n = x.shape[0]
    moves = 0
    same = 0
    other = 0
    for t in range(n):
        a = x[t]
        if not (a != 0.0) or np.isnan(a):
            continue
        moves += 1
        for u in range(t + 1, min(n, t + window + 1)):
            c = y[u]
            if c != 0.0 and not np.isnan(c):
                if (c > 0.0) == (a > 0.0):
                    same += 1
                else:
                    other += 1
                break
    return moves, same, other
