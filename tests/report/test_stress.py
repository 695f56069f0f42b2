"""The stress and sweep reports, drawn from tables made here (no backtest): every section,
figure and file is there, numbers as given."""

import itertools
import json

import numpy as np
import pandas as pd
import pytest

from hftlab.instruments import ConfigError
from hftlab.report.stress import write_stress_report
from hftlab.report.sweep import heatmap, means, parameters, write_sweep_report
from hftlab.scale.grid import run_key
from hftlab.analytics.tail_risk import tail_risk
from hftlab.studies.stress import KEYS, StressResult, stress_table


def _rows(seeds: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for stress in ("flash-crash", "news-jump"):
        for name in ("static", "glft"):
            for on, halt, seed in itertools.product((False, True), (False, True),
                                                    range(1, seeds + 1)):
                pnl = float(rng.normal(-50 if not on else -10, 30))
                path = list(np.cumsum(rng.normal(0, 1, 121)) + np.linspace(0, pnl, 121))
                rows.append({"strategy": name, "stress": stress, "breakers": on,
                             "exchange_halt": halt, "seed": seed, "calm_pnl": 20.0,
                             "pnl": pnl, "impact": pnl - 20.0, "max_drawdown": abs(pnl) + 5,
                             "worst_inventory": 40, "halted": on,
                             "time_to_halt_s": 30.0 if on else np.nan,
                             "loss_after_halt": -1.0 if on else np.nan,
                             "exchange_halts": 2 if halt else 0,
                             "time_to_exchange_halt_s": 40.0 if halt else np.nan,
                             "max_move_bps": 300.0 if halt else 700.0, "path": path,
                             "calm_path": list(np.linspace(0, 20, 121))})
    return pd.DataFrame(rows)


def test_stress_report_has_the_table_the_tail_and_the_figures(tmp_path):
    rows = _rows()
    tail = pd.concat([tail_risk(g["pnl"].to_numpy(), n_boot=200).assign(**dict(zip(KEYS, k)))
                      for k, g in rows.groupby(KEYS, sort=False)])
    res = StressResult(rows, stress_table(rows), tail, 12.5, 1200.0, 2,
                       rows.iloc[:0].assign(error=[]))
    path = write_stress_report(res, tmp_path, "stress test page",
                               {"flash-crash": "a crash", "news-jump": "a gap"},
                               ["Exchange trading halt: not simulated."])
    html = path.read_text()
    for text in ("stress test page", "Stress table", "Tail risk over seeds", "flash-crash",
                 "news-jump", "a crash", "not simulated", "loss_after_halt", "max_move_bps",
                 "with the exchange&#x27;s halt"):
        assert text in html
    # an impact figure per exchange-halt setting; per stress and setting 2x2 + drawdowns
    assert html.count("<img") == 2 + 2 * 2 * (2 * 2 + 1)
    table = pd.read_csv(tmp_path / "stress_table.csv")
    assert len(table) == 16 and (table["seeds"] == 12).all()
    row = table[(table["strategy"] == "glft") & (table["stress"] == "news-jump")
                & table["breakers"] & table["exchange_halt"]].iloc[0]
    sel = rows[(rows["strategy"] == "glft") & (rows["stress"] == "news-jump") & rows["breakers"]
               & rows["exchange_halt"]]
    assert row["impact"] == pytest.approx(sel["impact"].mean())
    assert row["halted"] == 1.0 and row["exchange_halts"] == 2.0
    assert len(pd.read_parquet(tmp_path / "stress_rows.parquet")) == len(rows)
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["workers"] == 2 and len(summary["tail"]) == 32


def _sweep_table() -> pd.DataFrame:
    rows = []
    for a in (1, 2, 3):
        for b in (0.1, 0.2):
            for seed in (0, 1):
                bad = a == 3 and b == 0.2
                rows.append({"total_pnl": np.nan if bad else a * 10 + b + seed,
                             "sharpe_run": np.nan if bad else a - b,
                             "max_drawdown": 1.0, "fills": 5, "a": a, "b": b, "seed": seed,
                             "worker": "tcp://127.0.0.1:1", "seconds": 0.5,
                             "error": "ValueError: no" if bad else None,
                             "run_key": run_key({"a": a, "b": b}, seed)})
    return pd.DataFrame(rows)


def test_sweep_report_heatmaps_means_and_failures(tmp_path):
    t = _sweep_table()
    assert parameters(t) == ["a", "b"]
    m = means(t, ["total_pnl", "sharpe_run"])
    assert m.loc[(2, 0.1), "total_pnl"] == pytest.approx(20.6)
    assert m.loc[(3, 0.1), "runs"] == 2 and (3, 0.2) not in m.index
    assert heatmap(t, "a", "b", "total_pnl").startswith(b"\x89PNG")
    with pytest.raises(ConfigError, match="no column 'gamma'"):
        heatmap(t, "gamma", "b", "total_pnl")
    html = write_sweep_report(t, tmp_path, "sweep page").read_text()
    for text in ("sweep page", "Heat-maps", "Means per parameter set", "Failed runs",
                 "ValueError: no", "Workers"):
        assert text in html
    assert html.count("<img") == 2
