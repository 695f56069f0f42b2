"""Compiled PairsTrader: online hedge ratio (Kalman filter or rolling OLS), the spread's
z-score, entry / exit / stop / holding-time rules with costs, a correlation guard, and the
step the engine calls (both forms run plan(); see pairs.py).

Legs 0..m-1 trade books[j]; leg 0 is y, legs 1.. are x_1..x_k (k = m - 1). On a fixed
clock (P_SAMPLE_NS of host time) each leg's log mid relative to its first mid, l_j =
log(mid_j / mid_j(first)), updates the model y = a + b' x + e:

- Kalman (METHOD_KALMAN): theta = (a, b) a random walk with covariance delta / (1 -
  delta) I, observation variance P_OBS_VAR (Chan 2013, "Algorithmic Trading", ch. 3);
- rolling OLS (METHOD_OLS): least squares over the last P_WINDOW samples.

The spread s = l_0 - b' x (a fraction: log units of y) has an EWMA mean and variance
(halflife P_Z_HALFLIFE samples) and z = (s - mean) / sd. Positions are in dollars: a
long spread holds P_NOTIONAL of y and -b_j P_NOTIONAL of x_j (b is a ratio of log
returns, so of dollar moves), as lots at the mids of entry; they stay until exit.
Enter when |z| >= entry and the expected edge (|z| - exit) sd P_NOTIONAL is at least
P_COST_MULT times the round trip's cost (taker fee bps + half the quoted spread, both
ways, on every leg's notional); exit at |z| <= exit; stop at |z| >= stop (then no new
entry until |z| < entry); flatten past P_MAX_HOLD_NS. Correlation guard: the mean
pairwise EWMA correlation of the legs' sample returns (RiskMetrics zero-mean, halflife
P_CORR_HALFLIFE samples, the estimator of the risk monitor) below P_CORR_THRESHOLD
flattens and blocks entries until it recovers (NaN threshold: off).

plan() writes an (m, 4) int64 array: (book, target lots, best bid, best ask) per leg;
the forms then trade the difference between target and position, as one IOC market
order per leg with none in flight (taker) or a POST_ONLY quote at the touch (passive).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from hftlab.core.layout import W_START, W_TIMER
from hftlab.engine.api_nb import market, position, requote
from hftlab.engine.loop_nb import STRATEGY_SIG
from hftlab.strategies.quoting_nb import params_and_state

METHOD_KALMAN, METHOD_OLS = 0, 1
TAKER, PASSIVE = 0, 1
IOC, POST_ONLY = 1, 3
(P_M, P_METHOD, P_DELTA, P_OBS_VAR, P_WINDOW, P_SAMPLE_NS, P_Z_HALFLIFE, P_ENTRY, P_EXIT,
 P_STOP, P_MAX_HOLD_NS, P_NOTIONAL, P_EXEC, P_WARMUP, P_CORR_THRESHOLD, P_CORR_HALFLIFE,
 P_CORR_MIN, P_COST_MULT) = range(18)
P_SCALARS = 18  # then value[m], book[m], fee_bps[m]
(S_LAST, S_N, S_MODE, S_ENTRY_T, S_BLOCKED, S_MEAN, S_VAR, S_Z, S_SPREAD, S_CORR,
 S_CORR_N, S_GUARD, S_ENTRIES, S_EXITS, S_STOPS, S_TIMEOUTS, S_GUARD_STOPS, S_COST,
 S_RING_N) = range(19)
S_SCALARS = 19
STATE_ARRAYS = ("first_mid", "last_mid", "theta", "cov_p", "ret_cov", "target", "ring")


def n_params(m: int) -> int:
    return P_SCALARS + 3 * m


def offsets(m: int, window: int) -> dict[str, int]:
    """Start of each state array (first_mid, last_mid, theta, cov_p, ret_cov, target,
    ring) and the total size."""
    sizes = (m, m, m, m * m, m * m, m, window * m)
    out, o = {}, S_SCALARS
    for name, size in zip(STATE_ARRAYS, sizes):
        out[name] = o
        o += size
    out["size"] = o
    return out


@nb.njit(cache=True)
def _offs(m, window):
    o_first = S_SCALARS
    o_last = o_first + m
    o_theta = o_last + m
    o_p = o_theta + m
    o_rc = o_p + m * m
    o_target = o_rc + m * m
    o_ring = o_target + m
    return o_first, o_last, o_theta, o_p, o_rc, o_target, o_ring


@nb.njit(cache=True)
def kalman_update(theta, pmat, h, y, delta, obs_var):
    """One Kalman step of y = h' theta + v, theta a random walk; returns the innovation."""
    d = len(theta)
    q = delta / (1.0 - delta)
    for i in range(d):
        pmat[i, i] += q
    ph = np.zeros(d)
    s = obs_var
    e = y
    for i in range(d):
        for j in range(d):
            ph[i] += pmat[i, j] * h[j]
        s += h[i] * ph[i]
        e -= h[i] * theta[i]
    gain = ph / s
    for i in range(d):
        theta[i] += gain[i] * e
    for i in range(d):
        for j in range(d):
            pmat[i, j] -= gain[i] * ph[j]
    return e


