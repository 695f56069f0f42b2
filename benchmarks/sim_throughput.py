"""Simulated messages per second through the matching engine on one core, with memory.

A busy "calm" market (zero-intelligence flow, noise takers and a market maker with
every rate multiplied by --scale) runs for as many simulated seconds as it takes to send
about --messages commands to the matching engine. Timed: the compiled loop (agents'
decisions, latency queues, matching, bookkeeping, event collection) from a fresh state;
not timed: compilation (a warm-up run loads or builds the numba cache) and turning the
event rows into a MarketData table (reported separately). A message is one command the
engine processed (submit, cancel or modify, accepted or not). Each repeat runs on a
fresh state; median, best and worst wall-clock rates are printed, and rates per CPU
second of this process, which stay meaningful when other work shares the cores (the
load average is printed beside them). Peak memory is the process's peak resident set
(resource.getrusage: Python, numpy and numba included).

For comparison, ABIDES' published throughput for its Python kernel is about 35 k
messages/s on the same kind of machine (the issue's figure; not re-measured here).

    .venv/bin/python benchmarks/sim_throughput.py --messages 5000000 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import time

import numpy as np

from hftlab.sim import layout as L
from hftlab.sim import simulator as S
from hftlab.sim.scenarios import build


def busy(scale: float, seconds: float, seed: int):
    """The benchmark market: calm with every rate multiplied by scale."""
    return build("calm", seconds=seconds, seed=seed, zi_lambda_k=1.92 * scale,
                 zi_market_rate=0.94 * scale, noise_buy_rate=5.0 * scale,
                 noise_sell_rate=5.0 * scale, maker_requote_rate=2.0 * scale)


class _Count:
    """An event sink that only counts the rows it is shown (simulator.run_state hands a
    sink views of its buffer, as it would a Parquet writer)."""

    rows = 0

    def write(self, rows: np.ndarray, record: np.ndarray) -> None:
        self.rows += len(rows)


def run_once(scale: float, seconds: float, seed: int, keep: bool
             ) -> tuple[int, int, float, float, float]:
    """(messages, events, wall seconds, CPU seconds, seconds to build the event table).
    The order pool is sized up front as hftlab.sim.market does (expected_orders)."""
    setup = busy(scale, seconds, seed)
    st = S.new_state(setup, capacity=S.expected_orders(setup))
    parts: list = [] if keep else _Count()
    w0, c0 = time.perf_counter(), time.process_time()
    S.seed_book(setup, st, parts)
    S.run_state(st, parts)
    wall, cpu = time.perf_counter() - w0, time.process_time() - c0
    t0 = time.perf_counter()
    if keep:
        rows = np.concatenate([p[0] for p in parts])
        n_ev = len(S.to_events(rows, 1))
    else:
        n_ev = parts.rows
    return int(st.cur["msgs"][0]), n_ev, wall, cpu, time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=5_000_000)
    ap.add_argument("--scale", type=float, default=100.0, help="rate multiplier")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--keep-events", action="store_true",
                    help="keep every event in memory and build the EVENT_DTYPE table, as "
                         "hftlab.sim.market does (default: stream them away)")
    a = ap.parse_args()
    run_once(a.scale, 5.0, a.seed, False)  # compile or load the numba cache
    probe = run_once(a.scale, 20.0, a.seed, False)
    seconds = 20.0 * a.messages / max(probe[0], 1)
    walls, cpus = [], []
    for _ in range(a.repeat):
        n, n_ev, wall, cpu, conv = run_once(a.scale, seconds, a.seed, a.keep_events)
        walls.append(n / wall)
        cpus.append(n / cpu)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, load average {os.getloadavg()[0]:.2f}")
    print(f"busy calm market x{a.scale:g}: {n:,} messages in {seconds:,.0f} simulated s "
          f"({n / seconds:,.0f} messages per simulated s)")
    print(f"messages/s (wall): median {np.median(walls) / 1e6:.2f} M, best "
          f"{max(walls) / 1e6:.2f} M, worst {min(walls) / 1e6:.2f} M")
    print(f"messages/s per CPU second: median {np.median(cpus) / 1e6:.2f} M")
    mode = (f"events kept in memory, table built in {conv:.2f} s" if a.keep_events
            else "events streamed away")
    print(f"{n_ev:,} canonical events ({mode}); peak RSS {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
