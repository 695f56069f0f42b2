"""The stress report: the stress table, P&L impact per stress, and the tail risk over
seeds (histograms with VaR / ES marked, P&L fan charts, drawdown distributions), in the
project's HTML style (report.page) with figures drawn like the run reports'."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from hftlab.report.figures import png
from hftlab.report.page import document, esc, frame_table, img, jsonable, notes_paragraph

TABLE_COLUMNS = ["calm_pnl", "pnl", "impact", "max_drawdown", "worst_inventory", "halted",
                 "time_to_halt_s", "loss_after_halt", "exchange_halts",
                 "time_to_exchange_halt_s", "max_move_bps"]


def _halt_label(on: bool) -> str:
    return "with the exchange's halt" if on else "without the exchange's halt"


def impact_figure(table: pd.DataFrame) -> bytes:
    """P&L impact (stressed minus calm session, mean over seeds) per stress and strategy,
    without breakers (solid) and with them (hatched)."""
    stresses = list(dict.fromkeys(table["stress"]))
    strategies = list(dict.fromkeys(table["strategy"]))
    fig, ax = plt.subplots(figsize=(11, 4.2))
    width = 0.8 / (2 * len(strategies))
    x = np.arange(len(stresses))
    for k, name in enumerate(strategies):
        for j, on in enumerate((False, True)):
            sel = table[(table["strategy"] == name) & (table["breakers"] == on)]
            vals = [float(sel.loc[sel["stress"] == s, "impact"].mean()) if (sel["stress"] == s)
                    .any() else np.nan for s in stresses]
            ax.bar(x - 0.4 + (2 * k + j + 0.5) * width, vals, width, color=f"C{k}",
                   hatch="//" if on else None, edgecolor="white" if on else None,
                   label=f"{name}{' + breakers' if on else ''}")
    ax.axhline(0, color="0.4", lw=0.6)
    ax.set_xticks(x, stresses, fontsize=9)
    ax.set_ylabel("P&L impact vs calm session")
    ax.legend(fontsize=7, ncol=min(len(strategies), 5), loc="lower left")
    ax.set_title("stressed minus calm session P&L, same seed (mean over seeds)", fontsize=10)
    return png(fig)


def tail_figure(rows: pd.DataFrame, tail: pd.DataFrame, stress: str, breakers: bool) -> bytes:
    """Per strategy: the histogram of session P&L over seeds with VaR and ES (95 / 99 %)
    marked as losses turned back into P&L (-VaR, -ES)."""
    sel = rows[(rows["stress"] == stress) & (rows["breakers"] == breakers)]
    names = list(dict.fromkeys(sel["strategy"]))
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 3), squeeze=False)
    for ax, name in zip(axes[0], names):
        pnl = sel.loc[sel["strategy"] == name, "pnl"].to_numpy(float)
        ax.hist(pnl, bins=max(5, min(30, len(pnl) // 2)), color="0.7")
        t = tail[(tail["strategy"] == name) & (tail["stress"] == stress)
                 & (tail["breakers"] == breakers)]
        for _, r in t.iterrows():
            ls = "-" if r["level"] < 0.975 else "--"
            ax.axvline(-r["var"], color="tab:orange", ls=ls, lw=1,
                       label=f"VaR {r['level']:.0%}")
            ax.axvline(-r["es"], color="tab:red", ls=ls, lw=1, label=f"ES {r['level']:.0%}")
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("session P&L")
        ax.legend(fontsize=6)
    fig.suptitle(f"{stress}, breakers {'on' if breakers else 'off'}: session P&L over "
                 f"{len(set(sel['seed']))} seeds", fontsize=10, y=1.03)
    return png(fig)


def fan_figure(rows: pd.DataFrame, stress: str, breakers: bool, seconds: float) -> bytes:
    """Per strategy: the P&L paths over seeds as a fan (5-95 % and 25-75 % bands, median),
    with the calm sessions' median dotted."""
    sel = rows[(rows["stress"] == stress) & (rows["breakers"] == breakers)]
    names = list(dict.fromkeys(sel["strategy"]))
    fig, axes = plt.subplots(1, len(names), figsize=(3.2 * len(names), 3), squeeze=False,
                             sharey=True)
    for k, (ax, name) in enumerate(zip(axes[0], names)):
        s = sel[sel["strategy"] == name]
        paths = np.array([np.asarray(p, float) for p in s["path"]])
        calm = np.array([np.asarray(p, float) for p in s["calm_path"]])
        t = np.linspace(0, seconds / 60, paths.shape[1])
        q = np.quantile(paths, [0.05, 0.25, 0.5, 0.75, 0.95], axis=0)
        ax.fill_between(t, q[0], q[4], color=f"C{k}", alpha=0.15, lw=0, label="5-95 %")
        ax.fill_between(t, q[1], q[3], color=f"C{k}", alpha=0.35, lw=0, label="25-75 %")
        ax.plot(t, q[2], color=f"C{k}", lw=1.2, label="median")
        ax.plot(t, np.median(calm, axis=0), color="0.3", lw=0.8, ls=":", label="calm median")
        ax.axhline(0, color="0.6", lw=0.5)
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("minutes")
        ax.legend(fontsize=6, loc="lower left")
    axes[0][0].set_ylabel("cumulative P&L")
    fig.suptitle(f"{stress}, breakers {'on' if breakers else 'off'}: P&L paths over "
                 f"{len(set(sel['seed']))} seeds", fontsize=10, y=1.03)
    return png(fig)


