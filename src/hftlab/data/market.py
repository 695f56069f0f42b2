"""MarketData: canonical events plus the instrument and venue tables they refer to."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Sequence

import numpy as np

from hftlab.instruments import Instrument, Venue
from hftlab.schema import EVENT_DTYPE, EVENT_FIELDS, Kind

if TYPE_CHECKING:
    import pandas as pd


class DataError(ValueError):
    """Market data that breaks the canonical schema; the message names where and what."""


@dataclass
class MarketData:
    """Canonical market events with their instrument and venue tables.

    events: structured array of EVENT_DTYPE, sorted by ts.
    record: for each event, the number of the source record (line or message, 1-based
        where the source counts lines) it came from; several events may share a record.
    source: a short description of where the events came from.
    path: for data opened lazily from Parquet, the file or the directory of files (a
        data set); events is then None and the engine reads it in chunks, so replay
        memory stays bounded.
    check: validate the events (data/validate_nb.py: time order per venue and across
        venues, known kinds and sides, positive prices and sizes where the kind needs
        them): in-memory events when built and whenever they are iterated, lazy data as
        it streams. A bad event is a DataError naming the file or source, row, record
        and field. check=False (load(..., validate=False)) skips it.
    simulation: for a market made by hftlab.sim, the Setup (agents, world, seed) it was
        generated from: hftlab.backtest runs those agents again, live, so they react to
        the strategy's orders. Not saved, and not carried to a MarketData made from this
        one (dataclasses.replace, slices): changed events replay as they are.
    """

    events: np.ndarray | None
    instruments: list[Instrument]
    venues: list[Venue]
    record: np.ndarray | None = None
    source: str = ""
    path: Path | None = None
    stats: dict = field(default_factory=dict)
    check: bool = True
    simulation: Any = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.events is not None:
            if self.events.dtype != EVENT_DTYPE:
                raise DataError(f"events must have EVENT_DTYPE, got {self.events.dtype}")
            if self.record is None:
                self.record = np.arange(1, len(self.events) + 1, dtype=np.int64)
            if len(self.record) != len(self.events):
                raise DataError(f"record has {len(self.record)} rows for {len(self.events)} events")
        if not self.instruments:
            raise DataError("MarketData needs at least one instrument")
        if not self.venues:
            raise DataError("MarketData needs at least one venue")
        if self.events is not None and self.check:
            self.validate()

    def __len__(self) -> int:
        if self.events is not None:
            return len(self.events)
        return int(self.stats.get("n_events", 0))

    @property
    def n_books(self) -> int:
        return len(self.venues) * len(self.instruments)

    def book_index(self, venue: int, instrument: int) -> int:
        """Books are numbered venue-major: venue * n_instruments + instrument."""
        return venue * len(self.instruments) + instrument

    def validate(self) -> "MarketData":
        """Check the schema's rules on every event (streaming lazy data through); raise
        DataError naming the first bad row, its source record and field."""
        if self.events is not None:
            validate_events(self.events, len(self.venues), len(self.instruments), self.record,
                            self.source)
        else:
            for _ in self._columns(1 << 20, True):
                pass
        return self

    def _columns(self, chunk_size: int, check: bool, record: bool = True
                 ) -> Iterator[list[np.ndarray]]:
        """The event columns then the record column, chunk by chunk in time order; with
        record=False lazy data yields no record column and reads none (a bad row's is
        read for its message)."""
        if self.events is None:
            from dataclasses import replace

            from hftlab.data.store import stream_columns

            data = self if check == self.check else replace(self, check=check)
            yield from stream_columns(data, chunk_size, record)
            return
        validator = EventValidator(len(self.venues), len(self.instruments)) if check else None
        for start in range(0, len(self.events), chunk_size):
            part = self.events[start:start + chunk_size]
            cols = [np.ascontiguousarray(part[name]) for name in EVENT_FIELDS]
            rec = self.record[start:start + chunk_size]
            if validator is not None:  # in-memory events may have been changed in place
                validator.check(cols, rec, self.source, start)
            yield cols + [rec]

    def iter_chunks(self, chunk_size: int = 1 << 20) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield (events, record) in time order, chunk_size rows at most at a time."""
        if self.events is not None:
            for start in range(0, len(self.events), chunk_size):
                yield (self.events[start:start + chunk_size],
                       self.record[start:start + chunk_size])
            return
        for cols in self._columns(chunk_size, self.check):
            ev = np.empty(len(cols[0]), dtype=EVENT_DTYPE)
            for name, col in zip(EVENT_FIELDS, cols):
                ev[name] = col
            yield ev, cols[-1]

    def iter_columns(self, chunk_size: int = 1 << 18) -> Iterator[list[np.ndarray]]:
        """Yield the event columns (EVENT_FIELDS order, contiguous, schema dtypes) per chunk,
        validated as they go (unless check is False).

        This is what the engine replays: for lazy data the columns come straight from
        Parquet, so no row-structured copy is ever made.
        """
        for cols in self._columns(chunk_size, self.check, record=False):
            yield cols[:len(EVENT_FIELDS)]

    def price_bounds(self) -> np.ndarray:
        """(n_books, 2) array of min and max price in ticks per book; -1 where a book is empty."""
        if "price_bounds" in self.stats:
            return np.asarray(self.stats["price_bounds"], dtype=np.int64).reshape(-1, 2)
        out = np.full((self.n_books, 2), -1, dtype=np.int64)
        for ev, _ in self.iter_chunks():
            update_price_bounds(out, ev, len(self.instruments))
        return out

    def save(self, path: str | Path, row_group_size: int = 1 << 18,
             compression: str = "lz4") -> Path:
        """Write to one Parquet file with the instrument and venue tables in its metadata;
        compression: lz4 (default), zstd (smallest) or none (data/store.py says what each
        costs to read)."""
        from hftlab.data.store import save

        return save(self, path, row_group_size, compression)

    def load(self) -> "MarketData":
        """An in-memory copy (a no-op for data already in memory)."""
        if self.events is not None:
            return self
        n = len(self)  # the footer's count: filled in place, no second copy
        ev = np.empty(n, dtype=EVENT_DTYPE)
        rec = np.empty(n, dtype=np.int64)
        k = 0
        for cols in self._columns(1 << 20, self.check):  # validated as it streams
            m = len(cols[0])
            if k + m > n:
                raise DataError(f"{self.path}: holds more events than its metadata says ({n})")
            for name, col in zip(EVENT_FIELDS, cols):
                ev[name][k:k + m] = col
            rec[k:k + m] = cols[-1]
            k += m
        if k != n:
            raise DataError(f"{self.path}: holds {k} events, its metadata says {n}")
        data = MarketData(ev, self.instruments, self.venues, record=rec, source=self.source,
                          stats=dict(self.stats), check=False)
        data.check = self.check
        return data

    def local_clock_offsets(self) -> dict[str, int]:
        """Per venue with recorded ts_local: the smallest ts_local - ts in ns, the fastest
        message's feed latency as the capture recorded it. Negative: the capture host's
        clock ran behind the venue's by at least that much (a Binance capture's is ~1.27 s
        behind), so its ts_local cannot be read as arrival times as they stand."""
        lo = np.full(len(self.venues), np.iinfo(np.int64).max)
        for ev, _ in self.iter_chunks():
            rec = ev["ts_local"] != 0
            if rec.any():
                np.minimum.at(lo, ev["venue"][rec].astype(np.int64),
                              ev["ts_local"][rec] - ev["ts"][rec])
        return {v.name: int(x) for v, x in zip(self.venues, lo) if x != np.iinfo(np.int64).max}

    def correct_local_clock(self, base_ns: int = 0) -> "MarketData":
        """An in-memory copy whose recorded ts_local is shifted, per venue whose clock ran
        behind the venue's (local_clock_offsets < 0), by -offset + base_ns: that venue's
        fastest message then took base_ns (>= 0) and the order of its messages is kept.
        Other venues keep their times. The shifts (ns, by venue name) are in
        stats["local_clock_shift_ns"]."""
        if not (isinstance(base_ns, (int, np.integer)) and base_ns >= 0):
            raise DataError(f"base_ns must be an integer number of ns >= 0, got {base_ns!r}")
        data = self.load()
        names = [v.name for v in self.venues]
        shift = {k: int(base_ns) - x for k, x in self.local_clock_offsets().items() if x < 0}
        ev = data.events.copy()
        for name, d in shift.items():
            rows = (ev["venue"] == names.index(name)) & (ev["ts_local"] != 0)
            ev["ts_local"][rows] += d
        return MarketData(ev, self.instruments, self.venues, record=data.record,
                          source=self.source, stats={**self.stats, "local_clock_shift_ns": shift},
                          check=self.check)

    def to_frame(self) -> "pd.DataFrame":
        """Events as a DataFrame with currency price and size columns added."""
        import pandas as pd

        data = self.load()
        df = pd.DataFrame({name: data.events[name] for name in EVENT_FIELDS})
        df["record"] = data.record
        tick = np.array([i.tick_size for i in self.instruments])[df["instrument"].to_numpy()]
        lot = np.array([i.lot_size for i in self.instruments])[df["instrument"].to_numpy()]
        df["price_ccy"] = df["price"].to_numpy() * tick
        df["size"] = df["qty"].to_numpy() * lot
        df["kind_name"] = pd.Categorical.from_codes(
            df["kind"].to_numpy().astype(int) - 1, [k.name for k in Kind])
        return df


