"""The event loop of a replay backtest (compiled): one time-ordered walk over both clocks.

Six streams are merged by time, each FIFO: market events at the exchange (ts), commands
arriving at the venue (sent + entry latency), state samples (exchange clock), market
events reaching the host (ts + feed latency, or the recorded ts_local), responses
reaching the host (venue time + response latency) and the strategy's timer (host clock).
At equal times they are taken in that order, so an order meets the book as it is when it
arrives and a strategy only ever acts on what it could have known.

How market events reach the host (modelled FIFO feed latency, or a recorded feed in
arrival order) is engine/host_nb.py.

The loop is resumable: all its state is in arrays, it returns RUN_NEED_DATA at the end
of a chunk of events, RUN_FLUSH when a record buffer is nearly full, RUN_WAKE when a
Python strategy must be called, and RUN_DONE at the end. A compiled strategy is called
in place through a first-class function pointer, so no Python runs in the loop; the
loop's signature and that call are engine/interface_nb.py.

In a simulated market (prm[0].simulated) the events are what the agents and our orders did in
the simulator's matching engine, handed over up to a horizon (cur[0].horizon): the loop
handles everything due by then and returns RUN_NEED_DATA; at the arrival of one of our
commands it returns RUN_ARRIVE, so the command runs in that matching engine
(engine/sim_venue_nb.py) instead of against recorded levels, and our fills come from the
matching engine rather than from a queue model.

Speed: the loop and what it runs at every market event (applying it to the ladders, the
host's delivery in host_nb, the own-order checks and queue updates in venue_nb, the
ladders' searches in book_nb) never allocate, so they are compiled without numba's
reference-counting runtime (``_nrt=False``, as the matching engine's kernels are): with
it, every helper that takes arrays and branches paid an atomic increment and decrement
per array at every call, about nine tenths of the loop's own CPU time (1 M events of
the l5 stream: 0.47 -> 0.05 CPU s replaying only, 0.52 -> 0.07 s with InventorySkew). A
kernel that needs the runtime says so (book_nb.apply_event: the L3 order map is a typed
dict), and numba refuses to compile one that needs it without saying so; `run` is the
entry from Python (unboxing the typed dict needs the runtime), `step` the loop (a
simulated market's driver calls it directly). The entry calls the loop through its
address (core/calls.py): a plain call would link the loop into it and compile it again.
"""

from __future__ import annotations

from typing import Callable

import numba as nb
import numpy as np
from numba import types

from hftlab.core.calls import Entry, address_of, caller
from hftlab.engine.accounting_nb import apply_fill, fee_of, mark
from hftlab.core.book_nb import (ERR_RANGE, ERR_UNKNOWN_ORDER_QTY, WARN_NEGATIVE_LEVEL,
                                 apply_delta, apply_event, apply_l2)
from hftlab.engine.entry_nb import arrive
from hftlab.engine.host_nb import (INF, catch_up, host_time, next_arrival, oldest_arrival,
                                   queue_arrival)
from hftlab.engine.gate_nb import send
from hftlab.core.layout import (ERR_DATA_RANGE, RUN_ARRIVE, RUN_DESK, RUN_DONE, RUN_ERROR,
                                RUN_FLUSH, RUN_NEED_DATA, RUN_WAKE, R_ACK, R_CANCELLED, R_FILL,
                                R_MODIFIED, R_REFUSED, W_DENIED, W_END, W_FILL, W_ORDER, W_START,
                                W_TIMER)
from hftlab.engine.interface_nb import RUN_SIG, call_strategy
from hftlab.engine.samples_nb import sample
from hftlab.engine.venue_nb import may_touch, on_market_event, own_ranges, release_closed
from hftlab.risk.monitor_nb import monitor
from hftlab.risk.pretrade_nb import has_requests
from hftlab.schema import Kind, OrderStatus

MAX_CMDS = 64


