"""What reading an hftlab Parquet file costs per event, part by part, by file layout.

The replay reads its file on a thread beside the compiled loop (engine/backtest.py), so
its wall time is the longer of the two; this splits the reader thread's work:

  decode      pyarrow's decode of the nine event columns (the store's ParquetFile and
              batch size), and of the record column, which the replay no longer reads
  to numpy    the Arrow buffers as numpy in the schema's dtypes (data/store.py _numpy)
  validate    the compiled check of every event (data/validate_nb.py)
  remap       venue and instrument ids mapped into a data set's tables (a directory's
              files whose tables differ; a single file skips it)
  reader      everything the reader thread does: MarketData.iter_columns of a lazy load
  hand-over   the main thread's cost of taking a chunk from the reader thread

for the layout saved before 2026-12-08 (zstd, dictionary pages, optional columns: the
writer is kept here) and for the layout save writes now with each codec. Thread CPU
nanoseconds per event, medians of --reps; file size in MB per million events.

    python benchmarks/parquet_read.py [--streams l5,l10] [--events 1000000] [--reps 7]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

import _streams  # benchmarks/ is on sys.path when run as a script
from hftlab.data import load, store
from hftlab.data.market import EventValidator, MarketData
from hftlab.schema import EVENT_FIELDS

CHUNK = 1 << 17  # hftlab.backtest's chunk_size


def save_2026_12_07(data: MarketData, path: Path, row_group_size: int = 1 << 18) -> Path:
    """The file store.save wrote until 2026-12-07 (its stats aside): pyarrow's defaults
    (optional columns, dictionary pages) and zstd."""
    ev, rec = data.events, data.record
    cols = {name: pa.array(ev[name]) for name in EVENT_FIELDS}
    cols["record"] = pa.array(rec.astype(np.int64))
    table = pa.table(cols)
    f = store._File(data.save(path.with_suffix(".meta.parquet"), row_group_size))
    table = table.replace_schema_metadata(f.pf.schema_arrow.metadata)
    pq.write_table(table, path, compression="zstd", row_group_size=row_group_size)
    return path


def per_event(fn: Callable[[], object], n: int, reps: int) -> float:
    """Median thread CPU ns per event of fn()."""
    out = []
    for _ in range(reps):
        t = time.thread_time_ns()
        fn()
        out.append(time.thread_time_ns() - t)
    return statistics.median(out) / n


def parts(path: Path, reps: int) -> dict[str, float]:
    f = store._File(path)
    n = f.n_rows

    def decode(columns: tuple[str, ...]) -> Callable[[], None]:
        def run() -> None:
            for _ in f.pf.iter_batches(batch_size=CHUNK, columns=list(columns),
                                       use_threads=False):
                pass
        return run

    batches = list(f.pf.iter_batches(batch_size=CHUNK, columns=list(EVENT_FIELDS),
                                     use_threads=False))
    cols = [[store._numpy(b.column(c), c, path, 0) for c in EVENT_FIELDS] for b in batches]
    venue_map, inst_map = np.zeros(1, np.uint16), np.zeros(1, np.uint32)

    def to_numpy() -> None:
        for b in batches:
            [store._numpy(b.column(c), c, path, 0) for c in EVENT_FIELDS]

    def validate() -> None:
        v = EventValidator(len(f.venues), len(f.instruments))
        for c in cols:
            v.check(c, None, str(path), 0)

    def remap() -> None:
        for c in cols:
            venue_map[c[2]], inst_map[c[3]]

    def reader() -> None:
        for _ in load(path, lazy=True).iter_columns(CHUNK):
            pass

    def hand_over() -> None:
        from hftlab.engine.backtest import _chunks

        class Prepared:
            def iter_columns(self, chunk_size: int):
                return iter(cols)

        for _ in _chunks(Prepared(), CHUNK):
            pass

    return {"MB/M events": path.stat().st_size / 2**20 * 1e6 / n,
            "decode events": per_event(decode(EVENT_FIELDS), n, reps),
            "decode record": per_event(decode(("record",)), n, reps),
            "to numpy": per_event(to_numpy, n, reps), "validate": per_event(validate, n, reps),
            "remap": per_event(remap, n, reps), "reader": per_event(reader, n, reps),
            "hand-over": per_event(hand_over, n, reps)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--streams", default="l5,l10")
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--reps", type=int, default=7)
    a = ap.parse_args()
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}, pyarrow {pa.__version__}; thread CPU ns "
          f"per event, medians of {a.reps}")
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        for name in a.streams.split(","):
            data = _streams.make(name, a.events)[0]
            files = {"2026-12-07 zstd": save_2026_12_07(data, t / f"{name}-old.parquet")}
            for codec in ("lz4", "zstd", "none"):
                files[f"now {codec}"] = data.save(t / f"{name}-{codec}.parquet",
                                                  compression=codec)
            rows = {k: parts(p, a.reps) for k, p in files.items()}
            keys = list(next(iter(rows.values())))
            print(f"\n{name} ({len(data.events):,} events) " + "".join(f"{k:>16s}" for k in rows))
            for key in keys:
                print(f"  {key:22s}" + "".join(f"{r[key]:>16.1f}" for r in rows.values()))


if __name__ == "__main__":
    main()
