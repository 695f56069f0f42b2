"""The compiled loop's arguments as named tuples of typed arrays.

``Events``: the current chunk of market events (one read-only column per field of
schema.EVENT_DTYPE) and, per event, the ladder update it made at the exchange, which the
host replays when the event reaches it. ``EngineState``: everything the engine owns for
a run (books, our orders, queues in flight, accounts, record buffers, risk state), each
a structured array of a dtype in core.layout / hftlab.schema or a plain array.
``StrategyIO``: what a compiled strategy is handed (core.layout, engine.api_nb).

Named tuples of arrays compile and cache with ``cache=True`` (unlike jitclass and
StructRef), so a warm process starts a run without compiling.
"""

from __future__ import annotations

from collections import namedtuple

import numba as nb
import numpy as np
from numba import types
from numba.core.typing.typeof import typeof_impl

from hftlab.schema import EVENT_DTYPE

Events = namedtuple("Events", [*EVENT_DTYPE.names, "ladder_idx", "ladder_new"])
EngineState = namedtuple("EngineState", [
    "cur",  # loop cursors and counters: one record of CURSOR_DTYPE
    "prm",  # run parameters: one record of PARAMS_DTYPE
    "qty", "top", "local_qty", "local_top", "base",  # exchange and host ladders (book_nb)
    "order_map",  # L3 resting orders of the exchange book (book_nb)
    "halted",  # per book: 1 while the venue halts it
    "market",  # per book: the host's top of book (BOOK_DTYPE)
    "ranges",  # per book: price ranges of our open orders (RANGE_DTYPE)
    "orders", "active", "free",  # our orders (OWN_ORDER_DTYPE), listed slots, free slots
    "entry", "entry_ends", "resp", "resp_ends",  # commands and responses in flight
    "acct", "local_acct",  # per instrument: the venue's and the host's accounts
    "venue_table", "instrument_table",  # VENUE_DTYPE, INSTRUMENT_DTYPE
    "rec_orders", "rec_fills", "rec_states", "rec_risk",  # record buffers (schema dtypes)
    "rparams", "rstate",  # risk limits and state (risk.layout.RiskParams, RiskState)
    "risk_cmds",  # the risk engine's command buffer (cancel-all, flatten)
    # a recorded feed: market events on their way to the host, per venue in order of
    # arrival (ARRIVAL_DTYPE rows, ARRIVAL_ENDS_DTYPE ends; loop_nb.arrive_at_host)
    "arrivals", "arrival_ends",
])
StrategyIO = namedtuple("StrategyIO", "cmds host_view sink clock state")

_COLUMN = {name: types.Array(nb.from_dtype(EVENT_DTYPE[name]), 1, "A", readonly=True)
           for name in EVENT_DTYPE.names}
_LADDER = types.Array(types.int64, 1, "C")
EVENTS_TYPE = types.NamedTuple([*_COLUMN.values(), _LADDER, _LADDER], Events)


@typeof_impl.register(Events)
def _typeof_events(val: Events, c) -> types.NamedTuple:
    """One type for every chunk: columns read-only of any layout (Parquet data is used
    without a copy), so the loop is compiled once."""
    for name, a in zip(Events._fields, val):
        dtype = EVENT_DTYPE[name] if name in _COLUMN else np.int64
        if not (isinstance(a, np.ndarray) and a.ndim == 1 and a.dtype == dtype):
            raise TypeError(f"Events.{name}: a 1-d {dtype} array, got {a!r:.80}")
    if not all(a.flags.c_contiguous and a.flags.writeable for a in val[-2:]):
        raise TypeError("Events.ladder_idx / ladder_new: writable contiguous int64 arrays")
    return EVENTS_TYPE


def events(cols: list[np.ndarray], ladder_idx: np.ndarray, ladder_new: np.ndarray) -> Events:
    """The loop's Events over columns in the field order of EVENT_DTYPE (no copies)."""
    return Events(*cols, ladder_idx, ladder_new)
