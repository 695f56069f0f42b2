"""Closed-form quotes of Avellaneda-Stoikov and GLFT, and the intensity fit, as pure functions.

Units of the public faces: prices in currency; sigma the absolute volatility of the mid
in currency per square root of the time unit; k in 1 / currency; A in arrivals per time
unit; time_left in the time unit; inventory and delta in one quantity unit (shares,
lots). Sign convention: a long inventory (> 0) lowers both quotes.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from hftlab.instruments import check
from hftlab.strategies import closed_forms_nb as k_


def _positive(value: Any, name: str) -> float:
    check(isinstance(value, (int, float, np.floating, np.integer)) and math.isfinite(value)
          and value > 0, name, "a finite number > 0", value)
    return float(value)


def _finite(value: Any, name: str) -> float:
    check(isinstance(value, (int, float, np.floating, np.integer)) and math.isfinite(value),
          name, "a finite number", value)
    return float(value)


def avellaneda_stoikov_quotes(mid: float, inventory: float, gamma: float, sigma: float,
                              k: float, time_left: float) -> tuple[float, float]:
    """(bid, ask) of Avellaneda & Stoikov (2008), "High-frequency trading in a limit order book".

    Reservation price r = s - q gamma sigma^2 (T - t) (eq. 29) and total spread
    gamma sigma^2 (T - t) + (2 / gamma) ln(1 + gamma / k) (eq. 30), symmetric around r.
    gamma: risk aversion (1 / (currency x quantity)); time_left = T - t >= 0.
    """
    s, q = _finite(mid, "mid"), _finite(inventory, "inventory")
    g, sg = _positive(gamma, "gamma"), _finite(sigma, "sigma")
    check(sg >= 0, "sigma", "a finite number >= 0", sigma)
    kk = _positive(k, "k")
    tl = _finite(time_left, "time_left")
    check(tl >= 0, "time_left", "a finite number >= 0", time_left)
    return k_.as_quotes_nb(s, q, g, sg, kk, tl)


def glft_quotes(mid: float, inventory: float, sigma: float, gamma: float, A: float, k: float,
                delta: float = 1.0, xi: float | None = None) -> tuple[float, float]:
    """(bid, ask) of the GLFT closed-form approximation (Guéant, Lehalle & Fernandez-Tapia
    2013, "Dealing with the inventory risk"; general form of Guéant 2017, "Optimal market
    making", Applied Mathematical Finance 24(2)).

    delta_bid(q) = c1 + (2q + delta)/2 c2, delta_ask(q) = c1 - (2q - delta)/2 c2 with
    c1 = ln(1 + xi delta / k) / (xi delta) and
    c2 = sqrt(gamma sigma^2 / (2 A delta k) (1 + xi delta / k)^(k / (xi delta) + 1));
    bid = s - delta_bid, ask = s + delta_ask. Half-spread c1 + delta c2 / 2, skew q c2.
    A, k: fill intensity A exp(-k distance); delta: order size; xi: defaults to gamma
    (the 2013 model); xi = 0 is the risk-neutral-objective limit (c1 = 1/k, the power -> e).
    """
    s, q = _finite(mid, "mid"), _finite(inventory, "inventory")
    sg = _finite(sigma, "sigma")
    check(sg >= 0, "sigma", "a finite number >= 0", sigma)
    g, a, kk = _positive(gamma, "gamma"), _positive(A, "A"), _positive(k, "k")
    d = _positive(delta, "delta")
    x = g if xi is None else _finite(xi, "xi")
    check(x >= 0, "xi", "None or a finite number >= 0", xi)
    return k_.glft_quotes_nb(s, q, sg, g, a, kk, d, x)


def fit_intensity(distances: Any, elapsed: float, bin_width: float | None = None,
                  n_bins: int = 20, min_count: int = 10) -> tuple[float, float]:
    """Fit the fill intensity lambda(distance) = A exp(-k distance) from observed trades.

    distances: for each trade, how far from the reference mid it printed (price unit,
    >= 0): a quote at distance delta would have been reached by every trade at a
    distance >= delta. elapsed: the observation time (time unit). The tail counts
    N(>= i w) / elapsed over bins of width w (default: the 95th percentile / n_bins)
    are fitted by weighted least squares in logs, bins with fewer than min_count trades
    left out. Returns (A per time unit, k per price unit); raises ValueError when the
    trades cannot identify them (fewer than two usable bins, or no decay).
    This is the usual calibration of the GLFT intensity from trade arrivals by distance.
    """
    d = np.asarray(distances, dtype=np.float64).ravel()
    check(d.size > 0 and bool(np.all(np.isfinite(d))) and bool(np.all(d >= 0)), "distances",
          "a non-empty array of finite numbers >= 0", f"{d.size} values")
    el = _positive(elapsed, "elapsed")
    check(isinstance(n_bins, int) and 2 <= n_bins <= 10_000, "n_bins", "an integer in [2, 10000]",
          n_bins)
    check(isinstance(min_count, int) and min_count >= 1, "min_count", "an integer >= 1", min_count)
    if bin_width is None:
        top = float(np.quantile(d, 0.95))
        check(top > 0, "distances", "not all (nearly) zero when bin_width is None", top)
        w = top / n_bins
    else:
        w = _positive(bin_width, "bin_width")
    hist = np.zeros(n_bins)
    k_.intensity_histogram_nb(d, w, hist)
    A, k = k_.fit_intensity_nb(hist, w, el, float(min_count))
    if not (np.isfinite(A) and np.isfinite(k)):
        raise ValueError("fit_intensity: the trades do not identify A and k (fewer than two "
                         f"bins with >= {min_count} trades, or counts that do not decay with "
                         "distance); use more trades, a wider bin_width or a smaller min_count")
    return float(A), float(k)