@nb.njit(cache=True)
def local_mid(market, b):
    if market[b].bid > 0 and market[b].ask > 0:
        return 0.5 * (market[b].bid + market[b].ask)
    return np.nan


@nb.njit(cache=True)
def mark_host(lacct, instruments, market):
    """Mark the host's account to the host's own mids."""
    for i in range(lacct.shape[0]):
        mark(lacct, instruments, i, local_mid(market, np.int64(instruments[i].mark_book)))


@nb.njit(cache=True)
def guard(now, lacct, instruments, orders, active, free, cur, entry, eends, rec_o, market, venues,
          rparams, rstate, rec_r, rcmds):
    """Run the intraday risk monitor; send its cancel / flatten commands past pre-trade checks."""
    n = monitor(now, lacct, instruments, orders, active, cur, market, rparams, rstate, rec_r, rcmds)
    if n > 0:
        send(0, n, now, rcmds, orders, active, free, cur, entry, eends, rec_o, lacct, market, venues,
             instruments, rparams, rstate, rec_r, rcmds, True)
        cur[0].release = 1


@nb.njit(cache=True)
def on_response(x, orders, lacct, instruments, venues, market):
    """Apply one response to the host's view of our order and account; returns a wake reason."""
    kind = x.kind
    s = x.slot
    if kind == R_FILL:
        q = x.qty
        b = orders[s].book
        i = market[b].instrument
        maker = x.maker == 1
        fee = fee_of(venues, instruments, market[b].venue, i, x.price, q, maker)
        orders[s].local_leaves -= q
        orders[s].local_filled += q
        orders[s].local_status = x.status
        apply_fill(lacct, instruments, i, orders[s].side, x.price, q, fee, maker)
        return W_FILL
    if kind == R_ACK:
        orders[s].local_status = x.status
        orders[s].local_leaves = x.qty
        return W_ORDER
    if kind == R_REFUSED:
        orders[s].pending -= 1
        return W_ORDER
    if kind == R_MODIFIED:
        orders[s].pending -= 1
        orders[s].local_price = x.price
        orders[s].local_leaves = x.qty
        orders[s].local_status = x.status
        return W_ORDER
    if kind == R_CANCELLED:
        orders[s].pending -= 1
    orders[s].local_status = x.status
    return W_ORDER


@nb.njit(cache=True, _nrt=False, no_cpython_wrapper=True)
def apply_other(b, k, s_, p, q, oid, qty, top, base, omap, halted, cur):
    """One market event that is not an L2 level or trade (an L3 or order-id-less delta,
    a CLEAR, a STATUS) applied to book b's ladders, as book_nb.apply_event returns it.
    Apart from exchange's loop, so that the L2 events' path keeps its values in
    registers (below)."""
    if oid == 0 and Kind.ADD <= k <= Kind.EXECUTE:  # no order map
        res = apply_delta(qty, top, base, b, k, s_, p, q, cur[0].seq)
    else:
        if k == Kind.STATUS:
            halted[b] = 1 if q == 0 else 0
        res = apply_event(qty, top, base, omap, b, k, s_, p, q, oid, cur[0].seq)
    if k == Kind.ADD:
        cur[0].seq += 1
    return res


@nb.njit(cache=True, _nrt=False)
def count_error(err, t, iex, number, cur):
    """Book an event the book could not take as it came (err, from apply_event; the
    event: index iex of the chunk, number in the data, exchange time t): counted, or
    for one outside its book's price window the batch stops (False, cur.error set)."""
    if err == ERR_RANGE:
        cur[0].now_ex = t
        cur[0].next_ex = iex
        cur[0].events = number
        cur[0].error = ERR_DATA_RANGE
        return False
    if err == WARN_NEGATIVE_LEVEL:
        cur[0].level_overruns += 1
        if cur[0].level_overrun_at == 0:
            cur[0].level_overrun_at = number + 1
    elif err == ERR_UNKNOWN_ORDER_QTY:  # the order keeps resting: counted
        cur[0].l3_over += 1
        if cur[0].l3_over_at == 0:
            cur[0].l3_over_at = number + 1
    return True


