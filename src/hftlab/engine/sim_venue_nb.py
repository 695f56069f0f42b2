"""The simulated venue: our orders in the simulator's matching engine (compiled).

In a simulated market our commands do not meet recorded levels: they enter the same
price-time matching engine as the agents' orders (hftlab.sim.simulator_nb.execute with
owner layout.OWN_OWNER), so what we take leaves the book, what we rest queues behind
and ahead of the agents, and the agents see it and react. This module is the bridge
between that engine and the backtest's own-order table, account and records:

- ``arrive``: the command at the head of the entry queue reaches the venue; run it in
  the matching engine, book our taker fills, close our orders that self-trade
  prevention removed, answer the host and write the orders record -- the same
  responses and records as the replay venue (entry_nb.arrive).
- ``passive_fills``: an agent's order traded against our resting orders (the simulator
  returned OWN_FILL); book those maker fills.
- ``horizon``: the earliest time one of our commands could reach the venue, given what
  the host has still to do; the agents may act up to it without us.

Our order slot s keeps the matching engine's order id in orders[s].venue_id.

These kernels run at every turn of simulated_nb.drive and only from it: they are compiled
without the reference-counting runtime (they never allocate), since counting references
to the dozens of arrays they are handed cost more than their work (see simulated_nb),
and the three above are inlined into the driver (numba IR): a call copies every array
it is handed, some 7 words each, and ``arrive``'s 480 words took 2.6 % of a live backtest
(perf, 2026-12-08).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from hftlab.core import matching_nb as mk
from hftlab.core.halt_nb import next_due
from hftlab.core import rules_nb as rules
from hftlab.core.layout import (ACT_CANCEL, ACT_MODIFY, ACT_SUBMIT, R_ACK, R_CANCELLED, R_DONE,
                                R_MODIFIED)
from hftlab.engine.host_nb import host_time
from hftlab.engine.venue_nb import close_order, fill, is_open, record_order, refuse, respond
from hftlab.risk.monitor_nb import may_send
from hftlab.sim.layout import OWN_OWNER
from hftlab.sim.simulator_nb import execute
from hftlab.schema import OrderStatus, Reason

INF = np.iinfo(np.int64).max


@nb.njit(cache=True, _nrt=False, no_cpython_wrapper=True)
def _slot_of(vid, orders, active, cur):
    """Our slot holding matching-engine order vid, or -1."""
    for k in range(cur[0].n_active):
        s = active[k]
        if orders[s].venue_id == vid:
            return s
    return -1


@nb.njit(cache=True, _nrt=False, no_cpython_wrapper=True)
def _book_fills(nf, now, sfills, orders, active, cur, resp, rends, rec_f, acct,
                venues, instruments, market, qty, top, base):
    """Our side of the matching engine's fills[:nf]: taker or maker, each booked once.
    qty / top / base: the loop's exchange ladder, the book just before the command that
    traded (the fill records its mid)."""
    for f in range(nf):
        for maker in (True, False):
            owner = sfills[f].maker_owner if maker else sfills[f].taker_owner
            if owner != OWN_OWNER:
                continue
            s = _slot_of(sfills[f].maker_id if maker else sfills[f].taker_id, orders, active,
                         cur)
            if s >= 0:
                fill(s, sfills[f].qty, sfills[f].price, maker, now, orders,
                     cur, resp, rends, rec_f, acct, venues, instruments, market, qty, top,
                     base)


@nb.njit(cache=True, _nrt=False, no_cpython_wrapper=True)
def _removed_by_stp(s, now, sorders, orders, active, cur, resp, rends, rec_o, venues, market):
    """Close our open orders (other than s) that the engine took off the book without a
    fill: self-trade prevention (cancel-oldest / cancel-both) against our order s."""
    for k in range(cur[0].n_active):
        r = active[k]
        if r == s or not is_open(orders[r].status):
            continue
        if sorders[orders[r].venue_id].state == mk.CLOSED:
            close_order(r, now, R_DONE, Reason.SELF_TRADE, orders, cur, resp, rends, rec_o, venues,
                        market)


@nb.njit(cache=True, _nrt=False, no_cpython_wrapper=True)
def _resting_status(orders, s, status):
    """Our status after the engine's answer: a resting order is PARTIAL once anything of
    it traded (in this call or before), whatever the engine says of this call alone."""
    if status == OrderStatus.ACCEPTED or status == OrderStatus.PARTIALLY_FILLED:
        return OrderStatus.PARTIALLY_FILLED if orders[s].filled > 0 else OrderStatus.ACCEPTED
    return status


@nb.njit(cache=True, inline="always", _nrt=False)
def arrive(st, sim, msg):
    """Run the command at the head of the entry queue in the matching engine.

    Returns 0, or matching_nb.RETRY_CAPACITY / RETRY_BUFFER when the engine's pool or
    scratch buffers must grow first (nothing changed; call again). msg is a scratch
    message (a MESSAGE_DTYPE record, core/layout.py). st: the backtest's state.EngineState, sim: the
    simulator's arrays (simulated_nb.SimArrays).
    """
    stp_mode = st.prm[0].stp
    entry, eends, orders, active, cur = st.entry, st.entry_ends, st.orders, st.active, st.cur
    resp, rends, rec_o, rec_f = st.resp, st.resp_ends, st.rec_orders, st.rec_fills
    acct, venues, instruments, market = st.acct, st.venue_table, st.instrument_table, st.market
    qty, top, base = st.qty, st.top, st.base
    sorders, sfills, scur = sim.orders, sim.fills, sim.cur
    x = entry[eends[0].head % entry.shape[0]]
    kind = x.kind
    s = x.slot
    now = x.ts
    b = orders[s].book
    v = market[b].venue
    if kind != ACT_SUBMIT and not is_open(orders[s].status):
        eends[0].head += 1
        refuse(s, kind, now, x.price, x.qty, Reason.UNKNOWN_ORDER, orders, cur, resp, rends, rec_o,
               venues, market)
        return 0
    msg.action = kind
    msg.ts = now
    msg.book = b
    msg.owner = OWN_OWNER
    msg.side = orders[s].side
    msg.order_type = orders[s].order_type
    msg.tif = orders[s].tif
    msg.order_id = orders[s].venue_id
    if kind == ACT_SUBMIT:
        msg.price = orders[s].price
        msg.qty = orders[s].leaves
    else:
        msg.price = x.price
        msg.qty = x.qty
    if kind == ACT_MODIFY:  # the new total less what filled (rules_nb.modify_leaves)
        msg.qty = rules.modify_leaves(x.qty, orders[s].filled)
        if msg.qty <= 0 < x.qty:  # at or below the filled quantity: cancel the rest
            kind = ACT_CANCEL
            msg.action = ACT_CANCEL
    status, reason, vid, nf, ne = execute(
        msg, -1, sim.ap, sim.ast, sim.asf, sim.own, sim.wake, sim.subs, sim.nsubs, sorders,
        sim.head, sim.tail, sim.qty, sim.top, sim.base, sim.n_resting, sim.ctr, stp_mode, sfills,
        sim.events, sim.mkt, sim.halt, sim.out, sim.out_rec, scur[0].n_out, scur[0].msgs + 1)
    if status < 0:
        return status
    eends[0].head += 1
    cur[0].now_ex = now
    cur[0].own_dirty = 1
    scur[0].n_out = ne
    scur[0].msgs += 1
    if kind == ACT_SUBMIT:
        orders[s].venue_id = vid
        if vid > 0 and sorders[vid].state != mk.CLOSED:  # a price band may reprice it
            orders[s].price = sorders[vid].price
    elif kind == ACT_MODIFY and status != OrderStatus.REJECTED:  # the new price and remaining size
        orders[s].price = sorders[orders[s].venue_id].price
        orders[s].leaves = msg.qty
        orders[s].qty = orders[s].filled + msg.qty
    _book_fills(nf, now, sfills, orders, active, cur, resp, rends, rec_f, acct, venues,
                instruments, market, qty, top, base)
    _removed_by_stp(s, now, sorders, orders, active, cur, resp, rends, rec_o, venues, market)
    if kind == ACT_SUBMIT:
        orders[s].status = _resting_status(orders, s, status)
        rk = R_ACK if is_open(orders[s].status) else R_DONE
        due = respond(resp, rends, cur, venues, v, now, rk, s, orders[s].price, orders[s].leaves,
                      orders[s].status, reason, 0)
        record_order(rec_o, cur, orders, s, ACT_SUBMIT, now, due, orders[s].price,
                     orders[s].qty, orders[s].status, reason, market)
        return 0
    if kind == ACT_CANCEL:
        close_order(s, now, R_CANCELLED, Reason.NONE, orders, cur, resp, rends, rec_o, venues,
                        market)
        return 0
    # modify: the engine keeps the order as it was when it refuses (post-only would cross,
    # out of range, bad size)
    if status != OrderStatus.REJECTED:
        orders[s].status = _resting_status(orders, s, status)
    answer = orders[s].status
    due = respond(resp, rends, cur, venues, v, now, R_MODIFIED, s, orders[s].price,
                  orders[s].leaves, answer, reason, 0)
    shown = OrderStatus.REJECTED if status == OrderStatus.REJECTED else answer
    record_order(rec_o, cur, orders, s, ACT_MODIFY, now, due, orders[s].price,
                 orders[s].leaves, shown, reason, market)
    return 0


@nb.njit(cache=True, inline="always", _nrt=False)
def passive_fills(nf, now, sfills, st):
    """An agent's order traded with our resting orders at `now`: book our maker fills
    (the rows of the engine's fills[:nf] whose maker owner is ours)."""
    st.cur[0].now_ex = now
    _book_fills(nf, now, sfills, st.orders, st.active, st.cur, st.resp, st.resp_ends,
                st.rec_fills, st.acct, st.venue_table, st.instrument_table, st.market, st.qty,
                st.top, st.base)


@nb.njit(cache=True, inline="always", _nrt=False)
def horizon(ev, st, sim):
    """The earliest time a command of ours could reach the venue; the agents may act up to
    it (inclusive: at equal times their messages go first).

    A command reaches the venue at its send time + entry latency, and the host sends only
    when it acts: at its start, a timer, a turn of the risk desk (its kill or pause goes
    out through the gate at once), a response, a state sample while the risk monitor
    could send there (risk.monitor_nb.may_send: a sample only reads otherwise), or --
    for a strategy that wakes on market events -- a feed delivery, of an event already
    handed over or of the agents' next one. Responses to fills the agents cause later
    are covered by the simulator stopping at each fill of ours (OWN_FILL). Everything up
    to the current horizon is settled, so the new one lies beyond it.
    """
    cur, prm, venues = st.cur, st.prm, st.venue_table
    entry, eends, resp, rends = st.entry, st.entry_ends, st.resp, st.resp_ends
    wake, pend, phead, pcount = sim.wake, sim.pend, sim.phead, sim.pcount
    entry_min = INF
    feed_min = INF
    for v in range(venues.shape[0]):
        entry_min = min(entry_min, np.int64(venues[v].entry))
        feed_min = min(feed_min, np.int64(venues[v].feed))
    host = INF
    if cur[0].started == 0 or cur[0].n_cmds > 0:
        host = cur[0].now_local
    if prm[0].timer > 0 and cur[0].next_timer <= cur[0].end:
        host = min(host, cur[0].next_timer)
    if cur[0].next_sample <= cur[0].end and may_send(st.rparams, st.rstate,
                                                     st.acct.shape[0]):
        host = min(host, cur[0].next_sample)
    if cur[0].desk_at <= cur[0].end:  # the risk desk's next turn (risk.RiskDesk)
        host = min(host, cur[0].desk_at)
    qr = rends[0]
    if qr.tail > qr.head:
        host = min(host, resp[qr.head % resp.shape[0]].ts)
    if prm[0].sub_book > 0 or prm[0].sub_trade > 0:
        if cur[0].next_local < cur[0].n_events:
            host = min(host, host_time(cur[0].next_local, ev.ts, ev.ts_local, ev.venue,
                                        venues, cur))
        agents = next_due(sim.halt)[0]  # the venue's own halt decisions reach the feed too
        for a in range(wake.shape[0]):
            agents = min(agents, wake[a])
            if pcount[a] > 0:
                agents = min(agents, pend[a, phead[a]].ts)
        if agents < INF - feed_min:
            host = min(host, agents + feed_min)
    t = INF
    qe = eends[0]
    if qe.tail > qe.head:
        t = entry[qe.head % entry.shape[0]].ts
    if host < INF - entry_min:
        t = min(t, host + entry_min)
    return max(t, cur[0].horizon + 1)
