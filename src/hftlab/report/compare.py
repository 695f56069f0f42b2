"""Several runs on the same market side by side: the comparison table and its HTML report.

The table is shown as two tables that fit the page (TABLES: P&L and its parts; inventory
and execution), headers in words with their units; the numbers behind it keep their
snake_case names (comparison_table, the demo's summary.json).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from hftlab.engine.record import RunRecord
from hftlab.report import figures
from hftlab.report.page import document, esc, grid_table, img
from hftlab.report.run_metrics import markouts
from hftlab.report.run_report import run_section

NS = 1_000_000_000
# (caption, [(column, header)]) of the page's comparison tables; {cur}: the currency,
# {span}: the span's label, {n}: the seconds behind the session Sharpe
TABLES = [
    ("P&L and where it came from", [
        ("total_pnl", "total P&L ({cur})"), ("spread_capture", "spread capture ({cur})"),
        ("inventory_pnl", "inventory P&L ({cur})"),
        ("fees_and_rebates", "fees and rebates ({cur})"),
        ("episode_pnl", "P&L in the {span} ({cur})"), ("max_drawdown", "max drawdown ({cur})"),
        ("sharpe_run", "Sharpe of the session (n = {n} 1-s changes)")]),
    ("Inventory and execution", [
        ("inventory_std", "inventory std (lots)"), ("max_long", "max long (lots)"),
        ("max_short", "max short (lots)"), ("volume_lots", "volume (lots)"),
        ("fill_ratio", "fill ratio (filled / sent)"),
        ("avg_spread_cents", "our mean quoted spread (cents)"),
        ("markout_10s", "10-s markout ({cur} per lot)"),
        ("episode_markout_10s", "10-s markout in the {span} ({cur} per lot)")]),
]


def pnl_over(rec: RunRecord, span: tuple[float, float], instrument: int = 0) -> float:
    """Change of total P&L between two times (seconds since the run's first sample)."""
    st = rec.states[rec.states["instrument"] == instrument]
    if len(st) == 0:
        return float("nan")
    secs = (st["ts"].to_numpy() - int(st["ts"].iloc[0])) / NS
    eq = st["equity"].to_numpy()
    i0 = max(int(np.searchsorted(secs, span[0], side="right")) - 1, 0)
    i1 = max(int(np.searchsorted(secs, span[1], side="right")) - 1, 0)
    return float(eq[i1] - eq[i0])


def comparison_row(rec: RunRecord, a: Mapping[str, Any],
                   span: tuple[float, float] | None = None) -> dict[str, Any]:
    """One strategy's line of the comparison table (see write_comparison)."""
    m, s, d = a["metrics"], a["summary"], a["decomposition"]
    mk = a["markouts"].set_index("horizon_s")["markout_per_lot"]
    row = {"total_pnl": m["total_pnl"]}
    if span is not None:
        row["episode_pnl"] = pnl_over(rec, span)
        emk = markouts(rec, (10,), within=span)["markout_per_lot"]
        row["episode_markout_10s"] = float(emk.iloc[0])
    row.update({"sharpe_run": m["sharpe_run"], "max_drawdown": m["max_drawdown"],
                "inventory_std": m["inventory_std"], "max_long": s["max_long"],
                "max_short": s["max_short"], "volume_lots": m["volume_lots"],
                "fill_ratio": m["fill_ratio"], "avg_spread_cents": s["avg_spread_cents"],
                "markout_10s": float(mk.get(10, np.nan)),
                "spread_capture": d["spread_capture"], "inventory_pnl": d["inventory_pnl"],
                "fees_and_rebates": d["fees_and_rebates"]})
    return row


def comparison_table(records: Mapping[str, RunRecord], analyses: Mapping[str, Mapping[str, Any]],
                     span: tuple[float, float] | None = None) -> pd.DataFrame:
    """One row per run (comparison_row), indexed by the runs' names."""
    rows = {name: comparison_row(rec, analyses[name], span) for name, rec in records.items()}
    return pd.DataFrame(rows).T.astype(float)


def write_comparison(records: Mapping[str, RunRecord], analyses: Mapping[str, Mapping[str, Any]],
                     out_dir: str | Path, title: str, intro: str = "",
                     findings: Sequence[str] = (), span: tuple[float, float] | None = None,
                     span_label: str | None = None) -> Path:
    """report.html with the comparison table, the findings, the side-by-side figure and
    one section per run (figures also written as <name>/*.png); returns its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows = {name: comparison_row(rec, analyses[name], span) for name, rec in records.items()}
    spans = [span] if span is not None else []
    first_name = next(iter(analyses))
    first = analyses[first_name]
    cur = figures.currency_of(records[first_name])
    fig = figures.comparison_figure(records, first["vpin"], spans, span_label,
                                    vpin_of=f"{first_name}'s session",
                                    moves={n: a["moves"] for n, a in analyses.items()
                                           if "moves" in a})
    (out / "comparison.png").write_bytes(fig)
    n = sorted({int(a["metrics"]["sharpe_seconds"]) for a in analyses.values()})
    words = dict(cur=cur, span=span_label or "span", n=" to ".join(f"{x:,}" for x in n))
    tables = [grid_table(rows, [c for c, _ in cols if c in rows[first_name]],
                         {c: label.format(**words) for c, label in cols}, caption)
              for caption, cols in TABLES]
    body = [f"<p>{esc(intro)}</p>" if intro else "", "<h2>Comparison</h2>", *tables,
            f"<p class='note'>P&L and drawdown in {esc(cur)}; total P&L = spread capture + "
            "inventory P&L + fees and rebates. The Sharpe ratio is that of this one session "
            "(mean / standard deviation of its 1-second P&L changes x the square root of "
            "their number n), not annualised: one session is one sample. Markouts in "
            f"{esc(cur)} per lot (negative = adverse selection); the quoted spread is ours "
            "while both our quotes were up.</p>"]
    if findings:
        body.append("<h2>What the numbers say</h2><ul>"
                    + "".join(f"<li>{esc(f)}</li>" for f in findings) + "</ul>")
    body.append(img(fig, "strategies side by side"))
    for name, rec in records.items():
        sub = out / name
        sub.mkdir(exist_ok=True)
        body.append(f"<h2>{esc(name)}</h2>")
        body.append(run_section(rec, analyses[name], sub, spans=spans, span_label=span_label))
    path = out / "report.html"
    path.write_text(document(title, "".join(body)))
    return path