def update_price_bounds(out: np.ndarray, ev: np.ndarray, n_instruments: int) -> None:
    """Fold the priced events of ev into per-book [min, max] bounds (in place)."""
    priced = ev["price"] > 0
    if not priced.any():
        return
    book = ev["venue"][priced].astype(np.int64) * n_instruments + ev["instrument"][priced]
    price = ev["price"][priced]
    lo = np.full(len(out), np.iinfo(np.int64).max)
    hi = np.full(len(out), -1)
    if book.min() == book.max():  # one book: a plain min and max
        lo[book[0]], hi[book[0]] = price.min(), price.max()
    else:
        np.minimum.at(lo, book, price)
        np.maximum.at(hi, book, price)
    seen = hi >= 0
    out[seen, 0] = np.where(out[seen, 0] < 0, lo[seen], np.minimum(out[seen, 0], lo[seen]))
    out[seen, 1] = np.maximum(out[seen, 1], hi[seen])


def print_mask(ev: np.ndarray, record: np.ndarray) -> np.ndarray:
    """The events that are trades, one per execution: every EXECUTE (a resting order hit)
    and every TRADE print, except a print that repeats the EXECUTE just before it from the
    same source record (a source that reports a fill twice, as hftlab's simulated
    sessions saved before 2026-11-26 do; LOBSTER's hidden executions are TRADE records
    of their own and stay).

    ev and record: the events of one book, in their order, and their record numbers.
    """
    kind = ev["kind"]
    is_ex = kind == Kind.EXECUTE
    repeat = np.zeros(len(ev), bool)
    if len(ev) > 1:
        repeat[1:] = is_ex[:-1] & (record[1:] == record[:-1]) & (ev["ts"][1:] == ev["ts"][:-1])
    return is_ex | ((kind == Kind.TRADE) & ~repeat)


