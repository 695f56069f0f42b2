"""The sweep report: heat-maps of P&L and Sharpe over two parameters (means over seeds),
the table of means per parameter set, the failed runs with their errors, and how the
work spread over the workers, in the project's HTML style (report.page)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from hftlab.instruments import ConfigError
from hftlab.report.figures import png
from hftlab.report.page import document, esc, frame_table, img

RUN_COLUMNS = ("seed", "worker", "seconds", "error", "run_key")


def parameters(table: pd.DataFrame) -> list[str]:
    """The sweep's parameter names, in grid order (read from the rows' run_key)."""
    names: dict[str, None] = {}
    for key in table["run_key"].drop_duplicates():
        names.update(dict.fromkeys(json.loads(key)["params"]))
    return [n for n in table.columns if n in names]


def means(table: pd.DataFrame, metrics: Sequence[str]) -> pd.DataFrame:
    """Mean of each metric over the seeds of each parameter set (failed runs left out),
    with the number of seeds that finished (runs)."""
    ok = table[table["error"].isna()]
    params = parameters(table)
    cols = [m for m in metrics if m in ok.columns]
    if not params:
        return ok[cols].mean().to_frame().T.assign(runs=len(ok))
    g = ok.groupby(params, sort=True)
    return g[cols].mean().assign(runs=g.size())


def heatmap(table: pd.DataFrame, x: str, y: str, metric: str) -> bytes:
    """metric (mean over seeds and any other parameter) on a grid of parameter x (columns)
    by parameter y (rows), each cell annotated; missing cells blank."""
    for name in (x, y, metric):
        if name not in table.columns:
            raise ConfigError(f"heatmap: no column {name!r} in the sweep table; columns: "
                              f"{list(table.columns)}")
    ok = table[table["error"].isna()]
    grid = ok.pivot_table(index=y, columns=x, values=metric, aggfunc="mean")
    fig, ax = plt.subplots(figsize=(1.2 + 1.1 * grid.shape[1], 1.0 + 0.7 * grid.shape[0]))
    v = grid.to_numpy(float)
    finite = v[np.isfinite(v)]
    lim = float(np.abs(finite).max()) if len(finite) else 1.0
    im = ax.imshow(v, cmap="RdYlGn", vmin=-lim, vmax=lim, aspect="auto", origin="lower")
    for (i, j), val in np.ndenumerate(v):
        if np.isfinite(val):
            ax.text(j, i, f"{val:.3g}", ha="center", va="center", fontsize=8)
    ax.set_xticks(range(grid.shape[1]), [str(c) for c in grid.columns], fontsize=8)
    ax.set_yticks(range(grid.shape[0]), [str(c) for c in grid.index], fontsize=8)
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    fig.colorbar(im, ax=ax, shrink=0.8)
    ax.set_title(f"{metric} (mean over seeds)", fontsize=10)
    return png(fig)


def write_sweep_report(table: pd.DataFrame, out_dir: str | Path, title: str = "hftlab sweep",
                       x: str | None = None, y: str | None = None,
                       metrics: Sequence[str] = ("total_pnl", "sharpe_run"),
                       intro: str = "") -> Path:
    """report.html in out_dir: heat-maps of each metric over parameters x and y (default:
    the first two parameters with more than one value), means per parameter set, per-worker
    counts and times, failed runs; returns its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    params = parameters(table)
    varied = [p for p in params if table[p].nunique() > 1]
    x = x or (varied[0] if varied else None)
    y = y or next((p for p in varied if p != x), None)
    failed = table[table["error"].notna()]
    body = [f"<p>{esc(intro)}</p>" if intro else "",
            f"<p>{len(table):,} runs ({len(failed):,} failed) over {table['seed'].nunique()} "
            f"seed(s) and parameters {', '.join(params) or '(none)'}; median task "
            f"{table['seconds'].median():.2f} s on its worker.</p>"]
    if x is not None and y is not None:
        body.append("<h2>Heat-maps</h2><div class='row'>" + "".join(
            img(heatmap(table, x, y, m), f"{m} over {x} and {y}") for m in metrics
            if m in table.columns) + "</div>")
    body += ["<h2>Means per parameter set</h2>",
             frame_table(means(table, [*metrics, "max_drawdown", "fills"]), 3)]
    by_worker = table.groupby(table["worker"].fillna("(none)")).agg(
        runs=("seconds", "size"), seconds_total=("seconds", "sum"),
        seconds_median=("seconds", "median"))
    body += ["<h2>Workers</h2>", frame_table(by_worker, 2)]
    if len(failed):
        body += ["<h2>Failed runs</h2>",
                 frame_table(failed[[*params, "seed", "error"]].set_index("seed"))]
    path = out / "report.html"
    path.write_text(document(title, "".join(body)))
    return path
