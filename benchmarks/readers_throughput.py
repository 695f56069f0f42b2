"""Reader throughput: records/s and peak memory of each hftlab.data reader.

Runs every reader in its own subprocess on the largest real sample of its format in
../shared/data (skipped when absent) and on a generated NASDAQ ITCH 5.0 file of
--itch-messages messages (default 10.5 M; read plain, streamed with iter_itch, and
gzipped at level 1), so peak RSS is per reader. Each child reads the file twice and
times the second read (the first loads the compiled kernels from numba's cache);
records/s is on wall time and on the process's CPU time (the machine may be shared).
Peak MB is the child's peak resident memory during the timed read; "base MB" is its
resident memory just before (imports and compiled kernels, about 250 MB).
Prints one table row per reader.

    .venv/bin/python benchmarks/readers_throughput.py [--itch-messages N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import gc
import gzip
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"

# ITCH 5.0 messages (with the 2-byte length frame) as big-endian numpy records
_HEAD = [("len", ">u2"), ("type", "S1"), ("locate", ">u2"), ("track", ">u2"),
         ("ts_hi", ">u2"), ("ts_lo", ">u4")]
DT = {
    "A": np.dtype(_HEAD + [("ref", ">u8"), ("side", "S1"), ("shares", ">u4"), ("stock", "S8"),
                           ("price", ">u4")]),
    "E": np.dtype(_HEAD + [("ref", ">u8"), ("shares", ">u4"), ("match", ">u8")]),
    "X": np.dtype(_HEAD + [("ref", ">u8"), ("shares", ">u4")]),
    "U": np.dtype(_HEAD + [("ref", ">u8"), ("new", ">u8"), ("shares", ">u4"), ("price", ">u4")]),
    "D": np.dtype(_HEAD + [("ref", ">u8")]),
    "P": np.dtype(_HEAD + [("ref", ">u8"), ("side", "S1"), ("shares", ">u4"), ("stock", "S8"),
                           ("price", ">u4"), ("match", ">u8")]),
    "R": np.dtype(_HEAD + [("stock", "S8"), ("rest", "V20")]),
}
# one cycle of order flow per stock: 10 messages, 4 new orders, one of which stays
# (so the order table grows by one order per cycle, like a deepening book)
CYCLE = "AAEXUADPED"


def write_itch(path: Path, n_messages: int, n_stocks: int = 64, seed: int = 7) -> int:
    """Write a synthetic ITCH 5.0 file of about n_messages messages; returns the count."""
    rng = np.random.default_rng(seed)
    n = max(n_messages // len(CYCLE), 1)
    stocks = np.array([f"S{i:03d}".encode() for i in range(n_stocks)])
    directory = np.zeros(n_stocks, DT["R"])
    directory["len"] = DT["R"].itemsize - 2
    directory["type"] = b"R"
    directory["locate"] = np.arange(1, n_stocks + 1)
    directory["stock"] = stocks
    loc = rng.integers(0, n_stocks, n)
    base_ref = 1 + 4 * np.arange(n, dtype=np.uint64)
    mid = 100_000 + 100 * rng.integers(-50, 50, n)  # whole cents around $10
    ts0 = 9 * 3600 * 10**9 + 30 * 60 * 10**9
    ts = ts0 + np.arange(n * len(CYCLE), dtype=np.int64).reshape(n, len(CYCLE)) * 1500
    msgs = []
    for j, t in enumerate(CYCLE):
        a = np.zeros(n, DT[t])
        a["len"] = DT[t].itemsize - 2
        a["type"] = t.encode()
        a["locate"] = loc + 1
        a["ts_hi"] = ts[:, j] >> 32
        a["ts_lo"] = ts[:, j] & 0xFFFFFFFF
        msgs.append(a)
    a0, a1, e2, x3, u4, a5, d6, p7, e8, d9 = msgs
    for a, ref, side, px in ((a0, 0, b"B", mid - 100), (a1, 1, b"S", mid + 100),
                             (a5, 3, b"B", mid - 200)):
        a["ref"], a["side"], a["shares"] = base_ref + ref, side, 300
        a["stock"], a["price"] = stocks[loc], px
    e2["ref"], e2["shares"], e2["match"] = base_ref, 100, base_ref
    x3["ref"], x3["shares"] = base_ref, 100
    u4["ref"], u4["new"], u4["shares"], u4["price"] = base_ref, base_ref + 2, 200, mid - 100
    d6["ref"] = base_ref + 1
    p7["side"], p7["shares"], p7["stock"], p7["price"] = b"S", 50, stocks[loc], mid
    e8["ref"], e8["shares"], e8["match"] = base_ref + 2, 100, base_ref + 1  # 100 stay
    d9["ref"] = base_ref + 3
    width = sum(m.itemsize for m in msgs)
    block = np.empty((n, width), np.uint8)
    col = 0
    for a in msgs:
        block[:, col:col + a.itemsize] = a.view(np.uint8).reshape(n, a.itemsize)
        col += a.itemsize
    with open(path, "wb") as fh:
        fh.write(directory.tobytes())
        fh.write(block.tobytes())
    return n_stocks + n * len(CYCLE)


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB (VmHWM: reset by exec, unlike ru_maxrss,
    which a child inherits from the parent that forked it)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> float:
    """Reset the peak-RSS mark to the current RSS (Linux: write 5 to clear_refs); returns
    the current RSS in MB, so the timed run's peak is measured on its own."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        pass
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def child(fmt: str, path: str, extra: str) -> None:
    """Run one reader twice in this process; print JSON with the second run's figures."""
    from hftlab import data as d

    def stream() -> list:  # iter_itch, keeping only the last piece (bounded memory)
        n, last = 0, None
        for last in d.iter_itch(path, date="2020-01-02"):
            n += len(last)
        return [last.stats["messages"], n]

    readers = {"lobster": lambda: d.read_lobster(path, extra or None),
               "itch": lambda: d.read_itch(path, date="2020-01-02"),
               "itch-stream": stream,
               "dbn": lambda: d.read_dbn(path), "binance": lambda: d.read_binance(path),
               "tardis": lambda: d.read_tardis(path)}
    readers[fmt]()
    gc.collect()
    base = reset_peak_rss()
    t, c = time.perf_counter(), time.process_time()
    out = readers[fmt]()
    dt, cpu = time.perf_counter() - t, time.process_time() - c
    records = {"lobster": lambda: out.stats["messages"], "itch": lambda: out.stats["messages"],
               "itch-stream": lambda: out[0],
               "dbn": lambda: out.stats["records"], "binance": lambda: out.stats["lines"],
               "tardis": lambda: out.stats["rows"]}[fmt]()
    peak = peak_rss_mb()
    events = out[1] if fmt == "itch-stream" else len(out)
    print(json.dumps({"records": records, "events": events, "seconds": dt, "cpu": cpu,
                      "peak_mb": peak, "base_mb": base}))


