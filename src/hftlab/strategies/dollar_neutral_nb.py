"""Compiled DollarNeutralMM: EWMA covariance on a fixed clock, the quote and hedge plan,
and the step the engine calls (both forms run plan(); see dollar_neutral.py).

Units: prices in ticks of each instrument, sizes in lots, money in the account currency
(value[i] = currency per tick per lot), bps = 1e-4 of the mid, times in ns. Dollar
exposure of instrument i: d_i = position_i * mid_i * value[i]; net = sum d_i, gross =
sum |d_i|.

Covariance: RiskMetrics (J.P. Morgan 1996) zero-mean EWMA of log mid returns sampled
every sample_ns of host time, S <- lam S + (1 - lam) r r' with lam = 0.5 ** (1 /
halflife in samples). Beta of instrument i to the equal-weighted index of the N
instruments: beta_i = mean_j S_ij / mean_jk S_jk (1 before min_samples samples);
beta-weighted exposure = sum beta_i d_i.

The state bytes are one DN_DTYPE record (params, state) and then the per-instrument
arrays (Arrays, cut by ``arrays``): value[N], book[N], last_mid[N], cov[N, N], and
history_ts[H] with history[H, 3] (net, gross, beta-weighted net), one row per covariance
sample (state.hist_lost counts samples past H); dn_record builds it and
``rec.strategy_state`` returns it by name. The plan is an (N + 1, 4) int64 array: rows
i = (bid, ask, bid lots, ask lots) of instrument i (0 lots: no quote), row N = (book,
side, lots, 0) of a taker hedge (0 lots: none).
"""

from __future__ import annotations

import math
from collections import namedtuple

import numba as nb
import numpy as np

from hftlab.core.layout import W_FILL, W_START, W_TIMER
from hftlab.engine.api_nb import market, position, requote_both
from hftlab.engine.interface_nb import STRATEGY_SIG

IOC = 1
I8, F8 = np.int64, np.float64
PARAMS_DTYPE = np.dtype([
    ("n", I8), ("band", F8), ("hard_band", F8), ("skew_bps", F8), ("inventory_skew_bps", F8),
    ("half_spread_bps", F8), ("quote_notional", F8), ("max_position_notional", F8),
    ("taker_fee_bps", F8), ("sample_ns", I8), ("cov_halflife", F8), ("min_samples", I8),
    ("history", I8), ("tif", I8),
])
STATE_DTYPE = np.dtype([
    ("last_sample", I8), ("started", I8), ("samples", I8),  # samples: returns in cov
    ("hedges", I8), ("hedge_lots", I8),
    ("over_since", I8), ("over_max", I8),  # ns |net| past the hard band (since 0: inside)
    ("net", F8), ("gross", F8), ("beta_net", F8), ("hist_n", I8), ("hist_lost", I8),
    ("max_abs_net", F8),
])
DN_DTYPE = np.dtype([("params", PARAMS_DTYPE), ("state", STATE_DTYPE)])
PARAMS_BYTES, DN_BYTES = PARAMS_DTYPE.itemsize, DN_DTYPE.itemsize  # then the arrays
Arrays = namedtuple("Arrays", "value book last_mid cov history_ts history")


def dn_record(params: np.ndarray, values: np.ndarray, books: np.ndarray,
              history: int) -> np.ndarray:
    """The initial one-row record: params, a fresh state, then the arrays (module doc)."""
    n = len(values)
    rec = np.zeros(1, [("params", PARAMS_DTYPE), ("state", STATE_DTYPE),
                       ("value", F8, (n,)), ("book", I8, (n,)), ("last_mid", F8, (n,)),
                       ("cov", F8, (n, n)), ("history_ts", I8, (history,)),
                       ("history", F8, (history, 3))])
    rec["params"], rec["value"][0], rec["book"][0] = params, values, books
    return rec


def arrays_of(row: np.void) -> Arrays:
    """The arrays of a record row (the Python form's)."""
    return Arrays(*(row[name] for name in Arrays._fields))


@nb.njit(cache=True)
def arrays(tail, n, h):
    """The arrays in the bytes after the record (module doc), by name."""
    o1, o2, o3 = 8 * n, 16 * n, 24 * n
    o4 = o3 + 8 * n * n
    o5 = o4 + 8 * h
    return Arrays(tail[:o1].view(np.float64), tail[o1:o2].view(np.int64),
                  tail[o2:o3].view(np.float64), tail[o3:o4].view(np.float64).reshape(n, n),
                  tail[o4:o5].view(np.int64), tail[o5:o5 + 24 * h].view(np.float64).reshape(h, 3))


@nb.njit(cache=True)
def _mid(bid, ask):
    return 0.5 * (bid + ask) if bid > 0 and ask > 0 else np.nan


@nb.njit(cache=True)
def exposures(params, arr, bids, asks, pos, d):
    """Fill d with each instrument's dollar exposure; returns (net, gross)."""
    net = 0.0
    gross = 0.0
    for i in range(params.n):
        m = _mid(bids[i], asks[i])
        d[i] = 0.0 if math.isnan(m) else pos[i] * m * arr.value[i]
        net += d[i]
        gross += abs(d[i])
    return net, gross


@nb.njit(cache=True)
def betas(params, arr, out):
    """Beta of each instrument to the equal-weighted index (0 before any estimate)."""
    n = params.n
    total = 0.0
    for i in range(n):
        row = 0.0
        for j in range(n):
            row += arr.cov[i, j]
        out[i] = row / n
        total += row
    var_m = total / (n * n)
    for i in range(n):
        out[i] = out[i] / var_m if var_m > 0 else 0.0


