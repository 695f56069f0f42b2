"""Queue-position models for passive orders on L2 data.

An L2 feed says only how much rests at a price, not where we stand. When the level
shrinks without a trade, a model decides how much of the decrease came from ahead of us.
A model is a compiled function with the signature QUEUE_SIG:

    advance(ahead, old_level, new_level, traded, params) -> new ahead

ahead: estimated lots ahead of us; old_level / new_level: the recorded aggregate before
and after the update (our own order is never part of it); traded: lots traded at our
price since the previous depth update (already taken off ahead by the trade rule, so a
model must not count them twice); params: float64 model parameters.
Trades at our price always advance us by their size (the engine does that); these
models only handle depth changes. Users supply their own with `hftlab.QueueModel`.
"""

from __future__ import annotations

import numba as nb
from numba import types

QUEUE_SIG = types.float64(types.float64, types.float64, types.float64, types.float64,
                          types.float64[:])
QUEUE_FN = types.FunctionType(QUEUE_SIG)


@nb.njit(QUEUE_SIG, cache=True)
def conservative(ahead, old_level, new_level, traded, params):
    """Risk-averse: cancels come from behind us; only trades advance us.

    The only depth effect is that nobody can be ahead of us beyond what rests:
    ahead = min(ahead, new_level). (hftbacktest calls this RiskAdverseQueueModel.)
    """
    return min(ahead, new_level)


@nb.njit(QUEUE_SIG, cache=True)
def power_probability(ahead, old_level, new_level, traded, params):
    """Probabilistic: a cancel comes from ahead of us with weight f(ahead) / (f(ahead) + f(behind)).

    f(x) = x ** n with n = params[0] (n = 1: proportional to position; larger n: cancels
    cluster at the back). This is the power form of the probabilistic queue model used
    by hftbacktest (after Rigtorp's queue-position estimate). An increase of the level
    joins behind us and leaves ahead unchanged.
    """
    decrease = old_level - new_level - traded  # the part not explained by trades
    if decrease <= 0:
        return min(ahead, new_level)
    behind = max(old_level - traded - ahead, 0.0)
    n = params[0]
    fa = ahead ** n
    fb = behind ** n
    p_behind = fb / (fa + fb) if fa + fb > 0 else 1.0
    est = ahead - (1.0 - p_behind) * decrease
    overflow = behind - p_behind * decrease  # more cancelled than was behind us
    if overflow < 0:
        est += overflow
    return min(max(est, 0.0), new_level)
