"""The analytics HTML report: toxicity over time and the spread decomposition.

`analyze(trades, quotes, out_dir)` writes one self-contained HTML file (figures inlined
as base64 PNG, drawn with matplotlib's Agg backend) from plain trade and quote tables:

- trades: ts (int ns or datetime64), price, qty|volume|size, optional side (+1
  buyer-initiated, -1 seller-initiated; Lee-Ready against the quotes when absent);
- quotes: ts, bid, ask, optional bid_qty/ask_qty (for order flow imbalance).

Spreads are shown in bps of the midpoint; VPIN as a fraction in [0, 1].
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd

from hftlab.analytics.classification import lee_ready
from hftlab.analytics.estimators import roll_spread
from hftlab.analytics.inputs import as_frame, quote_arrays, trade_arrays, ts_index
from hftlab.analytics.ofi import order_flow_imbalance
from hftlab.analytics.spreads import (
    DEFAULT_HORIZONS, decomposition_summary, quoted_spread, spread_decomposition,
)
from hftlab.analytics.vpin import vpin, vpin_cdf

REPORT_NAME = "analytics_report.html"


def _png(fig: Any) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _img(b64: str, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{b64}"/>'


def analyze(trades: pd.DataFrame, quotes: pd.DataFrame, out_dir: str | Path,
            horizons: Sequence[Any] = DEFAULT_HORIZONS, bucket_volume: float | None = None,
            window: int = 50, bar: Any = "1min", quote_lag: Any = 0,
            title: str = "hftlab analytics") -> Path:
    """Write the toxicity and spread-decomposition report to out_dir; return its path.

    VPIN (Easley, López de Prado & O'Hara 2012; BVC on `bar` time bars, buckets of
    `bucket_volume`, default daily volume / 50, over `window` buckets) and its expanding
    CDF; quoted spread over time; effective = realized + impact at each horizon (bps,
    volume-weighted); Lee-Ready accuracy when the trades carry their true side; Roll's
    estimate for comparison; OFI when quote sizes are present. When there are too few
    buckets for a full window the window shrinks to the buckets available (said in the
    report). quote_lag: matches trades to quotes strictly before ts - quote_lag (for a
    quote feed that runs ahead of the trades). NaN-bearing rows are handled as each
    analytic documents.
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
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
    v = vpin(tdf, bucket_volume=bucket_volume, window=window, bar=bar)
    if v["vpin"].notna().sum() == 0 and len(v) >= 2:
        w = len(v)
        notes.append(f"Only {w} buckets: VPIN window shrunk from {window} to {w}.")
        v = vpin(tdf, bucket_volume=bucket_volume, window=w, bar=bar)
    cdf = vpin_cdf(v["vpin"])
    side = t["side"] if "side" in t else lr
    dec = spread_decomposition(tdf.assign(side=np.where(side != 0, side, lr)), quotes,
                               horizons=horizons, quote_lag=quote_lag)
    summary = decomposition_summary(dec)
    qs = quoted_spread(q["bid"], q["ask"])
    qs.index = ts_index(q["ts"])
    roll = roll_spread(t["price"])

    figs = []
    fig, ax = plt.subplots(2, 1, figsize=(10, 6), sharex=True)
    if len(v):
        ax[0].plot(v["ts"], v["vpin"], color="tab:red")
        ax[1].plot(v["ts"], cdf, color="tab:purple")
    ax[0].set_ylabel("VPIN")
    ax[0].set_ylim(0, 1)
    ax[1].set_ylabel("CDF(VPIN)")
    ax[1].axhline(0.9, ls="--", color="grey")
    ax[0].set_title(f"Toxicity over time (bucket V = {v.attrs['bucket_volume']:.6g}, "
                    f"n = {v.attrs['window']})")
    figs.append(_img(_png(fig), "VPIN over time"))
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(10, 3))
    ax.plot(qs.index, qs.to_numpy() * 1e4, lw=0.6)
    ax.set_ylabel("quoted spread (bps)")
    ax.set_title("Quoted spread")
    figs.append(_img(_png(fig), "quoted spread"))
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 4))
    xs = np.arange(len(summary))
    ax.bar(xs - 0.2, summary["realized"], width=0.4, label="realized")
    ax.bar(xs + 0.2, summary["impact"], width=0.4, label="price impact")
    ax.plot(xs, summary["effective"], "k_", ms=30, label="effective")
    ax.set_xticks(xs, summary.index)
    ax.set_ylabel("bps of mid (volume-weighted)")
    ax.set_title("Spread decomposition: effective = realized + impact")
    ax.legend()
    figs.append(_img(_png(fig), "spread decomposition"))
    plt.close(fig)

    if "bid_qty" in q and "ask_qty" in q:
        step = pd.Timedelta(bar if bar is not None else "1s")
        ofi = order_flow_imbalance(quotes, interval=step)
        fig, ax = plt.subplots(figsize=(10, 3))
        ax.bar(ofi.index, ofi.to_numpy(), width=step * 0.9)
        ax.set_ylabel("OFI (size units)")
        ax.set_title("Order flow imbalance (Cont, Kukanov & Stoikov 2014)")
        figs.append(_img(_png(fig), "order flow imbalance"))
        plt.close(fig)

    stats = {"trades": len(tdf), "quotes": q["ts"].size,
             "VPIN buckets": len(v), "last VPIN": v["vpin"].dropna().iloc[-1]
             if v["vpin"].notna().any() else float("nan"),
             "mean quoted spread (bps)": float(np.nanmean(qs.to_numpy())) * 1e4
             if qs.notna().any() else float("nan"),
             "Roll (1984) spread (bps)": roll * 1e4}
    stats_html = "".join(f"<tr><th>{html.escape(k)}</th><td>{val:.6g}</td></tr>"
                         if isinstance(val, float) else
                         f"<tr><th>{html.escape(k)}</th><td>{val}</td></tr>"
                         for k, val in stats.items())
    page = f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;max-width:1100px;margin:auto}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:3px 8px;text-align:right}}
</style></head><body>
<h1>{html.escape(title)}</h1>
<table>{stats_html}</table>
<p>{'<br>'.join(html.escape(n) for n in notes)}</p>
<h2>Toxicity</h2>{figs[0]}
<h2>Spreads</h2>{figs[1]}{figs[2]}
<h3>Decomposition (bps of mid, volume-weighted; effective = realized + impact)</h3>
{summary.to_html(float_format=lambda x: f"{x:.4f}")}
{''.join(f'<h2>Order flow</h2>{f}' for f in figs[3:])}
</body></html>
"""
    path = out / REPORT_NAME
    path.write_text(page, encoding="utf-8")
    return path
