"""The latency-arbitrage page: P&L, hit rate and P&L per trade against our own latency and
against the venue lag (hftlab.studies.latency_arb), and the Binance spot / USD-M section
(lead-lag with its bootstrap interval, stale windows per fee tier, backtests)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.ticker import NullFormatter

from hftlab.report.figures import plt, png
from hftlab.report.page import document, esc, frame_table, img, kv_table, notes_paragraph

SEED_BPS = (0.1, 1.0)  # the seed's "+0.1-1 bps per trade"
SEED_WINDOW_US = (1_000.0, 10_000.0)  # its "profit window 1-10 ms"
PANELS = (("pnl", "P&L (currency)"), ("hit_rate", "hit rate (takes filled)"),
          ("bps_per_trade", "P&L per trade (bps)"))


def latency_figure(curves: Mapping[str, pd.DataFrame], x: str = "latency_us",
                   xlabel: str = "our one-way latency (us, log scale)") -> bytes:
    """Three panels (P&L, hit rate, bps per trade) against x, one line per curve; rows
    named after a LatencyProfile (not ending in 'us' / 'ms') are drawn as labelled
    points. The seed's 0.1-1 bps per trade and 1-10 ms window are shaded."""
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    for (col, label), ax in zip(PANELS, axes):
        for k, (name, df) in enumerate(curves.items()):
            named = ~df.index.astype(str).str.contains(r"(?:us|ms)$")
            line = df[~named].sort_values(x)
            ax.plot(line[x], line[col], marker="o", color=f"C{k}", label=name)
            for idx, row in df[named].iterrows():
                ax.scatter([row[x]], [row[col]], marker="s", color=f"C{k}", zorder=3)
                ax.annotate(str(idx), (row[x], row[col]), fontsize=7, xytext=(3, 3),
                            textcoords="offset points")
        ax.set_xscale("log")
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(xlabel)
        ax.set_ylabel(label)
        ax.axhline(0, color="grey", lw=0.6)
        if x == "latency_us":
            ax.axvspan(*SEED_WINDOW_US, color="tab:orange", alpha=0.08,
                       label="seed: window 1-10 ms" if col == "pnl" else None)
        if col == "bps_per_trade":
            ax.axhspan(*SEED_BPS, color="tab:green", alpha=0.12, label="seed: 0.1-1 bps")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return png(fig)


def lead_lag_figure(table: pd.DataFrame, title: str) -> bytes:
    """Cross-correlation against lag (ms) with its bootstrap band."""
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ms = table.index.to_numpy(np.float64) / 1e6
    ax.fill_between(ms, table["ci_lo"], table["ci_hi"], alpha=0.25, label="bootstrap interval")
    ax.plot(ms, table["corr"], marker=".", label="correlation")
    ax.axvline(0, color="grey", lw=0.6)
    ax.set_xlabel("lag (ms; > 0: the first book leads)")
    ax.set_ylabel("corr of mid returns")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return png(fig)


COLUMNS = ["pnl", "takes", "fills", "misses", "adverse", "hit_rate", "pnl_per_trade",
           "bps_per_trade", "fees"]


def _table(df: pd.DataFrame) -> str:
    return frame_table(df[[c for c in df.columns if c in COLUMNS or c.endswith(("_us", "_ms"))]])


def latency_page(result: Mapping[str, Any], title: str = "Latency arbitrage") -> str:
    """The HTML page of a studies.latency_arb.latency_study result: 'latency' (curves by
    name), 'venue_lag' (curves by name), optional 'binance' (binance_study's dict) and
    'notes'."""
    body = [notes_paragraph(result.get("notes", []))]
    body.append("<h2>P&amp;L against our own latency</h2>")
    body.append(img(latency_figure(result["latency"]), "P&L against our latency"))
    for name, df in result["latency"].items():
        body.append(f"<h3>{esc(name)}</h3>{_table(df)}")
    body.append("<h2>P&amp;L against the venue lag</h2>")
    lag = {n: df.assign(lag_mid_us=500.0 * (df["lag_min_ms"] + df["lag_max_ms"]))
           for n, df in result["venue_lag"].items()}
    body.append(img(latency_figure(lag, x="lag_mid_us",
                                   xlabel="lagging venue's mean lag (us, log scale)"),
                    "P&L against the venue lag"))
    for name, df in result["venue_lag"].items():
        body.append(f"<h3>{esc(name)}</h3>{_table(df)}")
    b = result.get("binance")
    if b is not None:
        body.append("<h2>Binance BTCUSDT: USD-M against spot</h2>")
        for step, ll in b["lead_lag"].items():
            s = ll.summary()
            body.append(f"<h3>lead-lag, {esc(step)}</h3>")
            body.append(kv_table({k: s[k] for k in (
                "leader", "lag_ms", "lag_ci_ms", "corr", "corr_ci", "corr_lag0",
                "lead_lag_ratio", "ratio_ci", "follow_rate")}))
            body.append(img(lead_lag_figure(ll.table, f"USD-M vs spot: {step}"),
                            f"lead-lag {step}"))
            body.append(frame_table(ll.follow) + notes_paragraph(ll.notes))
        body.append("<h3>stale windows (spot slow, USD-M fast, crossing hedge)</h3>")
        body.append(frame_table(b["stale"]))
        body.append("<p>share of windows still open after each latency (ns)</p>")
        body.append(frame_table(b["reachable"]))
        body.append("<h3>engine host queue on the merged capture</h3>" + kv_table(b["host_delays"]))
        body.append("<h3>backtests on both feeds replayed with their local times</h3>")
        body.append(frame_table(b["backtests"]))
    return document(title, "".join(body))


def write_latency_report(result: Mapping[str, Any], out_dir: str | Path) -> Path:
    """Write latency_page(result) to out_dir/latency.html; returns its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "latency.html"
    path.write_text(latency_page(result), encoding="utf-8")
    return path
