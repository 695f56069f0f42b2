"""Compiled closed forms of market-making theory, shared by the strategies and their faces.

Units are whatever the caller uses consistently: prices (mid, sigma, 1/k) in one price
unit (currency in the public faces, ticks inside strategies), time (sigma's sqrt-time,
A, time_left) in one time unit, inventory and order size in one quantity unit.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np


@nb.njit(cache=True)
def as_quotes_nb(mid, inventory, gamma, sigma, k, time_left):
    """Avellaneda & Stoikov (2008), eqs. (29)-(30): (bid, ask) around the reservation price.

    r = s - q gamma sigma^2 (T - t); spread = gamma sigma^2 (T - t) + (2/gamma) ln(1 + gamma/k);
    bid = r - spread/2, ask = r + spread/2. A long inventory (q > 0) lowers both quotes.
    """
    risk = gamma * sigma * sigma * time_left
    r = mid - inventory * risk
    half = 0.5 * risk + math.log1p(gamma / k) / gamma
    return r - half, r + half


@nb.njit(cache=True)
def glft_coefficients_nb(sigma, gamma, A, k, delta, xi):
    """Guéant (2017), the closed-form approximations: (c1, c2) with

    c1 = ln(1 + xi delta / k) / (xi delta)                       (-> 1/k as xi -> 0)
    c2 = sqrt(gamma sigma^2 / (2 A delta k) (1 + xi delta / k)^(k / (xi delta) + 1))
                                          (-> sqrt(gamma sigma^2 e / (2 A delta k)) as xi -> 0)
    so that delta_bid(q) = c1 + (2q + delta)/2 c2 and delta_ask(q) = c1 - (2q - delta)/2 c2.
    xi = gamma, delta = 1 is Guéant, Lehalle & Fernandez-Tapia (2013).
    """
    x = xi * delta / k
    if x < 1e-9:  # the xi -> 0 limit (risk-neutral model B of Guéant 2017)
        c1 = 1.0 / k
        power = math.e
    else:
        c1 = math.log1p(x) / (xi * delta)
        power = math.exp((1.0 / x + 1.0) * math.log1p(x))
    c2 = math.sqrt(gamma * sigma * sigma / (2.0 * A * delta * k) * power)
    return c1, c2


@nb.njit(cache=True)
def glft_quotes_nb(mid, inventory, sigma, gamma, A, k, delta, xi):
    """(bid, ask) = (s - delta_bid(q), s + delta_ask(q)) of Guéant (2017); q > 0 lowers both."""
    c1, c2 = glft_coefficients_nb(sigma, gamma, A, k, delta, xi)
    bid = mid - (c1 + 0.5 * (2.0 * inventory + delta) * c2)
    ask = mid + (c1 - 0.5 * (2.0 * inventory - delta) * c2)
    return bid, ask


@nb.njit(cache=True)
def intensity_histogram_nb(distances, bin_width, hist):
    """Add each distance (>= 0) to hist: bin j = [j w, (j + 1) w), the last bin open-ended."""
    n = hist.shape[0]
    for d in distances:
        if d >= 0.0:
            j = int(d / bin_width)
            hist[min(j, n - 1)] += 1.0


@nb.njit(cache=True)
def fit_intensity_nb(hist, bin_width, elapsed, min_count):
    """Fit lambda(delta) = A exp(-k delta) to a histogram of trade distances.

    lambda_i = N(distance >= i w) / elapsed for the bins whose tail count N is at least
    min_count; weighted least squares of ln lambda_i on delta_i = i w with weights N
    (the variance of a log Poisson count is about 1/N). Returns (A, k); NaN, NaN when
    fewer than two bins qualify or the slope is not negative.
    """
    n = hist.shape[0]
    tail = 0.0
    sw = 0.0
    sx = 0.0
    sy = 0.0
    sxx = 0.0
    sxy = 0.0
    used = 0
    for i in range(n - 1, -1, -1):
        tail += hist[i]
        if tail < min_count or tail <= 0.0:
            continue
        x = i * bin_width
        y = math.log(tail / elapsed)
        sw += tail
        sx += tail * x
        sy += tail * y
        sxx += tail * x * x
        sxy += tail * x * y
        used += 1
    if used < 2:
        return np.nan, np.nan
    den = sw * sxx - sx * sx
    if den <= 0.0:
        return np.nan, np.nan
    slope = (sw * sxy - sx * sy) / den
    if not slope < 0.0:
        return np.nan, np.nan
    intercept = (sy - slope * sx) / sw
    return math.exp(intercept), -slope
