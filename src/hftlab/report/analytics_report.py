"""The analytics HTML report of a market: toxicity over session time and the spread
decomposition (the page of ``hftlab analyze``).

`analyze(trades, quotes, out_dir)` writes one self-contained HTML file (figures inlined
as base64 PNG by ``report.page``, drawn by matplotlib's Agg backend via
``report.figures``) from plain trade and quote tables:

- trades: ts (int ns or datetime64), price, qty|volume|size, optional side (+1
  buyer-initiated, -1 seller-initiated; Lee-Ready against the quotes when absent);
- quotes: ts, bid, ask, optional bid_qty/ask_qty (for order flow imbalance).

Spreads are shown in bps of the midpoint; VPIN as a fraction in [0, 1]; figure x axes
in session time (seconds, minutes or hours since the first trade or quote). The page is
built from `Section`s (`market_section` here, the run's adverse selection in
``report.analytics_run``) joined by `write_page`. The numbers come from the pure
functions of ``hftlab.analytics``; only the drawing and the HTML live here.

Toxicity defaults fit one session: VPIN over DEFAULT_WINDOW = 10 buckets of the day's
volume / (BUCKETS_PER_WINDOW x window) = volume / 50 (the paper's bucket), so a single
session gives about 41 VPIN values, not the single value of a 50-bucket window.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from hftlab.analytics.classification import lee_ready
from hftlab.analytics.estimators import roll_spread
from hftlab.analytics.inputs import as_frame, positive_int, quote_arrays, trade_arrays
from hftlab.analytics.ofi import order_flow_imbalance
from hftlab.analytics.spreads import (
    DEFAULT_HORIZONS, decomposition_summary, quoted_spread, spread_decomposition,
)
from hftlab.analytics.vpin import vpin, vpin_cdf
from hftlab.report.figures import plt, png, session_clock, since
from hftlab.report.page import document, frame_table, img, kv_table, notes_paragraph, sig

REPORT_NAME = "analytics_report.html"
DEFAULT_WINDOW = 10
BUCKETS_PER_WINDOW = 5  # default bucket: the day's volume / (5 x window)


@dataclass
class Section:
    """One part of the report page: headline numbers, plain-text notes and an HTML body."""

    stats: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    body: str = ""


def figure_html(fig: Any, alt: str) -> str:
    """An <img> holding fig as an inline base64 PNG (``page.img``); closes fig."""
    return img(png(fig), alt)


def table_html(df: pd.DataFrame, digits: int = 4) -> str:
    """A DataFrame as an HTML table, floats with `digits` decimals (``page.frame_table``)."""
    return frame_table(df, digits)


def market_section(trades: pd.DataFrame, quotes: pd.DataFrame,
                   horizons: Sequence[Any] = DEFAULT_HORIZONS,
                   bucket_volume: float | None = None, window: int = DEFAULT_WINDOW,
                   bar: Any = "1min", quote_lag: Any = 0) -> Section:
    """Toxicity (VPIN), quoted spread, spread decomposition and OFI of one market.

    Arguments as for `analyze`; returns the section without writing anything.
    """
    window = positive_int(window, "window")
    tdf = as_frame(trades, "trades")
    t = trade_arrays(tdf)
    q = quote_arrays(quotes)
    notes: list[str] = []

    lr = lee_ready(tdf, quotes, quote_lag=quote_lag).to_numpy()
    if "side" in t:
        known = t["side"] != 0
        acc = float((lr[known] == t["side"][known]).mean()) if known.any() else float("nan")
        notes.append(f"Lee-Ready agrees with the given trade side on {acc:.1%} of "
                     f"{int(known.sum())} signed trades.")
    per_day = BUCKETS_PER_WINDOW * window
    v = vpin(tdf, bucket_volume=bucket_volume, window=window, bar=bar, buckets_per_day=per_day)
    if v["vpin"].notna().sum() == 0 and len(v) >= 2:
        w = len(v)
        notes.append(f"Only {w} buckets: VPIN window shrunk from {window} to {w}.")
        v = vpin(tdf, bucket_volume=bucket_volume, window=w, bar=bar, buckets_per_day=per_day)
    cdf = vpin_cdf(v["vpin"])
    side = t["side"] if "side" in t else lr
    dec = spread_decomposition(tdf.assign(side=np.where(side != 0, side, lr)), quotes,
                               horizons=horizons, quote_lag=quote_lag)
    summary = decomposition_summary(dec)
    qs = quoted_spread(q["bid"], q["ask"]).to_numpy()
    roll = roll_spread(t["price"])
    starts = [int(a[0]) for a in (t["ts"], q["ts"]) if a.size]
    ends = [int(a[-1]) for a in (t["ts"], q["ts"]) if a.size]
    t0 = min(starts) if starts else 0
    scale, clock = session_clock(t0, max(ends) if ends else 0)
    vts = pd.DatetimeIndex(v["ts"]).as_unit("ns").asi8 if len(v) else np.zeros(0, np.int64)

    figs = []
    fig, ax = plt.subplots(2, 1, figsize=(10, 6), sharex=True)
    if len(v):
        ax[0].plot(since(vts, t0, scale), v["vpin"], color="tab:red")
        ax[1].plot(since(vts, t0, scale), cdf, color="tab:purple")
    if not v["vpin"].notna().any():
        ax[0].text(0.5, 0.5, f"no VPIN value: {len(v)} bucket(s) of {bar} bars; the session "
                   f"is too short for the bars or the buckets", ha="center", va="center",
                   transform=ax[0].transAxes, color="0.4")
    ax[1].set_xlabel(clock)
    ax[0].set_ylabel("VPIN")
    ax[0].set_ylim(0, 1)
    ax[1].set_ylabel("CDF(VPIN)")
    ax[1].axhline(0.9, ls="--", color="grey")
    ax[0].set_title(f"Toxicity over time (bucket V = {v.attrs['bucket_volume']:.6g}, "
                    f"n = {v.attrs['window']})")
    figs.append(figure_html(fig, "VPIN over time"))

    fig, ax = plt.subplots(figsize=(10, 3))
    ax.plot(since(q["ts"], t0, scale), qs * 1e4, lw=0.6)
    ax.set_xlabel(clock)
    ax.set_ylabel("quoted spread (bps)")
    ax.set_title("Quoted spread")
    figs.append(figure_html(fig, "quoted spread"))

    fig, ax = plt.subplots(figsize=(8, 4))
    xs = np.arange(len(summary))
    ax.bar(xs - 0.2, summary["realized"], width=0.4, label="realized")
    ax.bar(xs + 0.2, summary["impact"], width=0.4, label="price impact")
    ax.plot(xs, summary["effective"], "k_", ms=30, label="effective")
    ax.set_xticks(xs, summary.index)
    ax.set_ylabel("bps of mid (volume-weighted)")
    ax.set_title("Spread decomposition: effective = realized + impact")
    ax.legend()
    figs.append(figure_html(fig, "spread decomposition"))

    if "bid_qty" in q and "ask_qty" in q:
        step = pd.Timedelta(bar if bar is not None else "1s")
        ofi = order_flow_imbalance(quotes, interval=step)
        fig, ax = plt.subplots(figsize=(10, 3))
        starts = since(pd.DatetimeIndex(ofi.index).as_unit("ns").asi8, t0, scale)
        ax.bar(starts, ofi.to_numpy(), width=0.9 * step.value / scale, align="edge")
        ax.set_xlabel(clock)
        ax.set_ylabel("OFI (size units)")
        ax.set_title("Order flow imbalance (Cont, Kukanov & Stoikov 2014)")
        figs.append(figure_html(fig, "order flow imbalance"))

    stats = {"trades": len(tdf), "quotes": q["ts"].size,
             "VPIN buckets": len(v), "VPIN values": int(v["vpin"].notna().sum()),
             "VPIN window": int(v.attrs["window"]), "last VPIN": v["vpin"].dropna().iloc[-1]
             if v["vpin"].notna().any() else float("nan"),
             "mean quoted spread (bps)": float(np.nanmean(qs)) * 1e4
             if np.isfinite(qs).any() else float("nan"),
             "Roll (1984) spread (bps)": roll * 1e4}
    body = (f"<h2>Toxicity</h2>{figs[0]}\n<h2>Spreads</h2>{figs[1]}{figs[2]}\n"
            "<h3>Decomposition (bps of mid, volume-weighted; effective = realized + impact)"
            f"</h3>\n{table_html(summary)}\n"
            + "".join(f"<h2>Order flow</h2>{f}" for f in figs[3:]))
    return Section(stats=stats, notes=notes, body=body)


def write_page(out_dir: str | Path, title: str, sections: Sequence[Section],
               name: str = REPORT_NAME) -> Path:
    """Join sections into one self-contained HTML page at out_dir/name; return its path.

    The stats of all sections form the headline table (in order; floats to 6
    significant digits), their notes one paragraph, their bodies follow each other;
    ``page.document`` gives the page its title and the style every hftlab report shares.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stats = {k: v for s in sections for k, v in s.stats.items()}
    notes = [n for s in sections for n in s.notes]
    body = "\n".join([kv_table(stats, show=sig), notes_paragraph(notes),
                      *(s.body for s in sections)])
    path = out / name
    path.write_text(document(title, body) + "\n", encoding="utf-8")
    return path


