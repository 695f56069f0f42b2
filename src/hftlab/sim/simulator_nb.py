"""The simulated market's event loop (compiled): agents' wake-ups and their commands,
merged by time, through the matching engine of matching_nb.

State (all arrays; the loop is resumable and keeps no hidden state):

- matching engine: ``orders, head, tail, qty, top, base, n_resting, ctr`` exactly as
  matching_nb defines them; books are numbered venue-major (venue * n_instruments +
  instrument, as MarketData.book_index), so a simulated book and a replayed book with
  the same number are the same (venue, instrument).
- agents (layout.py): ``ap`` parameters, ``ast`` / ``asf`` state, ``own`` their resting
  order ids, ``wake[a]`` the next wake time (ns; layout.NEVER = never by itself).
- in flight: ``pend[a, k]`` a ring of PCAP commands per agent (MESSAGE_DTYPE records of
  core/layout.py) with ts = arrival time at the venue, ``phead[a]`` its first row,
  ``pcount[a]`` its length. An agent's commands arrive in the order it sent them (FIFO per agent).
- ``subs[b, :nsubs[b]]``: agents woken when book b's best bid or ask changes, each at
  now + ap[a].react.
- ``sched`` (rows of sched_dt ns from the session start): the world (layout.W_*).
- ``mkt[b]``: market statistics kept from fills (layout.MARKET_STATS_DTYPE).
- ``halt[b]``: the venue's own trading-halt rule and state per book (HALT_DTYPE,
  core/halt_nb.py; rule RULE_NONE = none): ``execute`` applies it to every command, and
  its decisions in time (a pause starting when a LULD limit state has lasted its time, the reopening
  auction when a pause ends) are items of the loop's time line, run by ``venue_timer``
  before the agents' items at the same time.
- scratch ``fills`` / ``events`` (MATCH_FILL_DTYPE / MATCH_EVENT_DTYPE): the fills of one
  command, the reopening auction's events; events.shape[0] is also the room for one
  command's events that the callers of ``execute`` keep free in out.
  ``out`` / ``out_rec``: the canonical events of the session (MATCH_EVENT_DTYPE) and,
  for each, its source record number = the number of the command that caused it; the
  matching engine writes a command's events straight into out.
- ``cur[0]`` (layout.SIM_CURSOR_DTYPE): now, messages processed, rows used in out,
  session end / start, sched_dt, STP mode, fills of an OWN_FILL stop, the horizon.

Each step takes the earliest of: the first in-flight command of each agent (arrival
time) and each agent's wake time; at equal times commands go first, then lower agent
rows. A wake calls ``traders_nb.step`` (the agent's kernel, by type ZI .. MANIPULATOR),
which writes commands; the loop stamps each with its arrival time (now + ap[a].lat +
U[0, ap[a].latj], never before the agent's previous command) and queues it. An arriving
command runs through ``matching_nb.submit / cancel / modify``; then the loop (1)
appends the order id to the agent's own list when a submit rests, (2) credits fills to
agents by owner id (owner = agent row + 1; owner 0 is the anonymous crowd, not tracked)
in ast[a].pos and asf[a].cash, (3) updates mkt, (4) stamps the command's events in out
with the message number, and (5) wakes subscribers when the book's top changed.

Driving the agents from a backtest (a market that reacts to our orders; the driver is
hftlab.engine.backtest with hftlab.engine.sim_venue_nb):

1. ``cur[0].stop`` is a horizon: ``run`` handles everything due at or before it and
   returns PAUSED with the next item later than it (cur[0].now = stop). The backtest
   sets it to the earliest time one of our commands could reach the venue, so the agents
   never act past a moment our order could have changed. At equal times the agents'
   messages go first and ours after them.
2. Our commands run through ``execute(row, -1, ...)`` with row.owner = OWN_OWNER and
   row.ts = their arrival time: they match, rest and appear in ``out`` exactly like
   an agent's, so agents see our orders only through the book (impact, queue, being
   picked off), as they see each other's.
3. When an agent's command fills one of our resting orders, ``run`` returns OWN_FILL
   right after it, with the command's fills in ``fills[:cur[0].n_fills]`` (ours are the rows
   whose maker_owner is OWN_OWNER) and cur[0].now = its time: the backtest settles
   everything before that time, books the fill and sets a new horizon, because our
   strategy may answer the fill.
4. A status of matching_nb.RETRY_CAPACITY / RETRY_BUFFER from ``execute`` changed
   nothing: grow orders / fills+events and call again.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from hftlab.core import halt_nb as hn
from hftlab.core import matching_nb as mk
from hftlab.core.layout import ACT_CANCEL, ACT_SUBMIT
from hftlab.schema import OrderStatus, Reason
from hftlab.sim.agents_nb import u01
from hftlab.sim.layout import (
    DONE,
    NEED_OUT,
    NEED_POOL,
    NEED_SCRATCH,
    NEVER,
    OWN_FILL,
    OWN_OWNER,
    PAUSED,
)
from hftlab.sim.traders_nb import step

OK = 0


@nb.njit(cache=True, _nrt=False)
def sched_span(sched, cur, now):
    """(k, lo, hi): the number of the world's row in force at now and the times [lo, hi)
    over which it stays in force (so the loop divides only when it moves to a new row)."""
    t0, dt, n = cur[0].t_start, cur[0].sched_dt, sched.shape[0]
    k = (now - t0) // dt
    if k <= 0:
        return np.int64(0), np.int64(-NEVER - 1), t0 + dt if n > 1 else np.int64(NEVER)
    if k >= n - 1:
        return np.int64(n - 1), t0 + (n - 1) * dt, np.int64(NEVER)
    return k, t0 + k * dt, t0 + (k + 1) * dt


@nb.njit(cache=True, _nrt=False, forceinline=True)
def enqueue(a, now, ap, ast, pend, phead, pcount, cmds, n):
    """Stamp agent a's commands cmds[:n] with their arrival times and queue them; returns
    how many were queued (a full ring drops the rest)."""
    lat = np.int64(ap[a].lat)
    jit = np.int64(ap[a].latj)
    cap = pend.shape[1]
    done = 0
    for j in range(n):
        if pcount[a] >= cap:
            break
        t = now + lat
        if jit > 0:
            t += np.int64(u01(ast, a) * (jit + 1))
        k = _ring(phead[a] + pcount[a], cap)
        if pcount[a] > 0:
            t = max(t, pend[a, k - 1 if k > 0 else cap - 1].ts)
        pend[a, k] = cmds[j]
        pend[a, k].ts = t
        pcount[a] += 1
        done += 1
    return done


@nb.njit(cache=True, inline="always", _nrt=False)
def _ring(k, cap):
    """k mod cap for 0 <= k < 2 cap (a ring's index past its head), without a division."""
    return k - cap if k >= cap else k


@nb.njit(cache=True, _nrt=False)
def _credit(ap, ast, asf, owner, side, px, q):
    if 1 <= owner <= ap.shape[0]:
        a = owner - 1
        ast[a].pos += side * q
        asf[a].cash -= side * px * q
        asf[a].gross += px * q


@nb.njit(cache=True, inline="always", _nrt=False)
def book_fills(ap, ast, asf, fills, nf, mkt, halt):
    """The loop's bookkeeping of fills[:nf]: credit them to agents by owner, keep mkt and
    the halt reference."""
    for f in range(nf):
        fb = fills[f].book
        px = fills[f].price
        q = fills[f].qty
        ms = fills[f].maker_side
        _credit(ap, ast, asf, fills[f].maker_owner, ms, px, q)
        _credit(ap, ast, asf, fills[f].taker_owner, -ms, px, q)
        mkt[fb].volume += q
        mkt[fb].trades += 1
        mkt[fb].last_price = px
        mkt[fb].last_side = -ms
        mkt[fb].signed_volume -= ms * q
        if halt[fb].rule != hn.RULE_NONE:
            hn.note_print(halt, fb, px, fills[f].ts)


@nb.njit(cache=True, inline="always", _nrt=False)
def _wake_subscribers(b, now, ap, wake, subs, nsubs):
    for j in range(nsubs[b]):
        s = subs[b, j]
        t = now + np.int64(ap[s].react)
        wake[s] = min(wake[s], t)


@nb.njit(cache=True, inline="always", _nrt=False)
def execute(row, a, ap, ast, asf, own, wake, subs, nsubs, orders, head, tail, qty, top,
            base, n_resting, ctr, stp_mode, fills, events, mkt, halt, out, out_rec, ne_out,
            msg_no):
    """Run one arriving command (a MESSAGE_DTYPE record) for agent a (-1: not an agent) and do the
    loop's bookkeeping. Its events go to out[ne_out:], which must have room for
    events.shape[0] rows. Returns (status, reason, order id, fills written to fills[:nf],
    rows used in out); status is matching_nb's RETRY_CAPACITY / RETRY_BUFFER when nothing
    was done. Under a trading-halt rule (halt, core/halt_nb.py) the venue's repricing is
    written into row, a halted book matches nothing, and a stop-logic pause may start."""
    act = row.action
    now = row.ts
    if act == ACT_SUBMIT:
        b = row.book
    else:
        oid = row.order_id
        b = orders[oid].book if 0 < oid < ctr[0] else -1
    tb = top[b, 0] if b >= 0 else 0
    ta = top[b, 1] if b >= 0 else 0
    what, stop = hn.PASS, False
    if 0 <= b < halt.shape[0] and halt[b].rule != hn.RULE_NONE:
        if events.shape[0] < 2 * (n_resting[b, 0] + n_resting[b, 1]) + 4:
            return mk.RETRY_BUFFER, Reason.NONE, np.int64(0), np.int64(0), ne_out
        what, price, otype, tif, stop = hn.gate(row, b, orders, qty, top, base, halt, now)
        row.price = price
        row.order_type = otype
        row.tif = tif
    # the engine writes its events straight into out[ne_out:]
    if what == hn.PARK:
        r = hn.park(row, b, orders, head, tail, qty, top, base, n_resting, ctr,
                    row.price, out, ne_out)
    elif what == hn.REJECT:
        r = (np.int64(OrderStatus.REJECTED), np.int64(Reason.HALTED),
             np.int64(0) if act == ACT_SUBMIT else row.order_id, np.int64(0), np.int64(0),
             np.int64(0), np.int64(0), ne_out)
    elif act == ACT_SUBMIT:
        r = mk.submit(orders, head, tail, qty, top, base, n_resting, ctr, b, row.owner,
                      row.side, row.price, row.qty, row.order_type, row.tif, stp_mode, now,
                      fills, 0, out, ne_out)
    elif act == ACT_CANCEL:
        r = mk.cancel(orders, head, tail, qty, top, base, n_resting, ctr, row.order_id, now,
                      fills, 0, out, ne_out)
    else:
        r = mk.modify(orders, head, tail, qty, top, base, n_resting, ctr, row.order_id,
                      row.price, row.qty, stp_mode, now, fills, 0, out, ne_out)
    if r[0] < 0:
        return r[0], r[1], np.int64(0), np.int64(0), ne_out
    nf, ne = r[6], r[7]
    if act == ACT_SUBMIT and r[4] > 0 and a >= 0:
        off = int(ap[a].cap_off)
        n = ast[a].nown
        if n >= ap[a].cap:  # full: keep only the open orders
            k = 0
            for j in range(n):
                o = own[off + j]
                if orders[o].state != mk.CLOSED:
                    own[off + k] = o
                    k += 1
            n = k
        if n < ap[a].cap:
            own[off + n] = r[2]
            n += 1
        ast[a].nown = n
    halted = stop and halt[b].status == 1
    if halted:
        ne = hn.start(halt, b, now, out, ne)
    book_fills(ap, ast, asf, fills, nf, mkt, halt)
    for k in range(ne_out, ne):
        out_rec[k] = msg_no
    if b >= 0 and halt[b].rule == hn.RULE_LULD:
        hn.at_limit(halt, b, qty, top, base, now)
    if b >= 0 and (halted or top[b, 0] != tb or top[b, 1] != ta):
        _wake_subscribers(b, now, ap, wake, subs, nsubs)
    return r[0], r[1], r[2], nf, ne


@nb.njit(cache=True, _nrt=False)
def venue_timer(b, now, ap, ast, asf, wake, subs, nsubs, orders, head, tail, qty, top, base,
                n_resting, fills, events, mkt, halt, out, out_rec, ne_out, msg_no):
    """A halt decision of book b falls due at now (halt_nb.next_due): a LULD limit state
    has lasted its time (trading pauses) or a pause ends (the reopening auction). Returns
    (code, fills in fills[:nf], rows used in out); code matching_nb.RETRY_BUFFER when the
    scratch buffers must grow first (nothing changed)."""
    if halt[b].status == 1:
        ne = hn.start(halt, b, now, events, 0)
        nf = 0
    else:
        nf, ne = hn.uncross(b, now, orders, head, tail, qty, top, base, n_resting, halt,
                            fills, events)
        if nf < 0:
            return mk.RETRY_BUFFER, np.int64(0), ne_out
    book_fills(ap, ast, asf, fills, nf, mkt, halt)
    for e in range(ne):
        out[ne_out] = events[e]
        out_rec[ne_out] = msg_no
        ne_out += 1
    _wake_subscribers(b, now, ap, wake, subs, nsubs)
    return 0, nf, ne_out


@nb.njit(cache=True, _nrt=False)
def seed(rows, agents, start, ap, ast, asf, own, wake, subs, nsubs, cur, orders, head, tail,
         qty, top, base, n_resting, ctr, fills, events, mkt, halt, out, out_rec):
    """Run the opening book's commands rows[start:] (MESSAGE_DTYPE; agents[k] is the agent
    row of rows[k]) through ``execute`` in order, as messages cur[0].msgs + 1, ... Returns
    (next row, code): DONE when all ran, else NEED_OUT / NEED_POOL / NEED_SCRATCH, when
    that row has not run: act as for ``run``, then call again from it. One call instead
    of one from Python per order, which cost a short session a tenth of its time."""
    room = events.shape[0]
    for k in range(start, rows.shape[0]):
        if out.shape[0] - cur[0].n_out < room:
            return k, NEED_OUT
        st, _, _, _, ne = execute(rows[k], agents[k], ap, ast, asf, own, wake, subs, nsubs,
                                  orders, head, tail, qty, top, base, n_resting, ctr,
                                  cur[0].stp, fills, events, mkt, halt, out, out_rec,
                                  cur[0].n_out, cur[0].msgs + 1)
        if st == mk.RETRY_CAPACITY:
            return k, NEED_POOL
        if st == mk.RETRY_BUFFER:
            return k, NEED_SCRATCH
        cur[0].n_out = ne
        cur[0].msgs += 1
    return rows.shape[0], DONE


@nb.njit(cache=True, inline="always", _nrt=False)
def next_item(wake, pend, phead, pcount, halt, halts):
    """(t, who, is_cmd, hb): the loop's earliest item -- the first in-flight command of an
    agent (is_cmd) or an agent's wake-up, commands first at equal times, then lower rows;
    who = -2 for the venue's own halt decision on book hb (only looked for when halts;
    it goes before the agents at equal times); who = -1 and t = NEVER when nothing is due."""
    t = np.int64(NEVER)
    who = np.int64(-1)  # not a constant: numba would compile each agent for -1 too
    is_cmd = False
    for a in range(wake.shape[0]):
        if pcount[a] > 0:
            ta = pend[a, phead[a]].ts
            if ta < t or (ta == t and not is_cmd):
                t = ta
                who = a
                is_cmd = True
        if wake[a] < t:
            t = wake[a]
            who = a
            is_cmd = False
    hb = -1
    if halts:
        th, hb = hn.next_due(halt)
        if hb >= 0 and th <= t:
            t = th
            who = -2
    return t, who, is_cmd, hb


@nb.njit(cache=True, inline="always", _nrt=False)
def idle(wake, pend, phead, pcount, halt, cur):
    """Whether ``run`` would return PAUSED at once (nothing due by cur[0].stop, and the
    session goes on past it); if so, does what it would (cur[0].now = stop). A driver
    that stops the agents often (engine/simulated_nb) checks this first: a call of
    ``run`` passes its 27 arrays, some 200 words, which cost more than this check."""
    t, who, _, _ = next_item(wake, pend, phead, pcount, halt, True)
    if who == -1 or t >= cur[0].t_end or t <= cur[0].stop:
        return False
    cur[0].now = cur[0].stop
    return True


@nb.njit(cache=True, _nrt=False)
def run(ap, ast, asf, own, wake, pend, phead, pcount, subs, nsubs, sched, cur, orders, head,
        tail, qty, top, base, n_resting, ctr, fills, events, mkt, halt, cmds, out, out_rec):
    """Advance the session until its end (DONE), its horizon (PAUSED: nothing due by
    cur[0].stop is left), a fill of ours (OWN_FILL) or until Python must act: NEED_OUT
    (out is nearly full: take out[:cur[0].n_out], reset n_out), NEED_POOL (grow orders),
    NEED_SCRATCH (grow fills / events). Resume by calling again with the same arrays.

    Compiled without the reference-counting runtime (it never allocates): a backtest in
    the simulated market calls it at every turn (engine/simulated_nb), and counting
    references to its 27 arrays on every call cost more than a short turn's work."""
    t_end = cur[0].t_end
    stp_mode = cur[0].stp
    room = events.shape[0]
    cap = pend.shape[1]
    halts = hn.any_rule(halt)
    w_lo, w_hi, w_k = np.int64(0), np.int64(0), np.int64(0)  # the world's row: none yet
    while True:
        t, who, is_cmd, hb = next_item(wake, pend, phead, pcount, halt, halts)
        if who == -1 or t >= t_end:
            cur[0].now = t_end
            return DONE
        if t > cur[0].stop:
            cur[0].now = cur[0].stop
            return PAUSED
        cur[0].now = t
        if who == -2:
            if out.shape[0] - cur[0].n_out < room:
                return NEED_OUT
            code, nf, ne = venue_timer(hb, t, ap, ast, asf, wake, subs, nsubs, orders, head,
                                       tail, qty, top, base, n_resting, fills, events, mkt,
                                       halt, out, out_rec, cur[0].n_out, cur[0].msgs + 1)
            if code == mk.RETRY_BUFFER:
                return NEED_SCRATCH
            cur[0].n_out = ne
            cur[0].msgs += 1
            for f in range(nf):
                if fills[f].maker_owner == OWN_OWNER or \
                        fills[f].taker_owner == OWN_OWNER:
                    cur[0].n_fills = nf
                    return OWN_FILL
            continue
        if not is_cmd:
            if not w_lo <= t < w_hi:
                w_k, w_lo, w_hi = sched_span(sched, cur, t)
            w = sched[w_k]
            ast[who].wakes += 1
            nxt, n = step(who, t, ap, ast, asf, own, pcount, w, orders, qty, top, base, mkt,
                          cmds)
            wake[who] = nxt if nxt > t else t + 1
            enqueue(who, t, ap, ast, pend, phead, pcount, cmds, n)
        # commands of `who` due now (a zero-latency agent's commands arrive at once)
        while pcount[who] > 0 and pend[who, phead[who]].ts <= t:
            if out.shape[0] - cur[0].n_out < room:
                return NEED_OUT
            k = phead[who]
            st, _, _, nf, ne = execute(pend[who, k], who, ap, ast, asf, own, wake, subs,
                                       nsubs, orders, head, tail, qty, top, base, n_resting,
                                       ctr, stp_mode, fills, events, mkt, halt, out, out_rec,
                                       cur[0].n_out, cur[0].msgs + 1)
            if st == mk.RETRY_CAPACITY:
                return NEED_POOL
            if st == mk.RETRY_BUFFER:
                return NEED_SCRATCH
            cur[0].n_out = ne
            cur[0].msgs += 1
            phead[who] = _ring(k + 1, cap)
            pcount[who] -= 1
            for f in range(nf):
                if fills[f].maker_owner == OWN_OWNER:
                    cur[0].n_fills = nf
                    return OWN_FILL
    return OK
