"""Column layouts of the engine's state arrays, shared by kernels and their Python face.

The engine keeps its state in plain int64 / float64 arrays (kernels are pure functions
over arrays); these constants name the columns. Numba folds them in as compile-time
constants.
"""

# --- own orders table: int64 (capacity, O_NCOL) -------------------------------------
O_ID = 0  # order id (>= 1), 0 = free slot
O_BOOK = 1
O_SIDE = 2  # +1 buy, -1 sell
O_PRICE = 3  # ticks, as resting at the exchange
O_QTY = 4  # original qty (lots)
O_LEAVES = 5  # remaining qty at the exchange (truth)
O_STATUS = 6  # exchange status: OrderStatus (NEW until the order arrives)
O_TIF = 7
O_TYPE = 8  # OrderType
O_SEQ = 9  # arrival number at the exchange (L3 FIFO position)
O_LSTATUS = 10  # status as the strategy knows it (after response latency)
O_LLEAVES = 11  # leaves as the strategy knows it
O_LPRICE = 12  # price as the strategy knows it
O_TS_SENT = 13
O_PENDING = 14  # commands sent but not yet answered (cancel / modify in flight)
O_FILLED = 15  # qty filled at the exchange
O_VID = 16  # the venue's order id in a simulated market (matching_nb's order row)
O_NCOL = 17

# float companions of the own orders table: float64 (capacity, Q_NCOL)
Q_AHEAD = 0  # estimated qty ahead of us in the queue (lots)
Q_TRADED = 1  # qty traded at our level since the last depth update (probabilistic model)
Q_NCOL = 2

# --- commands written by strategies: int64 (max_commands, C_NCOL) -------------------
C_ACTION = 0  # ACT_SUBMIT / ACT_CANCEL / ACT_MODIFY
C_BOOK = 1
C_SIDE = 2
C_PRICE = 3
C_QTY = 4
C_TIF = 5
C_TYPE = 6
C_ID = 7  # order id for cancel / modify
C_DENY = 8  # a reason the host already found (OFF_TICK, BAD_QTY, ...): the gate denies it
C_NCOL = 9
MAX_TICKS = 1 << 48  # prices and sizes past these are denied: P&L of price x size x value
MAX_LOTS = 1 << 40  # stays far inside int64 and exact in float64 accounting
ACT_SUBMIT, ACT_CANCEL, ACT_MODIFY = 0, 1, 2

# --- queues of things in flight: int64 (capacity, X_NCOL) ring buffers --------------
X_TS = 0  # when it is due (exchange time for entry, local time for responses)
X_KIND = 1  # entry: ACT_*; response: R_*
X_SLOT = 2
X_PRICE = 3
X_QTY = 4
X_STATUS = 5
X_REASON = 6
X_MAKER = 7
X_EXTS = 8  # exchange time the response refers to
X_NCOL = 9
# responses: accepted / filled qty / closed by the venue (rejected, expired) / a cancel
# or modify refused / modified / cancelled on our request
R_ACK, R_FILL, R_DONE, R_REFUSED, R_MODIFIED, R_CANCELLED = 0, 1, 2, 3, 4, 5

# --- market view per book (local, as the strategy sees it): int64 (n_books, M_NCOL) --
M_BID = 0  # best bid (ticks), 0 if empty
M_ASK = 1  # best ask (ticks), 0 if empty
M_BIDQ = 2
M_ASKQ = 3
M_LAST_PX = 4  # last trade price
M_LAST_QTY = 5
M_LAST_SIDE = 6  # aggressor side of the last trade
M_LAST_TS = 7
M_STATUS = 8  # 1 trading, 0 halted
M_TS = 9  # local time of the last update
M_INSTR = 10  # instrument of the book (constant)
M_VENUE = 11  # venue of the book (constant)
M_LAST_KIND = 12  # kind of the last print: TRADE (a print) or EXECUTE (a resting order hit)
M_NCOL = 13

# --- price ranges of our open orders per book (exchange truth): int64 (n_books, 4) ------
# a market event far from all of them cannot touch our orders, so the loop skips them
G_BID_LO, G_BID_HI, G_ASK_LO, G_ASK_HI = 0, 1, 2, 3

# --- account per instrument: float64 (n_instruments, A_NCOL) ------------------------
A_POS = 0  # position (lots), exact in float64 up to 2**53
A_CASH = 1  # currency
A_FEES = 2  # cumulative fees (negative = net rebates)
A_REALIZED = 3  # realized P&L net of fees, average-cost method
A_AVG = 4  # average entry price of the open position (ticks)
A_MID = 5  # last mark (ticks)
A_UNREAL = 6
A_EQUITY = 7  # realized + unrealized = total P&L
A_VOLUME = 8  # lots traded
A_MAKER_VOLUME = 9
A_NOTIONAL = 10  # currency traded
A_FILLS = 11
A_NCOL = 12

