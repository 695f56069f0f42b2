"""The one quoting skeleton of the built-in market makers (compiled), on the strategy API.

Start: reset the rule's state. A print on our book (strategies that subscribe to
trades): the rule counts it. Timer: with both sides of the host's book present, the
rule gives (bid, ask, bid lots, ask lots) and both sides are requoted, keeping an order
already at the wanted price (and its queue place). The quote rule, named by
``params.rule``, is the only difference between the makers.

The state bytes hold one quoting_nb.MAKER_DTYPE record (params, state) and then the
maker's float64 ring (quoting_nb.maker_record); every maker is this one compile.

The step never allocates, so it is compiled without numba's reference-counting runtime:
with it, every helper handed the host's view (some ten arrays) counted a reference to
each on entry and exit, at every wake-up (9 % of a live backtest, perf 2026-12-08).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from hftlab.core import book_nb
from hftlab.core.layout import W_BOOK, W_START, W_TIMER, W_TRADE
from hftlab.engine.api_nb import position, requote_both
from hftlab.engine.interface_nb import STRATEGY_SIG
from hftlab.strategies import flow_skew_nb, glft_nb, toxicity_nb
from hftlab.strategies.avellaneda_stoikov_nb import avellaneda_stoikov_rule
from hftlab.strategies.inventory_skew_nb import inventory_skew_quotes
from hftlab.strategies.quoting_nb import (AVELLANEDA_STOIKOV, FLOW_SKEW, GLFT, INVENTORY_SKEW,
                                          MAKER_BYTES, MAKER_DTYPE, STATIC, TOXICITY_AWARE,
                                          fresh_print, start)
from hftlab.strategies.static_nb import static_quotes


@nb.njit(cache=True)
def start_rule(params, state, ring, now):
    """Reset the rule's state at the first wake-up."""
    rule = params.rule
    if rule == GLFT:
        glft_nb.glft_start(params, state, now)
    elif rule == TOXICITY_AWARE:
        toxicity_nb.toxicity_start(params, state, ring, now)
    elif rule == FLOW_SKEW:
        flow_skew_nb.flow_start(params, state, now)
    else:
        start(params, state, now)


@nb.njit(cache=True)
def print_rule(params, state, ring, b, now):
    """A print on the strategy's book (b: its row of view.books; now: host time)."""
    rule = params.rule
    if rule == GLFT:
        glft_nb.glft_trade(params, state, b.last_ts, b.last_price, b.last_qty, b.last_side,
                           b.last_kind)
    elif rule == TOXICITY_AWARE:
        if fresh_print(state.last_print, b.last_ts, b.last_price, b.last_qty, b.last_side,
                       b.last_kind):
            toxicity_nb.vpin_trade(params, state, ring, b.last_qty, b.last_side)
    elif rule == FLOW_SKEW:
        if fresh_print(state.last_print, b.last_ts, b.last_price, b.last_qty, b.last_side,
                       b.last_kind):
            flow_skew_nb.flow_trade(params, state, now, b.last_qty, b.last_side)


@nb.njit(cache=True)
def quote_rule(params, state, view, book, now, best_bid, best_ask, pos):
    """(bid, ask, bid lots, ask lots) of the rule."""
    rule = params.rule
    if rule == STATIC:
        return static_quotes(params, state, now, best_bid, best_ask, pos)
    if rule == INVENTORY_SKEW:
        return inventory_skew_quotes(params, state, now, best_bid, best_ask, pos)
    if rule == AVELLANEDA_STOIKOV:
        return avellaneda_stoikov_rule(params, state, now, best_bid, best_ask, pos)
    if rule == GLFT:
        return glft_nb.glft_rule(params, state, now, best_bid, best_ask, pos)
    if rule == FLOW_SKEW:
        b = view.books[book]
        return flow_skew_nb.flow_skew_quotes(params, state, now, best_bid, best_ask, pos,
                                             b.bid_qty, b.ask_qty)
    depth = book_nb.depth_lots(view.ladder, view.top, book, params.depth_levels)
    return toxicity_nb.toxicity_rule(params, state, now, best_bid, best_ask, pos, depth)


@nb.njit(cache=True)
def book_rule(params, state, b, now):
    """A host book update on the strategy's book (only FlowSkew subscribes to books)."""
    if params.rule == FLOW_SKEW:
        flow_skew_nb.flow_book(params, state, now, b.bid, b.ask, b.bid_qty, b.ask_qty)


@nb.njit(STRATEGY_SIG, cache=True, _nrt=False)
def maker_step(reason, book, view, orders, raw):
    """The skeleton (module docstring)."""
    rec = raw[:MAKER_BYTES].view(MAKER_DTYPE)[0]
    ring = raw[MAKER_BYTES:].view(np.float64)
    params, state = rec.params, rec.state
    mine = params.book
    now = view.clock[0].now
    if reason == W_START:
        start_rule(params, state, ring, now)
    elif reason == W_TRADE:
        if book == mine:
            print_rule(params, state, ring, view.books[mine], now)
    elif reason == W_BOOK:
        if book == mine:
            book_rule(params, state, view.books[mine], now)
    elif reason == W_TIMER:
        b = view.books[mine]
        if b.bid > 0 and b.ask > 0:
            bid, ask, bq, aq = quote_rule(params, state, view, mine, now, b.bid, b.ask,
                                          position(view, b.instrument))
            requote_both(view, orders, mine, bid, bq, ask, aq, params.tif)
    return 0
