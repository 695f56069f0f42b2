"""The venue's own trading halt (compiled): price bands, pauses and the reopening auction.

A venue option of the simulated matching engine (matching_nb), applied per book by the
simulator's ``execute`` (sim/simulator_nb.py) before and after each command. State and
configuration of book b live in one record ``halt[b]`` of core/layout.py's HALT_DTYPE:

- configuration: rule (RULE_NONE / RULE_LULD / RULE_STOP), band (band half-width,
  millionths of the reference price: 50_000 = +-5 %), window (the reference's time
  constant, ns), limit (LULD: how long the book may stay at or through a band limit,
  ns), pause (length of a pause, ns);
- state: status (1 trading, 0 halted), until (end of the current pause, ns), ref
  (reference price, ticks x REF_ONE: fixed point; 0 = no print yet, no band), ref_ts
  (time ref was last brought forward), last (last print, ticks), limit_since (LULD:
  when the book reached or went through a band limit, 0 = it is inside the band), halts
  (pauses so far).

Reference price: an exponentially weighted mean of the last-trade price in continuous
time with time constant window (over dt the reference moves 1 - exp(-dt / window) of
the way to the price that held during dt) -- a trailing mean over about one window,
like the SEC plan's five-minute mean, without keeping the window's prints. The first
print sets it; it holds still while halted and while a LULD book is at a limit (the
limit state runs against a fixed band), and restarts from the auction's price. Band:
[ceil(ref (1 - band)), floor(ref (1 + band))] ticks.

Rules, for a command arriving while trading:

- LULD (the SEC's Limit Up-Limit Down plan, 2012): no trade prints outside the band. A
  buy priced above the upper limit, or a market buy, trades only up to it and is
  repriced to it: a GTC or post-only limit order and a market order rest their remainder
  at the limit (the plan lets trading centres reprice such interest to the band instead
  of rejecting it), an IOC or FOK order is limited to it; symmetrically for sells at the
  lower limit; modifies too.
  When the book stays at or through a limit for `limit` ns -- its best bid below the
  lower limit, so sellers find no buyer inside the band (the plan's limit state, the
  best ask at the lower limit, implies it; a bid side swept below the band is its
  straddle state), or symmetrically its best ask above the upper limit -- trading
  pauses for `pause` ns.
- RULE_STOP (CME's stop logic / velocity logic): an order that would trade at a price
  beyond the band (walking the opposite side of the ladder for its size; self-trade
  prevention is not anticipated) is not executed: a GTC limit order rests unmatched,
  anything else is rejected (reason HALTED), and trading pauses for `pause` ns at once.

While halted nothing matches: GTC and post-only limit orders rest without trading (the
book may cross; post-only orders that would meet the opposite best are still refused),
market, IOC and FOK orders are rejected with reason HALTED, cancels are accepted and a
modify moves or resizes the order without trading. At a halt and at the resumption the
engine emits a STATUS event (schema.Kind.STATUS; qty 0 = halted, 1 = trading; side,
price and order id 0), which agents and the backtest's host see like any market event.

Reopening: a single-price call auction over the resting book (``uncross``): the price
maximising the executed volume min(D(p), S(p)) (D: bids at or above p, S: asks at or
below p); ties broken by the usual call-auction rule (as at Xetra and Euronext): least
surplus |D - S|, then market pressure (a buy surplus at every tied price: the highest;
a sell surplus at every one: the lowest), then the price nearest the last print before
the halt, then the lower one. Bids trade in price-time priority from the highest, asks
from the lowest, all at that price; each pair of orders makes one fill whose maker is
the older order (lower id). Events as the ITCH reader maps a Nasdaq cross: one EXECUTE
per order and pair at the order's own resting price (so the book's replay finds it;
the fill has the auction price), then one TRADE print, side 0, of the whole volume at
the auction price. Self-trade prevention does not apply in the auction. Afterwards the
book is not crossed and continuous trading resumes.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from hftlab.core import matching_nb as mk
from hftlab.core import pool_nb as pool
from hftlab.core.book_nb import ASK_ROW, BID_ROW, set_level
from hftlab.core.layout import ACT_CANCEL, ACT_MODIFY, ACT_SUBMIT, HALT_DTYPE
from hftlab.schema import Kind, OrderStatus, OrderType, Reason, TimeInForce

RULE_NONE, RULE_LULD, RULE_STOP = 0, 1, 2
RULES = {"none": RULE_NONE, "luld": RULE_LULD, "stop-logic": RULE_STOP}
PPM = 1_000_000
REF_ONE = 1 << 16
NEVER = (1 << 63) - 1

# what execute does with a command (gate)
PASS, PARK, REJECT = 0, 1, 2


def new_halt(n_books: int, rule: int, band_ppm: int, window_ns: int, limit_ns: int,
             pause_ns: int) -> np.ndarray:
    """The halt records of n_books books, all trading, under one rule (module docstring)."""
    h = np.zeros(n_books, HALT_DTYPE)
    h["rule"], h["band"], h["window"] = rule, band_ppm, window_ns
    h["limit"], h["pause"], h["status"] = limit_ns, pause_ns, 1
    return h


@nb.njit(cache=True, inline="always", _nrt=False)
def reference(halt, b, now):
    """The reference price (ticks, float) at now; 0.0 before the first print."""
    r = halt[b].ref
    if r == 0:
        return 0.0
    ref = r / REF_ONE
    dt = now - halt[b].ref_ts
    if dt > 0 and halt[b].status == 1 and halt[b].limit_since == 0:
        ref += (1.0 - math.exp(-dt / max(halt[b].window, 1))) * (halt[b].last - ref)
    return ref


@nb.njit(cache=True, inline="always", _nrt=False)
def band(halt, b, now):
    """(lower, upper) band limits in ticks at now; (0, NEVER) without a reference."""
    ref = reference(halt, b, now)
    if ref <= 0.0:
        return np.int64(0), np.int64(NEVER)
    x = halt[b].band / PPM
    return np.int64(math.ceil(ref * (1.0 - x) - 1e-9)), np.int64(math.floor(ref * (1.0 + x)
                                                                            + 1e-9))


@nb.njit(cache=True, _nrt=False)
def note_print(halt, b, px, now):
    """A trade printed at px (ticks): bring the reference forward to now, then px holds."""
    if halt[b].ref == 0:
        halt[b].ref = px * REF_ONE
    else:
        halt[b].ref = np.int64(round(reference(halt, b, now) * REF_ONE))
    halt[b].ref_ts = now
    halt[b].last = px


@nb.njit(cache=True, _nrt=False)
def _beyond(qty, top, base, b, side, price, is_market, q, lo, hi):
    """Whether an order of q lots would trade at a price beyond the band [lo, hi]."""
    width = qty.shape[2]
    orow = ASK_ROW if side > 0 else BID_ROW
    step = 1 if side > 0 else -1
    i = top[b, orow]
    rem = q
    while rem > 0 and 0 <= i < width:
        px = base[b] + i
        if not is_market and (px > price if side > 0 else px < price):
            return False
        if qty[b, orow, i] > 0:
            if px > hi or px < lo:
                return True
            rem -= qty[b, orow, i]
        i += step
    return False


@nb.njit(cache=True, _nrt=False)
def gate(row, b, orders, qty, top, base, halt, now):
    """What execute does with a command on book b (a rule is set): (what, price, type,
    tif, halt_now). what: PASS (match as usual with the returned price / type / tif,
    repriced by LULD), PARK (rest or move the order without matching) or REJECT (reason
    HALTED); halt_now: a stop-logic pause starts with this command."""
    act = row.action
    price, otype, tif = row.price, row.order_type, row.tif
    if act == ACT_CANCEL:
        return PASS, price, otype, tif, False
    if act == ACT_SUBMIT:
        side, q = row.side, row.qty
    else:
        oid = row.order_id
        if not (0 < oid < orders.shape[0]) or orders[oid].state == pool.CLOSED:
            return PASS, price, otype, tif, False  # the engine refuses it
        side, otype, tif = orders[oid].side, OrderType.LIMIT, TimeInForce.GTC
        if price == mk.KEEP:
            price = orders[oid].price
        q = orders[oid].qty if row.qty == mk.KEEP else row.qty
    is_market = otype == OrderType.MARKET
    rests = not is_market and (tif == TimeInForce.GTC or tif == TimeInForce.POST_ONLY)
    if halt[b].status == 0:
        if act == ACT_MODIFY and price == orders[row.order_id].price:
            return PASS, price, otype, tif, False  # a new size at the same price: no match
        if act == ACT_MODIFY or rests:
            return PARK, price, otype, tif, False
        return REJECT, price, otype, tif, False
    lo, hi = band(halt, b, now)
    if hi == NEVER:
        return PASS, price, otype, tif, False
    if halt[b].rule == RULE_STOP:
        if _beyond(qty, top, base, b, side, price, is_market, q, lo, hi):
            if act == ACT_MODIFY or (rests and tif == TimeInForce.GTC):
                return PARK, price, otype, tif, True
            return REJECT, price, otype, tif, True
        return PASS, price, otype, tif, False
    # LULD: trade only inside the band
    width = qty.shape[2]
    limit = hi if side > 0 else lo
    if not (0 <= limit - base[b] < width):
        return PASS, price, otype, tif, False  # the ladder's window is inside the band
    if is_market:
        tif = TimeInForce.FOK if tif == TimeInForce.FOK else TimeInForce.GTC
        return PASS, limit, OrderType.LIMIT, tif, False
    if (side > 0 and price > hi) or (side < 0 and price < lo):
        return PASS, limit, otype, tif, False
    return PASS, price, otype, tif, False


@nb.njit(cache=True, _nrt=False)
def park(row, b, orders, head, tail, qty, top, base, n_resting, ctr, price, events, ne):
    """Rest a new limit order, or move / resize a resting one, without matching (a halted
    book, or an order stop logic holds). Returns matching_nb's result tuple."""
    ts = row.ts
    if events.shape[0] - ne < 2:
        return mk.RETRY_BUFFER, Reason.NONE, 0, 0, 0, 0, 0, ne
    if row.action == ACT_MODIFY:
        oid = row.order_id
        side, old_q, state = orders[oid].side, orders[oid].qty, orders[oid].state
        nq = old_q if row.qty == mk.KEEP else row.qty
        if nq <= 0:
            return OrderStatus.REJECTED, Reason.BAD_QTY, oid, 0, old_q, 0, 0, ne
        reason = mk.check_price(qty, base, b, price)
        if reason != Reason.NONE:
            return OrderStatus.REJECTED, reason, oid, 0, old_q, 0, 0, ne
        if state == pool.RESTING_POST_ONLY and mk.crosses(qty, top, base, b, side, price):
            return OrderStatus.REJECTED, Reason.POST_ONLY_WOULD_CROSS, oid, 0, old_q, 0, 0, ne
        old_px = orders[oid].price
        pool.take_out(orders, head, tail, qty, top, base, n_resting, oid)
        ne = pool.emit(events, ne, ts, b, Kind.DELETE, side, old_px, old_q, oid)
        orders[oid].price = price
        orders[oid].qty = nq
        pool.rest(orders, head, tail, qty, top, base, n_resting, oid, state)
        ne = pool.emit(events, ne, ts, b, Kind.ADD, side, price, nq, oid)
        return OrderStatus.ACCEPTED, Reason.NONE, oid, 0, nq, old_q - nq if nq < old_q else 0, 0, ne
    oid = ctr[0]
    if oid >= orders.shape[0]:
        return mk.RETRY_CAPACITY, Reason.TOO_MANY_ORDERS, 0, 0, 0, 0, 0, ne
    ctr[0] = oid + 1
    side, q, tif = row.side, row.qty, row.tif
    orders[oid].price = price
    orders[oid].qty = 0
    orders[oid].side = side
    orders[oid].owner = row.owner
    orders[oid].book = b
    orders[oid].state = pool.CLOSED
    if q <= 0:
        return OrderStatus.REJECTED, Reason.BAD_QTY, oid, 0, 0, 0, 0, ne
    reason = mk.check_price(qty, base, b, price)
    if reason != Reason.NONE:
        return OrderStatus.REJECTED, reason, oid, 0, 0, 0, 0, ne
    if tif == TimeInForce.POST_ONLY and mk.crosses(qty, top, base, b, side, price):
        return OrderStatus.REJECTED, Reason.POST_ONLY_WOULD_CROSS, oid, 0, 0, 0, 0, ne
    orders[oid].qty = q
    pool.rest(orders, head, tail, qty, top, base, n_resting, oid,
             pool.RESTING_POST_ONLY if tif == TimeInForce.POST_ONLY else pool.RESTING)
    ne = pool.emit(events, ne, ts, b, Kind.ADD, side, price, q, oid)
    return OrderStatus.ACCEPTED, Reason.NONE, oid, 0, q, 0, 0, ne


