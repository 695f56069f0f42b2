"""Parquet storage of MarketData: one file, or a directory of files read as one data set.

A file holds events as columns (EVENT_FIELDS plus the source record) and the
instrument and venue tables in its footer metadata. A directory is what
``hftlab data convert`` writes (date=YYYY-MM-DD/instrument=SYMBOL/<input>.parquet, any
layout works): its files are read as one MarketData, instruments and venues joined by
name, events merged by exchange time; a file that continues an earlier one of the same
input and instrument (a capture crossing midnight) starts with the book levels carried
over (stats["carried_levels"]), which the data set skips, so the directory replays
exactly as the capture did. Every problem is a DataError naming the file and what is
wrong; events are validated as they load (data/validate_nb.py), lazily as they stream.

The layout save writes is chosen for the replay, whose reader thread is bound by this
read (benchmarks/parquet_read.py, 1 M events of l5 / l10, thread CPU per event):
columns are REQUIRED, so no definition levels or null bitmaps are decoded (about 18 ns
of the old decode's 59); ts, ts_local, kind and record are delta-coded (times rise by
small steps; kind decoded as a dictionary cost 8 ns, as deltas 3); the other columns
are dictionary-coded, which pyarrow turns to plain pages where a column has too many
distinct values; pages are lz4-compressed by default. MB per million events and decode
of the event columns: lz4 3.9-4.0 MB, 20 ns; zstd 3.7-3.8 MB, 27 ns; none 4.1 MB,
19-20 ns (real captures, where dictionaries give way to plain pages, differ more:
Binance USD-M 4.7 / 4.0 / 8.6 MB); the layout written until 2026-12-07 (zstd,
dictionary, optional columns), which still loads as it is: 7.4-7.5 MB, 59 ns; plain
uncompressed pages, as hftbacktest's npz: 61 MB, 27-30 ns (no faster: the decode then
copies 8 bytes an event per column into fresh pages). The
replay reads only the event columns; record, the source record of each row, is read
only for the message of a bad row (it cost 21 ns in the old layout, 1.4 in this). The
reader thread's whole work (decode, numpy views, validation): 28 ns an event with lz4,
was 90 with the old code and file (67 for an old file now).
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from hftlab.data.market import DataError, EventValidator, MarketData, update_price_bounds
from hftlab.instruments import (FeeSchedule, Instrument, Latency, LatencyProfile, Venue,
                                 check)
from hftlab.schema import EVENT_DTYPE, EVENT_FIELDS

META_KEY = b"hftlab"
FORMAT_VERSION = 1
COLUMNS = (*EVENT_FIELDS, "record")
CODECS = ("lz4", "zstd", "none", "snappy", "gzip", "brotli")
_DELTA = ("ts", "ts_local", "kind", "record")  # DELTA_BINARY_PACKED; the rest dictionary
READERS = ("read_lobster", "read_itch", "read_dbn", "read_binance", "read_hyperliquid",
           "read_tardis")


def venue_from_dict(d: dict) -> Venue:
    lat = d.get("latency", {})
    return Venue(
        name=d["name"],
        fees=FeeSchedule(**d.get("fees", {})),
        latency=LatencyProfile(
            feed=Latency(**lat.get("feed", {})),
            entry=Latency(**lat.get("entry", {})),
            response=Latency(**lat.get("response", {})),
            recorded_feed=lat.get("recorded_feed", False),
        ),
    )


def _table(events: np.ndarray, record: np.ndarray, schema: pa.Schema) -> pa.Table:
    cols = [pa.array(events[name]) for name in EVENT_FIELDS]
    cols.append(pa.array(record.astype(np.int64)))
    return pa.Table.from_arrays(cols, schema=schema)


def save(data: MarketData, path: str | Path, row_group_size: int = 1 << 18,
         compression: str = "lz4") -> Path:
    """Write data to one Parquet file, chunk by chunk, tables in the footer metadata, in
    the layout of the module doc; compression: one of CODECS (lz4: fast and small; zstd:
    smallest, ~7 ns an event slower to read; none: a little faster, larger on real data)."""
    check(compression in CODECS, "compression", f"one of {', '.join(CODECS)}", compression)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    bounds = np.full((data.n_books, 2), -1, dtype=np.int64)
    n, ts0, ts1 = 0, 0, 0
    for ev, _ in data.iter_chunks(row_group_size):  # first pass: the stats for the footer
        if len(ev):
            update_price_bounds(bounds, ev, len(data.instruments))
            ts0 = int(ev["ts"][0]) if n == 0 else ts0
            ts1 = int(ev["ts"][-1])
            n += len(ev)
    meta = {
        "version": FORMAT_VERSION,
        "instruments": [asdict(i) for i in data.instruments],
        "venues": [asdict(v) for v in data.venues],
        "source": data.source,
        "stats": {"n_events": n, "ts_first": ts0, "ts_last": ts1,
                  "price_bounds": bounds.ravel().tolist(),
                  "carried_levels": int(data.stats.get("carried_levels", 0))},
    }
    types = [pa.from_numpy_dtype(EVENT_DTYPE[name]) for name in EVENT_FIELDS] + [pa.int64()]
    schema = pa.schema([pa.field(name, t, nullable=False) for name, t in zip(COLUMNS, types)],
                       metadata={META_KEY: json.dumps(meta).encode()})
    with pq.ParquetWriter(path, schema, compression=compression,
                          use_dictionary=[c for c in COLUMNS if c not in _DELTA],
                          column_encoding={c: "DELTA_BINARY_PACKED" for c in _DELTA}) as writer:
        for ev, rec in data.iter_chunks(row_group_size):
            writer.write_table(_table(ev, rec, schema), row_group_size=row_group_size)
    return path


class _File:
    """One hftlab Parquet file: its metadata read and checked, its columns typed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            with open(path, "rb") as fh:
                magic = fh.read(4)
        except OSError as exc:
            raise DataError(f"{path}: cannot be read ({exc.strerror})") from None
        if magic != b"PAR1":
            raise DataError(f"{path}: not a readable Parquet file: it does not start with "
                            f"PAR1 (raw market data is read by hftlab.data.{', '.join(READERS)}"
                            ", or converted with `hftlab data convert FORMAT INPUT --out DIR`)")
        try:
            # read column by column, without pre-buffering whole row groups: the replay
            # reads ahead on a thread of its own, and this keeps memory low
            with _system_allocator():
                self.pf = pq.ParquetFile(path, buffer_size=1 << 20, pre_buffer=False)
            schema = self.pf.schema_arrow
        except (OSError, pa.ArrowException) as exc:
            raise DataError(f"{path}: not a readable Parquet file ({exc})") from None
        md = schema.metadata or {}
        if META_KEY not in md:
            raise DataError(f"{path}: Parquet file has no hftlab metadata (write it with "
                            "MarketData.save or hftlab.data.from_frame(...).save)")
        try:
            meta = json.loads(md[META_KEY])
        except ValueError as exc:
            raise DataError(f"{path}: hftlab metadata is not valid JSON ({exc})") from None
        if meta.get("version") != FORMAT_VERSION:
            raise DataError(f"{path}: hftlab format version {meta.get('version')} is not "
                            f"supported (expected {FORMAT_VERSION})")
        try:
            self.instruments = [Instrument(**d) for d in meta["instruments"]]
            self.venues = [venue_from_dict(d) for d in meta["venues"]]
        except (KeyError, TypeError, ValueError) as exc:
            raise DataError(f"{path}: hftlab metadata has a bad instrument or venue table "
                            f"({exc!r})") from None
        if not self.instruments or not self.venues:
            raise DataError(f"{path}: hftlab metadata has no instruments or no venues")
        missing = [c for c in COLUMNS if c not in schema.names]
        if missing:
            raise DataError(f"{path}: missing column(s) {missing}; an hftlab events file "
                            f"has {list(COLUMNS)}")
        for name in COLUMNS:
            t = schema.field(name).type
            if not pa.types.is_integer(t):
                raise DataError(f"{path}: column {name!r} has type {t}; hftlab events hold "
                                "integers (prices in ticks, sizes in lots, ns timestamps)")
        self.source = meta.get("source", "")
        self.stats = meta.get("stats", {})
        self.n_rows = self.pf.metadata.num_rows
        if self.n_rows == 0:
            raise DataError(f"{path}: holds no events (0 rows)")
        if schema.field("record").nullable:
            self._check_records()

    def _check_records(self) -> None:
        """A file written before 2026-12-07 may leave a row's source record empty; the
        replay does not read that column, so the row groups' null counts are checked here
        (a group without statistics is read) and a missing value named by its row."""
        md, start = self.pf.metadata, 0
        i = md.schema.names.index("record")
        for g in range(md.num_row_groups):
            st = md.row_group(g).column(i).statistics
            if st is None or not st.has_null_count or st.null_count:
                col = self.pf.read_row_group(g, columns=["record"]).column(0)
                _numpy(col.combine_chunks(), "record", self.path, start)
            start += md.row_group(g).num_rows

    def record_at(self, row: int) -> int:
        """The source record of one row (read from its row group alone)."""
        md, start = self.pf.metadata, 0
        for g in range(md.num_row_groups):
            n = md.row_group(g).num_rows
            if row < start + n:
                col = self.pf.read_row_group(g, columns=["record"]).column(0)
                return int(_numpy(col.combine_chunks(), "record", self.path, start)[row - start])
            start += n
        raise IndexError(f"{self.path}: no row {row} (the file has {start})")

    def batches(self, chunk_size: int, columns: tuple[str, ...] = COLUMNS
                ) -> Iterator[tuple[int, list[np.ndarray]]]:
        """(first row, columns as numpy in the schema's dtypes) per batch; a damaged page
        is a DataError naming the file and the rows."""
        row = 0
        it = self.pf.iter_batches(batch_size=chunk_size, columns=list(columns),
                                  use_threads=False)
        while True:
            try:
                with _system_allocator():
                    batch = next(it, None)
            except (OSError, pa.ArrowException) as exc:
                raise DataError(f"{self.path}: not a readable Parquet file: corrupt data "
                                f"after row {row} of {self.n_rows} ({exc})") from None
            if batch is None:
                return
            yield row, [_numpy(batch.column(name), name, self.path, row) for name in columns]
            row += batch.num_rows


