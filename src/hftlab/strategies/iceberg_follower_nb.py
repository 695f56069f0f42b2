"""Compiled IcebergFollower: detect a reserve order from the host's view, trade beside it.

``iceberg_follower(reason, book, view, orders, state)`` on the strategy API, woken by
the host's book updates and prints on its book and by a timer. The host sees levels,
not order ids, so the offline detector's refill rule (hftlab.surveillance.icebergs: a
clip executed away and a new clip of at most the same size added at the same price
within the refill window) is read from level sizes: per side, the level of the last
print is watched; an increase of its displayed size within `refill_ns` of a print there,
no larger than the lots executed there since the last refill (x (1 + tol)) and than the
chain's first refill (x (1 + tol)), is a refill. `min_clips` clips (1 + refills) make a
detection. The iceberg is gone when its level stays empty longer than `refill_ns` (used
up, withdrawn or traded through). See strategies/iceberg_follower.py for the trading
rule. Ticks, lots, ns (host clock).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from hftlab.strategy import Wake, best_ask, best_bid, is_open, market, n_orders, order, requote

POST_ONLY, IOC = 3, 1


@nb.njit(cache=True)
def _level_qty(view, book, side, price, last):
    """Displayed lots at (side, price) as the host sees it: the touch's size when the
    touch is there, 0 when the touch is worse (or the side empty), else `last` (a
    better touch hides the level; it keeps its last known size)."""
    b = view.books[book]
    best = b.bid if side > 0 else b.ask
    if best == price:
        return b.bid_qty if side > 0 else b.ask_qty
    if best <= 0 or (best < price if side > 0 else best > price):
        return 0
    return last


@nb.njit(cache=True)
def _reset_chain(s, j):
    s.refills[j] = 0
    s.clip[j] = 0
    s.live[j] = 0
    s.empty_since[j] = -1


@nb.njit(cache=True)
def _print(s, b, now):
    """A print on our book: the resting side's watched level gets its volume."""
    if b.last_side == 0 or b.last_qty <= 0:
        return
    j = 0 if b.last_side < 0 else 1  # resting side: bid (0) when a seller hit it
    if b.last_price != s.level[j]:
        s.level[j] = b.last_price
        s.executed[j] = 0
        s.shown[j] = 0
        _reset_chain(s, j)
    s.executed[j] += b.last_qty
    s.print_ts[j] = now


@nb.njit(cache=True)
def _observe(view, book, s, now):
    """Refills, detections and disappearances on both sides' watched levels."""
    for j in range(2):
        price = s.level[j]
        if price <= 0:
            continue
        side = 1 if j == 0 else -1
        q = _level_qty(view, book, side, price, s.shown[j])
        inc = q - s.shown[j]
        lim = 1.0 + s.tol
        if inc > 0 and now - s.print_ts[j] <= s.refill_ns and inc <= s.executed[j] * lim \
                and (s.clip[j] == 0 or inc <= s.clip[j] * lim):
            if s.clip[j] == 0:
                s.clip[j] = inc
            s.refills[j] += 1
            s.executed[j] = 0
            s.refill_ts[j] = now
            if s.live[j] == 0 and s.refills[j] + 1 >= s.min_clips:
                s.live[j] = 1
                s.detections += 1
        if q == 0:
            if s.empty_since[j] < 0:
                s.empty_since[j] = now
            elif now - s.empty_since[j] > s.refill_ns:
                if s.live[j] == 1:
                    s.gone += 1
                _reset_chain(s, j)
                s.level[j] = 0
        else:
            s.empty_since[j] = -1
        s.shown[j] = q


@nb.njit(cache=True)
def _ioc_in_flight(view, book):
    for k in range(n_orders(view)):
        o = order(view, k)
        if o.book == book and o.tif == IOC and is_open(o):
            return True
    return False


@nb.njit(cache=True)
def iceberg_follower(reason, book, view, orders, s):
    """The strategy step (module doc; trading rule in iceberg_follower.py)."""
    if reason == Wake.START:
        s.level[:] = 0
        s.empty_since[:] = -1
        return
    if reason == Wake.END:
        return
    mine = s.book
    b = view.books[mine]
    now = view.clock[0].now
    if reason == Wake.TRADE and book == mine:
        _print(s, b, now)
    _observe(view, mine, s, now)
    bb, ba = best_bid(view, mine), best_ask(view, mine)
    if bb <= 0 or ba <= 0 or _ioc_in_flight(view, mine):
        return
    pos = np.int64(view.account[b.instrument].position)
    if pos == 0:
        if s.side != 0:  # a round trip ended
            s.side = 0
            s.trades += 1
            if s.exit_market == 0:
                s.exits_target += 1
            s.exit_market = 0
        j = -1
        for c in range(2):
            if s.live[c] == 1 and (j < 0 or s.refill_ts[c] > s.refill_ts[j]):
                j = c
        if j < 0:
            requote(view, orders, mine, 1, 0, 0, POST_ONLY)
            requote(view, orders, mine, -1, 0, 0, POST_ONLY)
            return
        side = 1 if j == 0 else -1
        price = s.level[j] + side * s.improve
        price = min(price, ba - 1) if side > 0 else max(price, bb + 1)
        s.entry_level, s.entry_side = s.level[j], side
        requote(view, orders, mine, side, price, s.qty, POST_ONLY)
        requote(view, orders, mine, -side, 0, 0, POST_ONLY)
        return
    side = 1 if pos > 0 else -1
    if s.side == 0:  # first wake-up holding a position: the entry filled
        s.side = side
        s.entry_ts = now
        s.entries += 1
    j = 0 if side > 0 else 1
    alive = s.live[j] == 1 and s.level[j] == s.entry_level
    if alive and now - s.entry_ts < s.max_hold_ns:
        target = np.int64(np.round(view.account[b.instrument].avg_price)) + side * s.take_profit
        target = max(target, bb + 1) if side > 0 else min(target, ba - 1)
        requote(view, orders, mine, side, 0, 0, POST_ONLY)
        requote(view, orders, mine, -side, target, abs(pos), POST_ONLY)
        return
    requote(view, orders, mine, 1, 0, 0, POST_ONLY)
    requote(view, orders, mine, -1, 0, 0, POST_ONLY)
    if s.exit_market == 0:
        if alive:
            s.exits_timeout += 1
        else:
            s.exits_gone += 1
    s.exit_market = 1
    market(view, orders, mine, -side, abs(pos))