@nb.njit(cache=True, _nrt=False)
def at_limit(halt, b, qty, top, base, now):
    """LULD: keep halt[b].limit_since -- when the book reached or went through a band limit
    (best bid below the lower one or best ask above the upper one), 0 otherwise."""
    if halt[b].rule != RULE_LULD or halt[b].status == 0:
        return
    lo, hi = band(halt, b, now)
    width = qty.shape[2]
    bb, ba = top[b, 0], top[b, 1]
    at = hi != NEVER and ((bb >= 0 and base[b] + bb < lo) or (ba < width and base[b] + ba > hi))
    if at == (halt[b].limit_since > 0):
        return
    if at:  # the band stops here until the state ends
        halt[b].ref = np.int64(round(reference(halt, b, now) * REF_ONE))
    halt[b].ref_ts = now
    halt[b].limit_since = now if at else 0


@nb.njit(cache=True, _nrt=False)
def any_rule(halt):
    """Whether any book has a halt rule (else nothing in this module applies)."""
    for b in range(halt.shape[0]):
        if halt[b].rule != RULE_NONE:
            return True
    return False


@nb.njit(cache=True, _nrt=False)
def next_due(halt):
    """(time, book) of the earliest pending halt decision: a pause's end, or a LULD limit
    state running out; (NEVER, -1) when none."""
    t = np.int64(NEVER)
    who = -1
    for b in range(halt.shape[0]):
        if halt[b].rule == RULE_NONE:
            continue
        if halt[b].status == 0:
            d = halt[b].until
        elif halt[b].limit_since > 0:
            d = halt[b].limit_since + halt[b].limit
        else:
            continue
        if d < t:
            t = d
            who = b
    return t, who


