"""Compiled GLFT quoting with the intensity A exp(-k distance) fitted online from trades."""

from __future__ import annotations

import math

import numba as nb

from hftlab.strategies.closed_forms_nb import fit_intensity_nb, glft_quotes_nb
from hftlab.strategies.quoting_nb import (NS, P_BOOK, P_CAPACITY, P_HEADER, P_QTY, S_HEADER,
                                          S_PREV_MID, S_PREV_T, fresh_print, hard_sizes,
                                          observe_mid, start, to_ticks)

(P_GAMMA, P_A, P_K, P_XI, P_FIT, P_FIT_HALFLIFE, P_BIN, P_MIN_TRADES, P_K_MIN,
 P_K_MAX) = range(P_HEADER, P_HEADER + 10)
N_PARAMS = P_HEADER + 10
S_A, S_K, S_ELAPSED, S_FITS = S_HEADER, S_HEADER + 1, S_HEADER + 2, S_HEADER + 3
S_HIST = S_HEADER + 4
N_BINS = 24
N_STATE = S_HIST + N_BINS


@nb.njit(cache=True)
def glft_start(params, state, now):
    """Reset the shared state; A and k start at their configured values; no trades counted."""
    start(params, state, now)
    state[S_A] = params[P_A]
    state[S_K] = params[P_K]
    state[S_ELAPSED] = 0.0
    state[S_FITS] = 0.0
    for j in range(N_BINS):
        state[S_HIST + j] = 0.0


@nb.njit(cache=True)
def glft_trade(params, state, ts, price, qty, side, kind):
    """Count a trade (once: fresh_print) at its distance in ticks from the mid of the last
    requote."""
    ref = state[S_PREV_MID]
    if params[P_FIT] > 0 and ref == ref and fresh_print(state, ts, price, qty, side, kind):
        j = int(abs(price - ref) / params[P_BIN])
        state[S_HIST + min(j, N_BINS - 1)] += 1.0


@nb.njit(cache=True)
def refit(params, state, now):
    """Age the trade counts (halflife), add the time since the last requote to the
    observation time, and refit A and k when enough trades support it; keep the old
    values when the fit fails or k leaves [k_min, k_max]."""
    prev_t = state[S_PREV_T]
    if params[P_FIT] <= 0 or prev_t != prev_t or now <= prev_t:
        return
    dt = (now - prev_t) / NS
    f = math.exp(-dt * math.log(2.0) / params[P_FIT_HALFLIFE])
    total = 0.0
    for j in range(N_BINS):
        state[S_HIST + j] *= f
        total += state[S_HIST + j]
    state[S_ELAPSED] = state[S_ELAPSED] * f + dt
    if total < params[P_MIN_TRADES]:
        return
    A, k = fit_intensity_nb(state[S_HIST:S_HIST + N_BINS], params[P_BIN], state[S_ELAPSED],
                            1.0)
    if A == A and k == k and params[P_K_MIN] <= k <= params[P_K_MAX]:
        state[S_A] = A
        state[S_K] = k
        state[S_FITS] += 1.0


@nb.njit(cache=True)
def glft_rule(params, state, now, best_bid, best_ask, position):
    """(bid, ask, bid lots, ask lots): refit A, k; GLFT quotes in ticks around the host's
    mid with delta = qty lots and q = position in lots; sizes cut at capacity (the bound Q)."""
    refit(params, state, now)
    mid = 0.5 * (best_bid + best_ask)
    sigma = observe_mid(params, state, mid, now)
    qty = int(params[P_QTY])
    b, a = glft_quotes_nb(mid, float(position), sigma, params[P_GAMMA], state[S_A], state[S_K],
                          float(qty), params[P_XI])
    bid, ask = to_ticks(b, a, best_bid, best_ask)
    bq, aq = hard_sizes(qty, position, int(params[P_CAPACITY]))
    return bid, ask, bq, aq
