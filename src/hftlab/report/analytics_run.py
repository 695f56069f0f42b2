"""The analytics report of a run: the market's toxicity and spreads plus our fills'
adverse selection.

`analyze_run(run_dir, out_dir)` reads a run folder (run.json + Parquet tables, as
written by `RunRecord.save`) and writes the page of `analytics_report.analyze` with one more
section, "Adverse selection of our fills" (`adverse.adverse_selection`): per horizon,
the effective spread we earned, the realized spread we kept and the price impact
against us (effective = realized + impact), and per unit traded the cost split into a
permanent part (the mid's move after h, in our direction) and a temporary part (the
rest, which reverted): cost = permanent + temporary = -effective / 2. All in bps of the
mid at the fill, qty-weighted, over the fills whose mid h later is known. The same
table goes to ``adverse_selection.csv`` beside the page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from hftlab.analytics.adverse import (
    DEFAULT_FILL_HORIZONS, MARKOUT_COLUMNS, adverse_selection, markout_table,
)
from hftlab.analytics.inputs import duration_ns
from hftlab.analytics.sources import RunTables, run_tables
from hftlab.analytics.spreads import DEFAULT_HORIZONS, horizon_label
from hftlab.data.market import MarketData
from hftlab.engine.record import RunRecord
from hftlab.report.analytics_report import (
    DEFAULT_WINDOW, REPORT_NAME, Section, figure_html, market_section, table_html, write_page,
)
from hftlab.report.figures import plt
from hftlab.report.page import esc

TABLE_NAME = "adverse_selection.csv"


def _markout_figure(tables: dict[str, pd.DataFrame], horizons: Sequence[Any]) -> str:
    """Effective, realized spread and impact against us by horizon (0 = at the fill) per
    fill set; each horizon's points average the fills whose mid h later is known."""
    xs = np.arange(len(horizons) + 1)
    fig, ax = plt.subplots(figsize=(8, 4))
    styles = {"all": "-", "passive": "--", "aggressive": ":"}
    for name, t in tables.items():
        if not t["fills"].any():
            continue
        eff = t["effective_earned"].tolist()
        ax.plot(xs, eff[:1] + eff, styles[name], color="black", lw=0.8,
                label=f"effective spread earned ({name})")
        ax.plot(xs, eff[:1] + t["realized"].tolist(), styles[name], marker="o",
                color="tab:green", label=f"realized spread ({name})")
        ax.plot(xs, [0.0] + t["impact"].tolist(), styles[name], marker="s",
                color="tab:red", label=f"impact against us ({name})")
    ax.axhline(0.0, color="grey", lw=0.8)
    ax.set_xticks(xs, ["0"] + [horizon_label(h) for h in horizons])
    ax.set_xlabel("horizon after the fill")
    ax.set_ylabel("bps of mid (qty-weighted)")
    ax.set_title("Markouts of our fills: effective = realized + impact at each horizon")
    ax.legend(fontsize=8)
    return figure_html(fig, "markout by horizon")


def _per_set(summary: pd.DataFrame) -> pd.DataFrame:
    """The per-fill-set summary turned so fill sets are columns (a row per measure, so the
    table fits the page whatever the number of horizons), fill counts as integers."""
    out = summary.T.astype(object)
    out.loc["fills"] = [int(v) for v in summary["fills"]]
    return out


