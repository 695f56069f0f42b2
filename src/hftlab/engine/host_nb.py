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

from hftlab.core.book_nb import ASK_ROW, BID_ROW, clear_book, set_level
from hftlab.core.latency_nb import keyed_draw
from hftlab.core.layout import W_BOOK, W_TRADE
from hftlab.core.specialise import plain_args
from hftlab.schema import Kind

INF = np.iinfo(np.int64).max


@nb.njit(cache=True, inline="always")
def arrival_time(i, number, seed, last, ts, ts_local, venue, venues):
    """When event i (of the chunk's columns ts, ts_local, venue; number: its number in the
    data) reaches the host on a FIFO feed whose previous event arrived at last: recorded or
    ts + feed latency, never before last."""
    u = np.uint64(i)  # read at an unsigned index: no negative-index fix-up (loop_nb.exchange)
    v = venue[u]
    if venues[v].recorded > 0 and ts_local[u] != 0:
        tl = ts_local[u]
    else:
        tl = ts[u] + keyed_draw(seed, number, venues[v].feed, venues[v].feed_jitter)
    return max(tl, last, ts[u])


@nb.njit(cache=True, inline="always")
def host_time(i, ts, ts_local, venue, venues, cur):
    """When event i (of the chunk's columns ts, ts_local, venue) reaches the host
    (arrival_time), kept in cur until the event is delivered."""
    c = cur[0]
    if c.local_next_ts < 0:
        c.local_next_ts = arrival_time(i, c.events - (c.next_ex - i), c.feed_seed,
                                       c.last_local_ts, ts, ts_local, venue, venues)
    return c.local_next_ts


@nb.njit(cache=True, _nrt=False)
def queue_arrival(i, number, seed, ts, ts_local, venue, venues, arr, ends):
    """Queue event i of the chunk's columns (number: its number in the data) for the host at the
    time it arrives there: its recorded ts_local (never before its ts) on a recorded
    venue, else ts + feed latency, FIFO per venue. A venue's row stays sorted by (time,
    event): the entry goes in from the tail, so an event that arrives in order costs one
    comparison and one that arrives early one move per queued event it overtakes."""
    u = np.uint64(i)  # read at an unsigned index: no negative-index fix-up (loop_nb.exchange)
    v = np.int64(venue[u])
    e = ends[v]
    if venues[v].recorded > 0 and ts_local[u] != 0:
        t = max(ts_local[u], ts[u])
    else:
        t = max(ts[u] + keyed_draw(seed, number, venues[v].feed, venues[v].feed_jitter),
                e.last, ts[u])
        e.last = t
    k = e.tail
    while k > e.head and arr[v, k - 1].ts > t:
        arr[v, k].ts = arr[v, k - 1].ts
        arr[v, k].event = arr[v, k - 1].event
        k -= 1
    arr[v, k].ts = t
    arr[v, k].event = i
    e.tail += 1


@nb.njit(cache=True, _nrt=False)
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


@nb.njit(cache=True, _nrt=False)
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
    In a batch nobody looks at the host's view before the end, so a book's view is
    refreshed once per run of its events (when the next event is another book's, and at
    the end), not at every event: the same view, fewer writes.
    """
    if not stop_on_wake and (prm[0].sub_book > 0 or prm[0].sub_trade > 0):
        return 0, -1
    # the columns, taken out of the chunk once: deliver and arrival_time index them per event
    ts, ts_local, venue, instr, kind, side, price, qty, lidx, lnew = (
        ev.ts, ev.ts_local, ev.venue, ev.instrument, ev.kind, ev.side, ev.price, ev.qty,
        ev.ladder_idx, ev.ladder_new)
    n_instr = market.shape[0] // venues.shape[0]
    c = cur[0]
    last = c.last_local_ts  # the time of the last event delivered
    shown = -1  # the book whose view is refreshed when another book's event comes, or at the end
    delivered = False
    wake = 0
    wb = -1
    run = -1  # events at the head of a one-book recorded feed's row that follow one another
    if arr.shape[1] > 0 and not stop_on_wake and market.shape[0] == 1:
        run, t = arrived(now, arr, ends)
    if run >= 0:  # delivered as one run of the chunk, as on a FIFO feed (below)
        i = arr[0, ends[0].head].event if run > 0 else 0
        deliver_run(i, i + run, ts, venue, instr, kind, side, price, qty, lidx, lnew, n_instr,
                    lqty, ltop, market)
        if run > 0:
            ends[0].head += run
            shown, last, delivered = 0, t, True
    elif arr.shape[1] > 0:
        while True:
            t, v = next_arrival(arr, ends)
            if v < 0 or t > now:
                break
            i = arr[v, ends[v].head].event
            ends[v].head += 1
            b = deliver(i, ts, venue, instr, kind, side, price, qty, lidx, lnew, n_instr, lqty,
                        ltop, market)
            if b != shown and shown >= 0:
                show(market, lqty, ltop, base, shown, last)
            shown, last, delivered = b, t, True
            if stop_on_wake:
                wake, wb = wake_of(kind[i], b, prm)
                if wake != 0:
                    break
    elif not stop_on_wake and market.shape[0] == 1:
        # one book in a batch: its view is shown once, at the end, so the arrival times
        # only say how far the host has received (a pass over ts alone), and the events
        # up to there are delivered in a loop of their own
        i = c.next_local
        j, t, last = received(now, i, c.next_ex, c.local_next_ts, c.events - (c.next_ex - i),
                              last, c.feed_seed, ts, ts_local, venue, venues)
        deliver_run(i, j, ts, venue, instr, kind, side, price, qty, lidx, lnew, n_instr, lqty,
                    ltop, market)
        if j > i:
            shown, delivered = 0, True
        c.next_local = j
        c.local_next_ts = t
    else:
        i = c.next_local
        stop = c.next_ex
        number = c.events - (stop - i)  # the event's number in the data
        t = c.local_next_ts
        while i < stop:
            if t < 0:
                t = arrival_time(i, number, c.feed_seed, last, ts, ts_local, venue, venues)
            if t > now:
                break
            b = deliver(i, ts, venue, instr, kind, side, price, qty, lidx, lnew, n_instr, lqty,
                        ltop, market)
            if b != shown and shown >= 0:
                show(market, lqty, ltop, base, shown, last)
            shown, last, delivered = b, t, True
            i += 1
            number += 1
            t = -1
            if stop_on_wake:
                wake, wb = wake_of(kind[i - 1], b, prm)
                if wake != 0:
                    break
        c.next_local = i
        c.local_next_ts = t
    if delivered:
        show(market, lqty, ltop, base, shown, last)
        c.now_local = last
        c.last_local_ts = last
    return wake, wb


@nb.njit(cache=True, inline="always")
def received(now, i, stop, t, number, last, seed, ts, ts_local, venue, venues):
    """How far a FIFO feed has brought events [i, stop) of the chunk's columns to the host
    by now: (the first event not there yet, or stop; its arrival time, or -1 at stop;
    the arrival time of the last one there, last when none). t: event i's arrival time
    when already drawn, else -1; number: event i's number in the data."""
    while i < stop:
        if t < 0:
            t = arrival_time(i, number, seed, last, ts, ts_local, venue, venues)
        if t > now:
            return i, t, last
        last = t
        i += 1
        number += 1
        t = -1
    return i, np.int64(-1), last


