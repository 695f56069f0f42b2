"""Compiled Avellaneda-Stoikov quoting: the quote rule (params: gamma, k, horizon_s,
rolling, sigma, sigma_halflife_s; quoting_nb's records)."""

from __future__ import annotations

import numba as nb

from hftlab.strategies.closed_forms_nb import as_quotes_nb
from hftlab.strategies.quoting_nb import hard_sizes, observe_mid, seconds, to_ticks


@nb.njit(cache=True)
def time_left(params, state, now):
    """T - t in seconds: the fixed window when rolling, else what is left of the session
    that started at the first wake-up (never below 0)."""
    if params.rolling > 0:
        return params.horizon_s
    return max(params.horizon_s - seconds(now, state.t0), 0.0)


@nb.njit(cache=True)
def avellaneda_stoikov_rule(params, state, now, best_bid, best_ask, position):
    """(bid, ask, bid lots, ask lots): the AS (2008) quotes in ticks around the host's mid,
    sigma from observe_mid, inventory in lots; sizes cut at capacity (the model's bound)."""
    mid = 0.5 * (best_bid + best_ask)
    sigma = observe_mid(params, state, mid, now)
    b, a = as_quotes_nb(mid, float(position), params.gamma, sigma, params.k,
                        time_left(params, state, now))
    bid, ask = to_ticks(b, a, best_bid, best_ask)
    bq, aq = hard_sizes(params.qty, position, params.capacity)
    return bid, ask, bq, aq
