"""Compiled Avellaneda-Stoikov quoting: the quote rule and the strategy function."""

from __future__ import annotations

import numba as nb

from hftlab.strategies.closed_forms_nb import as_quotes_nb
from hftlab.strategies.quoting_nb import (NS, P_CAPACITY, P_HEADER, P_QTY, S_T0, hard_sizes,
                                          observe_mid, to_ticks)

P_GAMMA, P_K, P_HORIZON_S, P_ROLLING = P_HEADER, P_HEADER + 1, P_HEADER + 2, P_HEADER + 3
N_PARAMS = P_HEADER + 4


@nb.njit(cache=True)
def time_left(params, state, now):
    """T - t in seconds: the fixed window when rolling, else what is left of the session
    that started at the first wake-up (never below 0)."""
    if params[P_ROLLING] > 0:
        return params[P_HORIZON_S]
    return max(params[P_HORIZON_S] - (now - state[S_T0]) / NS, 0.0)


@nb.njit(cache=True)
def avellaneda_stoikov_rule(params, state, now, best_bid, best_ask, position):
    """(bid, ask, bid lots, ask lots): the AS (2008) quotes in ticks around the host's mid,
    sigma from observe_mid, inventory in lots; sizes cut at capacity (the model's bound)."""
    mid = 0.5 * (best_bid + best_ask)
    sigma = observe_mid(params, state, mid, now)
    b, a = as_quotes_nb(mid, float(position), params[P_GAMMA], sigma, params[P_K],
                        time_left(params, state, now))
    bid, ask = to_ticks(b, a, best_bid, best_ask)
    bq, aq = hard_sizes(int(params[P_QTY]), position, int(params[P_CAPACITY]))
    return bid, ask, bq, aq
