"""MarketData: canonical events plus the instrument and venue tables they refer to."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

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
    path: for data opened lazily from Parquet, the file; events is then None and the
        engine reads it in chunks, so replay memory stays bounded.
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
        """Check the schema's rules on every event; raise DataError naming the first bad row."""
        if self.events is not None:
            validate_events(self.events, len(self.venues), len(self.instruments), self.record,
                            self.source)
        return self

    def iter_chunks(self, chunk_size: int = 1 << 20) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Yield (events, record) in time order, chunk_size rows at most at a time."""
        if self.events is not None:
            for start in range(0, len(self.events), chunk_size):
                yield (self.events[start:start + chunk_size],
                       self.record[start:start + chunk_size])
            return
        from hftlab.data.store import iter_parquet_chunks

        yield from iter_parquet_chunks(self.path, chunk_size)

    def iter_columns(self, chunk_size: int = 1 << 18) -> Iterator[list[np.ndarray]]:
        """Yield the event columns (EVENT_FIELDS order, contiguous, schema dtypes) per chunk.

        This is what the engine replays: for lazy data the columns come straight from
        Parquet, so no row-structured copy is ever made.
        """
        if self.events is None:
            from hftlab.data.store import iter_parquet_columns

            yield from iter_parquet_columns(self.path, chunk_size)
            return
        for start in range(0, len(self.events), chunk_size):
            part = self.events[start:start + chunk_size]
            yield [np.ascontiguousarray(part[name]) for name in EVENT_FIELDS]

    def price_bounds(self) -> np.ndarray:
        """(n_books, 2) array of min and max price in ticks per book; -1 where a book is empty."""
        if "price_bounds" in self.stats:
            return np.asarray(self.stats["price_bounds"], dtype=np.int64).reshape(-1, 2)
        out = np.full((self.n_books, 2), -1, dtype=np.int64)
        for ev, _ in self.iter_chunks():
            update_price_bounds(out, ev, len(self.instruments))
        return out

    def save(self, path: str | Path, row_group_size: int = 1 << 18) -> Path:
        """Write to one Parquet file with the instrument and venue tables in its metadata."""
        from hftlab.data.store import save

        return save(self, path, row_group_size)

    def load(self) -> "MarketData":
        """An in-memory copy (a no-op for data already in memory)."""
        if self.events is not None:
            return self
        from hftlab.data.store import load

        return load(self.path, lazy=False)

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


_PRICED = np.array([False, True, False, False, True, True, True, False, False])  # by kind


def validate_events(ev: np.ndarray, n_venues: int, n_instruments: int,
                    record: np.ndarray | None = None, source: str = "") -> None:
    """Raise DataError for the first event that breaks the schema, naming its row and record."""

    def fail(mask: np.ndarray, what: str) -> None:
        i = int(np.flatnonzero(mask)[0])
        rec = f", source record {int(record[i])}" if record is not None else ""
        where = f"{source}: " if source else ""
        raise DataError(f"{where}event row {i}{rec}: {what} ({ev[i]})")

    kind = ev["kind"]
    bad = (kind < Kind.ADD) | (kind > Kind.STATUS)
    if bad.any():
        fail(bad, "unknown kind")
    if len(ev) > 1:
        back = np.diff(ev["ts"]) < 0
        if back.any():
            i = int(np.flatnonzero(back)[0]) + 1
            fail(np.arange(len(ev)) == i, "timestamp earlier than the previous event's "
                 "(events must be in time order)")
    if (ev["venue"] >= n_venues).any():
        fail(ev["venue"] >= n_venues, f"unknown venue (only {n_venues} defined)")
    if (ev["instrument"] >= n_instruments).any():
        fail(ev["instrument"] >= n_instruments,
             f"unknown instrument (only {n_instruments} defined)")
    priced = _PRICED[kind]
    if (priced & (ev["price"] <= 0)).any():
        fail(priced & (ev["price"] <= 0), "non-positive price")
    sized = (kind == Kind.ADD) | (kind == Kind.CANCEL) | (kind == Kind.EXECUTE) | (kind == Kind.TRADE)
    if (sized & (ev["qty"] <= 0)).any():
        fail(sized & (ev["qty"] <= 0), "non-positive size")
    if ((kind == Kind.LEVEL) & (ev["qty"] < 0)).any():
        fail((kind == Kind.LEVEL) & (ev["qty"] < 0), "negative level size")
    sided = (kind != Kind.CLEAR) & (kind != Kind.STATUS) & (kind != Kind.TRADE)
    if (sided & (ev["side"] == 0)).any():
        fail(sided & (ev["side"] == 0), "book event without a side (+1 bid, -1 ask)")
