"""Column layouts of the engine's state arrays, shared by kernels and their Python face.

The engine keeps its state in plain int64 / float64 arrays (kernels are pure functions
over arrays); these constants name the columns. Numba folds them in as compile-time
constants.
"""

import numpy as np

_I8, _F8 = np.int64, np.float64

# --- own orders table: one row per order slot (capacity,) of OWN_ORDER_DTYPE ---------
# exchange truth (price, leaves, status, ...) beside what the host knows of it (local_*)
OWN_ORDER_DTYPE = np.dtype([
    ("order_id", _I8),  # >= 1, 0 = free slot
    ("book", _I8),
    ("side", _I8),  # +1 buy, -1 sell
    ("price", _I8),  # ticks, as resting at the exchange
    ("qty", _I8),  # original qty (lots)
    ("leaves", _I8),  # remaining qty at the exchange (truth)
    ("status", _I8),  # exchange status: OrderStatus (NEW until the order arrives)
    ("tif", _I8),
    ("order_type", _I8),
    ("seq", _I8),  # arrival number at the exchange (L3 FIFO position)
    ("local_status", _I8),  # status as the strategy knows it (after response latency)
    ("local_leaves", _I8),  # leaves as the strategy knows it
    ("local_price", _I8),  # price as the strategy knows it
    ("ts_sent", _I8),
    ("pending", _I8),  # commands sent but not yet answered (cancel / modify in flight)
    ("filled", _I8),  # qty filled at the exchange
    ("venue_id", _I8),  # the venue's order id in a simulated market (matching_nb's row)
    ("ahead", _F8),  # estimated qty ahead of us in the queue (lots)
    ("traded", _F8),  # qty traded at our level since the last depth update (L2 model)
])

# --- commands written by strategies and the risk engine: (max_commands,) ---------------
COMMAND_DTYPE = np.dtype([
    ("action", _I8),  # ACT_SUBMIT / ACT_CANCEL / ACT_MODIFY
    ("book", _I8),
    ("side", _I8),
    ("price", _I8),
    ("qty", _I8),
    ("tif", _I8),
    ("order_type", _I8),
    ("order_id", _I8),  # for cancel / modify
    ("deny", _I8),  # a reason the host already found (OFF_TICK, BAD_QTY, ...): denied
])
MAX_TICKS = 1 << 48  # prices and sizes past these are denied: P&L of price x size x value
MAX_LOTS = 1 << 40  # stays far inside int64 and exact in float64 accounting
ACT_SUBMIT, ACT_CANCEL, ACT_MODIFY = 0, 1, 2

# --- queues of things in flight: ring buffers of QUEUE_DTYPE, ends in RING_DTYPE -------
QUEUE_DTYPE = np.dtype([
    ("ts", _I8),  # when it is due (exchange time for entry, local time for responses)
    ("kind", _I8),  # entry: ACT_*; response: R_*
    ("slot", _I8),
    ("price", _I8),
    ("qty", _I8),
    ("status", _I8),
    ("reason", _I8),
    ("maker", _I8),
    ("ts_exchange", _I8),  # exchange time the response refers to
])
RING_DTYPE = np.dtype([("head", _I8), ("tail", _I8)])  # items head..tail-1 are queued
# responses: accepted / filled qty / closed by the venue (rejected, expired) / a cancel
# or modify refused / modified / cancelled on our request
R_ACK, R_FILL, R_DONE, R_REFUSED, R_MODIFIED, R_CANCELLED = 0, 1, 2, 3, 4, 5

# --- market view per book (local, as the strategy sees it): (n_books,) -----------------
BOOK_DTYPE = np.dtype([(name, _I8) for name in (
    "bid",  # best bid (ticks), 0 if empty
    "ask",  # best ask (ticks), 0 if empty
    "bid_qty", "ask_qty",
    "last_price", "last_qty",
    "last_side",  # aggressor side of the last trade
    "last_ts",
    "status",  # 1 trading, 0 halted
    "ts",  # local time of the last update
    "instrument", "venue",  # of the book (constant)
    "last_kind",  # kind of the last print: TRADE (a print) or EXECUTE (a resting order hit)
)])

# --- price ranges of our open orders per book (exchange truth): (n_books,) ---------------
# a market event far from all of them cannot touch our orders, so the loop skips them
RANGE_DTYPE = np.dtype([("bid_lo", _I8), ("bid_hi", _I8), ("ask_lo", _I8), ("ask_hi", _I8)])

# --- account per instrument: (n_instruments,) ---------------------------------------------
ACCOUNT_DTYPE = np.dtype([(name, _F8) for name in (
    "position",  # lots, exact in float64 up to 2**53
    "cash",  # currency
    "fees",  # cumulative fees (negative = net rebates)
    "realized",  # realized P&L net of fees, average-cost method
    "avg_price",  # average entry price of the open position (ticks)
    "mid",  # last mark (ticks)
    "unrealized",
    "equity",  # realized + unrealized = total P&L
    "volume",  # lots traded
    "maker_volume",
    "notional",  # currency traded
    "fills",
)])

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

# --- records: structured arrays of the record dtypes of hftlab.schema ----------------
# (ORDER_RECORD_DTYPE, FILL_RECORD_DTYPE, STATE_RECORD_DTYPE, RISK_EVENT_DTYPE), each
# written by one kernel that sets every field
