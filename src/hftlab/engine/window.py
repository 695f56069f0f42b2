"""The replay's window on the data: event columns read chunk by chunk on a thread, and the
chunk the compiled loop works on, with the events still on their way to the host carried
into the next one (engine/backtest.py drives both)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Iterator

import numpy as np

from hftlab.core.layout import ARRIVAL_DTYPE
from hftlab.data.market import MarketData
from hftlab.engine.state import Events, events

if TYPE_CHECKING:
    from hftlab.engine.backtest import Engine


def read_ahead(data: MarketData, chunk_size: int) -> Iterator[list[np.ndarray]]:
    """Event columns chunk by chunk; the next chunk is read on a thread while the compiled
    loop (which releases the GIL) works on the current one."""
    it = data.iter_columns(chunk_size)
    with ThreadPoolExecutor(max_workers=1) as pool:
        ahead = pool.submit(next, it, None)
        while True:
            chunk = ahead.result()
            if chunk is None:
                return
            ahead = pool.submit(next, it, None)
            yield chunk


class EventWindow:
    """The loop's current chunk of event columns with its per-event ladder updates; new
    events are appended after those the host has not seen yet (the others are dropped).
    On a recorded feed (by_arrival) it also keeps the engine's queues of events on their
    way to the host (EngineState.arrivals) as long as the chunk, their event indexes
    moved with it."""

    def __init__(self, cols: list[np.ndarray], e: "Engine", by_arrival: bool) -> None:
        self.cols = cols
        self.idx = np.zeros(len(cols[0]), np.int64)
        self.new = np.zeros(len(cols[0]), np.int64)
        self.e = e
        if by_arrival:
            e.state = e.state._replace(
                arrivals=np.zeros((len(e.venues), len(self.idx)), ARRIVAL_DTYPE))

    @property
    def events(self) -> Events:
        """The loop's Events over the chunk (no copies)."""
        return events(self.cols, self.idx, self.new)

    def extend(self, cur: np.ndarray, more: list[np.ndarray]) -> None:
        c = cur[0]
        ilo, iex, n = int(c["next_local"]), int(c["next_ex"]), int(c["n_events"])
        if ilo == n:  # every event has reached the host: nothing to carry
            self.cols = more
        else:
            self.cols = [np.concatenate([c[ilo:n], d]) for c, d in zip(self.cols, more)]
        m = len(self.cols[0])
        carried_idx, carried_new = self.idx[ilo:n].copy(), self.new[ilo:n].copy()
        if len(self.idx) < m:
            self.idx = np.zeros(max(m, 2 * len(self.idx)), np.int64)
            self.new = np.zeros(len(self.idx), np.int64)
        self.idx[: n - ilo] = carried_idx
        self.new[: n - ilo] = carried_new
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