@nb.njit(cache=True)
def ols_fit(ring, rows, theta):
    """Least squares of column 0 on (1, columns 1..) over the first rows rows of ring."""
    m = ring.shape[1]
    xtx = np.zeros((m, m))
    xty = np.zeros(m)
    h = np.ones(m)
    for r in range(rows):
        for j in range(1, m):
            h[j] = ring[r, j]
        for i in range(m):
            xty[i] += h[i] * ring[r, 0]
            for j in range(m):
                xtx[i, j] += h[i] * h[j]
    for i in range(m):
        xtx[i, i] += 1e-12 * (1.0 + xtx[i, i])  # ridge: a flat window stays solvable
    sol = np.linalg.solve(xtx, xty)
    for i in range(m):
        theta[i] = sol[i]


@nb.njit(cache=True)
def observe(params, state, lmid):
    """Update the hedge ratio and the spread's statistics with log mids lmid (relative to
    the first ones); returns the spread."""
    m = np.int64(params[P_M])
    win = np.int64(params[P_WINDOW])
    o_first, o_last, o_theta, o_p, o_rc, o_target, o_ring = _offs(m, win)
    theta = state[o_theta:o_theta + m]
    if np.int64(params[P_METHOD]) == METHOD_KALMAN:
        pmat = state[o_p:o_p + m * m].reshape(m, m)
        h = np.ones(m)
        for j in range(1, m):
            h[j] = lmid[j]
        kalman_update(theta, pmat, h, lmid[0], params[P_DELTA], params[P_OBS_VAR])
    else:
        ring = state[o_ring:o_ring + win * m].reshape(win, m)
        r = np.int64(state[S_N]) % win
        for j in range(m):
            ring[r, j] = lmid[j]
        rows = min(np.int64(state[S_N]) + 1, win)
        state[S_RING_N] = rows
        if rows >= m + 1:
            ols_fit(ring, rows, theta)
    s = lmid[0]
    for j in range(1, m):
        s -= theta[j] * lmid[j]
    lam = 0.5 ** (1.0 / params[P_Z_HALFLIFE])
    if state[S_N] == 0:
        state[S_MEAN] = s
        state[S_VAR] = 0.0
    else:
        dev = s - state[S_MEAN]
        state[S_MEAN] += (1.0 - lam) * dev
        state[S_VAR] = lam * (state[S_VAR] + (1.0 - lam) * dev * dev)
    state[S_SPREAD] = s
    state[S_N] += 1
    sd = math.sqrt(state[S_VAR])
    state[S_Z] = (s - state[S_MEAN]) / sd if sd > 0 else 0.0
    return s


@nb.njit(cache=True)
def correlation(params, state, ret):
    """EWMA mean pairwise correlation of the legs' returns (the risk monitor's estimator)."""
    m = np.int64(params[P_M])
    o_rc = _offs(m, np.int64(params[P_WINDOW]))[4]
    rc = state[o_rc:o_rc + m * m].reshape(m, m)
    lam = 0.5 ** (1.0 / params[P_CORR_HALFLIFE])
    for i in range(m):
        for j in range(m):
            rc[i, j] = lam * rc[i, j] + (1.0 - lam) * ret[i] * ret[j]
    state[S_CORR_N] += 1
    total = 0.0
    count = 0
    for i in range(m):
        for j in range(i + 1, m):
            if rc[i, i] > 0 and rc[j, j] > 0:
                total += rc[i, j] / math.sqrt(rc[i, i] * rc[j, j])
                count += 1
    if count > 0:
        state[S_CORR] = total / count


@nb.njit(cache=True)
def _round_trip_cost(params, bids, asks, target_dollars):
    m = np.int64(params[P_M])
    cost = 0.0
    for j in range(m):
        mid = 0.5 * (bids[j] + asks[j])
        rate = 1e-4 * params[P_SCALARS + 2 * m + j] + 0.5 * (asks[j] - bids[j]) / mid
        cost += 2.0 * abs(target_dollars[j]) * rate
    return cost


@nb.njit(cache=True)
def plan(params, state, now, bids, asks, out):
    """Targets for this wake-up (module docstring); out is (m, 4)."""
    m = np.int64(params[P_M])
    win = np.int64(params[P_WINDOW])
    o_first, o_last, o_theta, o_p, o_rc, o_target, o_ring = _offs(m, win)
    target = state[o_target:o_target + m]
    for j in range(m):
        out[j, 0] = np.int64(params[P_SCALARS + m + j])
        out[j, 2], out[j, 3] = bids[j], asks[j]
    ok = True
    for j in range(m):
        if bids[j] <= 0 or asks[j] <= 0:
            ok = False
    due = state[S_LAST] == 0 or now - state[S_LAST] >= params[P_SAMPLE_NS]
    if ok and due:
        state[S_LAST] = now
        lmid = np.zeros(m)
        ret = np.zeros(m)
        first = state[o_first] == 0
        for j in range(m):
            mid = 0.5 * (bids[j] + asks[j])
            if first:
                state[o_first + j] = mid
                state[o_last + j] = mid
                pm = state[o_p:o_p + m * m].reshape(m, m)
                pm[j, j] = 1.0
            lmid[j] = math.log(mid / state[o_first + j])
            ret[j] = math.log(mid / state[o_last + j])
            state[o_last + j] = mid
        if not first:
            correlation(params, state, ret)
        observe(params, state, lmid)
        decide(params, state, now, bids, asks, target)
    for j in range(m):
        out[j, 1] = np.int64(target[j])


