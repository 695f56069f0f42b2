"""Compiled pieces every built-in market maker shares: its records, sizing, rounding.

A maker's state bytes are one MAKER_DTYPE record, ``params`` (what its constructor set)
and ``state`` (what its rule keeps), followed by ``ring``: float64 values of a length
the maker chose (ToxicityAware's last `window` bucket imbalances; empty for the others).
Both records are declared once here, with a field for every rule: a maker sets the
params of its own rule and leaves the others 0, so one compile of the one skeleton
(strategies/makers_nb.py, dispatching on ``params.rule``) runs them all.
``rec.strategy_state`` of a compiled run is that record, fields by name.

Units: prices ticks, sizes lots, times ns since the epoch (host clock), model time
seconds. Intervals in seconds are computed as the makers always have (``seconds``):
from the times rounded to float64, so to 256 ns, which keeps their records as they were.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from hftlab.schema import Kind

I8, F8 = np.int64, np.float64
# quote rules (params.rule)
STATIC, INVENTORY_SKEW, AVELLANEDA_STOIKOV, GLFT, TOXICITY_AWARE = 0, 1, 2, 3, 4
FLOW_SKEW = 5  # InventorySkew with an order-flow term (flow_skew_nb)
NS = 1e9
NO_TIME = -1  # a time field not set yet (host times are ns since the epoch, never < 0)
N_BINS = 24  # GLFT's histogram of trade distances (bins of bin_ticks)
MAX_BUCKETS = 64  # FlowSkew's ring buckets at most

PARAMS_DTYPE = np.dtype([
    # every maker
    ("rule", I8), ("book", I8),
    ("tif", I8),  # a TimeInForce: POST_ONLY or GTC
    ("qty", I8), ("capacity", I8),  # lots
    ("sigma", F8),  # ticks per sqrt(s): fixed, or the prior of the EWMA estimate
    ("sigma_halflife_s", F8),  # 0: sigma fixed
    # Static, InventorySkew, ToxicityAware, FlowSkew (ticks)
    ("half_spread", F8), ("skew", F8),
    # AvellanedaStoikov and GLFT: gamma 1/(tick x lot), k 1/tick
    ("gamma", F8), ("k", F8),
    # AvellanedaStoikov
    ("horizon_s", F8), ("rolling", I8),  # 1 rolling horizon, 0 finite
    # GLFT: A per second, xi 1/(tick x lot), fit 1 / 0
    ("A", F8), ("xi", F8), ("fit", I8), ("fit_halflife_s", F8), ("bin_ticks", F8),
    ("min_trades", I8), ("k_min", F8), ("k_max", F8),
    # ToxicityAware (toxicity_nb)
    ("bucket_volume", F8), ("window", I8), ("t_medium", F8), ("t_wide", F8),
    ("t_withdraw", F8), ("m_medium", F8), ("m_wide", F8), ("size_medium", F8),
    ("vol_coef", F8), ("depth_levels", I8), ("depth_ref", F8), ("depth_coef", F8),
    ("score", I8),  # SCORE_VPIN or SCORE_CDF
    # FlowSkew (flow_skew_nb): betas in ticks per unit of signal
    ("beta_imbalance", F8), ("beta_ofi", F8), ("beta_trade_imbalance", F8),
    ("window_ns", I8), ("buckets", I8),
])
# the last print counted (fresh_print): exchange time, ticks, lots, aggressor side, Kind
PRINT_DTYPE = np.dtype([("ts", I8), ("price", I8), ("qty", I8), ("side", I8), ("kind", I8)])
STATE_DTYPE = np.dtype([
    # every maker: first wake-up, last mid seen and its time, EWMA variance (ticks^2 / s)
    ("t0", I8), ("prev_mid", F8), ("prev_t", I8), ("var", F8),
    ("last_print", PRINT_DTYPE),
    # GLFT: fitted A (per s) and k (per tick), aged observation time (s), fits made,
    # aged trade counts by distance from the mid
    ("A", F8), ("k", F8), ("elapsed", F8), ("fits", I8), ("hist", F8, (N_BINS,)),
    # ToxicityAware: the open bucket's buy and sell lots, buckets completed, VPIN, tier
    # and score of the last requote, the log-normal fit of the score "cdf"
    ("buy", F8), ("sell", F8), ("done", I8), ("vpin", F8), ("tier", I8), ("score", F8),
    ("ln_n", I8), ("ln_mean", F8), ("ln_m2", F8),
    # FlowSkew: the previous host top, the current bucket, the last signals and shift,
    # and per ring bucket: OFI, signed print lots, print lots
    ("bid", I8), ("ask", I8), ("bid_qty", I8), ("ask_qty", I8), ("bucket", I8),
    ("imbalance", F8), ("ofi", I8), ("trade_imbalance", F8), ("shift", F8),
    ("ofi_sums", I8, (MAX_BUCKETS,)), ("signed_lots", I8, (MAX_BUCKETS,)),
    ("lots", I8, (MAX_BUCKETS,)),
])
MAKER_DTYPE = np.dtype([("params", PARAMS_DTYPE), ("state", STATE_DTYPE)])
MAKER_BYTES = MAKER_DTYPE.itemsize  # then the ring


def maker_record(params: np.ndarray, state: np.ndarray, ring: np.ndarray) -> np.ndarray:
    """A maker's one-row state record (MAKER_DTYPE's fields, then ``ring``) from one-row
    params and state arrays and a float64 ring."""
    rec = np.zeros(1, [("params", PARAMS_DTYPE), ("state", STATE_DTYPE), ("ring", F8, ring.shape)])
    rec["params"], rec["state"], rec["ring"][0] = params, state, ring
    return rec


@nb.njit(cache=True)
def seconds(later, earlier):
    """later - earlier (ns) in seconds, from the times as float64 (module docstring)."""
    return (float(later) - float(earlier)) / NS


@nb.njit(cache=True)
def start(params, state, now):
    """Reset the shared state at the first wake-up: start time, no mid seen, prior variance."""
    state.t0 = now
    state.prev_mid = np.nan
    state.prev_t = NO_TIME
    state.var = params.sigma * params.sigma
    state.last_print.ts = NO_TIME
    state.last_print.kind = 0


@nb.njit(cache=True)
def fresh_print(last, ts, price, qty, side, kind):
    """True unless this is a TRADE print repeating the EXECUTE just counted (same
    exchange time, price, size and aggressor side): data that reports one fill both as
    the resting order's EXECUTE and as a TRADE print (hftlab's simulated sessions saved
    before 2026-11-26) would wake the strategy twice for one trade. Two executions alike
    (a sweep hitting two orders of the same size) are two trades, and so are two prints.
    last: a PRINT_DTYPE record, the print last counted (updated)."""
    if (kind == Kind.TRADE and last.kind == Kind.EXECUTE and ts == last.ts
            and price == last.price and qty == last.qty and side == last.side):
        return False
    last.ts = ts
    last.price = price
    last.qty = qty
    last.side = side
    last.kind = kind
    return True


@nb.njit(cache=True)
def observe_mid(params, state, mid, now):
    """Update the EWMA variance of mid changes (ticks^2 per second) and remember the mid.

    var += a (dm^2 / dt - var) with a = 1 - 2^(-dt / halflife); a halflife of 0 keeps
    sigma fixed at params.sigma. Returns sigma in ticks per sqrt(second).
    """
    hl = params.sigma_halflife_s
    if hl > 0.0 and state.prev_t != NO_TIME:
        dt = seconds(now, state.prev_t)
        if dt > 0.0:
            dm = mid - state.prev_mid
            a = 1.0 - math.exp(-dt * math.log(2.0) / hl)
            state.var += a * (dm * dm / dt - state.var)
    state.prev_mid = mid
    state.prev_t = now
    return math.sqrt(state.var) if hl > 0.0 else params.sigma


@nb.njit(cache=True)
def hard_sizes(qty, position, capacity):
    """(bid lots, ask lots): qty, cut so that no fill takes |position| beyond capacity."""
    return max(min(qty, capacity - position), 0), max(min(qty, capacity + position), 0)


@nb.njit(cache=True)
def tapered_sizes(qty, position, capacity):
    """As hard_sizes, and the side that grows |position| shrinks linearly towards capacity:
    at most ceil(qty (1 - |position| / capacity)) lots."""
    bq, aq = hard_sizes(qty, position, capacity)
    taper = int(math.ceil(qty * (1.0 - abs(position) / capacity)))
    if position > 0:
        bq = max(min(bq, taper), 0)
    elif position < 0:
        aq = max(min(aq, taper), 0)
    return bq, aq


@nb.njit(cache=True)
def to_ticks(bid, ask, best_bid, best_ask):
    """Round model prices away from the mid to whole ticks, never crossing the opposite best."""
    b = min(np.int64(math.floor(bid)), best_ask - 1)
    a = max(np.int64(math.ceil(ask)), best_bid + 1)
    return b, a