# --- loop cursors and counters: int64 (K_NCOL,) --------------------------------------
K_IEX = 0  # next event for the exchange side (index into the current chunk)
K_ILO = 1  # next event for the local side
K_NEV = 2  # events in the current chunk
K_LAST = 3  # 1 when the current chunk is the last
K_NOW_EX = 4
K_NOW_LO = 5
K_LAST_LOCAL_TS = 6  # feed is FIFO: local times never go back
K_NEXT_TIMER = 7
K_NEXT_SAMPLE = 8
K_SEQ = 9  # arrival counter (L3 FIFO positions)
K_NEXT_ID = 10
K_EH = 11  # entry queue head, tail
K_ET = 12
K_RH = 13  # response queue head, tail
K_RT = 14
K_NACT = 15  # active own orders
K_NORD = 16  # rows written to the records
K_NFILL = 17
K_NSTATE = 18
K_NRISK = 19
K_WAKE = 20  # reason of the pending Python wake-up
K_NCMD = 21  # commands a Python strategy left in the buffer
K_STARTED = 22
K_WAKE_BOOK = 23  # book of the wake-up (book / trade events)
K_RNG = 24  # random state (splitmix64)
K_LOCAL_NEXT_TS = 25  # local time of event K_ILO, -1 if not drawn yet
K_END = 26  # time the run ends (last event, exchange clock)
K_WARN = 27  # data inconsistencies met (removals larger than the level showed)
K_EVENTS = 28  # events processed at the exchange side in total
K_NFREE = 29  # free own-order slots on the free stack
K_ERR = 30  # first engine error (ERR_*), 0 = none
K_RELEASE = 31  # 1 when closed orders wait to free their slots (after the wake-up)
K_CMD_OFF = 32  # next of the K_NCMD Python commands to send (they go in batches)
K_OWN_DIRTY = 33  # 1 when our orders changed at the venue and own_ranges must be redone
K_FEED_SEED = 34  # key of the feed-latency draws (one per event, by the event's number)
K_HORIZON = 35  # simulated market: the loop handles nothing later than this (exchange and
# host clocks); the agents have acted up to it
K_DENY_LO = 36  # order-record rows [K_DENY_LO, K_DENY_HI) hold the denials a Python
K_DENY_HI = 37  # strategy's last commands met (a W_DENIED wake-up)
K_L3_OVER = 38  # L3 cancels / executions larger than the order rests (not applied)
K_L3_OVER_AT = 39  # 1 + the number of the first such event (0 = none)
K_NEG_AT = 40  # 1 + the number of the first event that removed more than its level showed
K_NCOL = 44

# wake-up reasons, also Strategy callbacks
W_NONE, W_START, W_BOOK, W_TRADE, W_FILL, W_ORDER, W_TIMER, W_END, W_DENIED = range(9)  # schema.Wake

# kernel return codes
RUN_DONE, RUN_NEED_DATA, RUN_WAKE, RUN_FLUSH, RUN_ERROR, RUN_ARRIVE = 0, 1, 2, 3, 4, 5
# engine errors (K_ERR)
ERR_QUEUE_FULL, ERR_DATA_RANGE, ERR_SINK_FULL = 1, 3, 4

# --- run configuration: int64 (P_NCOL,) -------------------------------------------
P_TIMER = 0  # timer interval ns (0 = no timer)
P_SAMPLE = 1  # state sample interval ns
P_SUB_BOOK = 2  # wake on local book events
P_SUB_TRADE = 3  # wake on local trades
P_PY = 4  # 1 = Python strategy (return to Python at wake-ups)
P_STP = 5  # self-trade prevention mode: 0 cancel newest, 1 cancel oldest, 2 cancel both
P_SIM = 6  # 1 = simulated market: our commands go to its matching engine (RUN_ARRIVE)
P_NCOL = 8

# --- venue table: float64 (n_venues, V_NCOL) ------------------------------------------
V_MAKER = 0
V_TAKER = 1
V_PER_UNIT = 2  # 1 = fees per unit traded, 0 = bps of notional
V_FEED = 3  # base, jitter (ns) of the three latency legs
V_FEED_J = 4
V_ENTRY = 5
V_ENTRY_J = 6
V_RESP = 7
V_RESP_J = 8
V_RECORDED = 9  # 1 = use the data's ts_local where non-zero
V_NCOL = 10

# --- instrument table: float64 (n_instruments, I_NCOL) --------------------------------
I_VALUE = 0  # currency per tick per lot (tick_size * lot_size * multiplier)
I_UNITS = 1  # units per lot (lot_size)
I_MARK_BOOK = 2  # book whose mid marks the instrument
I_NCOL = 3

# --- record rows: int64 and float64 buffers -------------------------------------------
# orders: int64 (cap, 14) in the field order of schema.ORDER_RECORD_DTYPE
# fills: int64 (cap, 9) order_id, ts_exchange, ts_local, venue, instrument, side, price,
#        qty, maker  +  float64 (cap, 2) fee, mid
# states: int64 (cap, 7) ts, instrument, position, bid, ask, best_bid, best_ask
#         + float64 (cap, 6) cash, fees, realized, unrealized, equity, mid
# risk: int64 (cap, 5) ts, rule, order_id, instrument, state + float64 (cap, 2) value, limit