def drawdown_figure(rows: pd.DataFrame, stress: str) -> bytes:
    """The distribution over seeds of each strategy's worst drawdown, breakers off / on."""
    sel = rows[rows["stress"] == stress]
    names = list(dict.fromkeys(sel["strategy"]))
    data, labels = [], []
    for name in names:
        for on in (False, True):
            d = sel.loc[(sel["strategy"] == name) & (sel["breakers"] == on), "max_drawdown"]
            if len(d):
                data.append(d.to_numpy(float))
                labels.append(f"{name}\n{'breakers' if on else 'none'}")
    fig, ax = plt.subplots(figsize=(11, 3.2))
    ax.boxplot(data, tick_labels=labels, showfliers=True)
    ax.tick_params(axis="x", labelsize=7)
    ax.set_ylabel("worst drawdown")
    ax.set_title(f"{stress}: worst drawdown of the session over seeds", fontsize=10)
    return png(fig)


def write_stress_report(result: Any, out_dir: str | Path, title: str = "hftlab stress",
                        descriptions: dict[str, str] | None = None,
                        notes: Sequence[str] = ()) -> Path:
    """report.html (stress table, impact figure, tail risk per stress), stress_rows.parquet
    (every run, P&L paths included), stress_table.csv, tail_risk.csv and summary.json in
    out_dir; returns the report's path. result: a hftlab.studies.stress.StressResult."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows, table, tail = result.rows, result.table, result.tail
    rows.to_parquet(out / "stress_rows.parquet", index=False)
    table.to_csv(out / "stress_table.csv", index=False)
    tail.to_csv(out / "tail_risk.csv", index=False)
    seeds = sorted(set(int(s) for s in rows["seed"]))
    body = [f"<p>{len(set(rows['strategy']))} strategies through {len(set(rows['stress']))} "
            f"stresses, {len(seeds)} seed(s) ({seeds[0]}..{seeds[-1]}), sessions of "
            f"{result.session_seconds:g} s, each with and without circuit breakers and "
            f"the exchange's trading halt; "
            f"{len(rows):,} stressed runs and as many calm ones in {result.seconds:.0f} s "
            f"on {result.workers} Dask worker(s).</p>"]
    if descriptions:
        body.append("<ul>" + "".join(f"<li><b>{esc(k)}</b>: {esc(v)}</li>"
                                     for k, v in descriptions.items()) + "</ul>")
    body.append(notes_paragraph(list(notes)))
    keys = ["stress", "strategy", "breakers", "exchange_halt"]
    shown = table.set_index(keys)[TABLE_COLUMNS + ["seeds"]]
    body += ["<h2>Stress table</h2>", frame_table(shown.astype(float), 2),
             "<p class='note'>Money in account currency, inventory in lots, times in seconds "
             "after the stress's onset. impact = stressed minus calm session P&L (same seed, "
             "same breakers); halted = share of seeds where the breakers halted trading; "
             "loss_after_halt = P&L change from the halt to the session's end (flattening "
             "and what followed); exchange_halts = the venue's own trading pauses in the "
             "stressed session, time_to_exchange_halt_s the first one's time, max_move_bps "
             "the largest move of the print price from its level at the onset; means over "
             "seeds, worst_inventory the maximum.</p>"]
    halts = list(dict.fromkeys(table["exchange_halt"]))
    for h in halts:
        body.append(img(impact_figure(table[table["exchange_halt"] == h]),
                        f"P&L impact per stress, {_halt_label(h)}"))
        if len(halts) > 1:
            body.append(f"<p class='note'>Above: {_halt_label(h)}.</p>")
    if result.failed is not None and len(result.failed):
        cols = [c for c in ("stress", "seed", "error") if c in result.failed.columns]
        body += ["<h2>Failed runs</h2>", frame_table(result.failed[cols].set_index("stress"))]
    body.append("<h2>Tail risk over seeds</h2>")
    body.append("<p class='note'>Losses are -P&L; VaR is the 95 / 99 % quantile of losses, "
                "ES the mean loss at or beyond it; [lo, hi] are 90 % percentile-bootstrap "
                "intervals. With few seeds the 99 % figures are the worst session or "
                "close to it.</p>")
    for stress in dict.fromkeys(rows["stress"]):
        body.append(f"<h3>{esc(stress)}</h3>")
        t = tail[tail["stress"] == stress].set_index(
            ["strategy", "breakers", "exchange_halt", "level"])
        body.append(frame_table(t.drop(columns=["stress"]).astype(float), 2))
        for h in halts:
            hr, ht = rows[rows["exchange_halt"] == h], tail[tail["exchange_halt"] == h]
            if len(halts) > 1:
                body.append(f"<h4>{esc(_halt_label(h))}</h4>")
            for on in (False, True):
                if ((hr["stress"] == stress) & (hr["breakers"] == on)).any():
                    body.append("<div class='row'>"
                                + img(tail_figure(hr, ht, stress, on), f"{stress} P&L histogram")
                                + img(fan_figure(hr, stress, on, result.session_seconds),
                                      f"{stress} P&L fan") + "</div>")
            body.append(img(drawdown_figure(hr, stress), f"{stress} drawdowns"))
    path = out / "report.html"
    path.write_text(document(title, "".join(body)))
    summary = {"table": table.to_dict(orient="records"), "tail": tail.to_dict(orient="records"),
               "seconds": result.seconds, "workers": result.workers, "report": str(path)}
    (out / "summary.json").write_text(json.dumps(jsonable(summary), indent=2, allow_nan=False))
    return path
