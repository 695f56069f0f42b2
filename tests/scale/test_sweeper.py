"""Sweeps on Dask: a local cluster inside the suite, a scheduler and a worker started as
separate processes reached by address, a failed run recorded while the rest finish, a
re-run that skips what the table holds, and the same row for the same seed and config."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from distributed import Client

from hftlab.instruments import ConfigError
from hftlab.scale.cli import SCALAR_METRICS, ConfigTask, apply
from hftlab.scale.sweeper import run_one, sweep

GRID = {"half_spread": [1.0, 2.0], "skew": [1.0, -3.0]}  # skew < 0 is out of range: fails
METRICS = ["total_pnl", "max_drawdown", "fills", "volume", "orders", "max_abs_position"]


def _check_table(t: pd.DataFrame, seeds: int) -> None:
    assert len(t) == 4 * seeds
    assert {"half_spread", "skew", "seed", "worker", "seconds", "error", "run_key",
            *METRICS} <= set(t.columns)
    bad = t[t["skew"] < 0]
    good = t[t["skew"] > 0]
    assert bad["error"].str.startswith("ConfigError: InventorySkew.skew").all()
    assert bad["total_pnl"].isna().all()
    assert good["error"].isna().all()
    assert good["fills"].sum() > 0 and np.isfinite(good["total_pnl"]).all()
    assert (good["worker"].str.startswith("tcp://")).all()
    assert (t["seconds"] > 0).all()


def test_local_cluster_sweep_with_a_failing_run_and_a_rerun(config, tmp_path):
    task = ConfigTask(config)
    table = tmp_path / "out" / "sweep.parquet"
    res = sweep(task, GRID, seeds=2, table=table, workers=2, warm=task.warm)
    assert (res.ran, res.skipped, res.failed, res.workers) == (8, 0, 4, 2)
    assert set(res.warm_seconds) == set(res.table["worker"].dropna())
    _check_table(pd.read_parquet(table), seeds=2)
    first = pd.read_parquet(table)
    # the same sweep again: the good runs are skipped, only the failed ones run again
    # (on a Client given by the caller: an in-process cluster, quick to start)
    with Client(processes=False, n_workers=1, threads_per_worker=1,
                dashboard_address=":0") as client:
        again = sweep(task, GRID, seeds=2, table=table, scheduler=client)
        assert (again.ran, again.skipped, again.failed) == (4, 4, 4)
        t = pd.read_parquet(table)
        _check_table(t, seeds=2)
        kept = t[t["error"].isna()].set_index("run_key")[METRICS + ["worker"]]
        assert kept.equals(first[first["error"].isna()].set_index("run_key")[METRICS
                                                                            + ["worker"]])
        # one more seed: only the new seed's runs are run
        more = sweep(task, {"half_spread": [1.0, 2.0], "skew": [1.0]}, seeds=3, table=table,
                     scheduler=client)
        assert (more.ran, more.skipped) == (2, 4)
    assert len(pd.read_parquet(table)) == 10
    # nothing left to run: no cluster is started, the table is as it was
    done = sweep(task, {"skew": [1.0], "half_spread": [2.0, 1.0]}, seeds=[0, 1, 2],
                 table=table)
    assert (done.ran, done.skipped, done.workers) == (0, 6, 0)


def test_same_seed_and_config_give_the_same_row(config):
    task = ConfigTask(config)
    a = run_one(task, {"half_spread": 2.0}, 5)[0]
    b = run_one(task, {"half_spread": 2.0}, 5)[0]
    c = run_one(task, {"half_spread": 2.0}, 6)[0]
    assert a["error"] is None
    keep = [k for k in a if k not in ("worker", "seconds")]
    assert {k: a[k] for k in keep} == {k: b[k] for k in keep}
    assert a["run_key"] != c["run_key"]
    assert {k: a[k] for k in SCALAR_METRICS if k in a} != {k: c[k] for k in SCALAR_METRICS
                                                           if k in c}


def test_grid_names_are_paths_into_the_config(config):
    cfg = ConfigTask(config).cfg
    out = apply(cfg, {"gamma": 0.1, "market.overrides.informed_rate": 8.0,
                      "risk.hard_loss": 50.0})
    assert out["strategy"]["params"]["gamma"] == 0.1
    assert out["market"]["overrides"] == {"informed_rate": 8.0}
    assert out["risk"] == {"hard_loss": 50.0}
    assert "risk" not in cfg  # the task's config is left as it was
    with pytest.raises(ConfigError, match="dotted path starting with one of"):
        apply(cfg, {"nowhere.gamma": 1})
    row = run_one(ConfigTask(config), {"run.bogus": 1}, 0)[0]
    assert row["error"].startswith("ConfigError: unknown field run.bogus")


def _start(args, log):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    return subprocess.Popen([str(Path(sys.executable).with_name("dask")), *args],
                            stdout=log, stderr=subprocess.STDOUT, env=env)


def test_sweep_on_a_scheduler_started_by_address(config, tmp_path):
    """`dask scheduler` and `dask worker` as separate processes on loopback; the sweep
    reaches them by address, like a cluster elsewhere."""
    sched_file = tmp_path / "scheduler.json"
    log = open(tmp_path / "dask.log", "w")
    procs = [_start(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                     "--scheduler-file", str(sched_file)], log)]
    try:
        deadline = time.time() + 60
        while not sched_file.exists() and time.time() < deadline:
            time.sleep(0.2)
        assert sched_file.exists(), (tmp_path / "dask.log").read_text()
        address = json.loads(sched_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        procs.append(_start(["worker", address, "--nworkers", "1", "--nthreads", "1",
                             "--no-dashboard", "--host", "127.0.0.1"], log))
        task = ConfigTask(config)
        res = sweep(task, GRID, seeds=1, table=tmp_path / "t.parquet", scheduler=address,
                    warm=task.warm)
        assert res.workers == 1 and res.failed == 2
        _check_table(res.table, seeds=1)
        assert res.table["worker"].dropna().nunique() == 1
        local = run_one(task, {"half_spread": 1.0, "skew": 1.0}, 0)[0]
        remote = res.table[(res.table["half_spread"] == 1.0) & (res.table["skew"] == 1.0)]
        assert {m: local[m] for m in METRICS} == remote[METRICS].iloc[0].to_dict()
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
        log.close()


def test_unreachable_scheduler_is_a_clear_error(config):
    with pytest.raises(OSError, match="no Dask scheduler reached at tcp://127.0.0.1:9"):
        sweep(ConfigTask(config), {"half_spread": [1.0]}, scheduler="tcp://127.0.0.1:9",
              timeout=2)
