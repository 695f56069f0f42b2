"""Spread estimators from prices alone: Roll (1984) and Corwin & Schultz (2012).

Both return the full bid-ask spread as a fraction of the price level (midpoint proxy);
``units.to_bps`` converts to bps. They need no trade signs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hftlab.analytics.inputs import as_float_array, same_length

_K = 3.0 - 2.0 * np.sqrt(2.0)


def roll_spread(price: Any, relative: bool = True) -> float:
    """Roll (1984), "A Simple Implicit Measure of the Effective Bid-Ask Spread", JF 39(4).

    S = 2 sqrt(-cov(dP_t, dP_{t-1})) from successive trade price changes, with cov the
    *sample* first-order autocovariance (ddof=1: the sum of the m products of
    deviations from each leg's mean, divided by m - 1), as the estimator is usually
    stated. relative: divide by the mean price (fraction of mid) instead of returning
    price units. NaN prices are dropped first. Returns NaN when the autocovariance is
    >= 0 (the model does not apply) or there are fewer than 4 prices (the sample
    covariance needs two pairs of successive changes).
    """
    p = as_float_array(price, "price")
    p = p[np.isfinite(p)]
    if p.size < 4:
        return float("nan")
    dp = np.diff(p)
    a, b = dp[1:], dp[:-1]
    cov = float(np.sum((a - a.mean()) * (b - b.mean())) / (a.size - 1))
    if not cov < 0:
        return float("nan")
    s = 2.0 * np.sqrt(-cov)
    return float(s / p.mean()) if relative else float(s)


def corwin_schultz(high: Any, low: Any, close: Any = None,
                   clip_negative: bool = True) -> pd.Series:
    """Corwin & Schultz (2012), "A Simple Way to Estimate Bid-Ask Spreads from Daily High
    and Low Prices", JF 67(2): the spread for each pair of consecutive periods.

    beta = sum over the two periods of ln(H/L)^2, gamma = ln(H2/L2)^2 with H2, L2 the
    two-period high and low, alpha = (sqrt(2 beta) - sqrt(beta)) / (3 - 2 sqrt 2)
    - sqrt(gamma / (3 - 2 sqrt 2)), S = 2 (e^alpha - 1) / (1 + e^alpha).
    close: when given, the paper's overnight adjustment: if the second period's low is
    above the first period's close, both its high and low are shifted down by the gap;
    if its high is below that close, they are shifted up. clip_negative: set negative
    two-period estimates to 0, as the paper does. Returns a fraction of the price on the
    second period's index (the first is NaN); pairs touching a NaN, or with high < low,
    are NaN. Average the series for a period-level estimate. Empty high and low give an
    empty Series.
    """
    h, l_ = as_float_array(high, "high").copy(), as_float_array(low, "low").copy()
    n = same_length([("high", h), ("low", l_)])
    index = high.index if isinstance(high, pd.Series) else pd.RangeIndex(n)
    if n == 0:
        if close is not None:
            same_length([("high", h), ("close", as_float_array(close, "close"))])
        return pd.Series(np.empty(0, dtype=np.float64), index=index, name="corwin_schultz")
    bad = np.flatnonzero((h < l_) | (l_ <= 0))
    if bad.size:
        i = int(bad[0])
        raise ValueError(f"need 0 < low <= high; row {i} has low {l_[i]!r}, high {h[i]!r}")
    h2, l2 = h[1:].copy(), l_[1:].copy()
    if close is not None:
        c = as_float_array(close, "close")
        same_length([("high", h), ("close", c)])
        prev_c = c[:-1]
        up = l2 > prev_c
        down = h2 < prev_c
        shift = np.where(up, l2 - prev_c, np.where(down, h2 - prev_c, 0.0))
        h2, l2 = h2 - shift, l2 - shift
    with np.errstate(invalid="ignore", divide="ignore"):
        beta = np.log(h[:-1] / l_[:-1]) ** 2 + np.log(h2 / l2) ** 2
        gamma = np.log(np.maximum(h[:-1], h2) / np.minimum(l_[:-1], l2)) ** 2
        alpha = (np.sqrt(2.0 * beta) - np.sqrt(beta)) / _K - np.sqrt(gamma / _K)
        s = 2.0 * (np.exp(alpha) - 1.0) / (1.0 + np.exp(alpha))
    if clip_negative:
        s = np.where(s < 0, 0.0, s)
    out = np.concatenate([[np.nan], s])
    return pd.Series(out, index=index, name="corwin_schultz")
