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

params: half_spread, skew, beta_imbalance, beta_ofi, beta_trade_imbalance, window_ns,
buckets; state: bid, ask, bid_qty, ask_qty (the previous host top), bucket (the current
one, -1 before any), imbalance, ofi, trade_imbalance, shift (the last signals), and the
rings ofi_sums, signed_lots, lots (quoting_nb's records).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from hftlab.strategies.quoting_nb import start, tapered_sizes, to_ticks


@nb.njit(cache=True)
def flow_start(params, state, now):
    """Reset the shared state, the previous top (none seen) and the rings."""
    start(params, state, now)
    state.bid = 0
    state.ask = 0
    state.bid_qty = 0
    state.ask_qty = 0
    state.bucket = -1
    state.imbalance = 0.0
    state.ofi = 0
    state.trade_imbalance = 0.0
    state.shift = 0.0
    _clear(state, 0, state.ofi_sums.shape[0])


@nb.njit(cache=True)
def _clear(state, lo, hi):
    """Empty ring slots lo..hi - 1."""
    state.ofi_sums[lo:hi] = 0
    state.signed_lots[lo:hi] = 0
    state.lots[lo:hi] = 0


@nb.njit(cache=True)
def _advance(params, state, now):
    """Move the ring to host time `now`, emptying the buckets it passes; returns the
    current bucket's slot."""
    k = params.buckets
    idx = now // np.int64(params.window_ns / k)
    cur = state.bucket
    if cur < 0 or idx - cur >= k:
        _clear(state, 0, state.ofi_sums.shape[0])
    else:
        for j in range(cur + 1, idx + 1):
            slot = j % k
            _clear(state, slot, slot + 1)
    if idx > cur:
        state.bucket = idx
    return state.bucket % k


@nb.njit(cache=True)
def flow_book(params, state, now, bid, ask, bid_qty, ask_qty):
    """A host book update: add its CKS e_n (against the previous top) to the OFI ring.
    A side empty now or before adds nothing (flow_signals counts NaN e_n as 0)."""
    slot = _advance(params, state, now)
    b0, a0, qb0, qa0 = state.bid, state.ask, state.bid_qty, state.ask_qty
    if b0 > 0 and a0 > 0 and bid > 0 and ask > 0:
        e = ((bid >= b0) * bid_qty - (bid <= b0) * qb0
             - (ask <= a0) * ask_qty + (ask >= a0) * qa0)
        state.ofi_sums[slot] += e
    state.bid, state.ask, state.bid_qty, state.ask_qty = bid, ask, bid_qty, ask_qty


@nb.njit(cache=True)
def flow_trade(params, state, now, qty, side):
    """A print seen by the host (aggressor side, lots) into the trade-imbalance rings."""
    slot = _advance(params, state, now)
    state.signed_lots[slot] += side * qty
    state.lots[slot] += qty


@nb.njit(cache=True)
def flow_shift(params, state, now, bid_qty, ask_qty):
    """The predicted mid change in ticks from the three signals (module doc); the
    signals and the shift are kept in the state."""
    _advance(params, state, now)
    k = params.buckets
    tot = bid_qty + ask_qty
    imb = (bid_qty - ask_qty) / tot if tot > 0 else 0.0
    ofi = state.ofi_sums[:k].sum()
    vol = state.lots[:k].sum()
    signed = state.signed_lots[:k].sum()
    ti = signed / vol if vol > 0 else 0.0
    shift = (params.beta_imbalance * imb + params.beta_ofi * ofi
             + params.beta_trade_imbalance * ti)
    state.imbalance, state.ofi, state.trade_imbalance, state.shift = imb, ofi, ti, shift
    return shift


@nb.njit(cache=True)
def flow_skew_quotes(params, state, now, best_bid, best_ask, position, bid_qty, ask_qty):
    """(bid, ask, bid lots, ask lots): InventorySkew around r moved by flow_shift."""
    capacity = params.capacity
    mid = 0.5 * (best_bid + best_ask)
    r = mid - params.skew * position / capacity + flow_shift(params, state, now, bid_qty,
                                                             ask_qty)
    half = params.half_spread
    bid, ask = to_ticks(r - half, r + half, best_bid, best_ask)
    bq, aq = tapered_sizes(params.qty, position, capacity)
    return bid, ask, bq, aq
