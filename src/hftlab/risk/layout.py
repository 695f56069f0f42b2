"""The risk engine's named structures: its limits (RiskParams) and its state (RiskState).

RiskParams: ``limits`` one row per instrument (LIMITS_DTYPE) and ``portfolio`` one record
of portfolio-wide limits (PORTFOLIO_DTYPE); inf (or NaN) disables a limit, so tables
full of inf are "no limits". RiskState: the trading state, requests from strategies and
the counters the checks keep -- ``glob`` one record (GLOBAL_DTYPE), ``venues`` the
throttle bucket per venue (VENUE_RISK_DTYPE), ``instruments`` per instrument
(INSTRUMENT_RISK_DTYPE), ``dup`` the last DUP_SLOTS submits per instrument for the
duplicate check (DUP_DTYPE), ``pairs`` the correlation estimates per instrument pair.
Times the checks keep are float64 ns after ``glob.anchor`` (int64 ns since the epoch,
the first time the risk engine saw), exact for 104 days.
"""

from collections import namedtuple

import numpy as np

_I8, _F8 = np.int64, np.float64

# --- limits ------------------------------------------------------------------------------
LIMITS_DTYPE = np.dtype([(name, _F8) for name in (
    "max_order_qty",  # lots per order
    "max_position",  # |worst-case position| in lots (position + open orders on a side)
    "max_order_notional",  # currency per order (qty x price x value per tick per lot)
    "max_position_notional",  # currency, worst-case position x reference price
    "band_pct",  # price band: |price - reference| / reference
    "band_ticks",  # price band: |price - reference| in ticks
    "dup_window",  # ns: an identical submit within this time of the last is denied
    "max_cancel_ratio",  # cancels sent per fill received
    "cancel_grace",  # cancels allowed before the ratio applies
    "max_cancel_to_order",  # cancels sent per new order passed by the gate
    "cancel_to_order_grace",  # cancels allowed before the cancel-to-order ratio applies
    "max_holding",  # ns a position may stay open before it is flattened
    "halted",  # 1 = trading in this instrument halted by configuration
    "corr_scope",  # > 0: the instrument is in the correlation alert's scope (inf = all are)
)], align=True)
NEVER = np.iinfo(np.int64).max  # a kill time that never comes
PORTFOLIO_DTYPE = np.dtype([(name, _F8) for name in (
    "soft_loss",  # loss (currency > 0) that switches to REDUCING
    "hard_loss",  # loss (currency > 0) that HALTS: cancel all, flatten
    "reducing_offset",  # ticks: in REDUCING a limit order rests at least this far behind
    "gross",  # currency: sum of |worst-case exposure| over instruments
    "net",  # currency: |sum of signed worst-case exposure|
    "concentration",  # max share of gross in one instrument, (0, 1]
    "conc_min_gross",  # currency: concentration applies from this gross on
    "rate",  # new orders and modifies per second, per venue (token bucket)
    "burst",  # bucket depth: orders that may go at once
    "soft_drawdown",  # fall of P&L from its peak (currency > 0) that switches to REDUCING
    "hard_drawdown",  # fall from peak that HALTS
    "corr_threshold",  # mean pairwise correlation of mid returns that raises an alert
    "corr_halflife",  # EWMA half-life of the estimates, in updates
    "corr_interval",  # ns between correlation updates (host clock)
    "corr_min_updates",  # updates before an alert can fire
    "corr_below",  # 1 = alert when the mean correlation falls to the threshold (a breakdown),
    # 0 (or inf) = when it rises to it
    "corr_action",  # on an alert: CORR_NONE (0 / inf), CORR_REDUCING, CORR_PAUSE
    "kill_denials",  # pre-trade denials after which the kill switch fires
    "interval",  # derived by RiskLimits.to_params: ns between tokens, 1e9 / rate
    "tau",  # derived: the bucket's tolerance, (burst - 1) * interval ns
)] + [("kill_at", _I8)], align=True)  # host time (ns since the epoch) the kill switch fires; NEVER
class RiskParams(namedtuple("RiskParams", "limits portfolio")):
    """The risk engine's limits (module doc)."""

