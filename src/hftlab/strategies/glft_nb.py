"""Compiled GLFT quoting with the intensity A exp(-k distance) fitted online from trades
(params: gamma, A, k, xi, fit, fit_halflife_s, bin_ticks, min_trades, k_min, k_max;
state: A, k, elapsed, fits, hist; quoting_nb's records)."""

from __future__ import annotations

import math

import numba as nb

from hftlab.strategies.closed_forms_nb import fit_intensity_nb, glft_quotes_nb
from hftlab.strategies.quoting_nb import (N_BINS, NO_TIME, fresh_print, hard_sizes,
                                          observe_mid, seconds, start, to_ticks)


@nb.njit(cache=True)
def glft_start(params, state, now):
    """Reset the shared state; A and k start at their configured values; no trades counted."""
    start(params, state, now)
    state.A = params.A
    state.k = params.k
    state.elapsed = 0.0
    state.fits = 0
    state.hist[:] = 0.0


@nb.njit(cache=True)
def glft_trade(params, state, ts, price, qty, side, kind):
    """Count a trade (once: fresh_print) at its distance in ticks from the mid of the last
    requote."""
    ref = state.prev_mid
    if params.fit > 0 and ref == ref and fresh_print(state.last_print, ts, price, qty, side,
                                                     kind):
        j = int(abs(price - ref) / params.bin_ticks)
        state.hist[min(j, N_BINS - 1)] += 1.0


@nb.njit(cache=True)
def refit(params, state, now):
    """Age the trade counts (halflife), add the time since the last requote to the
    observation time, and refit A and k when enough trades support it; keep the old
    values when the fit fails or k leaves [k_min, k_max]."""
    if params.fit <= 0 or state.prev_t == NO_TIME:
        return
    dt = seconds(now, state.prev_t)
    if dt <= 0.0:
        return
    f = math.exp(-dt * math.log(2.0) / params.fit_halflife_s)
    total = 0.0
    for j in range(N_BINS):
        state.hist[j] *= f
        total += state.hist[j]
    state.elapsed = state.elapsed * f + dt
    if total < params.min_trades:
        return
    A, k = fit_intensity_nb(state.hist, params.bin_ticks, state.elapsed, 1.0)
    if A == A and k == k and params.k_min <= k <= params.k_max:
        state.A = A
        state.k = k
        state.fits += 1


@nb.njit(cache=True)
def glft_rule(params, state, now, best_bid, best_ask, position):
    """(bid, ask, bid lots, ask lots): refit A, k; GLFT quotes in ticks around the host's
    mid with delta = qty lots and q = position in lots; sizes cut at capacity (the bound Q)."""
    refit(params, state, now)
    mid = 0.5 * (best_bid + best_ask)
    sigma = observe_mid(params, state, mid, now)
    b, a = glft_quotes_nb(mid, float(position), sigma, params.gamma, state.A, state.k,
                          float(params.qty), params.xi)
    bid, ask = to_ticks(b, a, best_bid, best_ask)
    bq, aq = hard_sizes(params.qty, position, params.capacity)
    return bid, ask, bq, aq
