"""The engine's named structures: the record dtypes of its tables, shared by kernels and
their Python face.

Kernels are pure functions over arrays; the engine's tables are structured arrays of
these dtypes (one row per order slot, book, instrument, ...; one-row records for the
loop's cursors and parameters), read and written field by field (``orders[s].leaves``),
which numba compiles to plain loads and stores and caches with ``cache=True``. They are
aligned structs (numba then emits aligned loads and stores; unaligned ones made the loop
~10% slower). The run records use the dtypes of hftlab.schema. The simulated venue's
matching engine (core/matching_nb.py) and its trading halt (core/halt_nb.py) keep their
state in the dtypes at the end of this module.
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
    ("local_filled", _I8),  # qty filled as the strategy knows it (the gate's modify check)
], align=True)

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
], align=True)
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
], align=True)
RING_DTYPE = np.dtype([("head", _I8), ("tail", _I8)], align=True)  # items head..tail-1 queued

# --- a recorded feed's arrivals at the host: per venue (n_venues, capacity) -------------
# market events the exchange has processed, waiting for the host, sorted by the time they
# reach it (recorded ts_local) and then by their order in the data; entries head..tail-1
# of a venue's row are queued; event indexes are into the loop's current chunk
ARRIVAL_DTYPE = np.dtype([("ts", _I8), ("event", _I8)], align=True)
ARRIVAL_ENDS_DTYPE = np.dtype([
    ("head", _I8), ("tail", _I8),
    ("last", _I8),  # the latest host time drawn for the venue's unrecorded rows (FIFO feed)
], align=True)
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
)], align=True)

# --- price ranges of our open orders per book (exchange truth): (n_books,) ---------------
# a market event far from all of them cannot touch our orders, so the loop skips them
RANGE_DTYPE = np.dtype([("bid_lo", _I8), ("bid_hi", _I8), ("ask_lo", _I8), ("ask_hi", _I8)],
                       align=True)

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
)], align=True)

# --- loop cursors and counters: one record (1,) of CURSOR_DTYPE ----------------------
CURSOR_DTYPE = np.dtype([(name, _I8) for name in (
    "next_ex",  # next event for the exchange side (index into the current chunk)
    "next_local",  # next event for the local side
    "n_events",  # events in the current chunk
    "last_chunk",  # 1 when the current chunk is the last
    "now_ex", "now_local",  # the two clocks
    "last_local_ts",  # feed is FIFO: local times never go back
    "next_timer", "next_sample",
    "seq",  # arrival counter (L3 FIFO positions)
    "next_id",  # id of the next accepted submit
    "n_active",  # own-order slots listed in active
    "n_free",  # free own-order slots on the free stack
    "n_orders", "n_fills", "n_states", "n_risk",  # rows written to the record buffers
    "wake",  # reason of the pending Python wake-up
    "wake_book",  # book of the wake-up (book / trade events)
    "n_cmds",  # commands a Python strategy left in the buffer
    "cmd_offset",  # next of the n_cmds Python commands to send (they go in batches)
    "started",
    "rng",  # random state (splitmix64)
    "feed_seed",  # key of the feed-latency draws (one per event, by the event's number)
    "local_next_ts",  # local time of event next_local, -1 if not drawn yet
    "end",  # time the run ends (last event, exchange clock)
    "events",  # events processed at the exchange side in total
    "error",  # first engine error (ERR_*), 0 = none
    "release",  # 1 when closed orders wait to free their slots (after the wake-up)
    "own_dirty",  # 1 when our orders changed at the venue and own_ranges must be redone
    "horizon",  # simulated market: the loop handles nothing later than this (exchange and
    # host clocks); the agents have acted up to it
    "deny_lo", "deny_hi",  # order-record rows [deny_lo, deny_hi) hold the denials a Python
    # strategy's last commands met (a W_DENIED wake-up)
    "level_overruns",  # events that removed more than their level showed
    "level_overrun_at",  # 1 + the number of the first such event (0 = none)
    "l3_over",  # L3 cancels / executions larger than the order rests (not applied)
    "l3_over_at",  # 1 + the number of the first such event (0 = none)
    "desk_at",  # host time the loop hands the risk desk its turn (RUN_DESK); max = no desk
)], align=True)

# wake-up reasons, also Strategy callbacks
W_NONE, W_START, W_BOOK, W_TRADE, W_FILL, W_ORDER, W_TIMER, W_END, W_DENIED = range(9)  # schema.Wake

# kernel return codes
RUN_DONE, RUN_NEED_DATA, RUN_WAKE, RUN_FLUSH, RUN_ERROR, RUN_ARRIVE, RUN_DESK = 0, 1, 2, 3, 4, 5, 6
# engine errors (cursor field error)
ERR_QUEUE_FULL, ERR_DATA_RANGE, ERR_SINK_FULL = 1, 3, 4

# --- run configuration: one record (1,) of PARAMS_DTYPE ----------------------------------
PARAMS_DTYPE = np.dtype([(name, _I8) for name in (
    "timer",  # timer interval ns (0 = no timer)
    "sample",  # state sample interval ns
    "sub_book",  # 1 = wake on local book events
    "sub_trade",  # 1 = wake on local trades
    "python",  # 1 = Python strategy (return to Python at wake-ups)
    "stp",  # self-trade prevention mode: 0 cancel newest, 1 cancel oldest, 2 cancel both
    "simulated",  # 1 = simulated market: our commands go to its matching engine (RUN_ARRIVE)
    "fill_full",  # replay fill model: 0 "partial" (capped by what traded), 1 "full" (venue_nb)
)], align=True)

# --- venue table: (n_venues,) of VENUE_DTYPE --------------------------------------------
VENUE_DTYPE = np.dtype([
    ("maker", _F8), ("taker", _F8),  # fee rates: bps of notional, or currency per unit
    ("per_unit", _I8),  # 1 = fees per unit traded, 0 = bps of notional
    ("feed", _I8), ("feed_jitter", _I8),  # base, jitter (ns) of the three latency legs
    ("entry", _I8), ("entry_jitter", _I8),
    ("response", _I8), ("response_jitter", _I8),
    ("recorded", _I8),  # 1 = use the data's ts_local where non-zero
    # entry latency spike: orders sent in [spike_start, spike_end) (ns since the epoch)
    # take spike_extra ns more to reach the venue (instruments.LatencySpike)
    ("spike_start", _I8), ("spike_end", _I8), ("spike_extra", _I8),
], align=True)

# --- instrument table: (n_instruments,) of INSTRUMENT_DTYPE ------------------------------
INSTRUMENT_DTYPE = np.dtype([
    ("value", _F8),  # currency per tick per lot (tick_size * lot_size * multiplier)
    ("units", _F8),  # units per lot (lot_size)
    ("mark_book", _I8),  # book whose mid marks the instrument
], align=True)

# --- records: structured arrays of the record dtypes of hftlab.schema ----------------
# (ORDER_RECORD_DTYPE, FILL_RECORD_DTYPE, STATE_RECORD_DTYPE, RISK_EVENT_DTYPE), each
# written by one kernel that sets every field

# === the simulated venue's matching engine (core/matching_nb.py) =========================
# all int64: prices in ticks, sizes in lots, times in ns, sides +1 buy / -1 sell

# --- order pool: (capacity,) of MATCH_ORDER_DTYPE; an order's row is its id (ids from 1) --
MATCH_ORDER_DTYPE = np.dtype([
    ("price", _I8),
    ("qty", _I8),  # lots still resting; 0 once closed
    ("side", _I8),
    ("owner", _I8),  # 0 = anonymous (no self-trade prevention)
    ("book", _I8),
    ("prev", _I8), ("next", _I8),  # FIFO neighbours at the same price, matching_nb.NIL at ends
    ("state", _I8),  # matching_nb.CLOSED / RESTING / RESTING_POST_ONLY
], align=True)

# --- batch messages in (process; the simulator's commands): (n,) of MESSAGE_DTYPE ------
MESSAGE_DTYPE = np.dtype([
    ("action", _I8),  # ACT_SUBMIT / ACT_CANCEL / ACT_MODIFY
    ("ts", _I8),  # when the venue processes it
    ("book", _I8),
    ("owner", _I8),
    ("side", _I8),
    ("price", _I8),  # modify: the new price, or matching_nb.KEEP
    ("qty", _I8),  # submit: lots; modify: the new resting lots, or matching_nb.KEEP
    ("order_type", _I8),  # schema.OrderType
    ("tif", _I8),  # schema.TimeInForce
    ("order_id", _I8),  # cancel / modify: the order
], align=True)

# --- per message out of process: (n,) of RESULT_DTYPE ------------------------------------
RESULT_DTYPE = np.dtype([
    ("status", _I8),  # schema.OrderStatus of the command's outcome
    ("reason", _I8),  # schema.Reason
    ("order_id", _I8),
    ("filled", _I8),  # lots the commanded order traded in this command
    ("resting", _I8),  # lots of it left on the book afterwards
    ("removed", _I8),  # lots it lost without trading (cancel, expiry, decrease, STP)
], align=True)

# --- fills written by the kernels: (n,) of MATCH_FILL_DTYPE ------------------------------
MATCH_FILL_DTYPE = np.dtype([
    ("ts", _I8),
    ("book", _I8),
    ("maker_id", _I8), ("taker_id", _I8),
    ("maker_owner", _I8), ("taker_owner", _I8),
    ("price", _I8),  # the resting order's price (an auction's: the auction price)
    ("qty", _I8),
    ("maker_side", _I8),  # +1 the resting order was a bid, -1 an ask
], align=True)

# --- canonical market events written by the kernels: (n,) of MATCH_EVENT_DTYPE -----------
# schema.EVENT_DTYPE's fields and meaning, with the engine's book in place of (venue,
# instrument) (the engine's face or the simulator names them) and no ts_local
MATCH_EVENT_DTYPE = np.dtype([
    ("ts", _I8),
    ("book", _I8),
    ("kind", _I8),  # schema.Kind
    ("side", _I8),
    ("price", _I8),
    ("qty", _I8),
    ("order_id", _I8),
], align=True)

# --- the venue's trading halt per book (core/halt_nb.py): (n_books,) of HALT_DTYPE -------
HALT_DTYPE = np.dtype([
    # configuration
    ("rule", _I8),  # halt_nb.RULE_NONE / RULE_LULD / RULE_STOP
    ("band", _I8),  # band half-width, millionths of the reference price (50_000 = +-5 %)
    ("window", _I8),  # the reference's time constant, ns
    ("limit", _I8),  # LULD: how long the book may stay at or through a band limit, ns
    ("pause", _I8),  # length of a pause, ns
    # state
    ("status", _I8),  # 1 trading, 0 halted
    ("until", _I8),  # end of the current pause, ns
    ("ref", _I8),  # reference price, ticks x halt_nb.REF_ONE (fixed point); 0 = no print yet
    ("ref_ts", _I8),  # when ref was last brought forward
    ("last", _I8),  # last print, ticks
    ("limit_since", _I8),  # LULD: when the book reached or went through a band limit; 0 =
    # it is inside the band
    ("halts", _I8),  # pauses so far
], align=True)


# --- copying record arrays (Python side) --------------------------------------------------
# numpy copies a structured array field by field, ~8x slower than its bytes; these copy
# contiguous 1-D record arrays as bytes (the pool's growth, buffers handed out, sessions)

def copy_records(records: np.ndarray) -> np.ndarray:
    """A copy of a contiguous 1-D record array."""
    return records.view(np.uint8).copy().view(records.dtype)


def grow_records(records: np.ndarray, n: int) -> np.ndarray:
    """A zeroed record array of n rows (n >= len(records)) that starts with records."""
    out = np.zeros(n, records.dtype)
    out[:len(records)].view(np.uint8)[:] = records.view(np.uint8)
    return out


def concat_records(parts: list[np.ndarray], dtype: np.dtype) -> np.ndarray:
    """The contiguous 1-D record arrays of parts (all of dtype) one after the other."""
    if not parts:
        return np.zeros(0, dtype)
    return np.concatenate([p.view(np.uint8) for p in parts]).view(dtype)