# --- state -------------------------------------------------------------------------------
GLOBAL_DTYPE = np.dtype([
    ("state", _I8),  # ACTIVE, REDUCING, HALTED
    ("kill", _I8),  # kill request: 0 none, else its source (KILL_*)
    ("reset", _I8),  # risk desk only: RESET_STATE (HALTED / REDUCING / killed -> ACTIVE)
    # | RESET_PEAK (restart the drawdown peak) | RESET_DENIALS (zero the denial count)
    ("pause_req", _I8),  # the strategy's: 1 = pause requested, -1 = resume requested
    ("desk_pause", _I8),  # the risk desk's: 1 = pause requested, -1 = resume requested
    ("paused", _I8),  # bits PAUSE_STRATEGY | PAUSE_DESK: new orders denied, open orders kept
    ("killed", _I8),  # 1 = the kill switch fired and has not been reset
    ("peak", _F8),  # peak total P&L (currency)
    ("denials", _I8),  # pre-trade denials so far
    ("kill_at_done", _I8),  # 1 = the configured kill time has fired
    ("corr_last", _F8),  # host time of the last correlation update (ns after anchor)
    ("corr_n", _I8),  # correlation updates so far
    ("corr_alert", _I8),  # 1 = alert raised and not yet cleared
    ("corr_value", _F8),  # last mean pairwise correlation
    ("corr_started", _I8),  # 1 once the first mids were taken
    ("anchor_set", _I8),  # 1 once the anchor time is set
    ("anchor", _I8),  # ns since the epoch; the times above and below are ns after it
], align=True)
MAX_VENUES = 32  # venues beyond share the last bucket (more throttling, never less)
VENUE_RISK_DTYPE = np.dtype([
    ("tat", _F8),  # theoretical arrival time of the token bucket (GCRA), ns after anchor
    ("sent", _I8),  # orders passed by the bucket
], align=True)
INSTRUMENT_RISK_DTYPE = np.dtype([
    ("since", _F8),  # host time the current position was opened (ns after anchor)
    ("sign", _I8),  # sign of the position the clock runs for (0 = flat, no clock)
    ("dup_next", _I8),  # submits remembered for the duplicate check so far (ring position)
    ("cancels", _I8),  # cancels sent by the strategy
    ("orders", _I8),  # new orders the gate passed (the cancel-to-order ratio's denominator)
    ("up_buy", _F8),  # size increases by modify not yet known answered, buy side (lots)
    ("up_sell", _F8),
    ("open_buy", _F8),  # scratch: open or in-flight buy lots (host view)
    ("open_sell", _F8),
    ("pend_buy", _I8),  # scratch: buy orders with a command in flight
    ("pend_sell", _I8),
    ("inflight", _I8),  # scratch: orders not yet acknowledged or with a command in flight
    ("last_mid", _F8),  # correlation: mid at the last update (ticks)
    ("var", _F8),  # correlation: EWMA of squared log returns
    ("ret", _F8),  # correlation: the latest log return
], align=True)
DUP_SLOTS = 64  # the duplicate check looks at the last 64 submits within its window
DUP_DTYPE = np.dtype([("ts", _F8), ("book", _I8), ("side", _I8), ("price", _I8), ("qty", _I8),
                      ("order_type", _I8)], align=True)
class RiskState(namedtuple("RiskState", "glob venues instruments dup pairs")):
    """The risk engine's state (module doc)."""

KILL_STRATEGY, KILL_ENGINE, KILL_CONFIG_TIME, KILL_CONFIG_DENIALS, KILL_DESK = 1, 2, 3, 4, 5
RESET_STATE, RESET_PEAK, RESET_DENIALS = 1, 2, 4
PAUSE_STRATEGY, PAUSE_DESK = 1, 2
CORR_NONE, CORR_REDUCING, CORR_PAUSE = 0, 1, 2


def new_state(n_instr: int) -> RiskState:
    """A zeroed risk state (ACTIVE, no requests) for a run of n_instr instruments."""
    return RiskState(np.zeros(1, GLOBAL_DTYPE), np.zeros(MAX_VENUES, VENUE_RISK_DTYPE),
                     np.zeros(n_instr, INSTRUMENT_RISK_DTYPE),
                     np.zeros((n_instr, DUP_SLOTS), DUP_DTYPE),
                     np.zeros(n_instr * (n_instr - 1) // 2))


def no_limits(n_instr: int) -> RiskParams:
    """Limits that never deny: every field inf, no kill time."""
    limits = np.zeros(n_instr, LIMITS_DTYPE)
    portfolio = np.zeros(1, PORTFOLIO_DTYPE)
    for table in (limits, portfolio):
        for name in table.dtype.names:
            table[name] = np.inf if table.dtype[name] == _F8 else NEVER
    return RiskParams(limits, portfolio)
