"""The venue's own trading halt (compiled): price bands, pauses and the reopening auction.

A venue option of the simulated matching engine (matching_nb), applied per book by the
simulator's ``execute`` (sim/simulator_nb.py) before and after each command. State and
configuration of book b live in one int64 row ``halt[b, :]`` (columns H_*):

- configuration: H_RULE (RULE_NONE / RULE_LULD / RULE_STOP), H_BAND (band half-width,
  millionths of the reference price: 50_000 = +-5 %), H_WINDOW (the reference's time
  constant, ns), H_LIMIT (LULD: how long the book may stay at or through a band limit,
  ns), H_PAUSE (length of a pause, ns);
- state: H_STATUS (1 trading, 0 halted), H_UNTIL (end of the current pause, ns),
  H_REF (reference price, ticks x REF_ONE: fixed point; 0 = no print yet, no band),
  H_REF_TS (time H_REF was last brought forward), H_LAST (last print, ticks),
  H_LIMIT_SINCE (LULD: when the book reached or went through a band limit, 0 = it is
  inside the band), H_HALTS (pauses so far).

Reference price: an exponentially weighted mean of the last-trade price in continuous
time with time constant H_WINDOW (over dt the reference moves 1 - exp(-dt / window) of
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
  When the book stays at or through a limit for H_LIMIT ns -- its best bid below the
  lower limit, so sellers find no buyer inside the band (the plan's limit state, the
  best ask at the lower limit, implies it; a bid side swept below the band is its
  straddle state), or symmetrically its best ask above the upper limit -- trading
  pauses for H_PAUSE ns.
- RULE_STOP (CME's stop logic / velocity logic): an order that would trade at a price
  beyond the band (walking the opposite side of the ladder for its size; self-trade
  prevention is not anticipated) is not executed: a GTC limit order rests unmatched,
  anything else is rejected (reason HALTED), and trading pauses for H_PAUSE ns at once.

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
from hftlab.core.book_nb import ASK_ROW, BID_ROW, set_level

H_RULE, H_BAND, H_WINDOW, H_LIMIT, H_PAUSE = 0, 1, 2, 3, 4
H_STATUS, H_UNTIL, H_REF, H_REF_TS, H_LAST, H_LIMIT_SINCE, H_HALTS = 5, 6, 7, 8, 9, 10, 11
N_H = 12
RULE_NONE, RULE_LULD, RULE_STOP = 0, 1, 2
RULES = {"none": RULE_NONE, "luld": RULE_LULD, "stop-logic": RULE_STOP}
PPM = 1_000_000
REF_ONE = 1 << 16
K_TRADE, K_STATUS = 5, 8  # schema.Kind
RS_HALTED = 11  # schema.Reason.HALTED
NEVER = (1 << 63) - 1

# what execute does with a command (gate)
PASS, PARK, REJECT = 0, 1, 2


def new_halt(n_books: int, rule: int, band_ppm: int, window_ns: int, limit_ns: int,
             pause_ns: int) -> np.ndarray:
    """The halt rows of n_books books, all trading, under one rule (module docstring)."""
    h = np.zeros((n_books, N_H), np.int64)
    h[:, H_RULE], h[:, H_BAND], h[:, H_WINDOW] = rule, band_ppm, window_ns
    h[:, H_LIMIT], h[:, H_PAUSE], h[:, H_STATUS] = limit_ns, pause_ns, 1
    return h


@nb.njit(cache=True, inline="always")
def reference(halt, b, now):
    """The reference price (ticks, float) at now; 0.0 before the first print."""
    r = halt[b, H_REF]
    if r == 0:
        return 0.0
    ref = r / REF_ONE
    dt = now - halt[b, H_REF_TS]
    if dt > 0 and halt[b, H_STATUS] == 1 and halt[b, H_LIMIT_SINCE] == 0:
        ref += (1.0 - math.exp(-dt / max(halt[b, H_WINDOW], 1))) * (halt[b, H_LAST] - ref)
    return ref


@nb.njit(cache=True, inline="always")
def band(halt, b, now):
    """(lower, upper) band limits in ticks at now; (0, NEVER) without a reference."""
    ref = reference(halt, b, now)
    if ref <= 0.0:
        return np.int64(0), np.int64(NEVER)
    x = halt[b, H_BAND] / PPM
    return np.int64(math.ceil(ref * (1.0 - x) - 1e-9)), np.int64(math.floor(ref * (1.0 + x)
                                                                            + 1e-9))


@nb.njit(cache=True)
def note_print(halt, b, px, now):
    """A trade printed at px (ticks): bring the reference forward to now, then px holds."""
    if halt[b, H_REF] == 0:
        halt[b, H_REF] = px * REF_ONE
    else:
        halt[b, H_REF] = np.int64(round(reference(halt, b, now) * REF_ONE))
    halt[b, H_REF_TS] = now
    halt[b, H_LAST] = px


@nb.njit(cache=True)
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


@nb.njit(cache=True)
def gate(row, b, orders, qty, top, base, halt, now):
    """What execute does with a command on book b (a rule is set): (what, price, type,
    tif, halt_now). what: PASS (match as usual with the returned price / type / tif,
    repriced by LULD), PARK (rest or move the order without matching) or REJECT (reason
    HALTED); halt_now: a stop-logic pause starts with this command."""
    act = row[mk.M_ACTION]
    price, otype, tif = row[mk.M_PRICE], row[mk.M_TYPE], row[mk.M_TIF]
    if act == mk.ACT_CANCEL:
        return PASS, price, otype, tif, False
    if act == mk.ACT_SUBMIT:
        side, q = row[mk.M_SIDE], row[mk.M_QTY]
    else:
        oid = row[mk.M_ORDER]
        if not (0 < oid < orders.shape[0]) or orders[oid, mk.STATE] == mk.CLOSED:
            return PASS, price, otype, tif, False  # the engine refuses it
        side, otype, tif = orders[oid, mk.SIDE], mk.LIMIT, mk.GTC
        if price == mk.KEEP:
            price = orders[oid, mk.PRICE]
        q = orders[oid, mk.QTY] if row[mk.M_QTY] == mk.KEEP else row[mk.M_QTY]
    is_market = otype == mk.MARKET
    rests = not is_market and (tif == mk.GTC or tif == mk.POST_ONLY)
    if halt[b, H_STATUS] == 0:
        if act == mk.ACT_MODIFY and price == orders[row[mk.M_ORDER], mk.PRICE]:
            return PASS, price, otype, tif, False  # a new size at the same price: no match
        if act == mk.ACT_MODIFY or rests:
            return PARK, price, otype, tif, False
        return REJECT, price, otype, tif, False
    lo, hi = band(halt, b, now)
    if hi == NEVER:
        return PASS, price, otype, tif, False
    if halt[b, H_RULE] == RULE_STOP:
        if _beyond(qty, top, base, b, side, price, is_market, q, lo, hi):
            if act == mk.ACT_MODIFY or (rests and tif == mk.GTC):
                return PARK, price, otype, tif, True
            return REJECT, price, otype, tif, True
        return PASS, price, otype, tif, False
    # LULD: trade only inside the band
    width = qty.shape[2]
    limit = hi if side > 0 else lo
    if not (0 <= limit - base[b] < width):
        return PASS, price, otype, tif, False  # the ladder's window is inside the band
    if is_market:
        return PASS, limit, mk.LIMIT, mk.FOK if tif == mk.FOK else mk.GTC, False
    if (side > 0 and price > hi) or (side < 0 and price < lo):
        return PASS, limit, otype, tif, False
    return PASS, price, otype, tif, False


@nb.njit(cache=True)
def park(row, b, orders, head, tail, qty, top, base, n_resting, ctr, price, events, ne):
    """Rest a new limit order, or move / resize a resting one, without matching (a halted
    book, or an order stop logic holds). Returns matching_nb's result tuple."""
    ts = row[mk.M_TS]
    if events.shape[0] - ne < 2:
        return mk.RETRY_BUFFER, mk.RS_NONE, 0, 0, 0, 0, 0, ne
    if row[mk.M_ACTION] == mk.ACT_MODIFY:
        oid = row[mk.M_ORDER]
        side, old_q, state = orders[oid, mk.SIDE], orders[oid, mk.QTY], orders[oid, mk.STATE]
        nq = old_q if row[mk.M_QTY] == mk.KEEP else row[mk.M_QTY]
        if nq <= 0:
            return mk.ST_REJECTED, mk.RS_BAD_QTY, oid, 0, old_q, 0, 0, ne
        reason = mk._check_price(qty, base, b, price)
        if reason != mk.RS_NONE:
            return mk.ST_REJECTED, reason, oid, 0, old_q, 0, 0, ne
        if state == mk.RESTING_POST_ONLY and mk._crosses(qty, top, base, b, side, price):
            return mk.ST_REJECTED, mk.RS_POST_ONLY, oid, 0, old_q, 0, 0, ne
        old_px = orders[oid, mk.PRICE]
        mk._take_out(orders, head, tail, qty, top, base, n_resting, oid)
        ne = mk._emit(events, ne, ts, b, mk.K_DELETE, side, old_px, old_q, oid)
        orders[oid, mk.PRICE] = price
        orders[oid, mk.QTY] = nq
        mk._rest(orders, head, tail, qty, top, base, n_resting, oid, state)
        ne = mk._emit(events, ne, ts, b, mk.K_ADD, side, price, nq, oid)
        return mk.ST_ACCEPTED, mk.RS_NONE, oid, 0, nq, old_q - nq if nq < old_q else 0, 0, ne
    oid = ctr[0]
    if oid >= orders.shape[0]:
        return mk.RETRY_CAPACITY, mk.RS_TOO_MANY, 0, 0, 0, 0, 0, ne
    ctr[0] = oid + 1
    side, q, tif = row[mk.M_SIDE], row[mk.M_QTY], row[mk.M_TIF]
    orders[oid, mk.PRICE] = price
    orders[oid, mk.QTY] = 0
    orders[oid, mk.SIDE] = side
    orders[oid, mk.OWNER] = row[mk.M_OWNER]
    orders[oid, mk.BOOK] = b
    orders[oid, mk.STATE] = mk.CLOSED
    if q <= 0:
        return mk.ST_REJECTED, mk.RS_BAD_QTY, oid, 0, 0, 0, 0, ne
    reason = mk._check_price(qty, base, b, price)
    if reason != mk.RS_NONE:
        return mk.ST_REJECTED, reason, oid, 0, 0, 0, 0, ne
    if tif == mk.POST_ONLY and mk._crosses(qty, top, base, b, side, price):
        return mk.ST_REJECTED, mk.RS_POST_ONLY, oid, 0, 0, 0, 0, ne
    orders[oid, mk.QTY] = q
    mk._rest(orders, head, tail, qty, top, base, n_resting, oid,
             mk.RESTING_POST_ONLY if tif == mk.POST_ONLY else mk.RESTING)
    ne = mk._emit(events, ne, ts, b, mk.K_ADD, side, price, q, oid)
    return mk.ST_ACCEPTED, mk.RS_NONE, oid, 0, q, 0, 0, ne


