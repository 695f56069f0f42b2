"""Parquet storage of MarketData: one file, events as columns, tables in the metadata."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from hftlab.data.market import DataError, MarketData, update_price_bounds
from hftlab.instruments import FeeSchedule, Instrument, Latency, LatencyProfile, Venue
from hftlab.schema import EVENT_DTYPE, EVENT_FIELDS

META_KEY = b"hftlab"
FORMAT_VERSION = 1


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


def _table(events: np.ndarray, record: np.ndarray) -> pa.Table:
    cols = {name: pa.array(events[name]) for name in EVENT_FIELDS}
    cols["record"] = pa.array(record.astype(np.int64))
    return pa.table(cols)


def save(data: MarketData, path: str | Path, row_group_size: int = 1 << 18) -> Path:
    """Write data to one Parquet file (zstd), chunk by chunk, tables in the footer metadata."""
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
                  "price_bounds": bounds.ravel().tolist()},
    }
    schema = _table(np.zeros(0, EVENT_DTYPE), np.zeros(0, np.int64)).schema
    schema = schema.with_metadata({META_KEY: json.dumps(meta).encode()})
    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        for ev, rec in data.iter_chunks(row_group_size):
            writer.write_table(_table(ev, rec).replace_schema_metadata(schema.metadata),
                               row_group_size=row_group_size)
    return path


def _meta(path: Path) -> dict:
    try:
        md = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowInvalid) as exc:
        raise DataError(f"{path}: not a readable Parquet file ({exc})") from exc
    if META_KEY not in md:
        raise DataError(f"{path}: Parquet file has no hftlab metadata (write it with "
                        "MarketData.save or hftlab.data.from_frame(...).save)")
    meta = json.loads(md[META_KEY])
    if meta.get("version") != FORMAT_VERSION:
        raise DataError(f"{path}: hftlab format version {meta.get('version')} is not "
                        f"supported (expected {FORMAT_VERSION})")
    return meta


def _events_from_batch(batch: pa.RecordBatch) -> tuple[np.ndarray, np.ndarray]:
    ev = np.empty(batch.num_rows, dtype=EVENT_DTYPE)
    for name in EVENT_FIELDS:
        ev[name] = batch.column(name).to_numpy(zero_copy_only=False)
    return ev, batch.column("record").to_numpy(zero_copy_only=False).astype(np.int64)


def load(path: str | Path, lazy: bool = False) -> MarketData:
    """Read MarketData from a Parquet file written by save.

    lazy=True reads only the metadata; the engine then replays the file in chunks so
    memory stays bounded whatever the file's size.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    meta = _meta(path)
    instruments = [Instrument(**d) for d in meta["instruments"]]
    venues = [venue_from_dict(d) for d in meta["venues"]]
    if lazy:
        return MarketData(None, instruments, venues, source=meta.get("source", ""),
                          path=path, stats=meta.get("stats", {}))
    table = pq.read_table(path)
    ev = np.empty(table.num_rows, dtype=EVENT_DTYPE)
    for name in EVENT_FIELDS:
        ev[name] = table.column(name).to_numpy()
    rec = table.column("record").to_numpy().astype(np.int64)
    return MarketData(ev, instruments, venues, record=rec, source=meta.get("source", ""),
                      stats=meta.get("stats", {}))


def iter_parquet_chunks(path: Path, chunk_size: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Stream (events, record) from a Parquet file, chunk_size rows at a time."""
    pf = pq.ParquetFile(path)
    for batch in pf.iter_batches(batch_size=chunk_size):
        yield _events_from_batch(batch)


def iter_parquet_columns(path: Path, chunk_size: int) -> Iterator[list[np.ndarray]]:
    """Stream the event columns of a Parquet file, chunk_size rows at a time."""
    # Column by column, without pre-buffering whole row groups and without Arrow's own
    # threads: the replay reads ahead on a thread of its own, and this keeps memory low.
    pf = pq.ParquetFile(path, buffer_size=1 << 20, pre_buffer=False)
    for batch in pf.iter_batches(batch_size=chunk_size, columns=list(EVENT_FIELDS),
                                 use_threads=False):
        yield [_numpy(batch.column(name), EVENT_DTYPE[name]) for name in EVENT_FIELDS]


def _numpy(arr: pa.Array, dtype: np.dtype) -> np.ndarray:
    """A primitive Arrow column as a numpy view of its buffer (no copy, and none of the
    pandas machinery that Array.to_numpy loads); a column with nulls is a DataError."""
    if arr.null_count:
        raise DataError(f"event column of type {arr.type} has {arr.null_count} missing values")
    data = np.frombuffer(arr.buffers()[1], dtype=arr.type.to_pandas_dtype(), count=len(arr),
                         offset=arr.offset * arr.type.bit_width // 8)
    return np.ascontiguousarray(data, dtype=dtype)