@contextmanager
def _system_allocator() -> Iterator[None]:
    """Arrow allocates with the C library's malloc while in the block: a reader made in it
    keeps that pool. A replay's chunks are decoded on its reading thread and freed on the
    loop's; with Arrow's default mimalloc pool, half of all fresh processes ran a 1 M-event
    replay at 1.5-1.8 times the CPU of the other half (l5: 0.14-0.16 against 0.08-0.10 s),
    and peaked 20-26 MB higher; with malloc each run took 0.09-0.11 s (2026-12-08,
    engine_throughput.py children). hftlab also makes malloc Arrow's default when it is
    imported before pyarrow (hftlab/__init__.py), which spares mimalloc's own 20 MB; this
    block covers a process that imported pyarrow first. The pool before is set back."""
    before = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(before)


def _numpy(arr: pa.Array, name: str, path: Path, row: int) -> np.ndarray:
    """An integer Arrow column as numpy in the schema's dtype; nulls and values that do
    not fit are DataErrors naming the file and the row."""
    dtype = EVENT_DTYPE[name] if name != "record" else np.dtype(np.int64)
    if arr.null_count:
        i = next(k for k, v in enumerate(arr.is_valid()) if not v.as_py())
        raise DataError(f"{path}: row {row + i}: column {name!r} is missing a value")
    # a view of the buffer: none of the pandas machinery that Array.to_numpy loads
    data = np.frombuffer(arr.buffers()[1], dtype=arr.type.to_pandas_dtype(), count=len(arr),
                         offset=arr.offset * arr.type.bit_width // 8)
    if data.dtype != dtype:
        out = data.astype(dtype)
        lost = out != data
        if lost.any():
            i = int(np.flatnonzero(lost)[0])
            raise DataError(f"{path}: row {row + i}: column {name!r} value {data[i]} does not "
                            f"fit {dtype}")
        return out
    return np.ascontiguousarray(data)


def _files(path: Path) -> list[Path]:
    files = sorted(p for p in path.rglob("*.parquet") if p.is_file())
    if not files:
        raise DataError(f"{path}: no Parquet files in this directory (convert raw data with "
                        "`hftlab data convert FORMAT INPUT --out DIR`)")
    return files


def _join(files: list[_File]) -> tuple[list[Instrument], list[Venue], list[dict]]:
    """The data set's instrument and venue tables (joined by name) and each file's plan:
    its index maps into them and the carried-over rows it skips."""
    instruments: dict[str, tuple[Instrument, Path]] = {}
    venues: dict[str, Venue] = {}
    for f in files:
        for inst in f.instruments:
            seen = instruments.setdefault(inst.symbol, (inst, f.path))
            if seen[0] != inst:
                raise DataError(f"{f.path}: instrument {inst.symbol} is {inst}, but "
                                f"{seen[1]} has {seen[0]}")
        for v in f.venues:
            venues.setdefault(v.name, v)
    inames, vnames = list(instruments), list(venues)
    plans, seen_books, seen_runs = [], {}, {}
    by_time = sorted(files, key=lambda f: (f.stats.get("ts_first", 0), str(f.path)))
    for f in by_time:
        symbols = tuple(i.symbol for i in f.instruments)
        books = (symbols, tuple(v.name for v in f.venues))
        other = seen_books.get(books)
        if other is not None and other.stats.get("ts_last", 0) > f.stats.get("ts_first", 0):
            raise DataError(f"{f.path} and {other.path} hold the same instruments "
                            f"{list(symbols)} on the same venues over overlapping times; a "
                            "data set must not hold one market twice")
        seen_books[books] = f
        run = (f.path.name, books)  # the same input, converted: a continuation
        last = seen_runs.get(run)
        skip = int(f.stats.get("carried_levels", 0)) if last is not None else 0
        seen_runs[run] = f
        plans.append({"file": f, "skip": skip,
                      "instrument": np.array([inames.index(s) for s in symbols], np.uint32),
                      "venue": np.array([vnames.index(v.name) for v in f.venues], np.uint16)})
    return [instruments[s][0] for s in inames], [venues[v] for v in vnames], plans


def _dataset(path: Path, lazy: bool, validate: bool) -> MarketData:
    instruments, venues, plans = _join([_File(p) for p in _files(path)])
    n_inst = len(instruments)
    bounds = np.full((len(venues) * n_inst, 2), -1, dtype=np.int64)
    for p in plans:
        b = np.asarray(p["file"].stats.get("price_bounds", []), np.int64).reshape(-1, 2)
        k = len(p["file"].instruments)
        for local, (lo, hi) in enumerate(b):
            if hi < 0:
                continue
            g = int(p["venue"][local // k]) * n_inst + int(p["instrument"][local % k])
            bounds[g, 0] = lo if bounds[g, 0] < 0 else min(bounds[g, 0], lo)
            bounds[g, 1] = max(bounds[g, 1], hi)
    stats = {"n_events": sum(p["file"].n_rows - p["skip"] for p in plans),
             "ts_first": min(p["file"].stats.get("ts_first", 0) for p in plans),
             "ts_last": max(p["file"].stats.get("ts_last", 0) for p in plans),
             "price_bounds": bounds.ravel().tolist(), "files": len(plans),
             "carried_levels_skipped": sum(p["skip"] for p in plans)}
    sources = sorted({p["file"].source for p in plans if p["file"].source})
    data = MarketData(None, instruments, venues, source=f"dataset {path}: " + ", ".join(sources),
                      path=path, stats=stats, check=validate)
    return data if lazy else data.load()


def load(path: str | Path, lazy: bool = False, validate: bool = True) -> MarketData:
    """Read MarketData from a Parquet file written by save, or from a directory of them
    (what ``hftlab data convert`` writes) as one data set.

    lazy=True reads only the metadata; the engine then replays the file(s) in chunks so
    memory stays bounded whatever the size. validate=True (the default) checks every
    event as it loads or streams (data/validate_nb.py); validate=False skips that.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file or directory")
    if path.is_dir():
        return _dataset(path, lazy, validate)
    f = _File(path)
    data = MarketData(None, f.instruments, f.venues, source=f.source, path=path,
                      stats={**f.stats, "n_events": f.n_rows}, check=validate)
    return data if lazy else data.load()


class _Records:
    """The record column of a file's rows from first_row on, as the validator's message
    asks for one: read then, not on the replay's path."""

    def __init__(self, f: _File, first_row: int) -> None:
        self.f, self.first_row = f, first_row

    def __getitem__(self, i: int) -> int:
        return self.f.record_at(self.first_row + int(i))


def _file_stream(plan: dict, chunk_size: int, validate: bool, record: bool
                 ) -> Iterator[list[np.ndarray]]:
    """One file's columns (EVENT_FIELDS order, then record if asked) mapped into the data
    set's tables, its carried-over rows skipped, each batch validated (naming the file,
    row and source record)."""
    f = plan["file"]
    validator = EventValidator(len(f.venues), len(f.instruments)) if validate else None
    skip = plan["skip"]
    # a file whose tables are the data set's (one file, usually) keeps its ids: mapping
    # them would copy two columns per batch on the reader thread (10.6 ns an event); an
    # unvalidated id out of its table is still refused here rather than in the engine
    same = all(np.array_equal(m, np.arange(len(m))) for m in (plan["venue"], plan["instrument"]))
    for row, cols in f.batches(chunk_size, COLUMNS if record else EVENT_FIELDS):
        if validator is not None:
            validator.check(cols[:len(EVENT_FIELDS)], cols[-1] if record else _Records(f, row),
                            str(f.path), row)
        else:
            for k, name in ((2, "venue"), (3, "instrument")):
                if len(cols[k]) and int(cols[k].max()) >= len(plan[name]):
                    i = int(np.argmax(cols[k] >= len(plan[name])))
                    raise DataError(f"{f.path}: row {row + i}: {name} {int(cols[k][i])} is not "
                                    f"defined (the file has {len(plan[name])} {name}(s))")
        if row + len(cols[0]) <= skip:
            continue
        if row < skip:
            cols = [c[skip - row:] for c in cols]
        if not same:
            cols[2] = plan["venue"][cols[2]]
            cols[3] = plan["instrument"][cols[3]]
        yield cols


def _merge(streams: list[Iterator[list[np.ndarray]]], chunk_size: int
           ) -> Iterator[list[np.ndarray]]:
    """Merge streams each in ts order into one in ts order (stable: a stream's own order
    is kept; ties between streams go to the earlier stream)."""
    bufs: list[list[np.ndarray] | None] = [None] * len(streams)
    live = list(range(len(streams)))
    while live:
        for k in list(live):  # every live stream holds rows
            while bufs[k] is None or len(bufs[k][0]) == 0:
                nxt = next(streams[k], None)
                if nxt is None:
                    live.remove(k)
                    bufs[k] = None
                    break
                bufs[k] = nxt if bufs[k] is None else [np.concatenate([a, b])
                                                        for a, b in zip(bufs[k], nxt)]
        if not live and not any(b is not None for b in bufs):
            return
        # rows up to the smallest last-buffered ts of a live stream are final
        bound = min((int(bufs[k][0][-1]) for k in live), default=np.iinfo(np.int64).max)
        parts = []
        for k, b in enumerate(bufs):
            if b is None:
                continue
            n = int(np.searchsorted(b[0], bound, side="right"))
            if n:
                parts.append([c[:n] for c in b])
                bufs[k] = [c[n:] for c in b]
        if not parts:
            continue
        cols = [np.concatenate(cs) for cs in zip(*parts)]
        order = np.argsort(cols[0], kind="stable") if len(parts) > 1 else None
        if order is not None:
            cols = [c[order] for c in cols]
        for start in range(0, len(cols[0]), chunk_size):
            yield [c[start:start + chunk_size] for c in cols]


def _groups(plans: list[dict]) -> list[list[dict]]:
    """Plans (sorted by first ts) in runs whose time spans overlap: each run is merged,
    the runs follow one another, so only the files of one run are open at a time."""
    out: list[list[dict]] = []
    end = None
    for p in plans:
        st = p["file"].stats
        if end is None or st.get("ts_first", 0) > end:
            out.append([])
            end = st.get("ts_last", 0)
        out[-1].append(p)
        end = max(end, st.get("ts_last", 0))
    return out


def stream_columns(data: MarketData, chunk_size: int, record: bool = True
                   ) -> Iterator[list[np.ndarray]]:
    """The columns (EVENT_FIELDS, then record unless record=False) of lazily opened data,
    chunk by chunk in time order, validated as they stream unless data.check is False."""
    if data.path.is_dir():
        plans = _join([_File(p) for p in _files(data.path)])[2]
    else:
        plans = [{"file": _File(data.path), "skip": 0,
                  "instrument": np.arange(len(data.instruments), dtype=np.uint32),
                  "venue": np.arange(len(data.venues), dtype=np.uint16)}]
    for group in _groups(plans):
        streams = [_file_stream(p, chunk_size, data.check, record) for p in group]
        yield from streams[0] if len(streams) == 1 else _merge(streams, chunk_size)