@nb.njit(cache=True)
def decide(params, state, now, bids, asks, target):
    """Entry, exit, stop, holding time and the correlation guard, on a new sample."""
    m = np.int64(params[P_M])
    o_theta = _offs(m, np.int64(params[P_WINDOW]))[2]
    z = state[S_Z]
    mode = state[S_MODE]
    thr = params[P_CORR_THRESHOLD]
    guard = False
    if not math.isnan(thr) and state[S_CORR_N] >= params[P_CORR_MIN]:
        guard = state[S_CORR] < thr
    state[S_GUARD] = 1.0 if guard else 0.0
    if mode != 0:
        reason = 0
        if guard:
            reason = S_GUARD_STOPS
        elif abs(z) >= params[P_STOP]:
            reason = S_STOPS
            state[S_BLOCKED] = 1.0
        elif now - state[S_ENTRY_T] > params[P_MAX_HOLD_NS]:
            reason = S_TIMEOUTS
            state[S_BLOCKED] = 1.0
        elif mode * z >= -params[P_EXIT]:  # back to (or past) the mean
            reason = S_EXITS
        if reason != 0:
            state[reason] += 1
            state[S_MODE] = 0.0
            for j in range(m):
                target[j] = 0.0
        return
    if state[S_BLOCKED] != 0:
        if abs(z) < params[P_ENTRY]:
            state[S_BLOCKED] = 0.0
        return
    if guard or state[S_N] < params[P_WARMUP] or abs(z) < params[P_ENTRY] \
            or abs(z) >= params[P_STOP]:
        return
    side = -1.0 if z > 0 else 1.0  # z high: spread rich, sell y and buy the hedge
    dollars = np.zeros(m)
    dollars[0] = side * params[P_NOTIONAL]
    for j in range(1, m):
        dollars[j] = -state[o_theta + j] * dollars[0]
    edge = (abs(z) - params[P_EXIT]) * math.sqrt(state[S_VAR]) * params[P_NOTIONAL]
    cost = _round_trip_cost(params, bids, asks, dollars)
    if edge < params[P_COST_MULT] * cost:
        return
    lots = np.zeros(m)
    for j in range(m):
        per_lot = 0.5 * (bids[j] + asks[j]) * params[P_SCALARS + j]
        lots[j] = float(np.int64(round(dollars[j] / per_lot)))
    if lots[0] == 0:
        return
    for j in range(m):
        target[j] = lots[j]
    state[S_MODE] = side
    state[S_ENTRY_T] = now
    state[S_ENTRIES] += 1
    state[S_COST] += 0.5 * cost


@nb.njit(cache=True)
def ioc_in_flight(view, book):
    """True while an IOC order of ours on book is open or in flight."""
    for k in range(view.clock[0].n_active):
        o = view.orders[view.active[k]]
        if o.book == book and o.status <= 2 and o.tif == IOC:
            return True
    return False


@nb.njit(STRATEGY_SIG, cache=True)
def pairs_step(reason, book, view, orders, raw):
    """The compiled form: plan() on the timer, then trade each leg to its target."""
    params, state = params_and_state(raw)
    if reason == W_START:
        state[:] = 0.0
        return 0
    if reason != W_TIMER:
        return 0
    m = np.int64(params[P_M])
    bids = np.zeros(m, np.int64)
    asks = np.zeros(m, np.int64)
    for j in range(m):
        b = view.books[np.int64(params[P_SCALARS + m + j])]
        bids[j], asks[j] = b.bid, b.ask
    out = np.zeros((m, 4), np.int64)
    plan(params, state, view.clock[0].now, bids, asks, out)
    passive = np.int64(params[P_EXEC]) == PASSIVE
    for j in range(m):
        b = out[j, 0]
        diff = out[j, 1] - np.int64(position(view, view.books[b].instrument))
        if passive:
            if out[j, 2] > 0 and out[j, 3] > 0:
                requote(view, orders, b, 1, out[j, 2], max(diff, 0), POST_ONLY)
                requote(view, orders, b, -1, out[j, 3], max(-diff, 0), POST_ONLY)
        elif diff != 0 and not ioc_in_flight(view, b):
            market(view, orders, b, 1 if diff > 0 else -1, abs(diff))
    return 0