@nb.njit(cache=True)
def at_limit(halt, b, qty, top, base, now):
    """LULD: keep H_LIMIT_SINCE -- when the book reached or went through a band limit
    (best bid below the lower one or best ask above the upper one), 0 otherwise."""
    if halt[b, H_RULE] != RULE_LULD or halt[b, H_STATUS] == 0:
        return
    lo, hi = band(halt, b, now)
    width = qty.shape[2]
    bb, ba = top[b, 0], top[b, 1]
    at = hi != NEVER and ((bb >= 0 and base[b] + bb < lo) or (ba < width and base[b] + ba > hi))
    if at == (halt[b, H_LIMIT_SINCE] > 0):
        return
    if at:  # the band stops here until the state ends
        halt[b, H_REF] = np.int64(round(reference(halt, b, now) * REF_ONE))
    halt[b, H_REF_TS] = now
    halt[b, H_LIMIT_SINCE] = now if at else 0


@nb.njit(cache=True)
def next_due(halt):
    """(time, book) of the earliest pending halt decision: a pause's end, or a LULD limit
    state running out; (NEVER, -1) when none."""
    t = np.int64(NEVER)
    who = -1
    for b in range(halt.shape[0]):
        if halt[b, H_RULE] == RULE_NONE:
            continue
        if halt[b, H_STATUS] == 0:
            d = halt[b, H_UNTIL]
        elif halt[b, H_LIMIT_SINCE] > 0:
            d = halt[b, H_LIMIT_SINCE] + halt[b, H_LIMIT]
        else:
            continue
        if d < t:
            t = d
            who = b
    return t, who


