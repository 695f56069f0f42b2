"""Compiled trade-classification kernels: pure functions over arrays.

Signs are int8: +1 buyer-initiated, -1 seller-initiated, 0 unknown. Prices and quotes
are float64 in any one unit (ticks or currency); NaN marks a missing value.
"""

from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(cache=True)
def tick_rule_nb(price):
    """Tick rule: +1 on an uptick, -1 on a downtick, the previous sign on a zero tick.

    Trades before the first price change, and trades with a NaN price, get 0; a NaN
    price does not become the reference for the next trade.
    """
    n = price.shape[0]
    out = np.zeros(n, dtype=np.int8)
    last = np.nan
    sign = np.int8(0)
    for i in range(n):
        p = price[i]
        if np.isnan(p):
            continue
        if not np.isnan(last):
            if p > last:
                sign = np.int8(1)
            elif p < last:
                sign = np.int8(-1)
        out[i] = sign
        last = p
    return out


@nb.njit(cache=True)
def quote_rule_nb(price, bid, ask):
    """Quote rule: +1 above the midpoint, -1 below it, 0 at it or when anything is NaN."""
    n = price.shape[0]
    out = np.zeros(n, dtype=np.int8)
    for i in range(n):
        mid = 0.5 * (bid[i] + ask[i])
        p = price[i]
        if p > mid:
            out[i] = 1
        elif p < mid:
            out[i] = -1
    return out


@nb.njit(cache=True)
def lee_ready_nb(price, bid, ask):
    """Lee-Ready: the quote rule, and the tick rule for trades at the midpoint or unquoted."""
    n = price.shape[0]
    out = np.zeros(n, dtype=np.int8)
    last = np.nan
    tick = np.int8(0)
    for i in range(n):
        p = price[i]
        if np.isnan(p):
            continue
        if not np.isnan(last):
            if p > last:
                tick = np.int8(1)
            elif p < last:
                tick = np.int8(-1)
        last = p
        mid = 0.5 * (bid[i] + ask[i])
        if p > mid:
            out[i] = 1
        elif p < mid:
            out[i] = -1
        else:
            out[i] = tick
    return out


@nb.njit(cache=True)
def asof_index_nb(ts, ref_ts, lag):
    """For each ts[i], the index of the last ref_ts <= ts[i] - lag (-1 if none).

    Both arrays must be sorted ascending; one linear merge pass.
    """
    n = ts.shape[0]
    m = ref_ts.shape[0]
    out = np.empty(n, dtype=np.int64)
    j = -1
    for i in range(n):
        t = ts[i] - lag
        while j + 1 < m and ref_ts[j + 1] <= t:
            j += 1
        out[i] = j
    return out


@nb.njit(cache=True)
def take_or_nan_nb(values, idx):
    """values[idx] with NaN where idx < 0."""
    n = idx.shape[0]
    out = np.empty(n, dtype=np.float64)
    for i in range(n):
        k = idx[i]
        out[i] = values[k] if k >= 0 else np.nan
    return out


@nb.njit(cache=True)
def lee_ready_asof_nb(ts, price, quote_ts, bid, ask, lag):
    """Lee-Ready against the last quote with quote_ts <= ts - lag, in one merge pass.

    Same rule as `lee_ready_nb`; trades before the first quote use the tick rule. Both
    timestamp arrays must be sorted ascending.
    """
    n = ts.shape[0]
    m = quote_ts.shape[0]
    out = np.zeros(n, dtype=np.int8)
    j = -1
    last = np.nan
    tick = np.int8(0)
    for i in range(n):
        t = ts[i] - lag
        while j + 1 < m and quote_ts[j + 1] <= t:
            j += 1
        p = price[i]
        if np.isnan(p):
            continue
        if not np.isnan(last):
            if p > last:
                tick = np.int8(1)
            elif p < last:
                tick = np.int8(-1)
        last = p
        if j >= 0:
            mid = 0.5 * (bid[j] + ask[j])
            if p > mid:
                out[i] = 1
                continue
            if p < mid:
                out[i] = -1
                continue
        out[i] = tick
    return out
