"""A backtest inside a simulated market: events per second and simulated seconds per second.

The demo's InventorySkew market maker (compiled, 10 lots a side, requoting every 100 ms,
colocated latency) trades live in hftlab.sim's "informed-episode" market: the agents and
the strategy take turns in compiled code (engine/simulated_nb.py), our orders go into
the agents' matching engine and they react. Timed: the backtest alone (the market is
built first; a warm-up run loads the numba cache). Printed beside it, on the same
session: generating the background market alone (hftlab.sim.market) and replaying it
without impact (mode="replay"), so the cost of the live mode is plain. Each figure is
the median of --repeat runs, wall and CPU time (on a shared machine the CPU figure is the
one to compare); peak memory is the process's VmHWM.

Peers: hftbacktest has no agent-based market to compare with; ABIDES (not installed
here) runs about 35 k messages/s of its Python kernel, the issue's figure.

    .venv/bin/python benchmarks/live_backtest.py --seconds 3600 --repeat 3
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

from _memory import peak_rss_mb  # benchmarks/ is on sys.path when run as a script

import hftlab
from hftlab import LatencyProfile, Venue
from hftlab.demo import FEES, strategies
from hftlab.sim import market


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """Median wall and CPU seconds of repeat calls (CPU: this process, all its threads;
    the figure to compare on a machine shared with other jobs), and the last result."""
    wall, cpu, out = [], [], None
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        out = fn()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    return statistics.median(wall), statistics.median(cpu), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=3600.0, help="simulated session length")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    data = market("informed-episode", seconds=a.seconds, seed=a.seed)
    venue = Venue(data.venues[0].name, FEES, LatencyProfile.named("colocated"))
    strat = strategies()["inventory_skew"].compiled()

    def live():
        return hftlab.backtest(data, strat, venues=[venue], seed=a.seed, mode="simulate")

    def replay():
        return hftlab.backtest(data, strat, venues=[venue], seed=a.seed, mode="replay")

    live()  # warm-up: numba cache
    replay()
    t_gen, c_gen, _ = timed(lambda: market("informed-episode", seconds=a.seconds, seed=a.seed),
                            a.repeat)
    t_live, c_live, rec = timed(live, a.repeat)
    t_replay, c_replay, rep = timed(replay, a.repeat)
    ev = rec.meta["events"]
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    print(f"session: informed-episode, {a.seconds:g} s simulated, seed {a.seed}: "
          f"{len(data):,} background events; live run {ev:,} events "
          f"({ev - len(data):+,} from our orders and the agents' answers), "
          f"{len(rec.orders):,} order records, {len(rec.fills):,} fills")
    print(f"live backtest (simulate):   {t_live:7.3f} s  {ev / t_live / 1e6:6.2f} M events/s  "
          f"{a.seconds / t_live:8.0f} simulated s per s; CPU {c_live:.3f} s, "
          f"{ev / c_live / 1e6:.2f} M events per CPU-s")
    print(f"background market alone:   {t_gen:7.3f} s  {len(data) / t_gen / 1e6:6.2f} M events/s; "
          f"CPU {c_gen:.3f} s")
    print(f"replay of the background:   {t_replay:7.3f} s  "
          f"{rep.meta['events'] / t_replay / 1e6:6.2f} M events/s  "
          f"({len(rep.fills):,} fills, no impact); CPU {c_replay:.3f} s")
    print(f"live / (generate + replay): x{t_live / (t_gen + t_replay):.2f} the time")
    print(f"peak memory: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
