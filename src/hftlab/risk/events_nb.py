"""Risk events (compiled): the one writer of the run's risk-event record and the gate's
decisions that write one without a check: a denial (counted: enough of them fire the
kill switch), a pause or resume by its source, and the risk desk's reset.

Each row holds a schema.Reason (RISK_*) as its rule, the risk state (schema.TradingState)
after the decision, and the rule's value and limit in the rule's
own units (risk/events.py labels the record for people).
"""

from __future__ import annotations

import numba as nb

from hftlab.core.specialise import plain_args
from hftlab.risk.layout import (KILL_CONFIG_DENIALS, KILL_DESK, KILL_STRATEGY, PAUSE_DESK,
                                PAUSE_STRATEGY, RESET_DENIALS, RESET_PEAK)
from hftlab.schema import Reason, TradingState


@plain_args
@nb.njit(cache=True, _nrt=False)
def risk_event(rec, cur, now, rule, oid, instrument, state, value, limit):
    """The one writer of the risk events record (schema.RISK_EVENT_DTYPE): every field."""
    n = cur[0].n_risk
    r = rec[n]
    r.ts = now
    r.rule = rule
    r.order_id = oid
    r.instrument = instrument
    r.value = value
    r.limit = limit
    r.state = state
    cur[0].n_risk = n + 1


@plain_args
@nb.njit(cache=True, _nrt=False)
def deny(now, rule, oid, i, value, limit, rparams, rstate, rec_r, cur):
    """Record a denial, count it (the kill switch may fire on a count) and return its rule."""
    g = rstate.glob[0]
    risk_event(rec_r, cur, now, rule, oid, i, g.state, value, limit)
    g.denials += 1
    if g.denials >= rparams.portfolio[0].kill_denials and g.killed == 0 and g.kill == 0:
        g.kill = KILL_CONFIG_DENIALS
    return rule


@plain_args
@nb.njit(cache=True, _nrt=False)
def pause_bit(req, bit, now, n, rstate, rec_r, cur):
    """A pause (req > 0) or resume (req < 0) from one source (bit: PAUSE_STRATEGY or
    PAUSE_DESK): trading stays paused while any source holds its pause. The event's value
    is the source (KILL_STRATEGY / KILL_DESK)."""
    g = rstate.glob[0]
    src = KILL_STRATEGY if bit == PAUSE_STRATEGY else KILL_DESK
    if req > 0 and g.paused & bit == 0:
        g.paused |= bit
        risk_event(rec_r, cur, now, Reason.RISK_PAUSED, -1, n, g.state, src, 0.0)
    elif req < 0 and g.paused & bit != 0:
        g.paused &= ~bit
        risk_event(rec_r, cur, now, Reason.RISK_RESUMED, -1, n, g.state, src, 0.0)


@nb.njit(cache=True, _nrt=False)
def on_requests(now, lacct, rstate, rec_r, cur):
    """Carry out reset, pause and resume requests (they send no commands).

    Only the risk desk writes reset (RESET_STATE, with RESET_PEAK / RESET_DENIALS to also
    restart the drawdown peak or the denial count; both are kept otherwise). A strategy's
    resume ends only its own pause, never the desk's."""
    n = lacct.shape[0]
    g = rstate.glob[0]
    if g.reset != 0:
        flags = g.reset
        g.reset = 0
        pnl = 0.0
        for i in range(n):
            pnl += lacct[i].equity
        g.state = TradingState.ACTIVE
        g.killed = 0
        if flags & RESET_DENIALS:
            g.denials = 0
        if flags & RESET_PEAK:
            g.peak = pnl  # the drawdown is measured from here on
        risk_event(rec_r, cur, now, Reason.RISK_RESET, -1, n, TradingState.ACTIVE, KILL_DESK,
                   g.peak)
    if g.pause_req != 0:
        pause_bit(g.pause_req, PAUSE_STRATEGY, now, n, rstate, rec_r, cur)
        g.pause_req = 0
    if g.desk_pause != 0:
        pause_bit(g.desk_pause, PAUSE_DESK, now, n, rstate, rec_r, cur)
        g.desk_pause = 0
