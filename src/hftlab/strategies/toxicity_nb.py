"""Compiled toxicity-aware quoting: online VPIN buckets, tiers, and the strategy function."""

from __future__ import annotations

import math

import numba as nb

from hftlab.strategies.quoting_nb import (P_BOOK, P_CAPACITY, P_HEADER, P_QTY, S_HEADER,
                                          observe_mid, start, tapered_sizes,
                                          to_ticks)

(P_HALF_SPREAD, P_SKEW, P_BUCKET, P_WINDOW, P_T_MEDIUM, P_T_WIDE, P_T_WITHDRAW, P_M_MEDIUM,
 P_M_WIDE, P_SIZE_MEDIUM, P_VOL_COEF, P_DEPTH_LEVELS, P_DEPTH_REF, P_DEPTH_COEF, P_SCORE) = \
    range(P_HEADER, P_HEADER + 15)
N_PARAMS = P_HEADER + 15
SCORE_VPIN, SCORE_CDF = 0, 1
(S_BUY, S_SELL, S_DONE, S_VPIN, S_TIER, S_SCORE, S_LN_N, S_LN_MEAN, S_LN_M2) = \
    range(S_HEADER, S_HEADER + 9)
S_RING = S_HEADER + 9  # then `window` order imbalances |B - S| / V, a ring buffer
TIER_TIGHT, TIER_MEDIUM, TIER_WIDE, TIER_WITHDRAW = 0, 1, 2, 3


@nb.njit(cache=True)
def toxicity_start(params, state, now):
    """Reset the shared state and the VPIN buckets."""
    start(params, state, now)
    for j in range(S_HEADER, state.shape[0]):
        state[j] = 0.0


@nb.njit(cache=True)
def vpin_trade(params, state, qty, side):
    """Pour a print of qty lots with aggressor side (+1 buy, -1 sell, 0 half each) into
    equal-volume buckets of V lots, splitting it exactly across bucket boundaries; each
    completed bucket stores |B - S| / V and VPIN becomes the mean of the last `window`
    completed buckets (of all of them while fewer are complete) - Easley, López de
    Prado & O'Hara (2012) with the prints' own aggressor sides."""
    V = params[P_BUCKET]
    n = int(params[P_WINDOW])
    left = float(qty)
    while left > 0.0:
        take = min(left, V - state[S_BUY] - state[S_SELL])
        if side > 0:
            state[S_BUY] += take
        elif side < 0:
            state[S_SELL] += take
        else:
            state[S_BUY] += 0.5 * take
            state[S_SELL] += 0.5 * take
        left -= take
        if state[S_BUY] + state[S_SELL] >= V:
            done = int(state[S_DONE])
            state[S_RING + done % n] = abs(state[S_BUY] - state[S_SELL]) / V
            state[S_DONE] = done + 1
            state[S_BUY] = 0.0
            state[S_SELL] = 0.0
            m = min(done + 1, n)
            s = 0.0
            for j in range(m):
                s += state[S_RING + j]
            state[S_VPIN] = s / m
            state[S_SCORE] = score(params, state, s / m, done + 1 >= n)


@nb.njit(cache=True)
def score(params, state, vpin, full):
    """What the tiers read: VPIN itself, or (score 'cdf') the CDF of VPIN under a
    log-normal fitted to the full-window VPIN values seen so far, this one included
    (Easley, López de Prado & O'Hara 2011/2012 alert on CDF(VPIN) > 0.9; fitted
    expanding, so there is no look-ahead). 0 until `window` buckets (cdf: and 2 values)
    exist."""
    if params[P_SCORE] == SCORE_VPIN:
        return vpin
    if not full or vpin <= 0.0:
        return 0.0
    x = math.log(vpin)
    n = state[S_LN_N] + 1.0
    d = x - state[S_LN_MEAN]
    state[S_LN_MEAN] += d / n
    state[S_LN_M2] += d * (x - state[S_LN_MEAN])
    state[S_LN_N] = n
    if n < 2.0 or state[S_LN_M2] <= 0.0:
        return 0.0
    sd = math.sqrt(state[S_LN_M2] / (n - 1.0))
    return 0.5 * math.erfc(-(x - state[S_LN_MEAN]) / (sd * math.sqrt(2.0)))


@nb.njit(cache=True)
def tier_of(params, x):
    """0 tight (< t_medium), 1 medium, 2 wide (>= t_wide), 3 withdraw (>= t_withdraw)."""
    if x >= params[P_T_WITHDRAW]:
        return TIER_WITHDRAW
    if x >= params[P_T_WIDE]:
        return TIER_WIDE
    if x >= params[P_T_MEDIUM]:
        return TIER_MEDIUM
    return TIER_TIGHT


@nb.njit(cache=True)
def toxicity_rule(params, state, now, best_bid, best_ask, position, depth):
    """(bid, ask, bid lots, ask lots) from the tier of the score, sigma and the visible depth.

    half = tier multiplier x (half_spread + vol_coef sigma + depth_coef thin), thin =
    max(depth_ref / depth - 1, 0) capped at 10; quotes at r -/+ half around
    r = mid - skew position / capacity (as InventorySkew). Sizes: qty (tight), at least
    one lot of qty x size_medium (medium), 1 lot (wide), none (withdraw); then tapered
    near capacity.
    """
    mid = 0.5 * (best_bid + best_ask)
    sigma = observe_mid(params, state, mid, now)
    tier = tier_of(params, state[S_SCORE])
    state[S_TIER] = tier
    qty = int(params[P_QTY])
    mult = 1.0
    if tier == TIER_MEDIUM:
        mult = params[P_M_MEDIUM]
        qty = max(1, int(math.floor(qty * params[P_SIZE_MEDIUM])))
    elif tier >= TIER_WIDE:
        mult = params[P_M_WIDE]
        qty = 1 if tier == TIER_WIDE else 0
    thin = min(max(params[P_DEPTH_REF] / max(float(depth), 1.0) - 1.0, 0.0), 10.0)
    half = mult * (params[P_HALF_SPREAD] + params[P_VOL_COEF] * sigma
                   + params[P_DEPTH_COEF] * thin)
    cap = int(params[P_CAPACITY])
    r = mid - params[P_SKEW] * position / cap
    bid, ask = to_ticks(r - half, r + half, best_bid, best_ask)
    if qty == 0:
        return bid, ask, 0, 0
    bq, aq = tapered_sizes(qty, position, cap)
    return bid, ask, bq, aq
