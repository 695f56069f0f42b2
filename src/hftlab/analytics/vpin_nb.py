"""Compiled VPIN kernels: volume buckets, the rolling VPIN and its expanding CDF.

Easley, López de Prado & O'Hara (2012), "Flow Toxicity and Liquidity in a
High-Frequency World", Review of Financial Studies 25(5). Pure functions over arrays.
"""

from __future__ import annotations

import numba as nb
import numpy as np


# A bucket whose end lies within this fraction of its boundary k V is complete: the
# cumulative volume is a compensated sum (error ~1 ulp), and k * fl(total / k) can miss
# total by an ulp or two, so an exact multiple of V must still close its last bucket.
BOUNDARY_RTOL = 1e-12


@nb.njit(cache=True)
def fill_buckets_nb(bar_ts, volume, buy_fraction, bucket_volume):
    """Pour bars into equal-volume buckets, splitting a bar exactly across a boundary.

    Bucket k (0-based) holds the volume between the cumulative boundaries k V and
    (k + 1) V, each computed directly as a multiple of V (no running remainder that
    drifts): a bar is split at every boundary it crosses, and bucket k is complete once
    the cumulative volume (a compensated sum) reaches (k + 1) V, up to a relative
    BOUNDARY_RTOL. So a total volume that is a whole multiple n of V gives exactly n
    buckets. Each part of a bar keeps the bar's buy fraction. Bars with NaN or
    non-positive volume add nothing. Returns, per completed bucket: buy volume, sell
    volume, the timestamp and index of the bar that completed it. The trailing partial
    bucket is not returned.
    """
    n = volume.shape[0]
    total = 0.0
    for i in range(n):
        if volume[i] > 0:
            total += volume[i]
    cap = int(total / bucket_volume) + 2
    buy = np.empty(cap, dtype=np.float64)
    sell = np.empty(cap, dtype=np.float64)
    end_ts = np.empty(cap, dtype=np.int64)
    end_bar = np.empty(cap, dtype=np.int64)
    k = 0
    run = 0.0  # Neumaier sum of the volume so far: run + comp
    comp = 0.0
    lo = 0.0  # where the current bar's undistributed volume starts (cumulative)
    b = 0.0
    s = 0.0
    for i in range(n):
        v = volume[i]
        if not v > 0:
            continue
        f = buy_fraction[i]
        t = run + v
        if abs(run) >= v:
            comp += (run - t) + v
        else:
            comp += (v - t) + run
        run = t
        c1 = run + comp  # cumulative volume after bar i
        while k < cap:
            hi = (k + 1) * bucket_volume
            if c1 < hi * (1.0 - BOUNDARY_RTOL):
                break
            part = hi - lo
            if part > 0:
                b += part * f
                s += part * (1.0 - f)
            buy[k] = b
            sell[k] = s
            end_ts[k] = bar_ts[i]
            end_bar[k] = i
            k += 1
            lo = hi
            b = 0.0
            s = 0.0
        part = c1 - lo
        if part > 0:
            b += part * f
            s += part * (1.0 - f)
        lo = c1 if c1 > lo else lo
    return buy[:k].copy(), sell[:k].copy(), end_ts[:k].copy(), end_bar[:k].copy()


@nb.njit(cache=True)
def rolling_vpin_nb(buy, sell, window):
    """VPIN after each bucket: sum|B-S| / sum(B+S) over the last `window` buckets.

    NaN until `window` buckets are complete; always within [0, 1] (clipped against
    rounding); 0 when the window holds no volume.
    """
    n = buy.shape[0]
    out = np.full(n, np.nan)
    for t in range(window - 1, n):
        num = 0.0
        den = 0.0
        for j in range(t - window + 1, t + 1):
            num += abs(buy[j] - sell[j])
            den += buy[j] + sell[j]
        if den > 0:
            v = num / den
            out[t] = 1.0 if v > 1.0 else (0.0 if v < 0.0 else v)
        else:
            out[t] = 0.0
    return out


@nb.njit(cache=True)
def expanding_ecdf_nb(x):
    """For each i, the share of the non-NaN values x[0..i] that are <= x[i] (NaN stays NaN).

    Uses only the past and present, so it can drive alerts without look-ahead; a
    Fenwick tree over the ranks of x makes it O(n log n).
    """
    n = x.shape[0]
    out = np.full(n, np.nan)
    order = np.argsort(x)  # NaN sort last
    rank = np.empty(n, dtype=np.int64)  # dense rank among equal values -> last position
    m = 0
    for i in range(n):
        if not np.isnan(x[i]):
            m += 1
    i = 0
    while i < m:
        j = i
        while j + 1 < m and x[order[j + 1]] == x[order[i]]:
            j += 1
        for k in range(i, j + 1):
            rank[order[k]] = j + 1  # 1-based rank of the last tie
        i = j + 1
    tree = np.zeros(m + 1, dtype=np.int64)
    seen = 0
    for i in range(n):
        if np.isnan(x[i]):
            continue
        r = rank[i]
        p = r
        while p <= m:
            tree[p] += 1
            p += p & (-p)
        seen += 1
        c = 0
        p = r
        while p > 0:
            c += tree[p]
            p -= p & (-p)
        out[i] = c / seen
    return out


@nb.njit(cache=True)
def volume_and_days_nb(ts, volume, ns_per_day):
    """Total finite volume and the number of distinct days (ts // ns_per_day) among rows
    with a finite volume; ts must be sorted. The total is a compensated (Neumaier) sum,
    as `fill_buckets_nb` accumulates, so V = total / n closes exactly n buckets."""
    total = 0.0
    comp = 0.0
    days = 0
    last = np.int64(0)
    for i in range(ts.shape[0]):
        v = volume[i]
        if not np.isfinite(v):
            continue
        t = total + v
        if abs(total) >= abs(v):
            comp += (total - t) + v
        else:
            comp += (v - t) + total
        total = t
        d = ts[i] // ns_per_day
        if days == 0 or d != last:
            days += 1
            last = d
    return total + comp, days