@nb.njit(cache=True, _nrt=False)
def start(halt, b, now, events, ne):
    """Pause book b for halt[b].pause ns from now; emits its STATUS event (qty 0)."""
    if halt[b].ref != 0:
        halt[b].ref = np.int64(round(reference(halt, b, now) * REF_ONE))
        halt[b].ref_ts = now
    halt[b].status = 0
    halt[b].until = now + halt[b].pause
    halt[b].limit_since = 0
    halt[b].halts += 1
    return pool.emit(events, ne, now, b, Kind.STATUS, 0, 0, 0, 0)


@nb.njit(cache=True, _nrt=False)
def auction_price(qty, top, base, b, ref):
    """The uncrossing price of book b (ticks) and its volume (module docstring's rule);
    (0, 0) when the book is not crossed. ref: the price nearest which ties end."""
    width = qty.shape[2]
    ib, ia = top[b, 0], top[b, 1]
    if ib < 0 or ia >= width or ib < ia:
        return np.int64(0), np.int64(0)
    demand = np.int64(0)  # bids at or above ia
    for i in range(ia, ib + 1):
        demand += qty[b, BID_ROW, i]
    best_v = np.int64(-1)
    best_s = np.int64(0)
    d, s = demand, np.int64(0)
    for i in range(ia, ib + 1):  # pass 1: the largest volume, then the least surplus
        s += qty[b, ASK_ROW, i]
        v = min(d, s)
        sur = abs(d - s)
        if v > best_v or (v == best_v and sur < best_s):
            best_v, best_s = v, sur
        d -= qty[b, BID_ROW, i]
    lo_i, hi_i, near = -1, -1, -1
    buy, sell = True, True
    d, s = demand, np.int64(0)
    for i in range(ia, ib + 1):  # pass 2: market pressure, then nearest ref, then lower
        s += qty[b, ASK_ROW, i]
        if min(d, s) == best_v and abs(d - s) == best_s:
            if lo_i < 0:
                lo_i = i
            hi_i = i
            buy = buy and d > s
            sell = sell and d < s
            if near < 0 or abs(base[b] + i - ref) < abs(base[b] + near - ref):
                near = i
        d -= qty[b, BID_ROW, i]
    pick = hi_i if buy else (lo_i if sell else near)
    return base[b] + pick, best_v