def run(fmt: str, path: Path, extra: str = "") -> dict:
    res = subprocess.run([sys.executable, __file__, "--child", fmt, str(path), extra],
                         capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--itch-messages", type=int, default=10_500_000)
    ap.add_argument("--keep", type=Path, help="directory to keep the generated ITCH file in")
    ap.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    lob = SHARED / "lobster" / "AMZN_2012-06-21_level1_fullday"
    glbx = SHARED / "databento_dbn" / "nautilus_glbx"
    jobs = [
        ("lobster", lob / "AMZN_2012-06-21_34200000_57600000_message_1.csv",
         str(lob / "AMZN_2012-06-21_34200000_57600000_orderbook_1.csv")),
        ("binance", SHARED / "hftbacktest_crypto_feed" / "usdm" / "btcusdt_20240808.gz", ""),
        ("dbn", glbx / "orderbooks_mbo_2024-05-08T00-00-00_2024-05-08T00-00-02.dbn.zst", ""),
        ("tardis", SHARED / "tardis_samples" / "binance-futures_book_snapshot_25_BTCUSDT.csv",
         ""),
    ]
    tmp = tempfile.TemporaryDirectory()
    folder = args.keep or Path(tmp.name)
    folder.mkdir(parents=True, exist_ok=True)
    itch = folder / "synthetic_20200102.itch"
    t = time.perf_counter()
    n = write_itch(itch, args.itch_messages)
    print(f"generated {n:,} ITCH messages ({itch.stat().st_size / 2**20:.0f} MiB) in "
          f"{time.perf_counter() - t:.1f} s")
    gz = folder / "synthetic_20200102.itch.gz"
    t = time.perf_counter()
    with open(itch, "rb") as src, gzip.open(gz, "wb", compresslevel=1) as dst:
        shutil.copyfileobj(src, dst, 8 << 20)
    print(f"gzipped it to {gz.stat().st_size / 2**20:.0f} MiB in {time.perf_counter() - t:.1f} s")
    jobs += [("itch", itch, ""), ("itch-stream", itch, ""), ("itch", gz, "")]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}, Python {platform.python_version()}")
    print(f"{'reader':11} {'file':47} {'records':>11} {'events':>11} {'wall s':>7} "
          f"{'records/s':>11} {'cpu rec/s':>11} {'peak MB':>8} {'base MB':>8}")
    for fmt, path, extra in jobs:
        if not Path(path).exists():
            print(f"{fmt:11} {str(path.name):47} skipped: sample not found at {path}")
            continue
        r = run(fmt, path, extra)
        print(f"{fmt:11} {path.name[:47]:47} {r['records']:>11,} {r['events']:>11,} "
              f"{r['seconds']:>7.3f} {r['records'] / r['seconds']:>11,.0f} "
              f"{r['records'] / r['cpu']:>11,.0f} {r['peak_mb']:>8.0f} {r['base_mb']:>8.0f}")
    tmp.cleanup()


if __name__ == "__main__":
    main()