def adverse_section(tables: RunTables, horizons: Sequence[Any] = DEFAULT_FILL_HORIZONS
                    ) -> tuple[Section, pd.DataFrame]:
    """The "Adverse selection of our fills" section and its per-horizon table (all fills)."""
    if tables.fills.empty:
        body = ("<h2>Adverse selection of our fills</h2>\n"
                "<p>The run has no fills in this book: nothing to measure.</p>")
        empty = pd.DataFrame(columns=list(MARKOUT_COLUMNS))
        empty.index.name = "horizon"
        return Section(stats={"our fills": 0}, body=body), empty
    res = adverse_selection(tables.fills, tables.mids, horizons=horizons)
    sets = {"all": markout_table(res, horizons)}
    if "maker" in res.per_fill.columns and res.per_fill["maker"].nunique() > 1:
        sets["passive"] = markout_table(res, horizons, maker=1)
        sets["aggressive"] = markout_table(res, horizons, maker=0)
    allt = sets["all"]
    longest = allt.index[int(np.argmax([duration_ns(h, "horizon") for h in horizons]))]
    passive = float(res.per_fill["maker"].mean()) if "maker" in res.per_fill else np.nan
    stats = {"our fills": len(res.per_fill), "passive share of fills": passive,
             "effective spread earned (bps)": float(res.summary.loc["all",
                                                                    "effective_earned"])}
    for lab in allt.index:
        n = int(allt.loc[lab, "fills"])
        stats[f"realized spread {lab} (bps, {n} fills)"] = float(allt.loc[lab, "realized"])
    stats[f"permanent / temporary {longest} (bps per unit)"] = (
        f"{allt.loc[longest, 'permanent']:.4g} / {allt.loc[longest, 'temporary']:.4g}")
    blocks = "".join(f"<h4>{esc(name)} fills</h4>\n{table_html(t)}\n"
                     for name, t in sets.items())
    body = f"""<h2>Adverse selection of our fills</h2>
<p>For each fill with our side s (+1 bought, -1 sold) at price p, mid m at the fill and
m<sub>h</sub> h later: effective spread earned = -2 s (p - m) / m; impact against us =
-2 s (m<sub>h</sub> - m) / m; realized = effective - impact. Per unit: cost = s (p - m) / m
= permanent + temporary, permanent = s (m<sub>h</sub> - m) / m (the move that stayed),
temporary = s (p - m<sub>h</sub>) / m (the part that reverted). bps of m, qty-weighted
over the fills whose m<sub>h</sub> is known (fills too close to the end of the data are
left out of that horizon).</p>
{_markout_figure(sets, horizons)}
<h3>Per horizon (effective = realized + impact; cost = permanent + temporary)</h3>
{blocks}
<h3>Per fill set (bps of mid; adverse_&lt;h&gt; = impact against us; fee in bps of notional)</h3>
{table_html(_per_set(res.summary))}
"""
    return Section(stats=stats, body=body), allt


def analyze_run(run_dir: str | Path, out_dir: str | Path, *,
                events: str | Path | MarketData | None = None,
                venue: int | str | None = None, instrument: int | str | None = None,
                fill_horizons: Sequence[Any] = DEFAULT_FILL_HORIZONS,
                horizons: Sequence[Any] = DEFAULT_HORIZONS, bucket_volume: float | None = None,
                window: int = DEFAULT_WINDOW, bar: Any = "1min", quote_lag: Any = 0,
                title: str | None = None) -> Path:
    """Write the analytics report of a run folder to out_dir/analytics_report.html.

    The market section (toxicity, spreads; `analytics_report.analyze`'s arguments) uses the tables
    of `sources.run_tables`: the market's quotes from the run's state samples and our
    fills as the trades, or, when `events` (the MarketData the run replayed, or its
    Parquet path) is given, the market's own trades and book. The adverse-selection
    section measures our fills of the chosen (venue, instrument) at fill_horizons.
    Returns the HTML path; the per-horizon table of all fills is written beside it as
    adverse_selection.csv (bps of mid).
    """
    run_dir = Path(run_dir)
    record = RunRecord.load(run_dir)
    if events is not None and not isinstance(events, MarketData):
        from hftlab.data import load

        events = load(events, lazy=True)
    tables = run_tables(record, venue=venue, instrument=instrument, market=events)
    sections = []
    if tables.trades.empty:
        no_trades = "No trades in this book: the toxicity and spread sections are left out."
        sections.append(Section(notes=[no_trades]))
    else:
        sections.append(market_section(tables.trades, tables.quotes, horizons=horizons,
                                       bucket_volume=bucket_volume, window=window, bar=bar,
                                       quote_lag=quote_lag))
    sections[0].notes[:0] = tables.notes
    adv, table = adverse_section(tables, fill_horizons)
    sections.append(adv)
    strategy = record.meta.get("strategy", "")
    name = title or f"hftlab analytics: run {run_dir.name}" + (f" ({strategy})"
                                                               if strategy else "")
    path = write_page(out_dir, name, sections, REPORT_NAME)
    table.to_csv(Path(out_dir) / TABLE_NAME)
    return path
