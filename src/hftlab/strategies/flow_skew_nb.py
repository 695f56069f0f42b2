"""Compiled FlowSkew: online order-flow signals from the host's book and the quote rule.

The signals are the ones `hftlab.analytics.flow_signals` computes offline, here kept
online from what the host sees (so the coefficients fitted offline apply as they are):

- queue imbalance (q^b_1 - q^a_1) / (q^b_1 + q^a_1) of the host's top of book (Gould &
  Bonart 2016), in [-1, 1];
- OFI (Cont, Kukanov & Stoikov 2014): the sum of the level-1 e_n of every host book
  update over the last `window` (lots; positive = buying pressure);
- trade imbalance (Chordia & Subrahmanyam 2004): signed print volume over print volume
  in the last `window`, in [-1, 1] (side = the aggressor's, +1 buyer-initiated).

The window is kept in `buckets` ring buckets of window / buckets ns each, so a window
sum covers between window - window / buckets and window of host time. Quotes are
InventorySkew's around a reservation price moved by the predicted mid change:

    r = mid - skew * position / capacity + beta_imb * imb + beta_ofi * ofi + beta_ti * ti

(ticks; betas in ticks per unit of their signal). Everything else (rounding away from
r, never crossing the opposite best, tapered sizes) is InventorySkew's.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from hftlab.strategies.quoting_nb import (P_CAPACITY, P_HEADER, P_QTY, S_HEADER, start,
                                          tapered_sizes, to_ticks)

(P_HALF_SPREAD, P_SKEW, P_BETA_IMB, P_BETA_OFI, P_BETA_TI, P_WINDOW_NS,
 P_BUCKETS) = range(P_HEADER, P_HEADER + 7)
N_PARAMS = P_HEADER + 7
MAX_BUCKETS = 64
# state after the shared header: the previous host top, the current bucket, the last
# signals and shift, then three rings (OFI, signed print volume, print volume)
S_BID, S_ASK, S_BQ, S_AQ, S_BUCKET, S_IMB, S_OFI, S_TI, S_SHIFT = range(S_HEADER, S_HEADER + 9)
S_RINGS = S_HEADER + 9
N_STATE = S_RINGS + 3 * MAX_BUCKETS


@nb.njit(cache=True)
def flow_start(params, state, now):
    """Reset the shared state, the previous top (none seen) and the rings."""
    start(params, state, now)
    state[S_HEADER:] = 0.0
    state[S_BUCKET] = -1.0


@nb.njit(cache=True)
def _advance(params, state, now):
    """Move the ring to host time `now`, emptying the buckets it passes; returns the
    current bucket's slot."""
    k = np.int64(params[P_BUCKETS])
    idx = float(now // np.int64(params[P_WINDOW_NS] / k))
    cur = state[S_BUCKET]
    if cur < 0 or idx - cur >= k:
        state[S_RINGS:S_RINGS + 3 * MAX_BUCKETS] = 0.0
    else:
        j = cur + 1.0
        while j <= idx:
            slot = np.int64(j) % k
            for r in range(3):
                state[S_RINGS + r * MAX_BUCKETS + slot] = 0.0
            j += 1.0
    if idx > cur:
        state[S_BUCKET] = idx
    return np.int64(state[S_BUCKET]) % k


@nb.njit(cache=True)
def flow_book(params, state, now, bid, ask, bid_qty, ask_qty):
    """A host book update: add its CKS e_n (against the previous top) to the OFI ring.
    A side empty now or before adds nothing (flow_signals counts NaN e_n as 0)."""
    slot = _advance(params, state, now)
    b0, a0, qb0, qa0 = state[S_BID], state[S_ASK], state[S_BQ], state[S_AQ]
    if b0 > 0 and a0 > 0 and bid > 0 and ask > 0:
        e = ((bid >= b0) * bid_qty - (bid <= b0) * qb0
             - (ask <= a0) * ask_qty + (ask >= a0) * qa0)
        state[S_RINGS + slot] += e
    state[S_BID], state[S_ASK], state[S_BQ], state[S_AQ] = bid, ask, bid_qty, ask_qty


@nb.njit(cache=True)
def flow_trade(params, state, now, qty, side):
    """A print seen by the host (aggressor side, lots) into the trade-imbalance rings."""
    slot = _advance(params, state, now)
    state[S_RINGS + MAX_BUCKETS + slot] += side * qty
    state[S_RINGS + 2 * MAX_BUCKETS + slot] += qty


@nb.njit(cache=True)
def flow_shift(params, state, now, bid_qty, ask_qty):
    """The predicted mid change in ticks from the three signals (module doc); the
    signals and the shift are kept in the state."""
    _advance(params, state, now)
    k = np.int64(params[P_BUCKETS])
    tot = bid_qty + ask_qty
    imb = (bid_qty - ask_qty) / tot if tot > 0 else 0.0
    ofi = state[S_RINGS:S_RINGS + k].sum()
    vol = state[S_RINGS + 2 * MAX_BUCKETS:S_RINGS + 2 * MAX_BUCKETS + k].sum()
    signed = state[S_RINGS + MAX_BUCKETS:S_RINGS + MAX_BUCKETS + k].sum()
    ti = signed / vol if vol > 0 else 0.0
    shift = params[P_BETA_IMB] * imb + params[P_BETA_OFI] * ofi + params[P_BETA_TI] * ti
    state[S_IMB], state[S_OFI], state[S_TI], state[S_SHIFT] = imb, ofi, ti, shift
    return shift


@nb.njit(cache=True)
def flow_skew_quotes(params, state, now, best_bid, best_ask, position, bid_qty, ask_qty):
    """(bid, ask, bid lots, ask lots): InventorySkew around r moved by flow_shift."""
    capacity = int(params[P_CAPACITY])
    mid = 0.5 * (best_bid + best_ask)
    r = mid - params[P_SKEW] * position / capacity + flow_shift(params, state, now, bid_qty,
                                                                ask_qty)
    half = params[P_HALF_SPREAD]
    bid, ask = to_ticks(r - half, r + half, best_bid, best_ask)
    bq, aq = tapered_sizes(int(params[P_QTY]), position, capacity)
    return bid, ask, bq, aq
