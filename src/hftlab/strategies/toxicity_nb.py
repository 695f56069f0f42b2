"""Compiled toxicity-aware quoting: online VPIN buckets, tiers, and the quote rule.

params: half_spread, skew, bucket_volume, window, t_medium, t_wide, t_withdraw,
m_medium, m_wide, size_medium, vol_coef, depth_levels, depth_ref, depth_coef, score;
state: buy, sell, done, vpin, tier, score, ln_n, ln_mean, ln_m2 (quoting_nb's records);
ring: the order imbalances |B - S| / V of the last `window` completed buckets.
"""

from __future__ import annotations

import math

import numba as nb

from hftlab.strategies.quoting_nb import observe_mid, start, tapered_sizes, to_ticks

SCORE_VPIN, SCORE_CDF = 0, 1
TIER_TIGHT, TIER_MEDIUM, TIER_WIDE, TIER_WITHDRAW = 0, 1, 2, 3


@nb.njit(cache=True)
def toxicity_start(params, state, ring, now):
    """Reset the shared state and the VPIN buckets."""
    start(params, state, now)
    state.buy = 0.0
    state.sell = 0.0
    state.done = 0
    state.vpin = 0.0
    state.tier = TIER_TIGHT
    state.score = 0.0
    state.ln_n = 0
    state.ln_mean = 0.0
    state.ln_m2 = 0.0
    ring[:] = 0.0


@nb.njit(cache=True)
def vpin_trade(params, state, ring, qty, side):
    """Pour a print of qty lots with aggressor side (+1 buy, -1 sell, 0 half each) into
    equal-volume buckets of V lots, splitting it exactly across bucket boundaries; each
    completed bucket stores |B - S| / V and VPIN becomes the mean of the last `window`
    completed buckets (of all of them while fewer are complete) - Easley, López de
    Prado & O'Hara (2012) with the prints' own aggressor sides."""
    V = params.bucket_volume
    n = params.window
    left = float(qty)
    while left > 0.0:
        take = min(left, V - state.buy - state.sell)
        if side > 0:
            state.buy += take
        elif side < 0:
            state.sell += take
        else:
            state.buy += 0.5 * take
            state.sell += 0.5 * take
        left -= take
        if state.buy + state.sell >= V:
            done = state.done
            ring[done % n] = abs(state.buy - state.sell) / V
            state.done = done + 1
            state.buy = 0.0
            state.sell = 0.0
            m = min(done + 1, n)
            s = 0.0
            for j in range(m):
                s += ring[j]
            state.vpin = s / m
            state.score = score(params, state, s / m, done + 1 >= n)


@nb.njit(cache=True)
def score(params, state, vpin, full):
    """What the tiers read: VPIN itself, or (score 'cdf') the CDF of VPIN under a
    log-normal fitted to the full-window VPIN values seen so far, this one included
    (Easley, López de Prado & O'Hara 2011/2012 alert on CDF(VPIN) > 0.9; fitted
    expanding, so there is no look-ahead). 0 until `window` buckets (cdf: and 2 values)
    exist."""
    if params.score == SCORE_VPIN:
        return vpin
    if not full or vpin <= 0.0:
        return 0.0
    x = math.log(vpin)
    n = state.ln_n + 1
    d = x - state.ln_mean
    state.ln_mean += d / n
    state.ln_m2 += d * (x - state.ln_mean)
    state.ln_n = n
    if n < 2 or state.ln_m2 <= 0.0:
        return 0.0
    sd = math.sqrt(state.ln_m2 / (n - 1.0))
    return 0.5 * math.erfc(-(x - state.ln_mean) / (sd * math.sqrt(2.0)))


@nb.njit(cache=True)
def tier_of(params, x):
    """0 tight (< t_medium), 1 medium, 2 wide (>= t_wide), 3 withdraw (>= t_withdraw)."""
    if x >= params.t_withdraw:
        return TIER_WITHDRAW
    if x >= params.t_wide:
        return TIER_WIDE
    if x >= params.t_medium:
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
    tier = tier_of(params, state.score)
    state.tier = tier
    qty = params.qty
    mult = 1.0
    if tier == TIER_MEDIUM:
        mult = params.m_medium
        qty = max(1, int(math.floor(qty * params.size_medium)))
    elif tier >= TIER_WIDE:
        mult = params.m_wide
        qty = 1 if tier == TIER_WIDE else 0
    thin = min(max(params.depth_ref / max(float(depth), 1.0) - 1.0, 0.0), 10.0)
    half = mult * (params.half_spread + params.vol_coef * sigma + params.depth_coef * thin)
    cap = params.capacity
    r = mid - params.skew * position / cap
    bid, ask = to_ticks(r - half, r + half, best_bid, best_ask)
    if qty == 0:
        return bid, ask, 0, 0
    bq, aq = tapered_sizes(qty, position, cap)
    return bid, ask, bq, aq
