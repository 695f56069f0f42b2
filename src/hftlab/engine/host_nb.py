"""Market events reaching the trading host (compiled): when each arrives and what it
changes in the host's book and view.

With modelled feed latency the host receives market events in the data's order (a FIFO
feed: ts + latency, never before the previous event). A recorded feed (a venue with
recorded_feed, in replay) is received as it was recorded: in ts_local order, per venue
and across venues, so a trade stamped early that arrived late does not hold back the
book rows that arrived before it. The exchange side queues each event it processes in
its venue's row of st.arrivals, sorted by arrival time (queue_arrival), and the host
takes the earliest head of those rows (next_arrival).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from hftlab.core.book_nb import ASK_ROW, BID_ROW, EXECUTE, STATUS, TRADE, clear_book, set_level
from hftlab.core.latency_nb import keyed_draw
from hftlab.core.layout import W_BOOK, W_TRADE
from hftlab.core.specialise import plain_args

INF = np.iinfo(np.int64).max


@nb.njit(cache=True, inline="always")
def host_time(i, ts, ts_local, venue, venues, cur):
    """When event i (of the chunk's columns ts, ts_local, venue) reaches the host: recorded
    or ts + feed latency, never before the last."""
    c = cur[0]
    if c.local_next_ts < 0:
        v = venue[i]
        if venues[v].recorded > 0 and ts_local[i] != 0:
            tl = ts_local[i]
        else:
            number = c.events - (c.next_ex - i)  # the event's number in the data
            tl = ts[i] + keyed_draw(c.feed_seed, number, venues[v].feed, venues[v].feed_jitter)
        c.local_next_ts = max(tl, c.last_local_ts, ts[i])
    return c.local_next_ts


@nb.njit(cache=True)
def queue_arrival(i, number, seed, ts, ts_local, venue, venues, arr, ends):
    """Queue event i of the chunk's columns (number: its number in the data) for the host at the
    time it arrives there: its recorded ts_local (never before its ts) on a recorded
    venue, else ts + feed latency, FIFO per venue. A venue's row stays sorted by (time,
    event): the entry goes in from the tail, so an event that arrives in order costs one
    comparison and one that arrives early one move per queued event it overtakes."""
    v = np.int64(venue[i])
    e = ends[v]
    if venues[v].recorded > 0 and ts_local[i] != 0:
        t = max(ts_local[i], ts[i])
    else:
        t = max(ts[i] + keyed_draw(seed, number, venues[v].feed, venues[v].feed_jitter),
                e.last, ts[i])
        e.last = t
    k = e.tail
    while k > e.head and arr[v, k - 1].ts > t:
        arr[v, k].ts = arr[v, k - 1].ts
        arr[v, k].event = arr[v, k - 1].event
        k -= 1
    arr[v, k].ts = t
    arr[v, k].event = i
    e.tail += 1


@nb.njit(cache=True)
def next_arrival(arr, ends):
    """(time, venue) of the next market event to reach the host: the earliest head of the
    venues' rows, the earlier event of the data at equal times; (INF, -1) when none."""
    best = INF
    best_v = -1
    best_i = INF
    for v in range(ends.shape[0]):
        e = ends[v]
        if e.tail > e.head:
            x = arr[v, e.head]
            if x.ts < best or (x.ts == best and x.event < best_i):
                best, best_v, best_i = x.ts, v, x.event
    return best, best_v


@nb.njit(cache=True)
def oldest_arrival(arr, ends, n):
    """The lowest event index still on its way to the host (n when none): the chunk's
    events from there on are carried over to the next one."""
    lo = n
    for v in range(ends.shape[0]):
        for k in range(ends[v].head, ends[v].tail):
            lo = min(lo, arr[v, k].event)
    return lo


