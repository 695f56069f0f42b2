"""Compiled PairsTrader: online hedge ratio (Kalman filter or rolling OLS), the spread's
z-score, entry / exit / stop / holding-time rules with costs, a correlation guard, and the
step the engine calls (both forms run plan(); see pairs.py).

Legs 0..m-1 trade book[j]; leg 0 is y, legs 1.. are x_1..x_k (k = m - 1). On a fixed
clock (sample_ns of host time) each leg's log mid relative to its first mid, l_j =
log(mid_j / mid_j(first)), updates the model y = a + b' x + e:

- Kalman (METHOD_KALMAN): theta = (a, b) a random walk with covariance delta / (1 -
  delta) I, observation variance obs_var (Chan 2013, "Algorithmic Trading", ch. 3);
- rolling OLS (METHOD_OLS): least squares over the last `window` samples.

The spread s = l_0 - b' x (a fraction: log units of y) has an EWMA mean and variance
(halflife z_halflife samples) and z = (s - mean) / sd. Positions are in dollars: a
long spread holds `notional` of y and -b_j notional of x_j (b is a ratio of log
returns, so of dollar moves), as lots at the mids of entry; they stay until exit.
Enter when |z| >= entry and the expected edge (|z| - exit) sd notional is at least
cost_mult times the round trip's cost (taker fee bps + half the quoted spread, both
ways, on every leg's notional); exit at |z| <= exit; stop at |z| >= stop (then no new
entry until |z| < entry); flatten past max_hold_ns. Correlation guard: the mean
pairwise EWMA correlation of the legs' sample returns (RiskMetrics zero-mean, halflife
corr_halflife samples, the estimator of the risk monitor) below corr_threshold
flattens and blocks entries until it recovers (NaN threshold: off).

The state bytes are one PAIRS_DTYPE record (params, state: per-leg arrays of MAX_LEGS,
the first m used) and then the rolling-OLS ring, float64 (window, m) log mids;
pairs_record builds it, ``rec.strategy_state`` returns it by name. Times
are compared as float64, as they always were (so the records stay as they were).

plan() writes an (m, 4) int64 array: (book, target lots, best bid, best ask) per leg;
the forms then trade the difference between target and position, as one IOC market
order per leg with none in flight (taker) or a POST_ONLY quote at the touch (passive).
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from hftlab.core.layout import W_START, W_TIMER
from hftlab.engine.api_nb import market, position, requote_both
from hftlab.engine.interface_nb import STRATEGY_SIG

METHOD_KALMAN, METHOD_OLS = 0, 1
TAKER, PASSIVE = 0, 1
IOC, POST_ONLY = 1, 3
MAX_LEGS = 5
I8, F8 = np.int64, np.float64
PARAMS_DTYPE = np.dtype([
    ("m", I8), ("method", I8), ("delta", F8), ("obs_var", F8), ("window", I8),
    ("sample_ns", I8), ("z_halflife", F8), ("entry_z", F8), ("exit_z", F8), ("stop_z", F8),
    ("max_hold_ns", I8), ("notional", F8), ("execution", I8), ("warmup", I8),
    ("corr_threshold", F8), ("corr_halflife", F8), ("corr_min", I8), ("cost_mult", F8),
    # per leg: currency per tick per lot, book index, taker fee (bps)
    ("value", F8, (MAX_LEGS,)), ("book", I8, (MAX_LEGS,)), ("fee_bps", F8, (MAX_LEGS,)),
])
STATE_DTYPE = np.dtype([
    ("last", I8),  # host time of the last sample (0: none yet)
    ("n", I8), ("mode", I8),  # samples; 0 flat, +1 long / -1 short the spread
    ("entry_t", I8), ("blocked", I8), ("mean", F8), ("var", F8), ("z", F8), ("spread", F8),
    ("corr", F8), ("corr_n", I8), ("guard", I8),
    ("entries", I8), ("exits", I8), ("stops", I8), ("timeouts", I8), ("guard_stops", I8),
    ("cost", F8),  # estimated costs of the trades entered (currency)
    ("ring_n", I8),  # rows of the ring in use
    # per leg: first and last sampled mids (ticks), (a, b_1..) and the Kalman covariance,
    # the EWMA covariance of the legs' returns, target lots
    ("first_mid", F8, (MAX_LEGS,)), ("last_mid", F8, (MAX_LEGS,)), ("theta", F8, (MAX_LEGS,)),
    ("cov_p", F8, (MAX_LEGS, MAX_LEGS)), ("ret_cov", F8, (MAX_LEGS, MAX_LEGS)),
    ("target", I8, (MAX_LEGS,)),
])
PAIRS_DTYPE = np.dtype([("params", PARAMS_DTYPE), ("state", STATE_DTYPE)])
PARAMS_BYTES, PAIRS_BYTES = PARAMS_DTYPE.itemsize, PAIRS_DTYPE.itemsize  # then the ring


def pairs_record(params: np.ndarray, state: np.ndarray, ring: np.ndarray) -> np.ndarray:
    """The one-row state record of the compiled form: params, state, then the ring."""
    rec = np.zeros(1, [("params", PARAMS_DTYPE), ("state", STATE_DTYPE),
                       ("ring", F8, ring.shape)])
    rec["params"], rec["state"], rec["ring"][0] = params, state, ring
    return rec


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
def observe(params, state, ring, lmid):
    """Update the hedge ratio and the spread's statistics with log mids lmid (relative to
    the first ones); returns the spread."""
    m = params.m
    theta = state.theta[:m]
    if params.method == METHOD_KALMAN:
        h = np.ones(m)
        for j in range(1, m):
            h[j] = lmid[j]
        kalman_update(theta, state.cov_p[:m, :m], h, lmid[0], params.delta, params.obs_var)
    else:
        r = state.n % params.window
        for j in range(m):
            ring[r, j] = lmid[j]
        rows = min(state.n + 1, params.window)
        state.ring_n = rows
        if rows >= m + 1:
            ols_fit(ring, rows, theta)
    s = lmid[0]
    for j in range(1, m):
        s -= theta[j] * lmid[j]
    lam = 0.5 ** (1.0 / params.z_halflife)
    if state.n == 0:
        state.mean = s
        state.var = 0.0
    else:
        dev = s - state.mean
        state.mean += (1.0 - lam) * dev
        state.var = lam * (state.var + (1.0 - lam) * dev * dev)
    state.spread = s
    state.n += 1
    sd = math.sqrt(state.var)
    state.z = (s - state.mean) / sd if sd > 0 else 0.0
    return s


@nb.njit(cache=True)
def correlation(params, state, ret):
    """EWMA mean pairwise correlation of the legs' returns (the risk monitor's estimator)."""
    m = params.m
    rc = state.ret_cov
    lam = 0.5 ** (1.0 / params.corr_halflife)
    for i in range(m):
        for j in range(m):
            rc[i, j] = lam * rc[i, j] + (1.0 - lam) * ret[i] * ret[j]
    state.corr_n += 1
    total = 0.0
    count = 0
    for i in range(m):
        for j in range(i + 1, m):
            if rc[i, i] > 0 and rc[j, j] > 0:
                total += rc[i, j] / math.sqrt(rc[i, i] * rc[j, j])
                count += 1
    if count > 0:
        state.corr = total / count


@nb.njit(cache=True)
def _round_trip_cost(params, bids, asks, target_dollars):
    cost = 0.0
    for j in range(params.m):
        mid = 0.5 * (bids[j] + asks[j])
        rate = 1e-4 * params.fee_bps[j] + 0.5 * (asks[j] - bids[j]) / mid
        cost += 2.0 * abs(target_dollars[j]) * rate
    return cost


@nb.njit(cache=True)
def plan(params, state, ring, now, bids, asks, out):
    """Targets for this wake-up (module docstring); out is (m, 4)."""
    m = params.m
    for j in range(m):
        out[j, 0] = params.book[j]
        out[j, 2], out[j, 3] = bids[j], asks[j]
    ok = True
    for j in range(m):
        if bids[j] <= 0 or asks[j] <= 0:
            ok = False
    due = state.last == 0 or float(now) - float(state.last) >= params.sample_ns
    if ok and due:
        state.last = now
        lmid = np.zeros(m)
        ret = np.zeros(m)
        first = state.first_mid[0] == 0
        for j in range(m):
            mid = 0.5 * (bids[j] + asks[j])
            if first:
                state.first_mid[j] = mid
                state.last_mid[j] = mid
                state.cov_p[j, j] = 1.0
            lmid[j] = math.log(mid / state.first_mid[j])
            ret[j] = math.log(mid / state.last_mid[j])
            state.last_mid[j] = mid
        if not first:
            correlation(params, state, ret)
        observe(params, state, ring, lmid)
        decide(params, state, now, bids, asks)
    for j in range(m):
        out[j, 1] = state.target[j]


@nb.njit(cache=True)
def decide(params, state, now, bids, asks):
    """Entry, exit, stop, holding time and the correlation guard, on a new sample; sets
    state.target."""
    m = params.m
    z = state.z
    mode = state.mode
    thr = params.corr_threshold
    guard = False
    if not math.isnan(thr) and state.corr_n >= params.corr_min:
        guard = state.corr < thr
    state.guard = 1 if guard else 0
    if mode != 0:
        closed = True
        if guard:
            state.guard_stops += 1
        elif abs(z) >= params.stop_z:
            state.stops += 1
            state.blocked = 1
        elif float(now) - float(state.entry_t) > params.max_hold_ns:
            state.timeouts += 1
            state.blocked = 1
        elif mode * z >= -params.exit_z:  # back to (or past) the mean
            state.exits += 1
        else:
            closed = False
        if closed:
            state.mode = 0
            state.target[:m] = 0
        return
    if state.blocked != 0:
        if abs(z) < params.entry_z:
            state.blocked = 0
        return
    if guard or state.n < params.warmup or abs(z) < params.entry_z or abs(z) >= params.stop_z:
        return
    side = -1 if z > 0 else 1  # z high: spread rich, sell y and buy the hedge
    dollars = np.zeros(m)
    dollars[0] = side * params.notional
    for j in range(1, m):
        dollars[j] = -state.theta[j] * dollars[0]
    edge = (abs(z) - params.exit_z) * math.sqrt(state.var) * params.notional
    cost = _round_trip_cost(params, bids, asks, dollars)
    if edge < params.cost_mult * cost:
        return
    lots = np.zeros(m, np.int64)
    for j in range(m):
        per_lot = 0.5 * (bids[j] + asks[j]) * params.value[j]
        lots[j] = np.int64(round(dollars[j] / per_lot))
    if lots[0] == 0:
        return
    state.target[:m] = lots
    state.mode = side
    state.entry_t = now
    state.entries += 1
    state.cost += 0.5 * cost


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
    rec = raw[:PAIRS_BYTES].view(PAIRS_DTYPE)[0]
    params, state = rec.params, rec.state
    m = params.m
    ring = raw[PAIRS_BYTES:].view(np.float64).reshape(params.window, m)
    if reason == W_START:
        raw[PARAMS_BYTES:] = 0  # a fresh state and ring
        return 0
    if reason != W_TIMER:
        return 0
    bids = np.zeros(m, np.int64)
    asks = np.zeros(m, np.int64)
    for j in range(m):
        b = view.books[params.book[j]]
        bids[j], asks[j] = b.bid, b.ask
    out = np.zeros((m, 4), np.int64)
    plan(params, state, ring, view.clock[0].now, bids, asks, out)
    passive = params.execution == PASSIVE
    for j in range(m):
        b = out[j, 0]
        diff = out[j, 1] - np.int64(position(view, view.books[b].instrument))
        if passive:
            if out[j, 2] > 0 and out[j, 3] > 0:
                requote_both(view, orders, b, out[j, 2], max(diff, 0), out[j, 3], max(-diff, 0),
                             POST_ONLY)
        elif diff != 0 and not ioc_in_flight(view, b):
            market(view, orders, b, 1 if diff > 0 else -1, abs(diff))
    return 0
