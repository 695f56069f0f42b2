"""Throughput of VPIN and Lee-Ready on synthetic trades, and of flowrisk on the same input.

Usage:  python benchmarks/analytics_throughput.py [--trades 10000000] [--flowrisk-rows 20000]

Prints, for each measured call of the public faces (hftlab.analytics.vpin, lee_ready):
wall time, trades/s and the process's peak resident memory (ru_maxrss). Compilation is
done once on a small warm-up input and reported apart (numba caches it on disk).

When flowrisk (the `bench` extra, flowrisk==0.3.0) is importable, its BulkVPIN runs on the
same rows as time bars (time, price, volume). flowrisk is a pure-Python per-row loop
(about 14 k bars/s), so by default it runs on the first --flowrisk-rows rows of the same
input (--flowrisk-rows 0 runs all of it; about 12 minutes per 10 M rows) and the ratio
compares rows/s with hftlab's VPIN in the same per-row-bar mode (bar=None, each row one
BVC bar, buckets of the same volume, 50-bucket window) on the full input. flowrisk 0.3.0
calls np.math, which numpy 2 removed; `np.math = math` restores it without changing its
results.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import resource
import sys
import time

import numpy as np
import pandas as pd


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, MB (ru_maxrss is KB on Linux)."""
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024.0 if sys.platform != "darwin" else kb / 1024.0 / 1024.0


def synthetic_market(n: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """n trades over one day (price a random walk on ticks, buys at the ask, sells at the
    bid) and one quote update 1 us before each trade."""
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(86_400e9 / n, n).astype(np.int64) + 2_000
    ts = np.cumsum(gaps) + 1_700_000_000 * 10**9
    side = rng.choice(np.array([-1, 1], dtype=np.int8), n)
    bid = 100_000.0 + np.cumsum(rng.integers(-1, 2, n)).astype(np.float64)
    ask = bid + 1.0 + (rng.random(n) < 0.2)
    price = np.where(side > 0, ask, bid)
    qty = rng.integers(1, 100, n).astype(np.float64)
    trades = pd.DataFrame({"ts": ts, "price": price, "qty": qty}, copy=False)
    quotes = pd.DataFrame({"ts": ts - 1_000, "bid": bid, "ask": ask}, copy=False)
    return trades, quotes


def timed(label: str, n: int, fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    dt = time.perf_counter() - t0
    rate = n / dt
    shown = f"{rate / 1e6:10.2f} M" if rate >= 1e6 else f"{rate / 1e3:10.2f} k"
    print(f"{label:<52} {dt:8.3f} s {shown} trades/s   peak RSS {peak_rss_mb():8.0f} MB")
    return out, n / dt


def run_flowrisk(trades: pd.DataFrame, rows: int, bucket_volume: float):
    """flowrisk BulkVPIN on the first `rows` rows as time bars; returns (vpin frame, rows/s)."""
    try:
        np.math = math  # flowrisk 0.3.0 calls np.math (removed in numpy 2); same results
        import flowrisk as fr
    except ImportError:
        return None, None
    cfg = fr.BulkVPINConfig()
    cfg.BUCKET_MAX_VOLUME = float(bucket_volume)
    cfg.N_BUCKET_OR_BUCKET_DECAY = 50
    # its volatility starts from the first rows' price changes; with the default 2 rows a
    # zero first change gives 0/0 = NaN, so start from 20 (its own config knob)
    cfg.N_TIME_BAR_FOR_INITIALIZATION = 20
    bars = pd.DataFrame({"time": trades["ts"].to_numpy()[:rows],
                         "price": trades["price"].to_numpy()[:rows],
                         "volume": trades["qty"].to_numpy()[:rows]})
    est = fr.BulkVPIN(cfg)
    return timed(f"flowrisk 0.3.0 BulkVPIN, {rows:,} rows as bars", rows, est.estimate, bars)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trades", type=int, default=10_000_000, help="number of trades")
    ap.add_argument("--flowrisk-rows", type=int, default=20_000,
                    help="rows fed to flowrisk (0 = all; it runs ~14 k rows/s)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.trades < 1_000:
        ap.error("--trades must be >= 1000")

    import numba

    from hftlab.analytics import lee_ready, vpin
    from hftlab.analytics.vpin import default_bucket_volume

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"Python {platform.python_version()}, numpy {np.__version__}, "
          f"numba {numba.__version__}, pandas {pd.__version__}")
    t0 = time.perf_counter()
    small_t, small_q = synthetic_market(5_000, args.seed + 1)
    vpin(small_t, bar="1min")
    vpin(small_t, bar=None)
    lee_ready(small_t, small_q)
    print(f"warm-up (numba compile or cache load): {time.perf_counter() - t0:.2f} s")

    t0 = time.perf_counter()
    trades, quotes = synthetic_market(args.trades, args.seed)
    n = len(trades)
    print(f"generated {n:,} trades and {len(quotes):,} quotes in "
          f"{time.perf_counter() - t0:.1f} s; peak RSS {peak_rss_mb():.0f} MB")
    V = default_bucket_volume(trades["ts"].to_numpy(), trades["qty"].to_numpy())
    print(f"bucket volume V = daily volume / 50 = {V:,.0f}; window n = 50")

    v_min, _ = timed("hftlab vpin (BVC on 1-min bars)", n, vpin, trades, bar="1min")
    v_1s, _ = timed("hftlab vpin (BVC on 1-s bars)", n, vpin, trades, bar="1s")
    v_row, ours_rate = timed("hftlab vpin (each row a BVC bar)", n, vpin, trades, bar=None)
    timed("hftlab vpin (tick rule per trade)", n, vpin, trades, classify="tick")
    signs, _ = timed("hftlab lee_ready (quotes as-of merge + rule)", n, lee_ready, trades,
                     quotes)
    for name, v in (("1-min", v_min), ("1-s", v_1s), ("per-row", v_row)):
        x = v["vpin"].dropna()
        print(f"  VPIN {name:>7}: {len(v)} buckets, mean {x.mean():.4f}, "
              f"range [{x.min():.4f}, {x.max():.4f}]")
    print(f"  Lee-Ready buy share {float((signs.to_numpy() > 0).mean()):.4f}")

    rows = n if args.flowrisk_rows <= 0 else min(args.flowrisk_rows, n)
    fr_out, fr_rate = run_flowrisk(trades, rows, V)
    if fr_rate is None:
        print("flowrisk not installed (pip install 'hftlab[bench]'): no comparison")
        return 0
    prefix = trades.iloc[:rows]
    _, prefix_rate = timed(f"hftlab vpin (each row a bar), same {rows:,} rows", rows, vpin,
                           prefix, bar=None, bucket_volume=V)
    fr_v = fr_out["vpin"].to_numpy(dtype=np.float64)
    print(f"  flowrisk VPIN on its rows: mean {np.nanmean(fr_v):.4f} "
          f"(its BVC uses an EWMA volatility and floors buy volume, so values differ)")
    print(f"speed ratio hftlab/flowrisk, rows/s, per-row bars: {ours_rate / fr_rate:,.0f}x "
          f"(hftlab on {n:,} rows vs flowrisk on {rows:,}); "
          f"on the same {rows:,}-row prefix: {prefix_rate / fr_rate:,.0f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
