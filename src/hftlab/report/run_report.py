"""A self-contained HTML report of one run: price with our quotes and fills, inventory, P&L.

Figures are drawn with matplotlib (Agg) and embedded as base64 PNG, so the file opens
offline; each PNG is also written beside it.
"""

from __future__ import annotations

import base64
import html
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from hftlab.engine.record import RunRecord  # noqa: E402


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def run_figure(rec: RunRecord, instrument: int = 0) -> bytes:
    """Three stacked panels over time: price + our quotes + fills, inventory, cumulative P&L."""
    st = rec.states[rec.states["instrument"] == instrument]
    tick = rec.instruments[instrument].tick_size
    t0 = int(st["ts"].iloc[0]) if len(st) else 0
    secs = (st["ts"].to_numpy() - t0) / 1e9
    fig, ax = plt.subplots(3, 1, figsize=(11, 8.5), sharex=True,
                           gridspec_kw={"height_ratios": [2.2, 1, 1]})
    mid = st["mid"].to_numpy() * tick
    ax[0].plot(secs, mid, color="0.35", lw=0.8, label="mid")
    for col, color, label in (("bid", "tab:green", "our bid"), ("ask", "tab:red", "our ask")):
        q = st[col].to_numpy().astype(float)
        q[q <= 0] = np.nan
        ax[0].plot(secs, q * tick, color=color, lw=0.6, alpha=0.8, label=label)
    f = rec.fills[rec.fills["instrument"] == instrument]
    if len(f):
        fs = (f["ts_exchange"].to_numpy() - t0) / 1e9
        buys = f["side"].to_numpy() > 0
        ax[0].scatter(fs[buys], f["price_ccy"].to_numpy()[buys], marker="^", s=14,
                      color="tab:green", label="we bought", zorder=3)
        ax[0].scatter(fs[~buys], f["price_ccy"].to_numpy()[~buys], marker="v", s=14,
                      color="tab:red", label="we sold", zorder=3)
    ax[0].set_ylabel("price")
    ax[0].legend(loc="upper left", fontsize=8, ncol=5)
    ax[1].step(secs, st["position"], where="post", color="tab:blue", lw=0.9)
    ax[1].axhline(0, color="0.6", lw=0.5)
    ax[1].set_ylabel("inventory (lots)")
    ax[2].plot(secs, st["equity"], color="tab:purple", lw=0.9, label="total P&L")
    ax[2].plot(secs, st["realized_pnl"], color="0.5", lw=0.7, ls="--", label="realized")
    ax[2].axhline(0, color="0.6", lw=0.5)
    ax[2].set_ylabel("P&L")
    ax[2].set_xlabel("seconds since start")
    ax[2].legend(loc="upper left", fontsize=8)
    fig.suptitle(f"{rec.meta.get('strategy', 'run')} on {rec.instruments[instrument].symbol}")
    return _png(fig)


def _table(d: dict) -> str:
    rows = []
    for k, v in d.items():
        if isinstance(v, float):
            v = f"{v:,.4f}" if abs(v) < 1e4 else f"{v:,.0f}"
        rows.append(f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>")
    return "<table>" + "".join(rows) + "</table>"


def write_report(rec: RunRecord, out_dir: str | Path, title: str | None = None) -> Path:
    """Write report.html (and run.png) for rec into out_dir; returns the HTML path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    png = run_figure(rec)
    (out / "run.png").write_bytes(png)
    summary = rec.summary()
    title = title or f"hftlab run: {rec.meta.get('strategy', '')}"
    img = base64.b64encode(png).decode()
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em;max-width:1100px}}
table{{border-collapse:collapse}}th,td{{border-bottom:1px solid #ddd;padding:3px 10px;text-align:left}}
th{{font-weight:600}}</style></head><body>
<h1>{html.escape(title)}</h1>
<p>Source: {html.escape(str(rec.meta.get('source', '')))}; queue model:
{html.escape(str(rec.meta.get('queue_model', '')))}; seed {rec.meta.get('seed', '')}.</p>
<img src="data:image/png;base64,{img}" style="max-width:100%">
<h2>Summary</h2>{_table(summary)}
</body></html>"""
    path = out / "report.html"
    path.write_text(page)
    return path

