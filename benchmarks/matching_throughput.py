"""Throughput and memory of the compiled matching engine on a mixed message stream.

A deterministic random stream (seeded) of limit, market and cancel messages around a
slowly wandering mid is generated in chunks and run through MatchingEngine.process
(the batch kernel plus the face's conversion of fills and events to tables). Timing
covers processing only, not generation; the kernels are compiled (or loaded from the
numba cache) by a small warm-up run first. Prints messages/s and the process's peak
resident memory (resource.getrusage, which includes Python, numpy and numba itself). The same stream
is run --repeat times on fresh engines; the median, best and worst wall-clock rates are
printed, and rates per CPU second of this process, which stay meaningful when other
work shares the cores (the load average is printed beside them).

    .venv/bin/python benchmarks/matching_throughput.py --messages 2000000 --seed 7
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time

import numpy as np

from hftlab.core.layout import ACT_CANCEL, ACT_SUBMIT, MESSAGE_DTYPE
from hftlab.engine.matching import MatchingEngine
from hftlab.schema import OrderType, TimeInForce

WIDTH = 4096  # ticks in the book's price window
BASE = 10_000  # lowest price of the window, ticks


def make_chunk(rng: np.random.Generator, n: int, first_id: int, mid0: float,
               t0: int) -> tuple[np.ndarray, int, float]:
    """n messages: 55% limit (10% of them marketable), 5% market, 40% cancel.

    Cancels name one of the ~2000 most recent order ids (ids are issued one per submit,
    so they are known here); some of those have already traded or gone, as in a real
    cancel race, and come back UNKNOWN_ORDER. Returns (messages, next id, mid).
    """
    kind = rng.random(n)
    is_cancel = kind < 0.40
    is_market = (kind >= 0.40) & (kind < 0.45)
    is_submit = ~is_cancel
    ids = first_id + np.cumsum(is_submit) - is_submit  # id a submit at row k would get
    mid = mid0 + np.cumsum(rng.normal(0.0, 0.05, n))  # ticks, a slow random walk
    mid = np.clip(mid, BASE + 500, BASE + WIDTH - 500)
    side = np.where(rng.random(n) < 0.5, 1, -1)
    dist = rng.geometric(0.25, n) - 1  # ticks away from the touch, passive side
    aggressive = rng.random(n) < 0.10
    dist = np.where(aggressive, -rng.integers(1, 4, n), dist)
    touch = np.where(side > 0, np.floor(mid - 0.5), np.ceil(mid + 0.5))
    price = (touch - side * dist).astype(np.int64)
    m = np.zeros(n, dtype=MESSAGE_DTYPE)
    m["action"] = np.where(is_cancel, ACT_CANCEL, ACT_SUBMIT)
    m["ts"] = t0 + np.arange(n) * 1_000  # one message per microsecond
    m["owner"] = rng.integers(1, 200, n)  # 199 background agents, STP on
    m["side"] = side
    m["price"] = price
    m["qty"] = rng.integers(1, 20, n)
    m["order_type"] = np.where(is_market, OrderType.MARKET, OrderType.LIMIT)
    m["tif"] = np.where(rng.random(n) < 0.1, TimeInForce.IOC, TimeInForce.GTC)
    back = rng.integers(1, 2000, n)
    m["order_id"] = np.where(is_cancel, np.maximum(ids - back, 1), 0)
    return m, int(first_id + is_submit.sum()), float(mid[-1])


def rss_mib() -> float:
    """Current resident memory of this process (Linux /proc), MiB; 0 where unavailable."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):
        return 0.0


def run(n_messages: int, seed: int, chunk: int) -> dict[str, float]:
    """Process the stream; returns counts, seconds and messages/s."""
    warm = MatchingEngine([BASE], WIDTH)
    warm.process(make_chunk(np.random.default_rng(0), 1000, 1, BASE + WIDTH / 2, 0)[0])

    baseline = rss_mib()  # Python, numpy, numba and the compiled kernels
    rng = np.random.default_rng(seed)
    eng = MatchingEngine([BASE], WIDTH, capacity=1 << 16, buffer_rows=1 << 16)
    next_id, mid, done, secs, cpu = 1, BASE + WIDTH / 2, 0, 0.0, 0.0
    n_fills = n_events = n_rejected = 0
    status_counts = np.zeros(8, dtype=np.int64)
    while done < n_messages:
        n = min(chunk, n_messages - done)
        msgs, next_id, mid = make_chunk(rng, n, next_id, mid, done * 1_000)
        t, c = time.perf_counter(), time.process_time()
        out = eng.process(msgs)
        secs += time.perf_counter() - t
        cpu += time.process_time() - c
        n_fills += out.fills.shape[0]
        n_events += out.events.shape[0]
        status_counts += np.bincount(out.results["status"], minlength=8)[:8]
        n_rejected += int((out.results["reason"] == 9).sum())
        done += n
    return {"messages": done, "seconds": secs, "msgs_per_s": done / secs,
            "cpu_seconds": cpu, "msgs_per_cpu_s": done / cpu,
            "fills": n_fills, "events": n_events, "resting": int(eng.n_resting.sum()),
            "unknown_cancels": n_rejected, "baseline_mib": baseline,
            "pool_mib": eng.orders.nbytes / 2**20, "filled_orders": int(status_counts[3]),
            "orders": next_id - 1}


def cpu_name() -> str:
    """The CPU model from /proc/cpuinfo where there is one, else the machine type."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--messages", type=int, default=2_000_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--chunk", type=int, default=250_000)
    p.add_argument("--repeat", type=int, default=3, help="runs of the same stream")
    a = p.parse_args()
    runs = [run(a.messages, a.seed, a.chunk) for _ in range(a.repeat)]
    rates = sorted(x["msgs_per_s"] for x in runs)
    cpu_rates = sorted(x["msgs_per_cpu_s"] for x in runs)
    r = runs[0]
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(f"machine: {cpu_name()}, {os.cpu_count()} cpus, {platform.system()}, "
          f"python {platform.python_version()}, numpy {np.__version__}")
    print(f"messages: {r['messages']:,} (orders {r['orders']:,}, cancels naming a closed "
          f"order {r['unknown_cancels']:,})")
    print(f"fills: {r['fills']:,}  events: {r['events']:,}  resting at end: {r['resting']:,}")
    print(f"throughput over {a.repeat} runs: median {rates[len(rates) // 2] / 1e6:.2f}, "
          f"best {rates[-1] / 1e6:.2f}, worst {rates[0] / 1e6:.2f} M messages/s "
          f"(first run {r['seconds']:.3f} s wall)")
    print(f"per CPU second (robust when the machine is shared): median "
          f"{cpu_rates[len(cpu_rates) // 2] / 1e6:.2f}, best {cpu_rates[-1] / 1e6:.2f} M/s; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cpus")
    print(f"peak RSS: {peak_mb:.0f} MiB (before the first run: {r['baseline_mib']:.0f} MiB of "
          f"interpreter, libraries and compiled code; order pool at the end "
          f"{r['pool_mib']:.0f} MiB, 64 bytes per order id)")


if __name__ == "__main__":
    main()
