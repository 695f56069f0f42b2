"""Compiled DollarNeutralMM: EWMA covariance on a fixed clock, the quote and hedge plan,
and the step the engine calls (both forms run plan(); see dollar_neutral.py).

Units: prices in ticks of each instrument, sizes in lots, money in the account currency
(value[i] = currency per tick per lot), bps = 1e-4 of the mid, times in ns. Dollar
exposure of instrument i: d_i = position_i * mid_i * value[i]; net = sum d_i, gross =
sum |d_i|.

Covariance: RiskMetrics (J.P. Morgan 1996) zero-mean EWMA of log mid returns sampled
every P_SAMPLE_NS of host time, S <- lam S + (1 - lam) r r' with lam = 0.5 ** (1 /
halflife in samples). Beta of instrument i to the equal-weighted index of the N
instruments: beta_i = mean_j S_ij / mean_jk S_jk (1 before P_MIN_SAMPLES samples);
beta-weighted exposure = sum beta_i d_i.

params: [P_N .. P_HIST] scalars, then value[N], book[N]. state: the S_* scalars, then
last_mid[N], cov[N * N], history[H * 4] rows (ts, net, gross, beta-weighted net), one per
covariance sample (S_HIST_LOST counts samples past H). The plan is an (N + 1, 4) int64
array: rows i = (bid, ask, bid lots, ask lots) of instrument i (0 lots: no quote), row N
= (book, side, lots, 0) of a taker hedge (0 lots: none).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from hftlab.core.layout import W_FILL, W_START, W_TIMER
from hftlab.engine.api_nb import market, position, requote
from hftlab.engine.loop_nb import STRATEGY_SIG
from hftlab.strategies.quoting_nb import params_and_state

IOC = 1
(P_N, P_BAND, P_HARD, P_SKEW_BPS, P_INV_SKEW_BPS, P_HALF_BPS, P_QUOTE_NOTIONAL,
 P_MAX_POS_NOTIONAL, P_FEE_BPS, P_SAMPLE_NS, P_HALFLIFE, P_MIN_SAMPLES, P_HIST,
 P_TIF) = range(14)
P_SCALARS = 14
(S_LAST_SAMPLE, S_SAMPLES, S_HEDGES, S_HEDGE_LOTS, S_OVER_SINCE, S_OVER_MAX, S_NET,
 S_GROSS, S_BETA_NET, S_HIST_N, S_HIST_LOST, S_MAX_ABS_NET) = range(12)
S_SCALARS = 12
HIST_COLS = 4


def n_params(n: int) -> int:
    return P_SCALARS + 2 * n


def n_state(n: int, history: int) -> int:
    return S_SCALARS + n + n * n + history * HIST_COLS


@nb.njit(cache=True)
def _mid(bid, ask):
    return 0.5 * (bid + ask) if bid > 0 and ask > 0 else np.nan


@nb.njit(cache=True)
def exposures(params, bids, asks, pos, d):
    """Fill d with each instrument's dollar exposure; returns (net, gross)."""
    n = np.int64(params[P_N])
    net = 0.0
    gross = 0.0
    for i in range(n):
        m = _mid(bids[i], asks[i])
        d[i] = 0.0 if math.isnan(m) else pos[i] * m * params[P_SCALARS + i]
        net += d[i]
        gross += abs(d[i])
    return net, gross


@nb.njit(cache=True)
def betas(params, state, out):
    """Beta of each instrument to the equal-weighted index (0 before any estimate)."""
    n = np.int64(params[P_N])
    c0 = S_SCALARS + n
    total = 0.0
    for i in range(n):
        row = 0.0
        for j in range(n):
            row += state[c0 + i * n + j]
        out[i] = row / n
        total += row
    var_m = total / (n * n)
    for i in range(n):
        out[i] = out[i] / var_m if var_m > 0 else 0.0


@nb.njit(cache=True)
def sample(params, state, now, bids, asks, d, net, gross):
    """On the covariance clock: update the EWMA covariance and write a history row."""
    n = np.int64(params[P_N])
    if state[S_SAMPLES] > 0 and now - state[S_LAST_SAMPLE] < params[P_SAMPLE_NS]:
        return
    state[S_LAST_SAMPLE] = now
    m0 = S_SCALARS
    c0 = m0 + n
    r = np.zeros(n)
    ready = True
    for i in range(n):
        m = _mid(bids[i], asks[i])
        if math.isnan(m) or state[m0 + i] <= 0:
            ready = False
        else:
            r[i] = math.log(m / state[m0 + i])
        if not math.isnan(m):
            state[m0 + i] = m
    if ready:
        lam = 0.5 ** (1.0 / params[P_HALFLIFE])
        for i in range(n):
            for j in range(n):
                k = c0 + i * n + j
                state[k] = lam * state[k] + (1.0 - lam) * r[i] * r[j]
        state[S_SAMPLES] += 1
    elif state[S_SAMPLES] == 0:
        state[S_SAMPLES] = 0.5  # started (mids stored), no return yet
    b = np.ones(n)  # beta 1 until the covariance has min_samples samples
    if state[S_SAMPLES] >= params[P_MIN_SAMPLES]:
        betas(params, state, b)
    bnet = 0.0
    for i in range(n):
        bnet += b[i] * d[i]
    state[S_BETA_NET] = bnet
    h = np.int64(state[S_HIST_N])
    if h < params[P_HIST]:
        o = c0 + n * n + h * HIST_COLS
        state[o], state[o + 1], state[o + 2], state[o + 3] = now, net, gross, bnet
        state[S_HIST_N] += 1
    else:
        state[S_HIST_LOST] += 1


