"""Venue order rules shared by the replay venue (engine/entry_nb) and the simulated
matching engine (core/matching_nb): small pure compiled functions over scalars.

It lives in hftlab.core (not hftlab.engine) because core/matching_nb may import only core.
All are ``inline="always"`` and need no runtime (``_nrt=False``), so the matching
kernels stay as fast as with their former inline copies.

Conventions:

- post-only (Nasdaq "Post-Only", CME/Binance "maker-only" / LIMIT_MAKER): rejected if the
  order would take liquidity on arrival (meets the opposite best); a market order can
  never be post-only.
- FOK (fill-or-kill): trades its whole size now or is rejected without trading; IOC
  (immediate-or-cancel) trades what it can and the remainder expires.
- self-trade prevention, as Binance's EXPIRE_TAKER / EXPIRE_MAKER / EXPIRE_BOTH and CME's
  cancel-aggressing / cancel-resting: cancel-newest stops the incoming order, cancel-oldest
  cancels the resting own order and goes on matching, cancel-both does both.
- modify priority (CME Globex, Nasdaq/ITCH order replace, Eurex): a size decrease at the
  same price keeps time priority; a price change or a size increase loses it (the order
  re-enters at the back of its level).
- modify size (CME Globex with In-Flight Mitigation, Nasdaq OUCH Replace, NautilusTrader's
  ModifyOrder ``quantity``): a modify states the order's new *total* quantity; the venue
  subtracts what has already filled when the modify arrives, and a modify to at or below
  the filled quantity cancels the rest. A modify therefore never resurrects filled lots
  (the overfill CME's 2001 Globex notice describes for "new remaining size" modifies).
"""

from __future__ import annotations

import numba as nb

from hftlab.schema import OrderStatus, Reason, TimeInForce

STP_CANCEL_NEWEST, STP_CANCEL_OLDEST, STP_CANCEL_BOTH = 0, 1, 2


@nb.njit(cache=True, inline="always", _nrt=False)
def reaches(side, limit, px):
    """Whether a limit order of side (+1 buy / -1 sell) at limit may trade at price px."""
    return px <= limit if side > 0 else px >= limit


@nb.njit(cache=True, inline="always", _nrt=False)
def would_cross(side, is_market, limit, has_opposite, best_opposite):
    """Whether an order would meet the opposite best on arrival (market: any liquidity)."""
    return has_opposite and (is_market or reaches(side, limit, best_opposite))


@nb.njit(cache=True, inline="always", _nrt=False)
def post_only_reject(is_market, crosses):
    """Post-only is rejected when it would cross, and always for a market order."""
    return is_market or crosses


@nb.njit(cache=True, inline="always", _nrt=False)
def fok_can_fill(avail, need):
    """FOK: fillable only if the reachable liquidity covers the whole size."""
    return avail >= need


@nb.njit(cache=True, inline="always", _nrt=False)
def fok_skips_own(stp_mode):
    """Whether FOK's liquidity count goes past our own resting orders: only under
    cancel-oldest (they are cancelled and matching continues); otherwise matching stops
    at the first own order."""
    return stp_mode == STP_CANCEL_OLDEST


@nb.njit(cache=True, inline="always", _nrt=False)
def stp_action(stp_mode):
    """(cancel the resting own order, stop the incoming order) for an STP mode."""
    return stp_mode != STP_CANCEL_NEWEST, stp_mode != STP_CANCEL_OLDEST


@nb.njit(cache=True, inline="always", _nrt=False)
def can_rest(is_market, tif):
    """GTC and post-only limit remainders rest; market, IOC and FOK remainders expire."""
    return not is_market and (tif == TimeInForce.GTC or tif == TimeInForce.POST_ONLY)


@nb.njit(cache=True, inline="always", _nrt=False)
def remainder_outcome(leaves, filled, stp_stopped, rests):
    """(status, reason) of a taker after matching: FILLED; CANCELLED / SELF_TRADE when STP
    stopped it; ACCEPTED / PARTIALLY_FILLED when it rests; else EXPIRED (IOC / market /
    FOK), reason NO_LIQUIDITY when nothing traded."""
    if leaves == 0:
        return OrderStatus.FILLED, Reason.NONE
    if stp_stopped:
        return OrderStatus.CANCELLED, Reason.SELF_TRADE
    if rests:
        return (OrderStatus.ACCEPTED if filled == 0 else OrderStatus.PARTIALLY_FILLED), Reason.NONE
    return OrderStatus.EXPIRED, (Reason.NO_LIQUIDITY if filled == 0 else Reason.NONE)


@nb.njit(cache=True, inline="always", _nrt=False)
def modify_keeps_priority(old_price, old_leaves, new_price, new_leaves):
    """A modify keeps queue priority iff the price is unchanged and the size does not
    grow (CME / Nasdaq)."""
    return new_price == old_price and new_leaves <= old_leaves


@nb.njit(cache=True, inline="always", _nrt=False)
def modify_leaves(new_total, filled):
    """Remaining size after a modify to new_total lots of an order that has filled
    `filled` lots when the modify arrives (<= 0: the rest is cancelled)."""
    return new_total - filled
