"""The compiled loop's arguments as named tuples of typed arrays.

``Events``: the current chunk of market events (one read-only column per field of
schema.EVENT_DTYPE) and, per event, the ladder update it made at the exchange, which the
host replays when the event reaches it. ``EngineState``: everything the engine owns for
a run (books, our orders, queues in flight, accounts, record buffers, risk state), each
a structured array of a dtype in core.layout / hftlab.schema or a plain array.
``StrategyIO``: what a compiled strategy is handed (core.layout, engine.api_nb).

Named tuples of arrays compile and cache with ``cache=True`` (unlike jitclass and
StructRef), so a warm process starts a run without compiling. Their numba types are
found here with the arrays' types cached by (dtype, ndim, flags): numba's own typeof
rebuilds a structured dtype's record type at every call (~0.7 ms each), which for the
engine's ~25 structured arrays would cost ~15 ms at every return of the loop, and a new
type object is hashed through all its fields.
"""

from __future__ import annotations

from collections import namedtuple

import numba as nb
import numpy as np
from numba import types
from numba.core.typing.typeof import typeof_impl

from hftlab.engine.api_nb import Orders, View
from hftlab.risk.layout import RiskParams, RiskState
from hftlab.schema import EVENT_DTYPE

Events = namedtuple("Events", [*EVENT_DTYPE.names, "ladder_idx", "ladder_new"])
_EngineState = namedtuple("EngineState", [
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


class EngineState(_EngineState):
    """The engine's state of one run (fields above); no __slots__, so that its numba type
    is kept on it."""


class StrategyIO(namedtuple("StrategyIO", "cmds host_view sink clock state")):
    """What a compiled strategy is handed (fields: engine.api_nb)."""


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


_ARRAY_TYPES: dict = {}


def _typeof_cached(val, c):
    """numba type of val; arrays' types cached by what decides them."""
    if isinstance(val, np.ndarray):
        f = val.flags
        key = (val.dtype, val.ndim, f.c_contiguous, f.f_contiguous, f.writeable, f.aligned)
        t = _ARRAY_TYPES.get(key)
        if t is None:
            t = _ARRAY_TYPES[key] = typeof_impl(val, c)
        return t
    return typeof_impl(val, c)


def _typeof_named(val, c) -> types.NamedTuple:
    """The numba type of one of the named tuples above, found once per instance and kept
    on it: the dispatcher then takes the type's code directly, where a new type object
    would be hashed through all its fields at every call of the loop (~50 us)."""
    t = val.__dict__.get("_numba_type")
    if t is None:
        t = types.NamedTuple([_typeof_cached(v, c) for v in val], type(val))
        val.__dict__["_numba_type"] = t
    return t


for _cls in (EngineState, StrategyIO, View, Orders, RiskParams, RiskState):
    typeof_impl.register(_cls)(_typeof_named)