@nb.njit(cache=True)
def plan(params, state, now, bids, asks, pos, hedge_pending, out):
    """The quotes and hedge for this wake-up (module docstring); out is (N + 1, 4)."""
    n = np.int64(params[P_N])
    out[:, :] = 0
    d = np.zeros(n)
    net, gross = exposures(params, bids, asks, pos, d)
    state[S_NET], state[S_GROSS] = net, gross
    state[S_MAX_ABS_NET] = max(state[S_MAX_ABS_NET], abs(net))
    sample(params, state, now, bids, asks, d, net, gross)
    band, hard = params[P_BAND], params[P_HARD]
    # how long |net| has been past the hard band (host view)
    if abs(net) > hard:
        if state[S_OVER_SINCE] == 0:
            state[S_OVER_SINCE] = now
        state[S_OVER_MAX] = max(state[S_OVER_MAX], now - state[S_OVER_SINCE])
    elif state[S_OVER_SINCE] != 0:  # back inside: the crossing lasted until now
        state[S_OVER_MAX] = max(state[S_OVER_MAX], now - state[S_OVER_SINCE])
        state[S_OVER_SINCE] = 0
    # covariance of each instrument with the portfolio: c_i = sum_j S_ij d_j
    c0 = S_SCALARS + n
    sgn = 1.0 if net > 0 else -1.0
    w = np.ones(n)
    if state[S_SAMPLES] >= params[P_MIN_SAMPLES] and net != 0:
        top = 0.0
        for i in range(n):
            ci = 0.0
            for j in range(n):
                ci += state[c0 + i * n + j] * d[j]
            w[i] = max(ci * sgn, 0.0)
            top = max(top, w[i])
        for i in range(n):
            w[i] = w[i] / top if top > 0 else 1.0
    push = max(-1.0, min(1.0, net / band))  # > 0: long dollars, lean to selling
    buy_room = max(band - net, 0.0) / n
    sell_room = max(band + net, 0.0) / n
    cap = params[P_MAX_POS_NOTIONAL]
    for i in range(n):
        bb, ba = bids[i], asks[i]
        if bb <= 0 or ba <= 0:
            continue
        m = 0.5 * (bb + ba)
        per_lot = m * params[P_SCALARS + i]  # currency per lot
        shift_bps = -params[P_SKEW_BPS] * push * w[i] - params[P_INV_SKEW_BPS] * d[i] / cap
        r = m * (1.0 + 1e-4 * shift_bps)
        h = max(0.5 * (ba - bb), 1e-4 * params[P_HALF_BPS] * m)
        bid = min(np.int64(math.floor(r - h)), ba - 1)
        ask = max(np.int64(math.ceil(r + h)), bb + 1)
        q = max(np.int64(params[P_QUOTE_NOTIONAL] / per_lot), 1)
        long_room = np.int64(math.floor((cap - d[i]) / per_lot))
        short_room = np.int64(math.floor((cap + d[i]) / per_lot))
        bq = min(q, long_room, np.int64(math.floor(buy_room / per_lot)))
        aq = min(q, short_room, np.int64(math.floor(sell_room / per_lot)))
        out[i, 0], out[i, 1] = bid, ask
        out[i, 2], out[i, 3] = max(bq, 0), max(aq, 0)
    if abs(net) > hard and not hedge_pending:
        best, best_cost = -1, np.inf
        for i in range(n):
            bb, ba = bids[i], asks[i]
            if bb <= 0 or ba <= 0:
                continue
            m = 0.5 * (bb + ba)
            # cost per currency of exposure offset: taker fee + half the quoted spread
            cost = 1e-4 * params[P_FEE_BPS] + 0.5 * (ba - bb) / m
            if cost < best_cost:
                best, best_cost = i, cost
        if best >= 0:
            per_lot = 0.5 * (bids[best] + asks[best]) * params[P_SCALARS + best]
            lots = max(np.int64(round(abs(net) / per_lot)), 1)
            out[n, 0] = np.int64(params[P_SCALARS + n + best])
            out[n, 1] = -1 if net > 0 else 1
            out[n, 2] = lots
            state[S_HEDGES] += 1
            state[S_HEDGE_LOTS] += lots


@nb.njit(cache=True)
def hedge_in_flight(view):
    """True while an IOC order of ours (a hedge) is open or in flight."""
    for k in range(view.clock[0].n_active):
        o = view.orders[view.active[k]]
        if o.status <= 2 and o.tif == IOC:
            return True
    return False


@nb.njit(STRATEGY_SIG, cache=True)
def dollar_neutral_step(reason, book, view, orders, raw):
    """The compiled form: plan() on timer and fill wake-ups, then requote every book and
    send the hedge (the Python form does the same through its Context)."""
    params, state = params_and_state(raw)
    if reason == W_START:
        state[:] = 0.0
        return 0
    if reason != W_TIMER and reason != W_FILL:
        return 0
    n = np.int64(params[P_N])
    bids = np.zeros(n, np.int64)
    asks = np.zeros(n, np.int64)
    pos = np.zeros(n)
    for i in range(n):
        b = view.books[np.int64(params[P_SCALARS + n + i])]
        bids[i], asks[i] = b.bid, b.ask
        pos[i] = position(view, b.instrument)
    out = np.zeros((n + 1, 4), np.int64)
    plan(params, state, view.clock[0].now, bids, asks, pos, hedge_in_flight(view), out)
    tif = np.int64(params[P_TIF])
    for i in range(n):
        if bids[i] <= 0 or asks[i] <= 0:
            continue
        b = np.int64(params[P_SCALARS + n + i])
        requote(view, orders, b, 1, out[i, 0], out[i, 2], tif)
        requote(view, orders, b, -1, out[i, 1], out[i, 3], tif)
    if out[n, 2] > 0:
        market(view, orders, out[n, 0], out[n, 1], out[n, 2])
    return 0