@nb.njit(cache=True)
def start(halt, b, now, events, ne):
    """Pause book b for H_PAUSE ns from now; emits its STATUS event (qty 0)."""
    if halt[b, H_REF] != 0:
        halt[b, H_REF] = np.int64(round(reference(halt, b, now) * REF_ONE))
        halt[b, H_REF_TS] = now
    halt[b, H_STATUS] = 0
    halt[b, H_UNTIL] = now + halt[b, H_PAUSE]
    halt[b, H_LIMIT_SINCE] = 0
    halt[b, H_HALTS] += 1
    return mk._emit(events, ne, now, b, K_STATUS, 0, 0, 0, 0)


@nb.njit(cache=True)
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


@nb.njit(cache=True, inline="always")
def _consume(orders, head, tail, qty, top, base, n_resting, b, m, row, i, t, px, now, events,
             ne):
    """Order m (front of level i of side row) trades t lots in the auction: its EXECUTE
    at its own price."""
    ne = mk._emit(events, ne, now, b, mk.K_EXECUTE, orders[m, mk.SIDE], orders[m, mk.PRICE],
                  t, m)
    if orders[m, mk.QTY] == t:
        mk._take_out(orders, head, tail, qty, top, base, n_resting, m)
    else:
        orders[m, mk.QTY] -= t
        set_level(qty, top, b, row, i, qty[b, row, i] - t)
    return ne


