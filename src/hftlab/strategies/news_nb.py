"""Compiled news strategies: NewsTrader's step and the pull-quotes-on-news wrapper of the
built-in makers (strategies/news.py is their Python face).

A headline reaches a strategy through its own state: the Python face writes each
headline's delivery time on the host clock (the headline's time + our news latency)
into the state, and the step acts on a headline only at a wake-up at or after that
time, so nothing is known before it could have arrived. The event schema stays as it
is: news is not a market event but a feed of its own, kept with the session
(``data.stats["news"]``, sim/scenarios.py "news-shock").

State bytes are int64 words; layouts below. Times are ns of the host clock, sizes lots.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from hftlab.core.layout import W_TIMER
from hftlab.engine.api_nb import is_open, market, n_orders, order, position, requote
from hftlab.engine.interface_nb import STRATEGY_SIG
from hftlab.strategies.makers_nb import maker_step

# NewsTrader: T_HEAD words, then due[n] (host ns each headline reaches us) and side[n]
# (+1 buy, -1 sell, 0 not traded: |sentiment| below the threshold or not of our kinds)
T_BOOK, T_QTY, T_HOLD, T_N, T_NEXT, T_EXIT_AT, T_ENTRIES, T_SKIPPED = range(8)
T_HEAD = 8
# pull-on-news wrapper: U_HEAD words, then n windows (start, end) in host ns, then the
# wrapped maker's own state bytes
U_N, U_BOOK = 0, 1
U_HEAD = 2


@nb.njit(cache=True)
def busy(view):
    """True while one of our orders is open or in flight."""
    for k in range(n_orders(view)):
        if is_open(order(view, k)):
            return True
    return False


@nb.njit(STRATEGY_SIG, cache=True)
def news_trader_step(reason, book, view, orders, raw):
    """On each timer wake-up: every headline due by now (due[k] <= now) is consumed in
    order; one with side != 0 is traded at market for T_QTY lots when we are flat with
    nothing in flight (else counted in T_SKIPPED); T_HOLD ns after an entry the position
    is closed at market (again at each wake-up until flat)."""
    if reason != W_TIMER:
        return 0
    s = raw.view(np.int64)
    now = view.clock[0].now
    b = s[T_BOOK]
    n = s[T_N]
    pos = position(view, view.books[b].instrument)
    waiting = busy(view)
    while s[T_NEXT] < n and s[T_HEAD + s[T_NEXT]] <= now:
        k = s[T_NEXT]
        s[T_NEXT] = k + 1
        side = s[T_HEAD + n + k]
        if side == 0:
            continue
        if pos != 0 or waiting or s[T_EXIT_AT] != 0:
            s[T_SKIPPED] += 1
            continue
        market(view, orders, b, side, s[T_QTY])
        s[T_EXIT_AT] = now + s[T_HOLD]
        s[T_ENTRIES] += 1
        waiting = True
    if s[T_EXIT_AT] != 0 and now >= s[T_EXIT_AT] and not waiting:
        if pos != 0:
            market(view, orders, b, -1 if pos > 0 else 1, abs(pos))
        else:
            s[T_EXIT_AT] = 0
    return 0


@nb.njit(cache=True)
def in_window(w, n, now):
    """True when now falls in one of the n windows [w[2k], w[2k + 1])."""
    for k in range(n):
        if w[2 * k] <= now < w[2 * k + 1]:
            return True
    return False


@nb.njit(STRATEGY_SIG, cache=True)
def pull_step(reason, book, view, orders, raw):
    """A built-in maker (makers_nb.maker_step on the bytes after the windows) that, at a
    timer wake-up inside a window, cancels both its quotes instead of requoting; every
    other wake-up (its start, prints for VPIN) goes to the maker as usual."""
    head = raw[:8 * U_HEAD].view(np.int64)
    n = head[U_N]
    off = 8 * (U_HEAD + 2 * n)
    if reason == W_TIMER and in_window(raw[8 * U_HEAD:off].view(np.int64), n,
                                       view.clock[0].now):
        b = head[U_BOOK]
        requote(view, orders, b, 1, 0, 0, 0)
        requote(view, orders, b, -1, 0, 0, 0)
        return 0
    return maker_step(reason, book, view, orders, raw[off:])
