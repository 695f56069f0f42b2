"""Column layouts of the risk engine's arrays: limits (rparams) and state (rstate).

rparams: float64 (n_instruments + 1, RP_NCOL). Rows 0..n-1 hold per-instrument limits,
row n the portfolio-wide ones. inf (or NaN) disables a limit, so a table full of inf is
"no limits". rstate: float64 (RS_NCOL,): trading state, requests from strategies and
configuration, and the counters the checks keep (throttle buckets per venue, duplicate
guard, cancel counts, position clocks, correlation estimates per instrument).
"""

# --- rparams: per-instrument columns (rows 0..n-1) ------------------------------------
RP_MAX_ORDER_QTY = 0  # lots per order
RP_MAX_POSITION = 1  # |worst-case position| in lots (position + open orders on a side)
RP_MAX_ORDER_NOTIONAL = 4  # currency per order (qty x price x value per tick per lot)
RP_MAX_POSITION_NOTIONAL = 5  # currency, worst-case position x reference price
RP_BAND_PCT = 6  # price band: |price - reference| / reference
RP_BAND_TICKS = 7  # price band: |price - reference| in ticks
RP_DUP_WINDOW = 8  # ns: an identical submit within this time of the last is denied
RP_MAX_CANCEL_RATIO = 9  # cancels sent per fill received
RP_CANCEL_GRACE = 10  # cancels allowed before the ratio applies
RP_MAX_HOLDING = 11  # ns a position may stay open before it is flattened
RP_HALTED = 12  # 1 = trading in this instrument halted by configuration
# --- rparams: portfolio columns (row n) -------------------------------------------------
RP_SOFT_LOSS = 2  # loss (currency > 0) that switches to REDUCING
RP_HARD_LOSS = 3  # loss (currency > 0) that HALTS: cancel all, flatten
RP_REDUCING_OFFSET = 13  # ticks: in REDUCING a limit order rests at least this far behind
RP_GROSS = 14  # currency: sum of |worst-case exposure| over instruments
RP_NET = 15  # currency: |sum of signed worst-case exposure|
RP_CONCENTRATION = 16  # max share of gross in one instrument, (0, 1]
RP_CONC_MIN_GROSS = 17  # currency: concentration applies from this gross on
RP_RATE = 18  # new orders and modifies per second, per venue (token bucket)
RP_BURST = 19  # bucket depth: orders that may go at once
RP_SOFT_DRAWDOWN = 20  # fall of P&L from its peak (currency > 0) that switches to REDUCING
RP_HARD_DRAWDOWN = 21  # fall from peak that HALTS
RP_CORR_THRESHOLD = 22  # mean pairwise correlation of mid returns that raises an alert
RP_CORR_HALFLIFE = 23  # EWMA half-life of the estimates, in updates
RP_CORR_INTERVAL = 24  # ns between correlation updates (host clock)
RP_CORR_MIN_UPDATES = 25  # updates before an alert can fire
RP_KILL_AT = 26  # host time at which the kill switch fires: ns since epoch // 2**30 ...
RP_KILL_DENIALS = 27  # pre-trade denials after which the kill switch fires
RP_KILL_AT_LO = 28  # ... and ns since epoch % 2**30 (float64 holds both parts exactly)
RP_INTERVAL = 29  # derived by RiskLimits.to_array: ns between tokens, 1e9 / RP_RATE
RP_TAU = 30  # derived: the bucket's tolerance, (RP_BURST - 1) * RP_INTERVAL ns
RP_NCOL = 32

# --- rstate: globals --------------------------------------------------------------------
RS_STATE = 0  # 0 ACTIVE, 1 REDUCING, 2 HALTED
RS_KILL = 1  # kill request: 0 none, else its source (KILL_*)
RS_RESET = 2  # 1 = reset requested (leaves HALTED / REDUCING for ACTIVE)
RS_PAUSE_REQ = 3  # 1 = pause requested, -1 = resume requested
RS_PAUSED = 4  # 1 = paused: new orders denied, open orders kept
RS_KILLED = 5  # 1 = the kill switch fired and has not been reset
RS_PEAK = 6  # peak total P&L (currency)
RS_DENIALS = 7  # pre-trade denials so far
RS_KILL_AT_DONE = 8  # 1 = the configured kill time has fired
RS_CORR_LAST = 9  # host time of the last correlation update
RS_CORR_N = 10  # correlation updates so far
RS_CORR_ALERT = 11  # 1 = alert raised and not yet cleared
RS_CORR_VALUE = 12  # last mean pairwise correlation
RS_CORR_STARTED = 13  # 1 once the first mids were taken
RS_ANCHOR_SET = 29  # 1 once the anchor time is set; times in rstate are ns after it
RS_ANCHOR_HI = 30  # anchor // 2**30
RS_ANCHOR_LO = 31  # anchor % 2**30
RS_GLOBAL = 32

# --- rstate: per-venue blocks (throttle) -------------------------------------------------
MAX_VENUES = 32  # venues beyond share the last bucket (more throttling, never less)
RSV_TAT = 0  # theoretical arrival time of the token bucket (GCRA), ns
RSV_SENT = 1  # orders passed by the bucket
RSV_NCOL = 2
RS_VENUE0 = RS_GLOBAL

# --- rstate: per-instrument blocks ------------------------------------------------------
RS_INSTR0 = RS_VENUE0 + MAX_VENUES * RSV_NCOL
RSI_SINCE = 0  # host time the current position was opened
RSI_SIGN = 1  # sign of the position the clock runs for (0 = flat, no clock)
RSI_DUP_NEXT = 2  # submits remembered for the duplicate check so far (ring position)
RSI_CANCELS = 8  # cancels sent by the strategy
RSI_UP_BUY = 9  # size increases by modify not yet known answered, buy side (lots)
RSI_UP_SELL = 10
RSI_OPEN_BUY = 11  # scratch: open or in-flight buy lots (host view)
RSI_OPEN_SELL = 12
RSI_PEND_BUY = 13  # scratch: buy orders with a command in flight
RSI_PEND_SELL = 14
RSI_INFLIGHT = 15  # scratch: orders not yet acknowledged or with a command in flight
RSI_LAST_MID = 16  # correlation: mid at the last update (ticks)
RSI_VAR = 17  # correlation: EWMA of squared log returns
RSI_RET = 18  # correlation: the latest log return
RSI_DUP0 = 24  # then DUP_SLOTS remembered submits of DUP_FIELDS values each
DUP_SLOTS = 64  # the duplicate check looks at the last 64 submits within its window
DUP_TS, DUP_BOOK, DUP_SIDE, DUP_PRICE, DUP_QTY, DUP_TYPE = range(6)
DUP_FIELDS = 6
RSI_NCOL = RSI_DUP0 + DUP_SLOTS * DUP_FIELDS

RS_NCOL = 1 << 16

ACTIVE, REDUCING, HALTED = 0, 1, 2
KILL_STRATEGY, KILL_ENGINE, KILL_CONFIG_TIME, KILL_CONFIG_DENIALS = 1, 2, 3, 4


def rstate_size(n_instr: int, correlation: bool = True) -> int:
    """Entries of rstate a run of n_instr instruments needs."""
    pairs = n_instr * (n_instr - 1) // 2 if correlation else 0
    return RS_INSTR0 + n_instr * RSI_NCOL + pairs