@nb.njit(cache=True)
def sample(params, state, arr, now, bids, asks, d, net, gross):
    """On the covariance clock: update the EWMA covariance and write a history row."""
    n = params.n
    if state.started and float(now) - float(state.last_sample) < params.sample_ns:
        return
    state.last_sample = now
    r = np.zeros(n)
    ready = True
    for i in range(n):
        m = _mid(bids[i], asks[i])
        if math.isnan(m) or arr.last_mid[i] <= 0:
            ready = False
        else:
            r[i] = math.log(m / arr.last_mid[i])
        if not math.isnan(m):
            arr.last_mid[i] = m
    if ready:
        lam = 0.5 ** (1.0 / params.cov_halflife)
        for i in range(n):
            for j in range(n):
                arr.cov[i, j] = lam * arr.cov[i, j] + (1.0 - lam) * r[i] * r[j]
        state.samples += 1
    state.started = 1  # mids stored, returns from the next sample
    b = np.ones(n)  # beta 1 until the covariance has min_samples samples
    if state.samples >= params.min_samples:
        betas(params, arr, b)
    bnet = 0.0
    for i in range(n):
        bnet += b[i] * d[i]
    state.beta_net = bnet
    h = state.hist_n
    if h < params.history:
        arr.history_ts[h] = now
        arr.history[h, 0], arr.history[h, 1], arr.history[h, 2] = net, gross, bnet
        state.hist_n += 1
    else:
        state.hist_lost += 1


@nb.njit(cache=True)
def plan(params, state, arr, now, bids, asks, pos, hedge_pending, out):
    """The quotes and hedge for this wake-up (module docstring); out is (N + 1, 4)."""
    n = params.n
    out[:, :] = 0
    d = np.zeros(n)
    net, gross = exposures(params, arr, bids, asks, pos, d)
    state.net, state.gross = net, gross
    state.max_abs_net = max(state.max_abs_net, abs(net))
    sample(params, state, arr, now, bids, asks, d, net, gross)
    band, hard = params.band, params.hard_band
    # how long |net| has been past the hard band (host view)
    if abs(net) > hard:
        if state.over_since == 0:
            state.over_since = now
        state.over_max = max(state.over_max, now - state.over_since)
    elif state.over_since != 0:  # back inside: the crossing lasted until now
        state.over_max = max(state.over_max, now - state.over_since)
        state.over_since = 0
    # covariance of each instrument with the portfolio: c_i = sum_j S_ij d_j
    sgn = 1.0 if net > 0 else -1.0
    w = np.ones(n)
    if state.samples >= params.min_samples and net != 0:
        top = 0.0
        for i in range(n):
            ci = 0.0
            for j in range(n):
                ci += arr.cov[i, j] * d[j]
            w[i] = max(ci * sgn, 0.0)
            top = max(top, w[i])
        for i in range(n):
            w[i] = w[i] / top if top > 0 else 1.0
    push = max(-1.0, min(1.0, net / band))  # > 0: long dollars, lean to selling
    buy_room = max(band - net, 0.0) / n
    sell_room = max(band + net, 0.0) / n
    cap = params.max_position_notional
    for i in range(n):
        bb, ba = bids[i], asks[i]
        if bb <= 0 or ba <= 0:
            continue
        m = 0.5 * (bb + ba)
        per_lot = m * arr.value[i]  # currency per lot
        shift_bps = -params.skew_bps * push * w[i] - params.inventory_skew_bps * d[i] / cap
        r = m * (1.0 + 1e-4 * shift_bps)
        h = max(0.5 * (ba - bb), 1e-4 * params.half_spread_bps * m)
        bid = min(np.int64(math.floor(r - h)), ba - 1)
        ask = max(np.int64(math.ceil(r + h)), bb + 1)
        q = max(np.int64(params.quote_notional / per_lot), 1)
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
            cost = 1e-4 * params.taker_fee_bps + 0.5 * (ba - bb) / m
            if cost < best_cost:
                best, best_cost = i, cost
        if best >= 0:
            per_lot = 0.5 * (bids[best] + asks[best]) * arr.value[best]
            lots = max(np.int64(round(abs(net) / per_lot)), 1)
            out[n, 0] = arr.book[best]
            out[n, 1] = -1 if net > 0 else 1
            out[n, 2] = lots
            state.hedges += 1
            state.hedge_lots += lots


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
    rec = raw[:DN_BYTES].view(DN_DTYPE)[0]
    params, state = rec.params, rec.state
    n = params.n
    arr = arrays(raw[DN_BYTES:], n, params.history)
    if reason == W_START:  # a fresh state and arrays (value and book are params)
        raw[PARAMS_BYTES:DN_BYTES] = 0
        raw[DN_BYTES + 16 * n:] = 0
        return 0
    if reason != W_TIMER and reason != W_FILL:
        return 0
    bids = np.zeros(n, np.int64)
    asks = np.zeros(n, np.int64)
    pos = np.zeros(n, np.int64)
    for i in range(n):
        b = view.books[arr.book[i]]
        bids[i], asks[i] = b.bid, b.ask
        pos[i] = position(view, b.instrument)
    out = np.zeros((n + 1, 4), np.int64)
    plan(params, state, arr, view.clock[0].now, bids, asks, pos, hedge_in_flight(view), out)
    for i in range(n):
        if bids[i] <= 0 or asks[i] <= 0:
            continue
        b = arr.book[i]
        requote_both(view, orders, b, out[i, 0], out[i, 2], out[i, 1], out[i, 3], params.tif)
    if out[n, 2] > 0:
        market(view, orders, out[n, 0], out[n, 1], out[n, 2])
    return 0
