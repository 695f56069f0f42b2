"""The playbook page: the seed's comparative table of HFT subtypes with measured columns
(studies.playbook), a figure of P&L per trade against the seed's ranges, and the rows
not measured with their reasons, in the project's HTML style (report.page)."""

from __future__ import annotations

from typing import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from hftlab.report.figures import png
from hftlab.report.page import document, grid_table, img, notes_paragraph

MEASURED = ("strategy", "scenario", "entry_signal", "median_hold_s", "bps_per_trade", "pnl",
            "worst_drawdown", "fills", "main_risk")
SEED_COLUMNS = ("seed_signal", "seed_hold", "seed_bps", "seed_risk")
LABELS = {"entry_signal": "entry signal (measured)", "median_hold_s": "median hold (s)",
          "bps_per_trade": "P&L per trade (bps)", "pnl": "P&L", "worst_drawdown":
          "worst drawdown", "main_risk": "main risk observed", "seed_signal": "seed: signal",
          "seed_hold": "seed: hold time", "seed_bps": "seed: bps per trade",
          "seed_risk": "seed: risk"}


def bps_figure(tab: pd.DataFrame) -> bytes:
    """P&L per trade (bps) of each measured row, dots, beside the seed's range, bars."""
    fig, ax = plt.subplots(figsize=(8.5, 0.45 * len(tab) + 1.2))
    y = np.arange(len(tab))[::-1]
    for yi, (_, r) in zip(y, tab.iterrows()):
        lo, hi = (float(x) for x in r["seed_bps"].replace("+", "").split(" to "))
        ax.barh(yi, hi - lo, left=lo, height=0.5, color="#cfe3f5",
                label="seed's range" if yi == y[0] else None)
    ax.scatter(tab["bps_per_trade"], y, color="#c0392b", zorder=3, label="measured")
    ax.axvline(0, color="#888", lw=0.8)
    ax.set_yticks(y, [f"{a} ({b})" for a, b in zip(tab["subtype"], tab["strategy"])],
                  fontsize=8)
    ax.set_xlabel("P&L per trade, bps of round-trip notional")
    ax.legend(fontsize=8, loc="lower right")
    return png(fig)


def playbook_page(tab: pd.DataFrame, missing: Mapping[str, str]) -> str:
    """The whole page (module doc)."""
    keys = [f"{r.subtype}: {r.strategy}" for r in tab.itertuples()]
    rows = {k: {c: getattr(r, c) for c in (*MEASURED, *SEED_COLUMNS)}
            for k, r in zip(keys, tab.itertuples())}
    body = ["<p class='note'>Each subtype that exists, run on its scenario. P&amp;L per "
            "trade: 1e4 x P&amp;L / (traded notional / 2), per unit of round-trip notional; "
            "hold: first-in first-out matched lots, qty-weighted median; worst drawdown: the "
            "largest fall of equity from a running peak (currency of the instrument).</p>"]
    if len(tab):
        body.append(grid_table(rows, [*MEASURED, *SEED_COLUMNS], LABELS,
                               caption="Measured beside the seed's stated ranges"))
        body.append(img(bps_figure(tab), "P&L per trade against the seed's ranges"))
    if missing:
        body.append("<h2>Not measured</h2>")
        body.append(notes_paragraph([f"{k}: {v}" for k, v in missing.items()]))
    return document("hftlab playbook: the seed's HFT subtypes, measured", "".join(body))


def rich_table(tab: pd.DataFrame, missing: Mapping[str, str]):
    """The same table for the terminal (a rich.table.Table)."""
    from rich.table import Table

    t = Table(title="hftlab playbook (measured | seed)", show_lines=True)
    for c in ("subtype", "strategy", "entry signal", "median hold s", "bps/trade",
              "worst drawdown", "main risk observed", "seed: hold", "seed: bps", "seed: risk"):
        t.add_column(c, overflow="fold")
    for r in tab.itertuples():
        t.add_row(r.subtype, r.strategy, r.entry_signal, f"{r.median_hold_s:.3g}",
                  f"{r.bps_per_trade:.2f}", f"{r.worst_drawdown:,.0f}", r.main_risk,
                  r.seed_hold, r.seed_bps, r.seed_risk)
    for k, v in missing.items():
        t.add_row(k, "not measured", v, "-", "-", "-", "-", "", "", "")
    return t