class EventValidator:
    """Checks a stream of event chunks in order with the compiled pass of
    data/validate_nb.py, the time order carried from chunk to chunk; the first bad event
    is a DataError naming the file (or source), the row, the source record and the field.
    """

    def __init__(self, n_venues: int, n_instruments: int) -> None:
        from hftlab.data import validate_nb

        self.nb = validate_nb
        self.n_venues, self.n_instruments = n_venues, n_instruments
        self.state = validate_nb.new_state(n_venues)
        self.last_where = ""

    def check(self, cols: list[np.ndarray], record: np.ndarray | Sequence[int] | None = None,
              where: str = "", first_row: int = 0) -> None:
        """cols: the event columns in EVENT_FIELDS order (rows first_row, first_row + 1, ...
        of `where`); record: their source records (indexed by row of the chunk, read only
        for a bad row's message), or None. Raises DataError for the first bad event."""
        c = [np.asarray(col, dtype=EVENT_DTYPE[name])  # strided columns are read in place
             for name, col in zip(EVENT_FIELDS, cols)]
        prev_ts = int(self.state[self.nb.S_LAST_TS])
        prev_venue = int(self.state[self.nb.S_LAST_VENUE])
        row, code = self.nb.check_chunk(c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
                                        self.n_venues, self.n_instruments, self.state)
        if row >= 0:
            raise DataError(self._message(c, int(row), int(code), record, where, first_row,
                                          prev_ts, prev_venue))
        if len(c[0]):
            self.last_where = where

    def _message(self, c: list[np.ndarray], i: int, code: int,
                 record: np.ndarray | Sequence[int] | None,
                 where: str, first_row: int, prev_ts: int, prev_venue: int) -> str:
        nb = self.nb
        v = dict(zip(EVENT_FIELDS, (int(x[i]) for x in c)))
        kind = Kind(v["kind"]).name if Kind.ADD <= v["kind"] <= Kind.STATUS else str(v["kind"])
        if i > 0:  # the previous event is in this chunk
            prev_ts, prev_venue = int(c[0][i - 1]), int(c[2][i - 1])
        venue_ts = (int(self.state[nb.S_VENUE0 + v["venue"]]) if v["venue"] < self.n_venues
                    else 0)
        what = {
            nb.BAD_KIND: f"kind {v['kind']} is not a known kind (1..8: "
                         f"{', '.join(k.name for k in Kind)})",
            nb.BAD_SIDE: f"side {v['side']} is not +1 (bid/buy), -1 (ask/sell) or 0",
            nb.NO_SIDE: f"side 0 on a {kind} (a book event needs +1 bid or -1 ask)",
            nb.BAD_VENUE: f"venue {v['venue']} is not defined (the data has "
                          f"{self.n_venues} venue(s))",
            nb.BAD_INSTRUMENT: f"instrument {v['instrument']} is not defined (the data has "
                               f"{self.n_instruments} instrument(s))",
            nb.BAD_PRICE: f"price {v['price']} ticks on a {kind} (must be > 0)",
            nb.BAD_QTY: f"qty {v['qty']} lots on a {kind} (must be "
                        f"{'> 0' if kind in ('ADD', 'CANCEL', 'EXECUTE', 'TRADE') else '>= 0'})",
            nb.BAD_STATUS: f"qty {v['qty']} on a STATUS (1 = trading, 0 = halted)",
            nb.BAD_TS: f"ts {v['ts']} is negative (ns since the Unix epoch)",
            nb.BAD_TS_LOCAL: f"ts_local {v['ts_local']} is negative (0 = not recorded)",
            nb.TS_BACK_VENUE: f"ts {v['ts']} is earlier than the previous event's of venue "
                              f"{v['venue']} ({venue_ts}): events must be in time order",
            nb.TS_BACK_MERGE: f"ts {v['ts']} (venue {v['venue']}) is earlier than the previous "
                              f"event's ({prev_ts}, venue {prev_venue}): the engine replays "
                              "all venues on one exchange clock, so merge them by ts",
        }[code]
        rec = f" (source record {int(record[i])})" if record is not None else ""
        return f"{where + ': ' if where else ''}row {first_row + i}{rec}: {what}"


def validate_events(ev: np.ndarray, n_venues: int, n_instruments: int,
                    record: np.ndarray | None = None, source: str = "",
                    chunk_size: int = 1 << 20) -> None:
    """Raise DataError for the first event of ev that breaks the schema, naming its row,
    source record and field (see data/validate_nb.py for the rules)."""
    check = EventValidator(n_venues, n_instruments)
    for start in range(0, len(ev), chunk_size):
        part = ev[start:start + chunk_size]
        check.check([part[name] for name in EVENT_FIELDS],
                    None if record is None else record[start:start + chunk_size], source, start)
