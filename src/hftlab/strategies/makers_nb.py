"""The one quoting skeleton of the built-in market makers (compiled), on the strategy API.

Start: reset the rule's state. A print on our book (strategies that subscribe to
trades): the rule counts it. Timer: with both sides of the host's book present, the
rule gives (bid, ask, bid lots, ask lots) and both sides are requoted, keeping an order
already at the wanted price (and its queue place). The quote rule, named by params
[P_RULE], is the only difference between the makers.

The state bytes hold float64 [n_params, params..., state...] (QuotingStrategy.compiled).
"""

from __future__ import annotations

import numba as nb
import numpy as np

from hftlab.engine.api_nb import position, requote
from hftlab.core.layout import W_BOOK, W_START, W_TIMER, W_TRADE
from hftlab.engine.loop_nb import STRATEGY_SIG
from hftlab.strategies import flow_skew_nb, glft_nb, toxicity_nb
from hftlab.strategies.avellaneda_stoikov_nb import avellaneda_stoikov_rule
from hftlab.strategies.inventory_skew_nb import inventory_skew_quotes
from hftlab.strategies.quoting_nb import (AVELLANEDA_STOIKOV, FLOW_SKEW, GLFT, INVENTORY_SKEW,
                                          P_BOOK, P_RULE, P_TIF, STATIC, TOXICITY_AWARE,
                                          fresh_print, params_and_state, start, visible_depth)
from hftlab.strategies.static_nb import static_quotes


@nb.njit(cache=True)
def start_rule(rule, params, state, now):
    if rule == GLFT:
        glft_nb.glft_start(params, state, now)
    elif rule == TOXICITY_AWARE:
        toxicity_nb.toxicity_start(params, state, now)
    elif rule == FLOW_SKEW:
        flow_skew_nb.flow_start(params, state, now)
    else:
        start(params, state, now)


@nb.njit(cache=True)
def print_rule(rule, params, state, b, now):
    """A print on the strategy's book (b: its row of view.books; now: host time)."""
    if rule == GLFT:
        glft_nb.glft_trade(params, state, b.last_ts, b.last_price, b.last_qty, b.last_side,
                           b.last_kind)
    elif rule == TOXICITY_AWARE:
        if fresh_print(state, b.last_ts, b.last_price, b.last_qty, b.last_side, b.last_kind):
            toxicity_nb.vpin_trade(params, state, b.last_qty, b.last_side)
    elif rule == FLOW_SKEW:
        if fresh_print(state, b.last_ts, b.last_price, b.last_qty, b.last_side, b.last_kind):
            flow_skew_nb.flow_trade(params, state, now, b.last_qty, b.last_side)


@nb.njit(cache=True)
def quote_rule(rule, params, state, view, book, now, best_bid, best_ask, pos):
    """(bid, ask, bid lots, ask lots) of the rule."""
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
    depth = visible_depth(view, book, np.int64(params[toxicity_nb.P_DEPTH_LEVELS]))
    return toxicity_nb.toxicity_rule(params, state, now, best_bid, best_ask, pos, depth)


@nb.njit(STRATEGY_SIG, cache=True)
def maker_step(reason, book, view, orders, raw):
    """The skeleton (module docstring)."""
    params, state = params_and_state(raw)
    rule = np.int64(params[P_RULE])
    mine = np.int64(params[P_BOOK])
    now = view.clock[0].now
    if reason == W_START:
        start_rule(rule, params, state, now)
    elif reason == W_TRADE:
        if book == mine:
            print_rule(rule, params, state, view.books[mine], now)
    elif reason == W_BOOK:  # only strategies that subscribe to books (FlowSkew)
        if book == mine and rule == FLOW_SKEW:
            b = view.books[mine]
            flow_skew_nb.flow_book(params, state, now, b.bid, b.ask, b.bid_qty, b.ask_qty)
    elif reason == W_TIMER:
        b = view.books[mine]
        if b.bid > 0 and b.ask > 0:
            bid, ask, bq, aq = quote_rule(rule, params, state, view, mine, now, b.bid, b.ask,
                                          position(view, b.instrument))
            tif = np.int64(params[P_TIF])
            requote(view, orders, mine, 1, bid, bq, tif)
            requote(view, orders, mine, -1, ask, aq, tif)
    return 0
