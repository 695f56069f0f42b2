"""Compiled validation of canonical events, one chunk at a time (ARCHITECTURE.md, "The
canonical event schema").

check_chunk walks a chunk of event columns and returns the first row that breaks a rule
of the schema, with a code saying which: known kinds (ADD..STATUS), sides in {+1, -1, 0}
and a side on every book event, venue and instrument indexes inside the run's tables,
positive prices where the kind has one (ADD, EXECUTE, TRADE, LEVEL), positive sizes
where the kind moves one (ADD, CANCEL, EXECUTE, TRADE), non-negative sizes on LEVEL and
DELETE, STATUS sizes 0 or 1, non-negative ts and ts_local.

Time order: each venue's exchange clock (ts) must not go back; and since the engine
replays every venue on one exchange clock (engine/loop_nb.py), the venues must also be
merged in ts order. ts_local (when the host saw the event) is not required to be
monotone: two streams of one venue may reach the host out of exchange order, and the
engine never delivers an event to the host before the previous one.

The time state (the last ts overall and per venue, the venue of the last event) lives
in `state`, so a stream of chunks (a lazy Parquet file, a dataset of files) is checked
as one sequence.
"""

from __future__ import annotations

import numba as nb
import numpy as np

OK = 0
BAD_KIND = 1
BAD_SIDE = 2
NO_SIDE = 3
BAD_VENUE = 4
BAD_INSTRUMENT = 5
BAD_PRICE = 6
BAD_QTY = 7
BAD_STATUS = 8
TS_BACK_VENUE = 9  # earlier than the previous event of the same venue
TS_BACK_MERGE = 10  # earlier than the previous event of another venue
BAD_TS = 11
BAD_TS_LOCAL = 12

# state layout: [last ts, venue of the last event, last ts of venue 0, of venue 1, ...]
S_LAST_TS, S_LAST_VENUE, S_VENUE0 = 0, 1, 2

# kind -> what the kind needs (index 0 unused; kinds ADD=1 .. STATUS=8)
_PRICED = np.array([0, 1, 0, 0, 1, 1, 1, 0, 0], dtype=np.int8)
_SIZED = np.array([0, 1, 1, 0, 1, 1, 0, 0, 0], dtype=np.int8)  # qty > 0
_SIDED = np.array([0, 1, 1, 1, 1, 0, 1, 0, 0], dtype=np.int8)  # side must be +1 or -1


def new_state(n_venues: int) -> np.ndarray:
    """A fresh time state for a stream of events over n_venues venues."""
    state = np.full(S_VENUE0 + n_venues, np.iinfo(np.int64).min, dtype=np.int64)
    state[S_LAST_VENUE] = -1
    return state


@nb.njit(cache=True)
def check_chunk(ts, ts_local, venue, instrument, kind, side, price, qty, n_venues,
                n_instruments, state):
    """(row, code) of the first bad event of the chunk, or (-1, OK); state is advanced
    over the good rows (up to, not including, a bad one)."""
    priced = _PRICED
    sized = _SIZED
    sided = _SIDED
    for i in range(ts.shape[0]):
        k = np.int64(kind[i])
        if k < 1 or k > 8:
            return i, BAD_KIND
        s = np.int64(side[i])
        if s < -1 or s > 1:
            return i, BAD_SIDE
        if sided[k] != 0 and s == 0:
            return i, NO_SIDE
        v = np.int64(venue[i])
        if v >= n_venues:
            return i, BAD_VENUE
        if np.int64(instrument[i]) >= n_instruments:
            return i, BAD_INSTRUMENT
        if priced[k] != 0 and price[i] <= 0:
            return i, BAD_PRICE
        q = qty[i]
        if (sized[k] != 0 and q <= 0) or q < 0:
            return i, BAD_QTY
        if k == 8 and q > 1:
            return i, BAD_STATUS
        t = ts[i]
        if t < state[S_VENUE0 + v]:
            return i, TS_BACK_VENUE
        if t < state[S_LAST_TS]:
            return i, TS_BACK_MERGE
        if t < 0:
            return i, BAD_TS
        if ts_local[i] < 0:
            return i, BAD_TS_LOCAL
        state[S_VENUE0 + v] = t
        state[S_LAST_TS] = t
        state[S_LAST_VENUE] = v
    return -1, OK