@nb.njit(cache=True, _nrt=False, no_cpython_wrapper=True)
def exchange(bound, ev, st, qfn, qparams):
    """The exchange processes the chunk's market events from cur.next_ex on: all of them
    up to the first that comes after bound (one only when the strategy wakes on each
    market event), stopping at the chunk's end and after an event that fills our orders
    (the response stream moved). Returns False on an event outside its book's price
    window (cur.error is set). Its own function rather than a part of _run's body, so it
    is compiled apart from the rest of the loop (measured together with host_nb.catch_up's
    one-book pass, CPU in the loop per million events replaying only: l10 51.7 -> 48.4 ms,
    l5 53.8 -> 46.6 ms; one process each, a loaded machine).

    The L2 events' path is kept short: events of other kinds, the errors and our orders'
    fills are calls (apply_other, count_error, venue_nb.on_market_event), and the columns
    are read at an unsigned index, which numba reads without the fix-up of a negative
    index (each column's length kept at hand, a compare and a select per read). With
    those inline the loop held too many values for the registers and reloaded them from
    the stack at every event (1 M events of the recorded stream replaying only, perf
    samples in this function over 20-30 runs: 31.5 ns an event, against 20 for a bare loop
    over the same kernels; now 22.6)."""
    ts, ts_local, venue, instr, kind, side, price, evqty, oid = (
        ev.ts, ev.ts_local, ev.venue, ev.instrument, ev.kind, ev.side, ev.price, ev.qty,
        ev.order_id)
    ev_idx, ev_new = ev.ladder_idx, ev.ladder_new
    cur, prm, qty, top, base = st.cur, st.prm, st.qty, st.top, st.base
    omap, halted, market, ownr = st.order_map, st.halted, st.market, st.ranges
    orders, active, resp, rends = st.orders, st.active, st.resp, st.resp_ends
    acct, venues, instruments, rec_f = st.acct, st.venue_table, st.instrument_table, st.rec_fills
    arr, ends = st.arrivals, st.arrival_ends
    by_arrival = arr.shape[1] > 0
    n_instr = acct.shape[0]
    per_event = prm[0].sub_book > 0 or prm[0].sub_trade > 0
    n = cur[0].n_events
    iex = cur[0].next_ex
    seed = cur[0].feed_seed
    # the cursors live in registers here and go back to cur when the batch ends
    number = cur[0].events  # events the exchange has processed
    own = prm[0].simulated <= 0 and cur[0].n_active > 0  # orders a market event may fill
    while True:
        u = np.uint64(iex)
        b = np.int64(venue[u]) * n_instr + np.int64(instr[u])
        k = kind[u]
        s_ = side[u]
        p = price[u]
        q = evqty[u]
        if k == Kind.LEVEL or k == Kind.TRADE:  # the L2 hot path, without the order map
            err, idx, old, new, oseq = apply_l2(qty, top, base, b, k, s_, p, q)
        else:
            err, idx, old, new, oseq = apply_other(b, k, s_, p, q, oid[u], qty, top, base,
                                                   omap, halted, cur)
        if err != 0 and not count_error(err, ts[u], iex, number, cur):
            return False
        ev_idx[u] = -2 if k == Kind.CLEAR else idx
        ev_new[u] = new
        if by_arrival:
            queue_arrival(iex, number, seed, ts, ts_local, venue, venues, arr, ends)
        now = ts[u]
        iex += 1
        number += 1
        if own and (cur[0].own_dirty == 0 or own_ranges(orders, active, cur, ownr)) \
                and may_touch(ownr, b, k, s_, p):
            sent = rends[0].tail
            on_market_event(b, k, s_, p, q, idx, old, new, oseq, now, qfn, qparams,
                            prm[0].fill_full, orders, active, cur, resp, rends, rec_f,
                            acct, venues, instruments, market, qty, top, base)
            if rends[0].tail != sent:  # fills went out: the response stream moved
                break
        if per_event or iex >= n or ts[np.uint64(iex)] > bound:
            break
    cur[0].now_ex = now
    cur[0].next_ex = iex
    cur[0].events = number
    return True