def analyze(trades: pd.DataFrame, quotes: pd.DataFrame, out_dir: str | Path,
            horizons: Sequence[Any] = DEFAULT_HORIZONS, bucket_volume: float | None = None,
            window: int = DEFAULT_WINDOW, bar: Any = "1min", quote_lag: Any = 0,
            title: str = "hftlab analytics", notes: Sequence[str] = ()) -> Path:
    """Write the toxicity and spread-decomposition report to out_dir; return its path.

    VPIN (Easley, López de Prado & O'Hara 2012; BVC on `bar` time bars, buckets of
    `bucket_volume`, default daily volume / (BUCKETS_PER_WINDOW x window) = / 50 with the
    default window of 10 buckets, so one session draws a curve) and its expanding CDF;
    quoted spread over session time; effective = realized + impact at each horizon (bps,
    volume-weighted); Lee-Ready accuracy when the trades carry their true side; Roll's
    estimate for comparison; OFI when quote sizes are present. When there are too few
    buckets for a full window the window shrinks to the buckets available (said in the
    report). quote_lag: matches trades to quotes strictly before ts - quote_lag (for a
    quote feed that runs ahead of the trades). NaN-bearing rows are handled as each
    analytic documents. notes: lines shown first under the headline table (e.g. where
    the tables came from).
    """
    sec = market_section(trades, quotes, horizons=horizons, bucket_volume=bucket_volume,
                         window=window, bar=bar, quote_lag=quote_lag)
    sec.notes[:0] = list(notes)
    return write_page(out_dir, title, [sec])
