"""Scaling of hftlab.scale.sweep: tasks per second with 1 and 2 Dask workers, and the
overhead per task against a plain loop in one process.

The task is one backtest from a TOML config (hftlab.scale.cli.ConfigTask): InventorySkew
(compiled, 10 lots, 100 ms requote) trading live in a simulated calm market of --seconds
seconds, seeds 0 .. --tasks - 1, so every task simulates its own market and runs its own
backtest in it.

- plain loop: the same tasks called one after another in this process, after one warm
  call (the numba cache loaded), wall time.
- Dask: a LocalCluster of N worker processes (one thread each) started and warmed first
  (both timed apart), then the sweep's wall time from the first submit to the last
  result (hftlab.scale.sweep on that client: submit, run, gather, progress bookkeeping;
  no table file). overhead per task = (sweep wall x N - plain loop wall) / tasks, i.e.
  the worker time a task costs beyond the loop's.

    python benchmarks/sweep_scaling.py [--seconds 300] [--tasks 40] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import tempfile
import time
from pathlib import Path

CONFIG = """
[market]
source = "sim"
scenario = "calm"
seconds = {seconds}

[venue]
maker = -0.002
taker = 0.003
latency = "colocated"

[strategy]
name = "inventory_skew"
[strategy.params]
half_spread = 1.0
skew = 3.0
qty = 10
capacity = 200
"""


def plain_loop(task, n: int) -> float:
    task({}, 0)  # warm: load the kernels
    t0 = time.perf_counter()
    for seed in range(n):
        task({}, seed)
    return time.perf_counter() - t0


def on_cluster(task, n: int, workers: int) -> dict:
    from distributed import Client, LocalCluster

    from hftlab.scale.sweeper import sweep

    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=":0", silence_logs=logging.ERROR)
    client = Client(cluster)
    client.wait_for_workers(workers)
    started = time.perf_counter() - t0
    try:
        t1 = time.perf_counter()
        client.run(task, {}, 0)  # warm each worker (what sweep's warm= does)
        warmed = time.perf_counter() - t1
        res = sweep(task, {}, n, scheduler=client)
        wall = res.seconds
        per_worker = res.table.groupby("worker")["seconds"].agg(["size", "sum"])
    finally:
        client.close()
        cluster.close()
    assert res.failed == 0, res.table["error"].dropna().unique()
    return {"workers": workers, "start_s": started, "warm_s": warmed, "wall_s": wall,
            "tasks_per_s": n / wall, "task_s_median": float(res.table["seconds"].median()),
            "per_worker": {k: int(v) for k, v in per_worker["size"].items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=300.0)
    ap.add_argument("--tasks", type=int, default=40)
    ap.add_argument("--json", type=Path)
    a = ap.parse_args()
    from hftlab.scale.cli import ConfigTask

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "bench.toml"
        path.write_text(CONFIG.format(seconds=a.seconds))
        task = ConfigTask(path)
        loop = plain_loop(task, a.tasks)
        runs = [on_cluster(task, a.tasks, w) for w in (1, 2)]
    out = {"machine": f"{platform.machine()}, {os.cpu_count()} cores, Python "
                      f"{platform.python_version()}",
           "seconds": a.seconds, "tasks": a.tasks, "loop_s": loop, "loop_tasks_per_s":
           a.tasks / loop, "dask": runs}
    print(f"{out['machine']}; {a.tasks} tasks, each a {a.seconds:g}-s simulated session")
    print(f"plain loop: {loop:.2f} s, {a.tasks / loop:.2f} tasks/s "
          f"({1e3 * loop / a.tasks:.0f} ms a task)")
    for r in runs:
        over = (r["wall_s"] * r["workers"] - loop) / a.tasks
        r["overhead_ms_per_task"] = 1e3 * over
        print(f"{r['workers']} worker(s): {r['wall_s']:.2f} s, {r['tasks_per_s']:.2f} tasks/s "
              f"(x{r['tasks_per_s'] * loop / a.tasks:.2f} the loop), overhead "
              f"{1e3 * over:.0f} ms a task; cluster start {r['start_s']:.1f} s, warm "
              f"{r['warm_s']:.1f} s; tasks per worker {r['per_worker']}")
    if a.json:
        a.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