def _run(ev, st, io, strat, qfn, qparams):
    """Advance the backtest until done, out of data, a buffer is full or Python must act.

    ev: the chunk of market events (state.Events), st: the engine's state
    (state.EngineState), io: the compiled strategy's command buffer, view, sink, clock and
    state (state.StrategyIO), strat: its step, qfn / qparams: the L2 queue model.
    """
    ts, ts_local, venue = ev.ts, ev.ts_local, ev.venue
    cur, prm, qty, top, lqty, ltop, base = (st.cur, st.prm, st.qty, st.top, st.local_qty,
                                            st.local_top, st.base)
    halted, market = st.halted, st.market
    orders, active, free = st.orders, st.active, st.free
    entry, eends, resp, rends = st.entry, st.entry_ends, st.resp, st.resp_ends
    acct, lacct, venues, instruments = st.acct, st.local_acct, st.venue_table, st.instrument_table
    rec_o, rec_f, rec_s, rec_r = st.rec_orders, st.rec_fills, st.rec_states, st.rec_risk
    rparams, rstate, rcmds = st.rparams, st.rstate, st.risk_cmds
    cmds, view, sink, clock, sstate = io.cmds, io.host_view, io.sink, io.clock, io.state
    arr, ends = st.arrivals, st.arrival_ends
    by_arrival = arr.shape[1] > 0  # a recorded feed, received in order of arrival
    n_instr = acct.shape[0]
    # room kept free in the record buffers for what one step can write: a batch of
    # commands, the risk engine's cancel-all and flatten, and the fills they cause
    room = 4 * max(MAX_CMDS, sink.commands.shape[0]) + rcmds.shape[0]
    cap_o = rec_o.shape[0] - room
    cap_f = rec_f.shape[0] - room
    cap_s = rec_s.shape[0] - 2 * n_instr
    cap_r = rec_r.shape[0] - room
    per_event = prm[0].sub_book > 0 or prm[0].sub_trade > 0
    sim = prm[0].simulated > 0
    while True:
        if cur[0].error != 0:
            return RUN_ERROR
        if (cur[0].n_orders > cap_o or cur[0].n_fills > cap_f or cur[0].n_states > cap_s
                or cur[0].n_risk > cap_r):
            return RUN_FLUSH
        if cur[0].n_cmds > 0 or has_requests(rstate):  # a Python strategy's commands or requests
            start = cur[0].cmd_offset
            stop = min(cur[0].n_cmds, start + MAX_CMDS)
            first = cur[0].n_orders
            send(start, stop, cur[0].now_local, cmds, orders, active, free, cur, entry, eends, rec_o,
                 lacct, market, venues, instruments, rparams, rstate, rec_r, rcmds, False)
            cur[0].cmd_offset = stop
            if stop == cur[0].n_cmds:
                cur[0].n_cmds = 0
                cur[0].cmd_offset = 0
            cur[0].release = 1
            if prm[0].python > 0 and denied_any(rec_o, first, cur[0].n_orders):
                cur[0].deny_lo = first  # the Python strategy hears of its denials at once
                cur[0].deny_hi = cur[0].n_orders
                cur[0].wake = W_DENIED
                return RUN_WAKE
            continue
        if cur[0].release != 0:  # the strategy has seen its closed orders: free their slots
            release_closed(orders, active, free, cur)
            cur[0].release = 0
        n = cur[0].n_events
        iex = cur[0].next_ex
        if iex >= n and cur[0].last_chunk == 0 and not sim:
            if n > 0:  # everything up to the last event's time is settled: deliver it to the
                # host, so the events carried over to the next chunk stay few (a subscribed
                # strategy's are carried over and wake it one by one: catch_up)
                catch_up(ts[n - 1], False, ev, cur, prm, venues, lqty, ltop, base, market, arr,
                         ends)
                if by_arrival:  # the chunk's events from the oldest still on its way are carried
                    cur[0].next_local = oldest_arrival(arr, ends, n)
            return RUN_NEED_DATA
        wake = 0
        wake_book = -1
        if cur[0].started == 0:
            cur[0].started = 1
            wake = W_START
        else:
            t_ex = ts[iex] if iex < n else INF
            ilo = cur[0].next_local
            # the host's market events join the merge only for a strategy that wakes on them;
            # otherwise they are delivered in a batch before anything happens on the host
            t_lo = INF
            if per_event:
                if by_arrival:
                    t_lo = next_arrival(arr, ends)[0]
                elif ilo < iex:
                    t_lo = host_time(ilo, ts, ts_local, venue, venues, cur)
            qe = eends[0]
            qr = rends[0]
            t_cmd = entry[qe.head % entry.shape[0]].ts if qe.tail > qe.head else INF
            t_resp = resp[qr.head % resp.shape[0]].ts if qr.tail > qr.head else INF
            t_timer = cur[0].next_timer if prm[0].timer > 0 and cur[0].next_timer <= cur[0].end \
                else INF
            t_sample = cur[0].next_sample if cur[0].next_sample <= cur[0].end else INF
            t_desk = cur[0].desk_at if cur[0].desk_at <= cur[0].end else INF
            t = min(t_ex, t_cmd, t_sample, t_lo, t_resp, t_timer, t_desk)
            horizon = cur[0].horizon
            if t > horizon:  # a simulated market's agents have not acted beyond it yet
                catch_up(horizon, False, ev, cur, prm, venues, lqty, ltop, base, market, arr, ends)
                return RUN_NEED_DATA
            if t == INF:
                sample(cur[0].now_ex, acct, instruments, qty, top, base, orders, active, cur,
                       market, rec_s)
                cur[0].wake = W_END
                return RUN_DONE
            if t == t_ex:  # market events at the exchange, all that come before anything else
                if not exchange(min(t_cmd, t_sample, t_lo, t_resp, t_timer, horizon), ev, st,
                                qfn, qparams):
                    return RUN_ERROR
            elif t == t_cmd:  # one of our commands reaches its venue
                if sim:  # the simulator's matching engine decides it
                    cur[0].now_ex = t
                    return RUN_ARRIVE
                x = entry[eends[0].head % entry.shape[0]]
                eends[0].head += 1
                cur[0].now_ex = t
                arrive(x.kind, x.slot, x.price, x.qty, t, prm[0].stp, halted, orders, active,
                       cur, resp, rends, rec_o, rec_f, acct, venues, instruments, market, qty,
                       top, base)
            elif t == t_sample:
                sample(t, acct, instruments, qty, top, base, orders, active, cur, market, rec_s)
                cur[0].next_sample = t + prm[0].sample
                catch_up(t, False, ev, cur, prm, venues, lqty, ltop, base, market, arr, ends)
                mark_host(lacct, instruments, market)
                guard(t, lacct, instruments, orders, active, free, cur, entry, eends,
                      rec_o, market, venues, rparams, rstate, rec_r, rcmds)
            elif t == t_lo:  # market events reach the host (a strategy that wakes on them)
                wake, wake_book = catch_up(t, True, ev, cur, prm, venues, lqty, ltop, base, market,
                                            arr, ends)
            elif t == t_resp:  # a response reaches the host
                catch_up(t, False, ev, cur, prm, venues, lqty, ltop, base, market, arr, ends)
                x = resp[rends[0].head % resp.shape[0]]
                rends[0].head += 1
                cur[0].now_local = t
                wake = on_response(x, orders, lacct, instruments, venues, market)
                wake_book = orders[x.slot].book
                cur[0].release = 1
                if wake == W_FILL:
                    mark_host(lacct, instruments, market)
                    guard(t, lacct, instruments, orders, active, free, cur, entry, eends, rec_o, market,
                          venues, rparams, rstate, rec_r, rcmds)
            elif t == t_desk:  # the risk desk's turn, in the Python driver (risk.RiskDesk)
                catch_up(t, False, ev, cur, prm, venues, lqty, ltop, base, market, arr, ends)
                cur[0].now_local = t
                cur[0].desk_at = INF  # the driver sets the desk's next time
                mark_host(lacct, instruments, market)
                return RUN_DESK
            else:  # the strategy's timer
                catch_up(t, False, ev, cur, prm, venues, lqty, ltop, base, market, arr, ends)
                cur[0].now_local = t
                cur[0].next_timer = t + prm[0].timer
                wake = W_TIMER
        if wake == 0:
            continue
        mark_host(lacct, instruments, market)
        if prm[0].python > 0:
            cur[0].wake = wake
            cur[0].wake_book = wake_book
            return RUN_WAKE
        nc = call_strategy(strat, wake, wake_book, view, sink, clock, sstate, cur, rstate)
        if nc < 0:
            return RUN_ERROR
        if nc > 0 or has_requests(rstate):  # commands, or a kill / pause request
            send(0, nc, cur[0].now_local, cmds, orders, active, free, cur, entry, eends, rec_o, lacct,
                 market, venues, instruments, rparams, rstate, rec_r, rcmds, False)
            cur[0].release = 1


