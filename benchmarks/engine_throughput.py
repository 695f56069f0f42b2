"""Engine throughput, memory and time to result, side by side with hftbacktest.

The market maker is the same rule on both sides (InventorySkew: 100 ms requote on a
fixed grid, 1 ms entry and response latency, the conservative / RiskAdverse queue model,
1-lot post-only quotes, position limit +-20 lots). Both sides replay the very same
events, each from its own file format (Parquet for hftlab, npz for hftbacktest), load
time included, each run in a fresh process so peak RSS is the run's own:

  replay   a strategy that never trades (the loop over the data alone)
  mm       the market maker, timed after warm-up: hftlab with its numba cache warm,
           hftbacktest with its strategy compiled on the first 20,000 events first
  cold     time to result: the whole fresh process (import, compile or cache load, read,
           run) as a user waits for it

Peak RSS is the process's high-water mark when the run returns, before hftlab's fills
are turned into a DataFrame for the comparison (that imports pandas, +38 MB, which a
replay does not need; hftbacktest's side reads its fills from numpy).

Runs alternate between the sides; the figures are medians over --runs. Fills (exchange
time, side, price, lots) are compared row by row and the result printed. The two books
part only on a feed whose book crosses: hftbacktest's depth then hides the levels a new
opposite level crosses (a new ask at or below the best bid makes the best bid the next
bid below it), where hftlab's book keeps what the data says and a strategy sees the
crossed prices. No stream here crosses, the Binance captures included, as the host
receives them (in ts_local order).

    python benchmarks/engine_throughput.py --stream l10 [--events 5000000] [--runs 3]
    python benchmarks/engine_throughput.py --data /path/to/btcusdt_20240808.gz
    python benchmarks/engine_throughput.py --list
    python benchmarks/engine_throughput.py --scaling [--stream l10] [--sizes 1e6,5e6,2e7]

--scaling: hftlab alone, on the first 1 M, 5 M and 20 M events of one generated stream,
each written to Parquet and replayed lazily (read in chunks) in a fresh process: events/s
and peak RSS of the replay and of the market maker per size, the best of --runs. Memory
that grows with the file shows there.

--stream NAME: a generated stream (see _streams.py: l5, l10, l20, recorded, drift,
bursts, trades10, trades40). --data PATH: a file hftlab reads (its Parquet, or a Binance
websocket capture), whose venue 0 (the depth book and trades) both sides replay. An
order-by-order day (LOBSTER, Databento MBO) is first written as its price-level feed by
l2_of.py, which both sides then read.
hftbacktest runs where HFTBACKTEST_PYTHON points (a venv with hftbacktest 2.4.4) or in
this Python if it has hftbacktest.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import _streams  # benchmarks/ is on sys.path when run as a script
from _memory import peak_rss_mb
from hftlab.data.market import MarketData

HERE = Path(__file__).resolve().parent
HS, SKEW, CAP, QTY, EVERY, LAT = 1.0, 2.0, 20, 1, 100_000_000, 1_000_000
NEVER = 10**15  # a requote interval longer than any stream: the replay-only strategy


def mm_backtest(data: MarketData, feed_ns: int, requote_ns: int = EVERY,
                fill_model: str = "partial"):
    """hftlab's side: the market maker on data (feed_ns < 0: the recorded feed). The fill
    model is hftlab's default ("partial"); with these 1-lot quotes it fills exactly as
    "full", the all-or-nothing rule of the hftbacktest exchanges (engine/venue_nb.py), and
    tests/test_benchmarks.py checks that it does."""
    import hftlab
    from hftlab.instruments import FeeSchedule, Latency, LatencyProfile, Venue
    from hftlab.strategies import InventorySkew

    lat = (LatencyProfile(Latency(0), Latency(LAT), Latency(LAT), recorded_feed=True)
           if feed_ns < 0 else LatencyProfile.constant(feed_ns, LAT, LAT))
    strat = InventorySkew(HS, SKEW, CAP, QTY, requote_ns=requote_ns)
    venue = Venue(data.venues[0].name, FeeSchedule(-1.0, 3.0, "bps"), lat)
    return hftlab.backtest(data, strat.compiled(), venues=[venue], queue="conservative",
                           sample_ns=10**9, fill_model=fill_model)


def ours(path: str, mode: str, feed_ns: int, fills_path: str, head: str) -> None:
    """Run in a child process: print one JSON line with our timings; save our fills.

    mode "replay" / "mm": a backtest of the first events (head) first, so the timed run
    does not include loading the compiled kernels from numba's cache (as hftbacktest's
    side compiles before its timer); mode "cold": no warm-up (time to result)."""
    t_import = time.perf_counter()
    from hftlab.data import load

    def run(file: str):
        return mm_backtest(load(file, lazy=True), feed_ns,
                           NEVER if mode == "replay" else EVERY)

    if mode != "cold":
        run(head)
    t0, c0 = time.perf_counter(), time.process_time()
    rec = run(path)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    peak = peak_rss_mb()  # the run's: rec.fills below imports pandas (+38 MB)
    f = rec.fills
    np.save(fills_path, np.stack([f["ts_exchange"].to_numpy(np.int64),
                                  f["side"].to_numpy(np.int64), f["price"].to_numpy(np.int64),
                                  f["qty"].to_numpy(np.int64)], axis=1).reshape(-1, 4))
    print(json.dumps({"seconds": secs, "cpu": cpu, "startup": t0 - t_import,
                      "events": rec.meta["events"],
                      "fills": rec.meta["fills"], "position": rec.meta["final_position"][0],
                      "peak_rss_mb": peak, "peak_rss_fills_mb": peak_rss_mb()}))


def child(args: list[str], python: str = sys.executable) -> dict:
    """Run a fresh process; its JSON line plus its wall time seen from here. It runs in
    benchmarks/, so a relative PYTHONPATH (PYTHONPATH=src) is made absolute: the child
    imports the hftlab this process imported, not another installed one."""
    t0 = time.perf_counter()
    paths = [str(Path(p).resolve()) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)
             if p]
    res = subprocess.run([python, *args], capture_output=True, text=True, check=False,
                         cwd=HERE, env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)})
    wall = time.perf_counter() - t0
    if res.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:2])} failed:\n{res.stderr[-3000:]}")
    out = json.loads(res.stdout.strip().splitlines()[-1])
    out["wall"] = wall
    return out


def hftbacktest_python() -> str | None:
    env = os.environ.get("HFTBACKTEST_PYTHON")
    if env:
        return env
    try:
        import hftbacktest  # noqa: F401
        return sys.executable
    except ImportError:
        return None


def market(a: argparse.Namespace):
    """(MarketData of one venue, feed_ns, label) from --stream or --data."""
    if a.stream:
        data, feed = _streams.make(a.stream, a.events)
        return data, feed, f"stream {a.stream}"
    path = Path(a.data)
    if path.suffix == ".parquet" or path.is_dir():
        from hftlab.data import load
        data = load(path)
    else:
        from hftlab.data import read_binance
        data = read_binance(path)
    ev = data.events[data.events["venue"] == 0]
    recorded = bool((ev["ts_local"] != 0).all())
    label = f"data {path.name} (venue 0: {data.venues[0].name})"
    skew = int((ev["ts_local"] - ev["ts"]).min()) if recorded else 0
    if skew < 0:  # the capture's clock is behind the venue's: shift it, as hftbacktest's
        # converter does (data.validation.correct_local_timestamp), for both sides alike
        ev = ev.copy()
        ev["ts_local"] -= skew
        label += f", local clock {-skew / 1e6:.1f} ms behind the venue's: ts_local shifted"
    one = MarketData(ev, data.instruments, data.venues[:1], source=str(path))
    return one, (-1 if recorded else 0), label


def roi_bounds(data: MarketData) -> tuple[float, float]:
    """hftbacktest's range of interest (ROIVector depth), in currency: the prices the
    stream traded at (all its prices if it has no trade), widened on each side by a tenth
    of the highest (at least 1,000 ticks), from 1 tick up. That is the band a user gives
    it for a strategy quoting at the touch; levels outside it are ignored. Over the whole
    price range a capture's far-off quotes cost it: on the Binance spot capture (quotes
    0..20 M ticks) 0.23 CPU s and 730 MB against 0.05 s and 311 MB, the same 353 fills.
    The fill comparison shows whether a best quote left the band."""
    ev = data.events
    px = ev["price"][ev["kind"] == _streams.TRADE]
    px = px if len(px) else ev["price"]
    lo, hi = int(px.min()), int(px.max())
    margin = max(1000, hi // 10)
    tick = data.instruments[0].tick_size
    return max(lo - margin, 1) * tick, (hi + margin) * tick


def compare_fills(ours_path: Path, theirs_path: Path) -> str:
    # in time order (hftbacktest lists the orders filled between two wake-ups in its
    # order map's order)
    a, b = (x[np.lexsort(x.T[::-1])] for x in (np.load(ours_path), np.load(theirs_path)))
    if a.shape == b.shape and np.array_equal(a, b):
        return f"fills identical on both sides: yes ({len(a):,} fills, time, side, price, lots)"
    n = min(len(a), len(b))
    diff = np.flatnonzero((a[:n] != b[:n]).any(axis=1))
    k = int(diff[0]) if len(diff) else n
    row = lambda x: tuple(int(v) for v in x[k]) if k < len(x) else "none"  # noqa: E731
    return (f"fills identical on both sides: NO ({len(a):,} vs {len(b):,}); first difference "
            f"at fill {k}: hftlab {row(a)} vs hftbacktest {row(b)} (ns, side, ticks, lots)")


def line(who: str, rows: list[dict], events: int) -> str:
    s = statistics.median(r["seconds"] for r in rows)
    cpu = statistics.median(r["cpu"] for r in rows)
    rss = statistics.median(r["peak_rss_mb"] for r in rows)
    r = rows[0]
    return (f"{who:26s} {events / s:>12,.0f} events/s  {s:6.2f} s  CPU {cpu:6.2f} s "
            f"({events / cpu:>10,.0f} events/CPU s)  peak RSS {rss:5.0f} MB  "
            f"fills {r['fills']:>6,}  final position {r['position']:>4}")


def scaling(a: argparse.Namespace) -> None:
    """Print hftlab's replay and market-maker events/s and peak RSS on growing prefixes of
    one stream, each a Parquet file replayed lazily in a fresh process (best of a.runs)."""
    sizes = sorted(int(float(x)) for x in a.sizes.split(","))
    data, feed = _streams.make(a.stream, sizes[-1])
    print(f"stream {a.stream}: prefixes of {len(data.events):,} events, replayed lazily from "
          f"Parquet; best of {a.runs} fresh-process runs per cell")
    me = str(Path(__file__).resolve())
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        head = MarketData(data.events[:20_000], data.instruments, data.venues).save(
            t / "head.parquet")
        files = []
        for n in sizes:
            part = MarketData(data.events[:n], data.instruments, data.venues)
            files.append((len(part.events), part.save(t / f"s{n}.parquet")))
        del data, part
        print(f"{'events':>12s} {'file MB':>8s} {'replay events/s':>16s} {'peak RSS':>9s} "
              f"{'InventorySkew events/s':>23s} {'peak RSS':>9s} {'fills':>7s}")
        for n, pq in files:
            best = {}
            for _ in range(a.runs):
                for mode in ("replay", "mm"):
                    r = child([me, "--child", str(pq), mode, str(feed), str(t / "f.npy"),
                               str(head)])
                    if mode not in best or r["seconds"] < best[mode]["seconds"]:
                        best[mode] = r
            rp, mm = best["replay"], best["mm"]
            print(f"{n:>12,} {pq.stat().st_size / 2**20:>8.0f} {n / rp['seconds']:>16,.0f} "
                  f"{rp['peak_rss_mb']:>6.0f} MB {n / mm['seconds']:>23,.0f} "
                  f"{mm['peak_rss_mb']:>6.0f} MB {mm['fills']:>7,}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = ap.add_mutually_exclusive_group()
    src.add_argument("--stream", choices=sorted(_streams.STREAMS))
    src.add_argument("--data", help="a file both sides can read (hftlab Parquet, Binance capture)")
    src.add_argument("--list", action="store_true", help="list the generated streams")
    ap.add_argument("--events", type=int, default=5_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--depth", choices=("roivector", "hashmap"), default="roivector",
                    help="hftbacktest's market depth (default: roivector, its faster one)")
    ap.add_argument("--scaling", action="store_true",
                    help="hftlab alone on growing prefixes of --stream (see --sizes)")
    ap.add_argument("--sizes", default="1e6,5e6,2e7",
                    help="event counts of the --scaling prefixes, comma-separated")
    ap.add_argument("--child", nargs=5, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        ours(a.child[0], a.child[1], int(a.child[2]), a.child[3], a.child[4])
        return
    if a.list:
        print(_streams.__doc__)
        return
    if not a.data:
        a.stream = a.stream or ("l10" if a.scaling else "l5")
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"python {platform.python_version()}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    if a.scaling:
        if a.data:
            raise SystemExit("--scaling runs on a generated --stream, not --data")
        scaling(a)
        return
    data, feed, label = market(a)
    n = len(data.events)
    inst = data.instruments[0]
    trades = float((data.events["kind"] == _streams.TRADE).mean())
    print(f"{label}: {n:,} events, trades {trades:.1%}, prices {data.events['price'].min()}.."
          f"{data.events['price'].max()} ticks of {inst.tick_size}, feed latency "
          f"{'recorded (ts_local)' if feed < 0 else f'modelled, {feed} ns'}")
    py = hftbacktest_python()
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        pq = data.save(t / "stream.parquet")
        head = MarketData(data.events[:20_000], data.instruments, data.venues).save(
            t / "head.parquet")
        me = str(Path(__file__).resolve())

        def run_ours(mode: str) -> dict:
            return child([me, "--child", str(pq), mode, str(feed), str(t / f"ours-{mode}.npy"),
                          str(head)])

        run_ours("cold")  # fill the numba cache
        theirs = None
        if py is not None:
            npz = t / "stream.npz"
            np.savez(npz, data=_streams.to_hftbacktest(data, feed))
            roi = [str(x) for x in roi_bounds(data)]

            def theirs(mode: str, strategy: str) -> dict:
                every = str(NEVER if strategy == "replay" else EVERY)
                return child([str(HERE / "_hftbacktest_side.py"), mode, str(npz),
                              str(t / f"theirs-{strategy}.npy"), a.depth, str(inst.tick_size),
                              str(inst.lot_size), str(HS), str(SKEW), str(CAP), str(QTY),
                              every, str(LAT), *roi], py)

            theirs("cold", "mm")  # compile hftbacktest's strategy into its numba cache
        load0 = os.getloadavg()[0]
        rows: dict[str, list[dict]] = {k: [] for k in ("replay", "mm", "cold", "h_replay", "h_mm",
                                                       "h_cold")}
        for r in range(a.runs):
            jobs = [("replay", lambda: run_ours("replay")), ("mm", lambda: run_ours("mm")),
                    ("cold", lambda: run_ours("cold"))]
            if theirs is not None:
                jobs += [("h_replay", lambda: theirs("timed", "replay")),
                         ("h_mm", lambda: theirs("timed", "mm")),
                         ("h_cold", lambda: theirs("cold", "mm"))]
                if r % 2:
                    jobs = jobs[3:] + jobs[:3]
            for key, job in jobs:
                rows[key].append(job())
        print(f"medians of {a.runs} alternated fresh-process runs; load average (1 min) "
              f"{load0:.1f} before, {os.getloadavg()[0]:.1f} after: on a shared machine "
              "compare CPU seconds, wall seconds include waiting for a core")
        print(line("hftlab replay only", rows["replay"], n))
        print(line("hftlab InventorySkew", rows["mm"], n))
        ttr = statistics.median(r["wall"] for r in rows["cold"])
        print(f"{'':26s} time to result (fresh process, import included) {ttr:.2f} s")
        if theirs is None:
            print("hftbacktest: not installed (set HFTBACKTEST_PYTHON to compare)")
            return
        h = rows["h_mm"][0]
        print(line(f"hftbacktest replay only", rows["h_replay"], n))
        print(line(f"hftbacktest the same rule", rows["h_mm"], n)
              + f"  (end code {h['end_code']}: 1 = end of data; {a.depth})")
        h_ttr = statistics.median(r["wall"] for r in rows["h_cold"])
        print(f"{'':26s} time to result (fresh process, compile included) {h_ttr:.2f} s")
        if h["fills"] != h["hbt_fills"]:
            print(f"warning: hftbacktest counts {h['hbt_fills']} trades, the strategy saw "
                  f"{h['fills']} filled orders")
        print(compare_fills(t / "ours-mm.npy", t / "theirs-mm.npy"))
        med = lambda key, f: statistics.median(r[f] for r in rows[key])  # noqa: E731
        speed = med("h_replay", "seconds") / med("replay", "seconds")
        print(f"replay only vs hftbacktest: speed x{speed:.2f} "
              f"(CPU x{med('h_replay', 'cpu') / med('replay', 'cpu'):.2f}), "
              f"memory x{med('replay', 'peak_rss_mb') / med('h_replay', 'peak_rss_mb'):.2f}")
        print(f"vs hftbacktest: speed x{med('h_mm', 'seconds') / med('mm', 'seconds'):.2f}, "
              f"memory x{med('mm', 'peak_rss_mb') / med('h_mm', 'peak_rss_mb'):.2f}, "
              f"time-to-result x{h_ttr / ttr:.2f}, CPU x{med('h_mm', 'cpu') / med('mm', 'cpu'):.2f}")


if __name__ == "__main__":
    main()
