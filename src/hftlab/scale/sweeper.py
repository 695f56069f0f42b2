"""sweep: one task per (parameter set, seed) on a Dask cluster, results in a Parquet table.

A task is any picklable callable ``task(params: dict, seed: int)`` returning the run's
metrics as a dict (one row) or a list of dicts (several rows, e.g. one per strategy);
``run_one`` wraps it on the worker so that an exception becomes the row's ``error``
instead of failing the sweep. The cluster is a ``distributed.LocalCluster`` of
``workers`` processes (default: one per core, one thread each: the compiled loop is
single-threaded) or an existing scheduler reached by address (``tcp://host:8786``) or
a ``distributed.Client``. Before the first task, ``warm`` runs once on every worker as a
task pinned to it, so numba's on-disk caches are loaded (or compiled) there and a task
costs what a warm backtest costs.

The table holds, per row: the parameters (one column each), seed, the task's metrics,
worker (address), seconds (wall time of the task on its worker), error (None, or
"<Type>: <message>") and run_key (parameters and seed as JSON). It is rewritten
atomically every ``flush_s`` seconds and at the end, so an interrupted sweep keeps what
finished; running the same sweep again skips every run already in the table without an
error and runs the failed and missing ones.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Sequence

from hftlab.instruments import ConfigError, check
from hftlab.scale.grid import expand_grid, run_key

if TYPE_CHECKING:
    import pandas as pd
    from distributed import Client
    from rich.console import Console

Task = Callable[[dict, int], "Mapping[str, Any] | Sequence[Mapping[str, Any]]"]
RUN_FIELDS = ("seed", "worker", "seconds", "error", "run_key")


@dataclass
class SweepResult:
    """What a sweep left: the whole table (earlier rows included) and how this call went.

    ran / skipped / failed count tasks (a task may leave several rows); warm_seconds is
    the wall time of the warm-up on each worker; seconds the wall time of the call."""

    table: pd.DataFrame
    ran: int
    skipped: int
    failed: int
    seconds: float
    workers: int
    warm_seconds: dict[str, float] = field(default_factory=dict)
    path: Path | None = None


def worker_address() -> str:
    """The Dask worker running this code, or "local" outside a worker."""
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):
        return "local"


def run_one(task: Task, params: Mapping[str, Any], seed: int) -> list[dict[str, Any]]:
    """task(params, seed) as table rows with worker, seconds and error; never raises: a
    failed task is one row whose error is "<Type>: <message>" and whose metrics are
    missing."""
    t0 = time.perf_counter()
    try:
        out = task(dict(params), int(seed))
        rows = [dict(out)] if isinstance(out, Mapping) else [dict(r) for r in out]
        error = None
    except Exception as exc:  # the sweep goes on; the row says what went wrong
        rows, error = [{}], f"{type(exc).__name__}: {' '.join(str(exc).split())}"
    meta = {"seed": int(seed), "worker": worker_address(),
            "seconds": time.perf_counter() - t0, "error": error,
            "run_key": run_key(params, seed)}
    return [{**r, **params, **meta} for r in rows]


def _timed(warm: Callable[[], Any]) -> float:
    """Seconds warm() took; NaN when it failed (the tasks then report their own errors)."""
    t0 = time.perf_counter()
    try:
        warm()
    except Exception:  # a warm-up that fails leaves the tasks to fail with their reason
        return float("nan")
    return time.perf_counter() - t0


def _connect(scheduler: Any, workers: int | None, timeout: float
             ) -> tuple[Client, list[Any]]:
    """(client, things to close): a new LocalCluster, or the cluster at an address, or
    the Client given (left open)."""
    from distributed import Client, LocalCluster

    if isinstance(scheduler, Client):
        return scheduler, []
    if scheduler is None:
        n = workers or os.cpu_count() or 1
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                               dashboard_address=":0", silence_logs=logging.ERROR)
        client = Client(cluster)
        return client, [client, cluster]
    check(isinstance(scheduler, str) and scheduler != "", "scheduler",
          "a scheduler address such as tcp://127.0.0.1:8786, a Client, or None", scheduler)
    try:
        client = Client(scheduler, timeout=f"{timeout}s")
    except OSError as exc:
        raise OSError(f"no Dask scheduler reached at {scheduler} ({exc})") from None
    return client, [client]


def _read_table(path: Path | None) -> pd.DataFrame | None:
    import pandas as pd

    if path is None or not path.exists():
        return None
    t = pd.read_parquet(path)
    check("run_key" in t.columns and "error" in t.columns, f"table {path}",
          "a sweep table written by hftlab.scale.sweep (run_key and error columns)",
          list(t.columns))
    return t


def _write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write frame to path through a temporary file, so a reader never sees half a table."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    frame.to_parquet(tmp, index=False)
    os.replace(tmp, path)


def _frame(old: pd.DataFrame | None, rows: list[dict[str, Any]]) -> pd.DataFrame:
    import pandas as pd

    new = pd.DataFrame(rows)
    if old is None or not len(old):
        return new.reset_index(drop=True)
    return pd.concat([old, new], ignore_index=True) if len(new) else old


def sweep(task: Task, grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]],
          seeds: int | Sequence[int] = 1, *, table: str | Path | None = None,
          scheduler: Any = None, workers: int | None = None,
          warm: Callable[[], Any] | None = None, progress: bool | Console = False,
          flush_s: float = 5.0, description: str = "sweep", timeout: float = 20.0
          ) -> SweepResult:
    """Run task(params, seed) for every parameter set of grid and every seed on Dask.

    grid: {name: values} (cartesian product) or a list of parameter sets. seeds: a count
    N (seeds 0 .. N-1) or the seeds themselves. table: the Parquet file of results (read
    first: runs already there without an error are skipped, failed ones run again).
    scheduler: None (a LocalCluster of ``workers`` processes), an address, or a Client.
    warm: run once on each worker before the tasks (numba caches). progress: a Rich bar
    fed by the futures as they finish (True: on stderr; or the Console to draw on).
    timeout: seconds to reach a scheduler given by address.
    """
    from distributed import as_completed

    t_start = time.perf_counter()
    sets = expand_grid(grid)
    seed_list = list(range(seeds)) if isinstance(seeds, int) else [int(s) for s in seeds]
    check(len(seed_list) > 0 and all(s >= 0 for s in seed_list), "seeds",
          "a count >= 1 or a list of seeds >= 0", seeds)
    for p in sets:
        clash = sorted(set(p) & set(RUN_FIELDS))
        if clash:
            raise ConfigError(f"grid parameter {clash[0]!r} is a column of the sweep table "
                              f"itself; rename it (reserved: {list(RUN_FIELDS)})")
    path = Path(table) if table is not None else None
    old = _read_table(path)
    done = set(old.loc[old["error"].isna(), "run_key"]) if old is not None else set()
    runs = [(p, s) for p in sets for s in seed_list if run_key(p, s) not in done]
    skipped = len(sets) * len(seed_list) - len(runs)
    if old is not None:  # failed runs about to be retried leave the table
        retry = {run_key(p, s) for p, s in runs}
        old = old[~old["run_key"].isin(retry)].reset_index(drop=True)
    rows: dict[int, list[dict[str, Any]]] = {}
    failed = 0
    warm_seconds: dict[str, float] = {}
    n_workers = 0
    if runs:
        client, to_close = _connect(scheduler, workers, timeout)
        try:
            if scheduler is None:
                client.wait_for_workers(workers or os.cpu_count() or 1, timeout=120)
            elif not client.scheduler_info()["workers"]:
                client.wait_for_workers(1, timeout=60)
            addresses = sorted(client.scheduler_info()["workers"])
            n_workers = len(addresses)
            if warm is not None:
                futs = {a: client.submit(_timed, warm, workers=[a], allow_other_workers=False,
                                         pure=False, key=f"warm-{uuid.uuid4().hex}")
                        for a in addresses}
                warm_seconds = {a: float(f.result()) for a, f in futs.items()}
            futures = {client.submit(run_one, task, p, s, pure=False,
                                     key=f"run-{k}-{uuid.uuid4().hex}"): k
                       for k, (p, s) in enumerate(runs)}
            failed = _collect(as_completed(futures), futures, runs, rows, old, path, progress,
                              flush_s, description)
        finally:
            for thing in to_close:
                thing.close()
    ordered = [r for k in sorted(rows) for r in rows[k]]
    frame = _frame(old, ordered)
    if path is not None and (runs or not path.exists()):
        _write_table(frame, path)
    return SweepResult(frame, len(runs), skipped, failed, time.perf_counter() - t_start,
                       n_workers, warm_seconds, path)


def _collect(finished: Any, futures: dict, runs: list, rows: dict, old: Any,
             path: Path | None, progress: bool | Console, flush_s: float,
             description: str) -> int:
    """Gather the futures as they finish into rows (a future that itself failed, e.g. a
    worker lost, becomes an error row), drawing the bar and flushing the table every
    flush_s seconds. Returns the number of failed tasks."""
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn, TimeRemainingColumn)

    console = progress if isinstance(progress, Console) else Console(stderr=True)
    bar = Progress(TextColumn(f"[bold]{description}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("{task.fields[failed]} failed"), TimeElapsedColumn(),
                   TimeRemainingColumn(), console=console, disable=progress is False)
    failed, last = 0, time.perf_counter()
    with bar:
        t = bar.add_task(description, total=len(futures), failed=0)
        for fut in finished:
            k = futures[fut]
            if fut.status == "error":
                p, s = runs[k]
                exc = fut.exception()
                rows[k] = [{**p, "seed": s, "worker": None, "seconds": float("nan"),
                            "error": f"{type(exc).__name__}: {exc}", "run_key": run_key(p, s)}]
            else:
                rows[k] = fut.result()
            failed += any(r["error"] is not None for r in rows[k])
            bar.update(t, advance=1, failed=failed)
            if path is not None and time.perf_counter() - last > flush_s:
                _write_table(_frame(old, [r for j in sorted(rows) for r in rows[j]]), path)
                last = time.perf_counter()
    return failed