@nb.njit(cache=True, inline="always")
def arrived(now, arr, ends):
    """How many events at the head of the one venue's row of a recorded feed (arr, ends)
    have reached the host by now, when they are consecutive events of the chunk (a feed
    that arrives in order): (count, the last one's arrival time); (-1, 0) when they are
    not, or the feed has more than one venue. One pass over the row's times, so that the
    events are then delivered in a loop of their own (catch_up): with the row's head
    taken event by event, each delivery waited for the queue entry that names its event
    (catch_up on 1 M events of the recorded stream replaying only, perf samples over 20
    runs: 18 -> 16.5 ms, the second on a busier machine)."""
    if ends.shape[0] != 1:
        return -1, np.int64(0)
    h = ends[0].head
    if ends[0].tail == h:
        return 0, np.int64(0)
    first = arr[0, h].event
    k = h
    last = np.int64(0)
    while k < ends[0].tail:
        x = arr[0, k]
        if x.ts > now:
            break
        if x.event != first + (k - h):
            return -1, np.int64(0)
        last = x.ts
        k += 1
    return k - h, last


@nb.njit(cache=True, inline="always")
def deliver_run(i, j, ts, venue, instr, kind, side, price, qty, lidx, lnew, n_instr, lqty, ltop,
                market):
    """Deliver events [i, j) of the chunk to the host of a one-book run (deliver); the
    book's view is the caller's (show)."""
    for k in range(i, j):
        deliver(k, ts, venue, instr, kind, side, price, qty, lidx, lnew, n_instr, lqty, ltop,
                market)


# inlined: once per replayed event; as calls, this and book_nb.set_level cost ~10 % (measured)
@nb.njit(cache=True, inline="always")
def deliver(i, ts, venue, instr, kind, side, price, qty, lidx, lnew, n_instr, lqty, ltop,
            market):
    """Market event i of the chunk's columns reaches the host: replay its ladder update
    (lidx, lnew) on the host's book and keep its trade or status; returns its book. The
    book's top-of-book view is the caller's (show)."""
    u = np.uint64(i)  # read at an unsigned index: no negative-index fix-up (loop_nb.exchange)
    b = np.int64(venue[u]) * n_instr + np.int64(instr[u])
    k = kind[u]
    idx = lidx[u]
    if idx >= 0:
        set_level(lqty, ltop, b, BID_ROW if side[u] > 0 else ASK_ROW, idx, lnew[u])
    elif idx == -2:
        clear_book(lqty, ltop, b)
    if k == Kind.STATUS:
        market[b].status = qty[u]
    elif k == Kind.TRADE or k == Kind.EXECUTE:
        market[b].last_price = price[u]
        market[b].last_qty = qty[u]
        market[b].last_side = side[u] if k == Kind.TRADE else -side[u]
        market[b].last_ts = ts[u]
        market[b].last_kind = k
    return b


@nb.njit(cache=True, inline="always")
def wake_of(k, b, prm):
    """(wake reason, book) for a strategy subscribed to trades or books, when an event of
    kind k on book b reaches the host; (0, -1) when it does not wake it."""
    if (k == Kind.TRADE or k == Kind.EXECUTE) and prm[0].sub_trade > 0:
        return W_TRADE, b
    if prm[0].sub_book > 0 and k != Kind.TRADE:
        return W_BOOK, b
    return 0, -1


@nb.njit(cache=True, inline="always")
def show(market, lqty, ltop, base, b, t):
    """Refresh the host's top-of-book view of book b from its local ladder; its last
    update was at host time t."""
    width = lqty.shape[2]
    tb = ltop[b, 0]
    ta = ltop[b, 1]
    market[b].bid = base[b] + tb if tb >= 0 else 0
    market[b].bid_qty = lqty[b, BID_ROW, tb] if tb >= 0 else 0
    market[b].ask = base[b] + ta if ta < width else 0
    market[b].ask_qty = lqty[b, ASK_ROW, ta] if ta < width else 0
    market[b].ts = t