@plain_args
@nb.njit(cache=True, _nrt=False)
def catch_up(now, stop_on_wake, ev, cur, prm, venues, lqty, ltop, base, market, arr, ends):
    """Deliver to the host every market event the exchange has seen that reaches it by now,
    in the order they reach it (a recorded feed: by arrival, arr / ends; else FIFO).
    Compiled without the reference-counting runtime (it never allocates): with it, every
    call and every inlined deliver counted references to its twenty arrays, which took
    a quarter of a simulated-market backtest (one call a turn and one a host action).

    Returns (wake reason, book) of the first event a subscribed strategy must see when
    stop_on_wake, else (0, -1) after delivering all of them. A strategy that subscribes
    to books or trades sees every one of them when it arrives, so its events are never
    delivered in a batch (not stop_on_wake): they join the loop's merge one by one.
    """
    if not stop_on_wake and (prm[0].sub_book > 0 or prm[0].sub_trade > 0):
        return 0, -1
    # the columns, taken out of the chunk once: deliver and host_time index them per event
    ts, ts_local, venue, instr, kind, side, price, qty, lidx, lnew = (
        ev.ts, ev.ts_local, ev.venue, ev.instrument, ev.kind, ev.side, ev.price, ev.qty,
        ev.ladder_idx, ev.ladder_new)
    if arr.shape[1] > 0:
        while True:
            t, v = next_arrival(arr, ends)
            if v < 0 or t > now:
                return 0, -1
            i = arr[v, ends[v].head].event
            ends[v].head += 1
            wake, b = deliver(i, t, stop_on_wake, ts, venue, instr, kind, side, price, qty, lidx,
                              lnew, cur, prm, venues, lqty, ltop, base, market)
            if wake != 0:
                return wake, b
    i = cur[0].next_local
    while i < cur[0].next_ex:
        t = host_time(i, ts, ts_local, venue, venues, cur)
        if t > now:
            break
        cur[0].local_next_ts = -1
        cur[0].next_local = i + 1
        wake, b = deliver(i, t, stop_on_wake, ts, venue, instr, kind, side, price, qty, lidx,
                          lnew, cur, prm, venues, lqty, ltop, base, market)
        if wake != 0:
            return wake, b
        i += 1
    return 0, -1


# inlined: once per replayed event; as calls, this and book_nb.set_level cost ~10 % (measured)
@nb.njit(cache=True, inline="always")
def deliver(i, t, stop_on_wake, ts, venue, instr, kind, side, price, qty, lidx, lnew, cur, prm,
            venues, lqty, ltop, base, market):
    """Market event i of the chunk's columns reaches the host at t: replay its ladder update
    (lidx, lnew) on the host's book and view. Returns (wake reason, book) when a subscribed
    strategy must see it (and stop_on_wake), else (0, -1)."""
    n_instr = market.shape[0] // venues.shape[0]
    b = np.int64(venue[i]) * n_instr + np.int64(instr[i])
    k = kind[i]
    cur[0].now_local = t
    cur[0].last_local_ts = t
    idx = lidx[i]
    if idx >= 0:
        set_level(lqty, ltop, b, BID_ROW if side[i] > 0 else ASK_ROW, idx, lnew[i])
    elif idx == -2:
        clear_book(lqty, ltop, b)
    update_view(market, lqty, ltop, base, b)
    market[b].ts = t
    if k == STATUS:
        market[b].status = qty[i]
    if k == TRADE or k == EXECUTE:
        market[b].last_price = price[i]
        market[b].last_qty = qty[i]
        market[b].last_side = side[i] if k == TRADE else -side[i]
        market[b].last_ts = ts[i]
        market[b].last_kind = k
        if stop_on_wake and prm[0].sub_trade > 0:
            return W_TRADE, b
    if stop_on_wake and prm[0].sub_book > 0 and k != TRADE:
        return W_BOOK, b
    return 0, -1


@nb.njit(cache=True, inline="always")
def update_view(market, lqty, ltop, base, b):
    """Refresh the host's top-of-book view of book b from its local ladder."""
    width = lqty.shape[2]
    tb = ltop[b, 0]
    ta = ltop[b, 1]
    market[b].bid = base[b] + tb if tb >= 0 else 0
    market[b].bid_qty = lqty[b, BID_ROW, tb] if tb >= 0 else 0
    market[b].ask = base[b] + ta if ta < width else 0
    market[b].ask_qty = lqty[b, ASK_ROW, ta] if ta < width else 0
