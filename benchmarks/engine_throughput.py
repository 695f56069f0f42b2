"""Engine throughput and memory, side by side with hftbacktest when it is available.

Generates a deterministic L2 stream (depth updates on 5 levels plus trades, ~100 us
apart), writes it to Parquet (ours) and to hftbacktest's npz (theirs), and runs:
  (a) replay only (a strategy that never trades),
  (b) InventorySkew (compiled) requoting every 100 ms, 1 ms entry and response latency,
      the conservative queue model;
each in a fresh process so peak RSS is the run's own. hftbacktest runs (b) with the same
quoting rule, RiskAdverseQueueModel and latency, reading its own file, load time included;
set HFTBACKTEST_PYTHON to a python that has hftbacktest 2.4.4 if ours does not.

    python benchmarks/engine_throughput.py [--events 5000000]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from _memory import peak_rss_mb  # benchmarks/ is on sys.path when run as a script

HERE = Path(__file__).resolve().parent
HS, SKEW, CAP, QTY, EVERY, LAT = 1.0, 2.0, 20, 1, 100_000_000, 1_000_000


def ours(path: str, mode: str) -> None:
    """Run in a child process: print one JSON line with our timings."""
    t_import = time.perf_counter()
    import hftlab
    from hftlab.data import load
    from hftlab.instruments import FeeSchedule, LatencyProfile, Venue
    from hftlab.strategies import InventorySkew

    t0 = time.perf_counter()
    data = load(path, lazy=True)
    venue = Venue("SYNX", FeeSchedule(-1.0, 3.0, "bps"), LatencyProfile.constant(0, LAT, LAT))
    if mode == "replay":
        strat = InventorySkew(HS, SKEW, CAP, QTY, requote_ns=10**15).compiled()
    else:
        strat = InventorySkew(HS, SKEW, CAP, QTY, requote_ns=EVERY).compiled()
    rec = hftlab.backtest(data, strat, venues=[venue], queue="conservative", sample_ns=10**9)
    secs = time.perf_counter() - t0
    pos = rec.meta["final_position"][0]
    print(json.dumps({"seconds": secs, "startup": t0 - t_import, "events": rec.meta["events"],
                      "fills": rec.meta["fills"], "position": pos,
                      "peak_rss_mb": peak_rss_mb()}))


def write_npz(data, path: Path) -> None:
    """The same stream in hftbacktest's event layout (both exchange and local events)."""
    ev = data.events
    dtype = np.dtype([("ev", "u8"), ("exch_ts", "i8"), ("local_ts", "i8"), ("px", "f8"),
                      ("qty", "f8"), ("order_id", "u8"), ("ival", "i8"), ("fval", "f8")])
    out = np.zeros(len(ev), dtype)
    exch_local = (1 << 31) | (1 << 30)
    kind = np.where(ev["kind"] == 5, 2, 1).astype(np.uint64)  # TRADE_EVENT / DEPTH_EVENT
    side = np.where(ev["side"] > 0, 1 << 29, 1 << 28).astype(np.uint64)
    out["ev"] = kind | side | np.uint64(exch_local)
    out["exch_ts"] = ev["ts"]
    out["local_ts"] = ev["ts"]
    out["px"] = ev["price"] * data.instruments[0].tick_size
    out["qty"] = ev["qty"]
    np.savez(path, data=out)


def child(args: list[str], python: str = sys.executable) -> dict:
    res = subprocess.run([python, *args], capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise RuntimeError(res.stderr[-2000:])
    return json.loads(res.stdout.strip().splitlines()[-1])


def hftbacktest_python() -> str | None:
    env = os.environ.get("HFTBACKTEST_PYTHON")
    if env:
        return env
    try:
        import hftbacktest  # noqa: F401
        return sys.executable
    except ImportError:
        return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--events", type=int, default=5_000_000)
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        ours(*a.child)
        return
    from hftlab.data.synthetic import l2_stream

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}")
    data = l2_stream(a.events, seed=42, levels=5)
    with tempfile.TemporaryDirectory() as tmp:
        pq = data.save(Path(tmp) / "stream.parquet")
        me = str(Path(__file__).resolve())
        child([me, "--child", str(pq), "mm"])  # warm the numba cache
        rows = {}
        for mode in ("replay", "mm"):
            r = child([me, "--child", str(pq), mode])
            rows[mode] = r
            print(f"hftlab {mode:6s}: {r['events'] / r['seconds']:>12,.0f} events/s  "
                  f"{r['seconds']:.2f} s  peak RSS {r['peak_rss_mb']:.0f} MB  "
                  f"fills {r['fills']}  final position {r['position']}  "
                  f"(import {r['startup']:.2f} s)")
        py = hftbacktest_python()
        if py is None:
            print("hftbacktest: not installed (set HFTBACKTEST_PYTHON to compare)")
            return
        npz = Path(tmp) / "stream.npz"
        write_npz(data, npz)
        side = str(HERE / "_hftbacktest_side.py")
        args = [side, str(npz), str(HS), str(SKEW), str(CAP), str(QTY), str(EVERY), str(LAT)]
        h = child(args, py)
        print(f"hftbacktest mm: {len(data) / h['seconds']:>12,.0f} events/s  {h['seconds']:.2f} s  "
              f"peak RSS {h['peak_rss_mb']:.0f} MB  fills {h['fills']}  "
              f"final position {h['position']:.0f}  (end code {h['end_code']}: 1 = end of data)")
        m = rows["mm"]
        print(f"vs hftbacktest: speed x{h['seconds'] / m['seconds']:.2f}, "
              f"memory x{m['peak_rss_mb'] / h['peak_rss_mb']:.2f}")


if __name__ == "__main__":
    main()
