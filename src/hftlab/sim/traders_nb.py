"""Background agents that hold quotes or positions (compiled), and the dispatcher ``step``.

Same kernel signature and conventions as agents_nb.py.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from hftlab.core import matching_nb as mk
from hftlab.core.layout import ACT_CANCEL, ACT_MODIFY, ACT_SUBMIT
from hftlab.schema import OrderType, TimeInForce
from hftlab.sim.agents_nb import (
    best,
    gate,
    informed,
    mid_or,
    momentum,
    noise,
    put,
    wait,
    window,
    zero_intelligence,
)
from hftlab.sim.layout import (
    ARBITRAGE,
    EP_IGNITION,
    EP_SPOOF,
    ICEBERG,
    INFORMED,
    MAKER,
    MANIPULATOR,
    MAX_CMDS,
    MOMENTUM,
    N_RING,
    NEVER,
    NOISE,
    SELLER,
    W_NEWS,
    ZI,
)

SEC_NS = 1_000_000_000


@nb.njit(cache=True, inline="always", _nrt=False)
def live_orders(ap, ast, a, own, orders):
    """Compact the agent's own list to its open orders; returns (bid id, ask id), 0 = none
    (the most recent open order of each side)."""
    off = int(ap[a].cap_off)
    n = ast[a].nown
    k = 0
    bid_id = np.int64(0)
    ask_id = np.int64(0)
    for j in range(n):
        oid = own[off + j]
        if orders[oid].state != mk.CLOSED:
            own[off + k] = oid
            k += 1
            if orders[oid].side > 0:
                bid_id = oid
            else:
                ask_id = oid
    ast[a].nown = k
    return bid_id, ask_id


@nb.njit(cache=True, _nrt=False, forceinline=True)
def maker(a, now, ap, ast, asf, own, pcount, w, orders, qty, top, base, mkt, cmds):
    """A rival market maker quoting both sides around a reference mid, with the linear
    inventory skew of Avellaneda & Stoikov (2008), "High-frequency trading in a limit
    order book", Quantitative Finance 8(3).

    Reference: the mid of book ap[a].ref (its own book when ref < 0; another venue's book makes
    it a follower whose quotes trail that venue by its latency). Quotes post-only limit orders of
    maker.size lots at floor(ref - maker.half_spread - maker.skew * pos / maker.size) and
    ceil(ref + maker.half_spread - maker.skew * pos / maker.size) (maker.half_spread half-spread
    ticks, maker.skew ticks of skew per quote size of inventory), stops quoting the side that
    would take |pos| beyond maker.max_inventory lots, and requotes maker.requote_rate times a
    second (Poisson; 0 = only when woken by a subscribed book). Existing quotes move by modify;
    nothing is sent while earlier commands are still in flight. With maker.news_pull = 1 it pulls
    quotes on news: while the world's W_NEWS is on (a window around a headline it has seen,
    scenarios.py "news-shock") it cancels both quotes and stays out."""
    idle = window(ap, a, now)
    if idle != 0:
        return idle, 0
    rate = gate(ap, a, w) * ap[a].maker.requote_rate
    nxt = now + wait(ast, a, rate) if ap[a].maker.requote_rate > 0 else np.int64(NEVER)
    if pcount[a] > 0:
        return nxt, 0
    b = int(ap[a].book)
    owner = np.int64(ap[a].owner)
    if ap[a].maker.news_pull > 0 and w[W_NEWS] > 0:
        bid_id, ask_id = live_orders(ap, ast, a, own, orders)
        nc = 0
        if bid_id != 0:
            nc = put(cmds, nc, ACT_CANCEL, b, owner, 1, 0, 0, 0, 0, bid_id)
        if ask_id != 0:
            nc = put(cmds, nc, ACT_CANCEL, b, owner, -1, 0, 0, 0, 0, ask_id)
        return nxt, nc
    ref_b = int(ap[a].ref)
    ref_b = b if ref_b < 0 else ref_b
    last = asf[a].fast if asf[a].fast > 0 else ap[a].p0
    ref = mid_or(qty, top, base, ref_b, last)
    asf[a].fast = ref
    q = np.int64(ap[a].maker.size)
    pos = ast[a].pos
    skew = ap[a].maker.skew * pos / max(q, 1)
    want_bid = np.int64(math.floor(ref - ap[a].maker.half_spread - skew))
    want_ask = np.int64(math.ceil(ref + ap[a].maker.half_spread - skew))
    if want_ask <= want_bid:
        want_ask = want_bid + 1
    bid_id, ask_id = live_orders(ap, ast, a, own, orders)
    lim = ap[a].maker.max_inventory
    nc = 0
    for side in (1, -1):
        oid = bid_id if side > 0 else ask_id
        px = want_bid if side > 0 else want_ask
        allowed = pos * side + q <= lim and px > 0
        if oid != 0 and not allowed:
            nc = put(cmds, nc, ACT_CANCEL, b, owner, side, 0, 0, 0, 0, oid)
        elif oid != 0 and orders[oid].price != px:
            nc = put(cmds, nc, ACT_MODIFY, b, owner, side, px, mk.KEEP, 0, 0, oid)
        elif oid == 0 and allowed:
            nc = put(cmds, nc, ACT_SUBMIT, b, owner, side, px, q, OrderType.LIMIT,
                     TimeInForce.POST_ONLY, 0)
    return nxt, nc


@nb.njit(cache=True, _nrt=False)
def arbitrage(a, now, ap, ast, asf, own, pcount, w, orders, qty, top, base, mkt, cmds):
    """A cross-venue arbitrageur that picks off stale quotes (the "sniping" of Budish,
    Cramton & Shim 2015, QJE 130(4)) between book ap[a].book and book ap[a].ref (same
    instrument, two venues). Woken by top-of-book changes of its subscribed books: when
    one venue's bid exceeds the other's ask by at least arbitrage.edge ticks it sends an IOC buy at
    that ask and an IOC sell at that bid for min(sizes shown, arbitrage.size) lots. Idle while its
    earlier orders are in flight."""
    idle = window(ap, a, now)
    if idle != 0:
        return idle, 0
    if pcount[a] > 0:
        return np.int64(NEVER), 0
    b1 = int(ap[a].book)
    b2 = int(ap[a].ref)
    bid1, ask1 = best(qty, top, base, b1)
    bid2, ask2 = best(qty, top, base, b2)
    owner = np.int64(ap[a].owner)
    edge = ap[a].arbitrage.edge
    nc = 0
    for k in range(2):
        bb, sb = (b2, b1) if k == 0 else (b1, b2)  # buy on bb, sell on sb
        ask = ask2 if k == 0 else ask1
        bid = bid1 if k == 0 else bid2
        if ask > 0 and bid > 0 and bid - ask >= edge:
            qa = qty[bb, 1, ask - base[bb]]
            qb = qty[sb, 0, bid - base[sb]]
            q = min(qa, qb, np.int64(ap[a].arbitrage.size))
            nc = put(cmds, nc, ACT_SUBMIT, bb, owner, 1, ask, q, OrderType.LIMIT,
                     TimeInForce.IOC, 0)
            nc = put(cmds, nc, ACT_SUBMIT, sb, owner, -1, bid, q, OrderType.LIMIT,
                     TimeInForce.IOC, 0)
            break
    return np.int64(NEVER), nc


@nb.njit(cache=True, _nrt=False)
def seller(a, now, ap, ast, asf, own, pcount, w, orders, qty, top, base, mkt, cmds):
    """A forced seller working a large order, after the sell program of 6 May 2010
    (CFTC-SEC staff report, 30 Sep 2010; Kirilenko, Kyle, Samadi & Tuzun 2017): it sold
    E-mini contracts at a target of 9% of the previous minute's volume, without regard
    to price or time.

    seller.qty: total lots to sell; seller.participation: participation rate (fraction of the
    previous minute's volume in its book, its own trades included; the minute is the last 255
    child intervals when those are shorter, scaled to a minute); seller.interval_s: seconds
    between child orders; seller.rate: floor rate in lots per second; seller.max_child: largest
    child order (lots). Child orders are market sells while the gate is on. ast.run_left holds
    the lots left."""
    idle = window(ap, a, now)
    if idle != 0:
        return idle, 0
    b = int(ap[a].book)
    step = ap[a].seller.interval_s
    nxt = now + np.int64(step * SEC_NS)
    k = ast[a].k
    if asf[a].init == 0.0:
        asf[a].init = 1.0
        ast[a].run_left = np.int64(ap[a].seller.qty)
    vol = float(mkt[b].volume)
    asf[a].ring[k % N_RING] = vol
    ast[a].k = k + 1
    m = round(60.0 / step)
    m = min(max(m, 1), N_RING - 1)
    j = max(k - m, 0)
    prev_min = vol - asf[a].ring[j % N_RING]
    scale = 60.0 / max(step * (k - j), step)
    per_min = prev_min * scale
    asf[a].lastvol = per_min
    left = ast[a].run_left
    g = gate(ap, a, w)
    if left <= 0 or g <= 0:
        return nxt, 0
    want = max(ap[a].seller.participation * per_min * step / 60.0, ap[a].seller.rate * step) * g
    q = min(np.int64(want), np.int64(ap[a].seller.max_child), left)
    if q <= 0:
        return nxt, 0
    ast[a].run_left = left - q
    nc = put(cmds, 0, ACT_SUBMIT, b, np.int64(ap[a].owner), -1, 0, q, OrderType.MARKET,
             TimeInForce.IOC, 0)
    return nxt, nc


@nb.njit(cache=True, inline="always", _nrt=False)
def episode_of(ap, a, now):
    """(index k, start ns, end ns) of the manipulator's episode at or before now; k = -1 before
    the first. Episode k starts at t0 + manipulator.first_s + k manipulator.period_s seconds and
    lasts manipulator.episode_s seconds."""
    first = np.int64(ap[a].t0 + ap[a].manipulator.first_s * SEC_NS)
    period = np.int64(ap[a].manipulator.period_s * SEC_NS)
    if now < first:
        return -1, first, first
    k = (now - first) // period
    start = first + k * period
    return k, start, start + np.int64(ap[a].manipulator.episode_s * SEC_NS)


@nb.njit(cache=True, _nrt=False)
def manipulator(a, now, ap, ast, asf, own, pcount, w, orders, qty, top, base, mkt, cmds):
    """A manipulator running scheduled episodes of three kinds, cycling spoofing,
    ignition, stuffing (episode k: layout.MANIP_KINDS[k % 3]) with direction d = +1 for
    (k // 3) even, else -1 (the side it wants to trade; scenarios.py labels the same
    windows from the same rule).

    - Spoofing / layering (SEC v. Milrud 2015; CFTC v. Sarao 2015; Dodd-Frank Act s. 747:
      "bidding or offering with the intent to cancel the bid or offer before execution"; ESMA MAR
      Annex I): a genuine order of manipulator.genuine_size lots joins the best quote of side d
      while manipulator.layers layers of manipulator.layer_size lots rest on side -d at 1 ..
      manipulator.layers ticks behind that side's best; layers older than
      manipulator.layer_life_s seconds are cancelled and placed again at the current prices; once
      the genuine order trades, every layer is cancelled. - Momentum ignition (SEC Concept
      Release on Equity Market Structure 2010, 75 FR 3594: "a series of orders and trades ... to
      ignite a rapid price move"): for the first manipulator.ignite_s seconds it sweeps the best
      level of side -d (a GTC limit of d at that price for min(shown, manipulator.sweep_size) + 1
      lots: one lot rests), then it exits what it gained with a passive order at the best of side
      -d, moved to that best at each wake. - Quote stuffing (Egginton, Van Ness & Van Ness 2016,
      Financial Management 45(3)): every manipulator.stuff_ms ms it cancels its resting orders
      and sends manipulator.stuff_orders one-lot orders 3 .. ticks behind the best quotes,
      alternating sides.

    It wakes every manipulator.wake_ms ms in spoofing and ignition episodes; at an episode's end
    it cancels its resting orders and closes an ignition's rest with a market order. State: ast.k
    = 1 + the episode begun, asf.slow = position at its start, asf.fast = time (s) the layers
    were placed, asf.lastvol = 1 once the genuine order traded / the rest was closed."""
    idle = window(ap, a, now)
    if idle != 0:
        return idle, 0
    k, start, end = episode_of(ap, a, now)
    if k < 0:
        return start, 0
    wake_ns = np.int64(ap[a].manipulator.wake_ms * 1e6)
    if pcount[a] > 0:
        return now + wake_ns, 0
    b = int(ap[a].book)
    owner = np.int64(ap[a].owner)
    kind = k % 3
    d = 1 if (k // 3) % 2 == 0 else -1
    pos = ast[a].pos
    if ast[a].k != k + 1:  # a new episode
        ast[a].k = k + 1
        asf[a].slow = pos
        asf[a].fast = 0.0
        asf[a].lastvol = 0.0
    live_orders(ap, ast, a, own, orders)
    off = int(ap[a].cap_off)
    n_live = ast[a].nown
    bid, ask = best(qty, top, base, b)
    nc = 0
    if now >= end:  # between episodes: clean up, then sleep until the next one
        for j in range(min(n_live, MAX_CMDS - 1)):
            oid = own[off + j]
            nc = put(cmds, nc, ACT_CANCEL, b, owner, orders[oid].side, 0, 0, 0, 0, oid)
        rest = pos - np.int64(asf[a].slow)
        if kind == EP_IGNITION and rest != 0 and asf[a].lastvol == 0.0:
            nc = put(cmds, nc, ACT_SUBMIT, b, owner, -1 if rest > 0 else 1, 0, abs(rest),
                     OrderType.MARKET, TimeInForce.IOC, 0)
            asf[a].lastvol = 1.0
        period = np.int64(ap[a].manipulator.period_s * SEC_NS)
        return (now + wake_ns if nc > 0 else start + period), nc
    nxt = min(now + wake_ns, end)
    if bid <= 0 or ask <= 0:
        return nxt, 0
    opp = ask if d > 0 else bid  # best of side -d
    mine = bid if d > 0 else ask  # best of side d
    if kind == EP_SPOOF:
        n_gen = 0
        n_lay = 0
        for j in range(n_live):
            if orders[own[off + j]].side == d:
                n_gen += 1
            else:
                n_lay += 1
        if (pos - asf[a].slow) * d > 0:
            asf[a].lastvol = 1.0
        stale = n_lay > 0 and now / SEC_NS - asf[a].fast >= ap[a].manipulator.layer_life_s
        if asf[a].lastvol == 1.0 or stale:
            for j in range(n_live):
                oid = own[off + j]
                if orders[oid].side != d and nc < MAX_CMDS:
                    nc = put(cmds, nc, ACT_CANCEL, b, owner, -d, 0, 0, 0, 0, oid)
            return nxt, nc
        if n_gen == 0:
            nc = put(cmds, nc, ACT_SUBMIT, b, owner, d, mine,
                     np.int64(ap[a].manipulator.genuine_size),
                     OrderType.LIMIT, TimeInForce.GTC, 0)
        if n_lay == 0:
            for j in range(min(int(ap[a].manipulator.layers), MAX_CMDS - 1)):
                nc = put(cmds, nc, ACT_SUBMIT, b, owner, -d, opp + d * (1 + j),
                         np.int64(ap[a].manipulator.layer_size), OrderType.LIMIT,
                         TimeInForce.GTC, 0)
            asf[a].fast = now / SEC_NS
        return nxt, nc
    if kind == EP_IGNITION:
        if now < start + np.int64(ap[a].manipulator.ignite_s * SEC_NS):
            shown = qty[b, 1 if d > 0 else 0, opp - base[b]]
            q = min(shown, np.int64(ap[a].manipulator.sweep_size)) + 1
            nc = put(cmds, nc, ACT_SUBMIT, b, owner, d, opp, q, OrderType.LIMIT,
                     TimeInForce.GTC, 0)
            return nxt, nc
        held = (pos - np.int64(asf[a].slow)) * d
        n_exit = 0
        for j in range(n_live):
            oid = own[off + j]
            if orders[oid].side == d:  # the sweeps' resting lots
                nc = put(cmds, nc, ACT_CANCEL, b, owner, d, 0, 0, 0, 0, oid)
            else:
                n_exit += 1
                if orders[oid].price != opp:
                    nc = put(cmds, nc, ACT_MODIFY, b, owner, -d, opp, mk.KEEP, 0, 0, oid)
        if n_exit == 0 and held > 0:
            nc = put(cmds, nc, ACT_SUBMIT, b, owner, -d, opp, held, OrderType.LIMIT,
                     TimeInForce.GTC, 0)
        return nxt, nc
    # stuffing
    for j in range(min(n_live, MAX_CMDS // 2)):
        oid = own[off + j]
        nc = put(cmds, nc, ACT_CANCEL, b, owner, orders[oid].side, 0, 0, 0, 0, oid)
    for j in range(min(int(ap[a].manipulator.stuff_orders), MAX_CMDS - nc)):
        side = 1 if j % 2 == 0 else -1
        px = bid - 3 - j // 2 if side > 0 else ask + 3 + j // 2
        if px > 0:
            nc = put(cmds, nc, ACT_SUBMIT, b, owner, side, px, 1, OrderType.LIMIT,
                     TimeInForce.GTC, 0)
    return min(now + np.int64(ap[a].manipulator.stuff_ms * 1e6), end), nc


@nb.njit(cache=True, _nrt=False)
def iceberg(a, now, ap, ast, asf, own, pcount, w, orders, qty, top, base, mkt, cmds):
    """A reserve (iceberg) order: iceberg.total lots in all, shown iceberg.clip lots (the peak)
    at a time at one price on side iceberg.side (+1 buy, -1 sell), iceberg.offset ticks behind
    that side's best at its start (ap[a].t0); when the shown clip has traded away it shows the
    next, min(iceberg.clip, what is left), under a new order id at the same price (NASDAQ's
    reserve orders: each clip a new ADD at the back of the queue). It looks every
    iceberg.refill_ms ms (the refill delay) and is withdrawn (its clip cancelled, the reserve
    dropped) iceberg.patience_s seconds after its start if not used up. State: ast.k 0 before its
    start, 1 working, 2 done (used up or withdrawn); asf.slow its position at the start (lots
    traded = |ast.pos - asf.slow|); asf.fast its price (ticks). Surveillance reads it through
    hftlab.surveillance .detect_icebergs; scenarios.iceberg_labels is the truth."""
    idle = window(ap, a, now)
    if idle != 0:
        return idle, 0
    if ast[a].k == 2:
        return np.int64(NEVER), 0
    poll = max(np.int64(ap[a].iceberg.refill_ms * 1e6), np.int64(1))
    if pcount[a] > 0:
        return now + poll, 0
    b = int(ap[a].book)
    owner = np.int64(ap[a].owner)
    side = 1 if ap[a].iceberg.side > 0 else -1
    clip = np.int64(ap[a].iceberg.clip)
    if ast[a].k == 0:
        bid, ask = best(qty, top, base, b)
        offset = np.int64(ap[a].iceberg.offset)
        px = bid - offset if side > 0 else ask + offset
        if bid <= 0 or ask <= 0 or px <= 0:
            return now + poll, 0
        ast[a].k = 1
        asf[a].fast = px
        asf[a].slow = ast[a].pos
        q = min(clip, np.int64(ap[a].iceberg.total))
        return now + poll, put(cmds, 0, ACT_SUBMIT, b, owner, side, px, q, OrderType.LIMIT,
                               TimeInForce.GTC, 0)
    bid_id, ask_id = live_orders(ap, ast, a, own, orders)
    shown = bid_id if side > 0 else ask_id
    left = np.int64(ap[a].iceberg.total) - abs(ast[a].pos - np.int64(asf[a].slow))
    if now >= ap[a].t0 + ap[a].iceberg.patience_s * SEC_NS or left <= 0:
        ast[a].k = 2
        if shown != 0:
            return np.int64(NEVER), put(cmds, 0, ACT_CANCEL, b, owner, side, 0, 0, 0, 0,
                                        shown)
        return np.int64(NEVER), 0
    if shown != 0:
        return now + poll, 0
    return now + poll, put(cmds, 0, ACT_SUBMIT, b, owner, side, np.int64(asf[a].fast),
                           min(clip, left), OrderType.LIMIT, TimeInForce.GTC, 0)


@nb.njit(cache=True, inline="always", _nrt=False)
def step(a, now, ap, ast, asf, own, pcount, w, orders, qty, top, base, mkt, cmds):
    """Run agent a's kernel by its type (layout.ZI .. ICEBERG): (next wake ns, n commands)."""
    t = ap[a].type
    if t == ZI:
        return zero_intelligence(a, now, ap, ast, asf, own, pcount, w, orders, qty, top,
                                 base, mkt, cmds)
    if t == NOISE:
        return noise(a, now, ap, ast, asf, own, pcount, w, orders, qty, top, base, mkt, cmds)
    if t == INFORMED:
        return informed(a, now, ap, ast, asf, own, pcount, w, orders, qty, top, base, mkt,
                        cmds)
    if t == MOMENTUM:
        return momentum(a, now, ap, ast, asf, own, pcount, w, orders, qty, top, base, mkt,
                        cmds)
    if t == MAKER:
        return maker(a, now, ap, ast, asf, own, pcount, w, orders, qty, top, base, mkt, cmds)
    if t == ARBITRAGE:
        return arbitrage(a, now, ap, ast, asf, own, pcount, w, orders, qty, top, base, mkt,
                         cmds)
    if t == SELLER:
        return seller(a, now, ap, ast, asf, own, pcount, w, orders, qty, top, base, mkt, cmds)
    if t == MANIPULATOR:
        return manipulator(a, now, ap, ast, asf, own, pcount, w, orders, qty, top, base, mkt,
                           cmds)
    if t == ICEBERG:
        return iceberg(a, now, ap, ast, asf, own, pcount, w, orders, qty, top, base, mkt, cmds)
    return np.int64(NEVER), 0