@nb.njit(cache=True)
def denied_any(rec_o, lo, hi):
    """True when an order-record row in [lo, hi) is a denial (OrderStatus.DENIED)."""
    for r in range(lo, hi):
        if rec_o[r].status == OrderStatus.DENIED:
            return True
    return False


# step: the loop compiled without the reference-counting runtime (it never allocates), so
# that a call does not count references to the ~60 arrays of ev, st and io on entry and
# exit, nor at every helper with branches it calls per event (module doc): a simulated
# market's driver (engine/simulated_nb) calls it at every turn, replay through run.
# Kernels it calls inherit the setting unless they set their own (book_nb.apply_event:
# the order map's dict needs the runtime).
step = nb.njit(RUN_SIG, cache=True, nogil=True, _nrt=False, no_cpython_wrapper=True)(_run)
STEP_AT = address_of(step, RUN_SIG)  # this process's; a kernel takes it as an argument
call_step = caller(RUN_SIG)  # call_step(STEP_AT, (ev, st, io, strat, qfn, qparams))


@nb.njit(types.int64(types.intp, *RUN_SIG.args), cache=True, nogil=True, no_cfunc_wrapper=True)
def _enter(at, ev, st, io, strat, qfn, qparams):
    """Call step (at: its address) from Python: unboxing its arguments (the L3 order map
    is a typed dict) needs numba's runtime, which step runs without; through its address,
    so that this entry does not link and compile the loop again (core/calls.py)."""
    return call_step(at, (ev, st, io, strat, qfn, qparams))


_entry = Entry(_enter)  # _enter from Python, typed once per runner


def runner(ev, st, io, strat, qfn, qparams) -> Callable[[], int]:
    """A call that advances the backtest from Python and returns a RUN_* code (step's
    arguments and codes, _run's doc); make a new one when an argument is replaced. Its
    arguments are typed once, not at every return to Python (core/calls.py Entry), which
    a Python strategy woken by every book update would pay at each wake-up."""
    args = (STEP_AT, ev, st, io, strat, qfn, qparams)
    enter = _entry.resolve(*args)
    return lambda: enter(*args)
