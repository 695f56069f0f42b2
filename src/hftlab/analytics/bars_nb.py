"""Compiled time-bar kernel: trades -> non-empty time bars (pure function over arrays)."""

from __future__ import annotations

import math

import numba as nb
import numpy as np


@nb.njit(cache=True)
def time_bars_nb(ts, price, volume, bar_ns):
    """Aggregate time-sorted trades into the non-empty bars [k*bar_ns, (k+1)*bar_ns).

    Trades with a NaN price or a NaN volume are skipped. Returns, per bar: end time
    ((k+1)*bar_ns), first price, last price, total volume and trade count.
    """
    n = ts.shape[0]
    end = np.empty(n, dtype=np.int64)
    first = np.empty(n, dtype=np.float64)
    last = np.empty(n, dtype=np.float64)
    vol = np.empty(n, dtype=np.float64)
    count = np.empty(n, dtype=np.int64)
    nb_bars = -1
    key = np.int64(0)
    for i in range(n):
        p = price[i]
        v = volume[i]
        if np.isnan(p) or np.isnan(v):
            continue
        k = ts[i] // bar_ns
        if nb_bars < 0 or k != key:
            nb_bars += 1
            key = k
            end[nb_bars] = (k + 1) * bar_ns
            first[nb_bars] = p
            vol[nb_bars] = 0.0
            count[nb_bars] = 0
        last[nb_bars] = p
        vol[nb_bars] += v
        count[nb_bars] += 1
    m = nb_bars + 1
    return end[:m].copy(), first[:m].copy(), last[:m].copy(), vol[:m].copy(), count[:m].copy()


@nb.njit(cache=True)
def bar_price_changes_nb(first, last):
    """Bar-to-bar price change: last[i] - last[i-1]; the first bar uses its own first price."""
    n = last.shape[0]
    out = np.empty(n, dtype=np.float64)
    for i in range(n):
        out[i] = last[i] - (last[i - 1] if i > 0 else first[0])
    return out


@nb.njit(cache=True)
def finite_std_nb(x):
    """Sample standard deviation (ddof=1) of the finite values of x; NaN if fewer than 2."""
    n = 0
    s = 0.0
    for v in x:
        if np.isfinite(v):
            n += 1
            s += v
    if n < 2:
        return np.nan
    mean = s / n
    ss = 0.0
    for v in x:
        if np.isfinite(v):
            ss += (v - mean) * (v - mean)
    return np.sqrt(ss / (n - 1))


@nb.njit(cache=True)
def normal_buy_fraction_nb(dp, sigma):
    """Phi(dp / sigma), the standard normal CDF, via erfc (NaN dp gives NaN)."""
    n = dp.shape[0]
    out = np.empty(n, dtype=np.float64)
    k = -1.0 / (sigma * math.sqrt(2.0))
    for i in range(n):
        out[i] = 0.5 * math.erfc(dp[i] * k)
    return out
