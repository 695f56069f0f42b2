"""Compiled kernels of the stale-quote detector (hftlab.analytics.stale_quotes) and of
the latency-arbitrage strategy, which applies the same edge rule to the host's view.

Prices are integer ticks, sizes integer lots. An arbitrage takes the slow venue's quote
and hedges on the fast venue at ``p_f`` (its opposite touch when crossing, its own side
when joining); ``basis`` (ticks) is the fair fast-minus-slow price difference, so the
slow-venue equivalent of p_f is p_f - basis:

    sell slow (side -1): edge = bid_slow - (p_f - basis)
    buy slow  (side +1): edge = (p_f - basis) - ask_slow

Fees per lot in currency are ``a + b * price_ticks`` for each leg (a per-unit fee gives
a, a bps fee gives b); a fixed ``cost`` in currency is charged once per arbitrage.
"""

from __future__ import annotations

import numba as nb
import numpy as np

HEDGE_NONE, HEDGE_CROSS, HEDGE_JOIN = 0, 1, 2


@nb.njit(cache=True)
def decay(dt, halflife):
    """Weight of the new observation in a time-decayed EWMA after dt ns (halflife ns)."""
    if halflife <= 0:
        return 1.0
    return 1.0 - 0.5 ** (dt / halflife)


@nb.njit(cache=True)
def hedge_price(side, hedge, bid_f, ask_f):
    """The fast venue's price for the hedge of a take on `side` (+1 buy slow, -1 sell)."""
    if hedge == HEDGE_JOIN:
        return bid_f if side < 0 else ask_f
    return ask_f if side < 0 else bid_f


@nb.njit(cache=True)
def edge_ticks(side, bid_s, ask_s, p_f, basis):
    """Edge of taking the slow venue's quote on `side` against p_f (ticks, > 0 pays)."""
    if side < 0:
        return bid_s - (p_f - basis)
    return (p_f - basis) - ask_s


@nb.njit(cache=True)
def net_value(side, hedge, bid_s, ask_s, p_f, basis, lots, value, fee_s, fee_f, cost):
    """Currency of one arbitrage of `lots` lots: edge x value per tick-lot, less both
    legs' fees (fee_s, fee_f = (a, b): a + b * price per lot) and the fixed cost."""
    p_s = bid_s if side < 0 else ask_s
    e = edge_ticks(side, bid_s, ask_s, p_f, basis)
    fees = lots * (fee_s[0] + fee_s[1] * p_s)
    if hedge != HEDGE_NONE:
        fees += lots * (fee_f[0] + fee_f[1] * p_f)
    return e * value * lots - fees - cost


@nb.njit(cache=True)
def windows(t, bs, as_, bqs, aqs, bf, af, bqf, aqf, basis, hedge, value, fee_s, fee_f, cost):
    """Stale windows on a merged timeline (row k: both books' quotes in force from t[k]
    until t[k + 1]). A window of side s is a maximal run of rows with a positive net
    value; it starts at its first row's time and ends at the time of the first row
    without one (at the last row's time, flagged open, when the data end first).

    Returns (n, ints, floats): ints rows (start, end, side, lots at start, open),
    floats rows (edge ticks at start, max edge ticks, net currency at start).
    """
    n = t.shape[0]
    ints = np.zeros((2 * n + 2, 5), np.int64)
    flts = np.zeros((2 * n + 2, 3))
    m = 0
    for side in (-1, 1):
        w = -1
        for k in range(n + 1):
            ok = False
            e = 0.0
            lots = 0
            v = 0.0
            if k < n and bs[k] > 0 and as_[k] > 0 and bf[k] > 0 and af[k] > 0:
                p_f = hedge_price(side, hedge, bf[k], af[k])
                e = edge_ticks(side, bs[k], as_[k], p_f, basis[k])
                lots = bqs[k] if side < 0 else aqs[k]
                if hedge == HEDGE_CROSS:
                    lots = min(lots, aqf[k] if side < 0 else bqf[k])
                if lots > 0 and e > 0:
                    v = net_value(side, hedge, bs[k], as_[k], p_f, basis[k], lots, value,
                                  fee_s, fee_f, cost)
                    ok = v > 0
            if ok and w < 0:
                w = m
                m += 1
                ints[w, 0] = t[k]
                ints[w, 2] = side
                ints[w, 3] = lots
                flts[w, 0] = e
                flts[w, 1] = e
                flts[w, 2] = v
            elif ok:
                flts[w, 1] = max(flts[w, 1], e)
            elif w >= 0:
                ints[w, 1] = t[k] if k < n else t[n - 1]
                ints[w, 4] = 1 if k == n else 0
                w = -1
    return m, ints, flts


@nb.njit(cache=True)
def ewma_basis(t, bs, as_, bf, af, halflife):
    """Causal basis (ticks) per row: the time-decayed EWMA (half-life ns) of fast mid minus
    slow mid over the rows before it (rows with an empty side skipped); 0 until the first."""
    n = t.shape[0]
    out = np.zeros(n)
    b = 0.0
    last = -1
    for k in range(n):
        out[k] = b
        if bs[k] > 0 and as_[k] > 0 and bf[k] > 0 and af[k] > 0:
            x = 0.5 * (bf[k] + af[k]) - 0.5 * (bs[k] + as_[k])
            if last < 0:
                b = x
            else:
                b += decay(t[k] - t[last], halflife) * (x - b)
            last = k
    return out