@nb.njit(cache=True)
def uncross(b, now, orders, head, tail, qty, top, base, n_resting, halt, fills, events):
    """The reopening auction of book b at now (module docstring) and the end of its pause:
    trades, then the STATUS event (qty 1). Returns (nf, ne) written to fills / events, or
    (RETRY_BUFFER, 0) when they might not hold it (nothing changed)."""
    n_ord = n_resting[b, 0] + n_resting[b, 1]
    if fills.shape[0] < n_ord or events.shape[0] < 2 * n_ord + 2:
        return mk.RETRY_BUFFER, 0
    ref = halt[b, H_LAST] if halt[b, H_LAST] > 0 else reference(halt, b, now)
    px, vol = auction_price(qty, top, base, b, ref)
    nf, ne = 0, 0
    total = vol
    while vol > 0:
        ib, ia = top[b, 0], top[b, 1]
        mb, ms = head[b, BID_ROW, ib], head[b, ASK_ROW, ia]
        t = min(orders[mb, mk.QTY], orders[ms, mk.QTY], vol)
        maker, taker = (mb, ms) if mb < ms else (ms, mb)
        fills[nf, mk.F_TS] = now
        fills[nf, mk.F_BOOK] = b
        fills[nf, mk.F_MAKER] = maker
        fills[nf, mk.F_TAKER] = taker
        fills[nf, mk.F_MAKER_OWNER] = orders[maker, mk.OWNER]
        fills[nf, mk.F_TAKER_OWNER] = orders[taker, mk.OWNER]
        fills[nf, mk.F_PRICE] = px
        fills[nf, mk.F_QTY] = t
        fills[nf, mk.F_MAKER_SIDE] = orders[maker, mk.SIDE]
        nf += 1
        ne = _consume(orders, head, tail, qty, top, base, n_resting, b, mb, BID_ROW, ib, t, px,
                      now, events, ne)
        ne = _consume(orders, head, tail, qty, top, base, n_resting, b, ms, ASK_ROW, ia, t, px,
                      now, events, ne)
        vol -= t
    halt[b, H_STATUS] = 1
    halt[b, H_UNTIL] = 0
    halt[b, H_REF_TS] = now
    if total > 0:
        ne = mk._emit(events, ne, now, b, K_TRADE, 0, px, total, 0)
        halt[b, H_REF] = px * REF_ONE
        halt[b, H_LAST] = px
    ne = mk._emit(events, ne, now, b, K_STATUS, 0, 0, 1, 0)
    return nf, ne
