"""The replay's window on the data: event columns read chunk by chunk on a thread, and the
chunk the compiled loop works on, with the events still on their way to the host carried
into the next one (engine/backtest.py drives both).

Each chunk after the first (into which nothing is carried) is copied by the reading
thread into one of three reused buffers that keep
ROOM free rows in front of it, so the events carried into the next chunk (those received
after the exchange has seen the chunk's last event: about a feed latency's worth) are
written into those rows instead of the whole next chunk being copied after them on the
loop's thread, which bounds the replay (5-6 MB a chunk of 131,072 events, fresh memory
each time: 10-12 ms of the loop thread's 68 per million events of l10 replaying only, now
1 ms). The reading thread pays for the copy instead (about 14 ms of CPU per million
events, beside the loop). Three buffers because one is the loop's chunk, one the chunk
read ahead and one the chunk being read while the first is carried from. A carry longer
than ROOM is joined to the chunk by a copy, as before. A run that never carries events
(no feed latency, and no strategy that wakes on market events, whose events are not
delivered in batches) reads its chunks without the copy (room 0).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Iterator

import numpy as np

from hftlab.core.layout import ARRIVAL_DTYPE
from hftlab.data.market import MarketData
from hftlab.engine.state import Events, events

if TYPE_CHECKING:
    from hftlab.engine.backtest import Engine

ROOM = 1 << 12  # rows kept free in front of each chunk for the events carried into it
BUFFERS = 3  # the loop's chunk, the one read ahead, the one being read


class _Buffers:
    """BUFFERS sets of column buffers, each ROOM rows then room for a chunk, taken in
    turn; a set grows when a chunk is longer than it holds."""

    def __init__(self) -> None:
        self.sets: list[list[np.ndarray]] = []
        self.turn = 0

    def put(self, cols: list[np.ndarray]) -> list[np.ndarray]:
        """The chunk's columns copied into the next set behind its ROOM rows; returns the
        set's columns (ROOM + the chunk's rows each)."""
        m = len(cols[0])
        k = self.turn % BUFFERS
        self.turn += 1
        if k == len(self.sets):
            self.sets.append([])
        bufs = self.sets[k]
        if not bufs or len(bufs[0]) < ROOM + m:
            bufs[:] = [np.empty(ROOM + m, c.dtype) for c in cols]
        out = []
        for b, c in zip(bufs, cols):
            b[ROOM:ROOM + m] = c
            out.append(b[:ROOM + m])
        return out


def read_ahead(data: MarketData, chunk_size: int, room: int) -> Iterator[list[np.ndarray]]:
    """Event columns chunk by chunk, each after the first room (ROOM or 0) rows then the
    chunk's (module doc; the first chunk, into which nothing is carried, as read); the
    next chunk is read (and copied) on a thread while the compiled loop (which releases
    the GIL) works on the current one."""
    it = data.iter_columns(chunk_size)
    bufs = _Buffers()

    def read(first: bool = False) -> list[np.ndarray] | None:
        cols = next(it, None)  # nothing is carried into the first chunk: not copied
        return cols if cols is None or room == 0 or first else bufs.put(cols)

    with ThreadPoolExecutor(max_workers=1) as pool:
        ahead = pool.submit(read, True)
        while True:
            chunk = ahead.result()
            if chunk is None:
                return
            ahead = pool.submit(read)
            yield chunk


class EventWindow:
    """The loop's current chunk of event columns with its per-event ladder updates; new
    events are appended after those the host has not seen yet (the others are dropped).
    On a recorded feed (by_arrival) it also keeps the engine's queues of events on their
    way to the host (EngineState.arrivals) as long as the chunk, their event indexes
    moved with it. Chunks come from read_ahead with the same room (free rows, then the
    events; the first chunk without them)."""

    def __init__(self, first: list[np.ndarray], e: "Engine", by_arrival: bool,
                 room: int) -> None:
        self.room = room
        self.cols = list(first)
        # as long as a later chunk with its carried rows, so that it fits without growing
        self.idx = np.zeros(len(self.cols[0]) + room, np.int64)
        self.new = np.zeros(len(self.idx), np.int64)
        self.e = e
        if by_arrival:
            e.state = e.state._replace(
                arrivals=np.zeros((len(e.venues), len(self.idx)), ARRIVAL_DTYPE))

    @property
    def events(self) -> Events:
        """The loop's Events over the chunk (no copies)."""
        return events(self.cols, self.idx, self.new)

    def extend(self, cur: np.ndarray, more: list[np.ndarray]) -> None:
        """Make the chunk the events from cur's next_local on, then those of more (a
        chunk of read_ahead), and move the cursors and queues with them."""
        c = cur[0]
        ilo, iex, n = int(c["next_local"]), int(c["next_ex"]), int(c["n_events"])
        k, r = n - ilo, self.room  # events carried: still on their way to the host
        if k <= r:  # into the free rows in front of the new chunk
            for old, new in zip(self.cols, more):
                new[r - k:r] = old[ilo:n]
            self.cols = [new[r - k:] for new in more]
        else:
            self.cols = [np.concatenate([old[ilo:n], new[r:]])
                         for old, new in zip(self.cols, more)]
        m = len(self.cols[0])
        carried_idx, carried_new = self.idx[ilo:n].copy(), self.new[ilo:n].copy()
        if len(self.idx) < m:
            self.idx = np.zeros(max(m, 2 * len(self.idx)), np.int64)
            self.new = np.zeros(len(self.idx), np.int64)
        self.idx[:k] = carried_idx
        self.new[:k] = carried_new
        c["next_ex"], c["next_local"], c["n_events"] = iex - ilo, 0, m
        arr, ends = self.e.state.arrivals, self.e.state.arrival_ends
        if arr.shape[1] > 0:  # queued events to the front, indexes into the new chunk
            if arr.shape[1] < len(self.idx):
                arr = np.zeros((arr.shape[0], len(self.idx)), ARRIVAL_DTYPE)
            for v, (head, tail, _) in enumerate(ends.tolist()):
                live = self.e.state.arrivals[v, head:tail].copy()
                live["event"] -= ilo
                arr[v, : tail - head] = live
                ends[v]["head"], ends[v]["tail"] = 0, tail - head
            self.e.state = self.e.state._replace(arrivals=arr)
