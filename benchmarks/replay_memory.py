"""Where a replay's resident memory goes: imports, loaded kernels, and what the run adds.

One process does what engine_throughput.py's hftlab child does (imports, a warm-up run
on the first 20,000 events, then the timed run of a lazily read Parquet file) and prints
the resident memory after each import and step, then the run's peak above what came
before it, split into Arrow's pool peak (decoded chunks in flight and the decoder's
buffers) and the numpy and Python peak seen by tracemalloc (engine state, the event
window, record buffers); the rest is allocator slack, thread stacks and code. The
stream is generated and saved first, in this process; a fresh one measures.

    python benchmarks/replay_memory.py [--stream l5] [--events 1000000] [--mode replay|mm]
"""

from __future__ import annotations

import argparse
import gc
import subprocess
import sys
import tempfile
import tracemalloc
from pathlib import Path


def status(key: str) -> float:
    """A /proc/self/status figure (VmRSS:, VmHWM:) in MB."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(key):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {key} in /proc/self/status")


def measure(path: str, head: str, feed: int, mode: str) -> None:
    """In a fresh process: print the resident memory after each step (see the doc)."""
    marks = [("python", status("VmRSS:"))]
    import numpy  # noqa: F401
    marks.append(("numpy", status("VmRSS:")))
    import pyarrow
    import pyarrow.parquet  # noqa: F401
    marks.append(("pyarrow, pyarrow.parquet", status("VmRSS:")))
    import numba  # noqa: F401
    marks.append(("numba", status("VmRSS:")))
    import hftlab.data.store  # noqa: F401
    marks.append(("hftlab, hftlab.data.store", status("VmRSS:")))
    import numba.np.arraymath  # noqa: F401
    marks.append(("numba.np.arraymath (imports scipy.linalg.cython_blas)", status("VmRSS:")))
    import hftlab.engine.backtest  # noqa: F401
    marks.append(("hftlab.engine.backtest (its modules, kernels with signatures)",
                  status("VmRSS:")))
    import engine_throughput as et  # benchmarks/ is on sys.path when run as a script
    from hftlab.data import load
    marks.append(("hftlab.strategies, the benchmark's modules", status("VmRSS:")))
    every = et.NEVER if mode == "replay" else et.EVERY
    et.mm_backtest(load(head, lazy=True), feed, every)
    gc.collect()
    marks.append(("warm-up run on 20 k events (kernels loaded)", status("VmRSS:")))
    pool = pyarrow.default_memory_pool()
    base = status("VmRSS:")
    with open("/proc/self/clear_refs", "w") as fh:  # VmHWM := VmRSS
        fh.write("5")
    tracemalloc.start()
    rec = et.mm_backtest(load(path, lazy=True), feed, every)
    np_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    peak = status("VmHWM:")
    prev = 0.0
    for name, rss in marks:
        print(f"  {name:64s} {rss:6.1f} MB (+{rss - prev:5.1f})")
        prev = rss
    print(f"  {rec.meta['events']:,}-event {mode} run: peak {peak:6.1f} MB (+{peak - base:5.1f}); "
          f"Arrow pool peak {pool.max_memory() / 2**20:.1f} MB ({pool.backend_name}), numpy "
          f"and Python peak {np_peak / 2**20:.1f} MB")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stream", default="l5")
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--mode", choices=("replay", "mm"), default="replay")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        measure(a.child[0], a.child[1], int(a.child[2]), a.mode)
        return
    import _streams
    from hftlab.data.market import MarketData

    with tempfile.TemporaryDirectory() as tmp:
        data, feed = _streams.make(a.stream, a.events)
        path = data.save(Path(tmp) / "s.parquet")
        head = MarketData(data.events[:20_000], data.instruments, data.venues).save(
            Path(tmp) / "h.parquet")
        print(f"stream {a.stream}, {len(data.events):,} events, {a.mode}:", flush=True)
        subprocess.run([sys.executable, __file__, "--mode", a.mode, "--child", str(path),
                        str(head), str(feed)], check=True)


if __name__ == "__main__":
    main()