@nb.njit(cache=True, inline="always", _nrt=False)
def _consume(orders, head, tail, qty, top, base, n_resting, b, m, row, i, t, px, now, events,
             ne):
    """Order m (front of level i of side row) trades t lots in the auction: its EXECUTE
    at its own price."""
    ne = pool.emit(events, ne, now, b, Kind.EXECUTE, orders[m].side, orders[m].price,
                  t, m)
    if orders[m].qty == t:
        pool.take_out(orders, head, tail, qty, top, base, n_resting, m)
    else:
        orders[m].qty -= t
        set_level(qty, top, b, row, i, qty[b, row, i] - t)
    return ne


@nb.njit(cache=True, _nrt=False)
def uncross(b, now, orders, head, tail, qty, top, base, n_resting, halt, fills, events):
    """The reopening auction of book b at now (module docstring) and the end of its pause:
    trades, then the STATUS event (qty 1). Returns (nf, ne) written to fills / events, or
    (RETRY_BUFFER, 0) when they might not hold it (nothing changed)."""
    n_ord = n_resting[b, 0] + n_resting[b, 1]
    if fills.shape[0] < n_ord or events.shape[0] < 2 * n_ord + 2:
        return mk.RETRY_BUFFER, 0
    ref = halt[b].last if halt[b].last > 0 else reference(halt, b, now)
    px, vol = auction_price(qty, top, base, b, ref)
    nf, ne = 0, 0
    total = vol
    while vol > 0:
        ib, ia = top[b, 0], top[b, 1]
        mb, ms = head[b, BID_ROW, ib], head[b, ASK_ROW, ia]
        t = min(orders[mb].qty, orders[ms].qty, vol)
        maker, taker = (mb, ms) if mb < ms else (ms, mb)
        nf = pool.fill(fills, nf, now, b, maker, taker, orders[maker].owner, orders[taker].owner,
                      px, t, orders[maker].side)
        ne = _consume(orders, head, tail, qty, top, base, n_resting, b, mb, BID_ROW, ib, t, px,
                      now, events, ne)
        ne = _consume(orders, head, tail, qty, top, base, n_resting, b, ms, ASK_ROW, ia, t, px,
                      now, events, ne)
        vol -= t
    halt[b].status = 1
    halt[b].until = 0
    halt[b].ref_ts = now
    if total > 0:
        ne = pool.emit(events, ne, now, b, Kind.TRADE, 0, px, total, 0)
        halt[b].ref = px * REF_ONE
        halt[b].last = px
    ne = pool.emit(events, ne, now, b, Kind.STATUS, 0, 0, 1, 0)
    return nf, ne
