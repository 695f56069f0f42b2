"""A self-contained HTML report of one run, and the PNGs beside it.

Panels: price with our bid, ask and fills; inventory; cumulative P&L against VPIN; our
quoted spread. Then markouts at 1, 10 and 60 s (adverse selection), the P&L
decomposition (spread capture, inventory, fees and rebates) and the metrics table.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from hftlab.data.market import MarketData
from hftlab.engine.record import RunRecord
from hftlab.report import figures
from hftlab.report import run_metrics as m
from hftlab.report.page import document, esc, fmt, img, kv_table

NOTES = {
    "markouts": "Markout at h: our side x (mid h seconds after the fill - fill price), in "
                "currency per lot, quantity-weighted; negative means the market moved "
                "against our fills (adverse selection).",
    "decomposition": "Spread capture: side x (mid at the fill - price) x qty; inventory P&L: "
                     "side x qty x (final mid - mid at the fill); fees and rebates: minus the "
                     "fees (a net rebate is positive). They add up to the total P&L.",
}


def run_figure(rec: RunRecord, instrument: int = 0, vpin: pd.DataFrame | None = None) -> bytes:
    """The four panels of a run as PNG bytes (see figures.run_panels)."""
    return figures.run_panels(rec, vpin, instrument)


def analyse(rec: RunRecord, data: MarketData | None = None, bucket_volume: float | None = None,
            window: int = 50, position_limit: int | None = None,
            instrument: int = 0) -> dict[str, Any]:
    """Every number of the report: vpin (DataFrame), summary (the teaching example's),
    metrics, markouts (DataFrame) and decomposition. VPIN needs the market data: the
    run's own session when it ran in a simulated market (``rec.market``, our trades
    included), else data; its bucket defaults to the market's volume / 200 (window
    buckets averaged)."""
    vp = None
    data = rec.market if getattr(rec, "market", None) is not None else data
    if data is not None:
        tr = m.market_trades(data, instrument)
        if bucket_volume is None and len(tr):
            bucket_volume = max(float(tr["qty"].sum()) / 200.0, 1.0)
        if bucket_volume:
            vp = m.vpin_series(tr, bucket_volume, window)
    return {"vpin": vp, "bucket_volume": bucket_volume, "window": window,
            "summary": m.teaching_summary(rec, vp, instrument),
            "metrics": m.metrics(rec, position_limit, instrument),
            "markouts": m.markouts(rec, instrument=instrument),
            "decomposition": m.pnl_decomposition(rec, instrument)}


def headline(a: dict[str, Any]) -> str:
    """One sentence a person reads first: where the P&L came from and what it risked."""
    m, s, d = a["metrics"], a["summary"], a["decomposition"]
    mk = a["markouts"].set_index("horizon_s")["markout_per_lot"]
    text = (f"Total P&L {fmt(m['total_pnl'])} = spread capture {fmt(d['spread_capture'])} "
            f"+ inventory {fmt(d['inventory_pnl'])} + fees and rebates "
            f"{fmt(d['fees_and_rebates'])}; {fmt(m['volume_lots'])} lots traded in "
            f"{fmt(m['fills'])} fills; inventory between {fmt(s['max_short'])} and "
            f"{fmt(s['max_long'])} lots; max drawdown {fmt(m['max_drawdown'])}")
    if 10 in mk.index:
        text += f"; 10-second markout {fmt(float(mk[10]))} per lot"
    return f"<p><b>{esc(text)}.</b></p>"


def run_section(rec: RunRecord, a: dict[str, Any], out: Path, prefix: str = "",
                spans: Sequence[tuple[float, float]] = (), span_label: str | None = None) -> str:
    """The HTML of one run (figures embedded and written as PNGs into out)."""
    name = rec.meta.get("strategy", "run")
    pngs = {"panels": figures.run_panels(rec, a["vpin"], spans=spans, span_label=span_label),
            "markouts": figures.markout_figure(a["markouts"]),
            "pnl": figures.decomposition_figure(a["decomposition"])}
    for key, data in pngs.items():
        (out / f"{prefix}{key}.png").write_bytes(data)
    mk = a["markouts"]
    mk_row = {f"{int(h)} s": v for h, v in zip(mk["horizon_s"], mk["markout_per_lot"])}
    return (f"{headline(a)}{img(pngs['panels'], name + ' panels')}"
            f"<div class='row'><div>{img(pngs['markouts'], 'markouts')}"
            f"<p class='note'>{esc(NOTES['markouts'])}</p>{kv_table(mk_row)}</div>"
            f"<div>{img(pngs['pnl'], 'P&L decomposition')}"
            f"<p class='note'>{esc(NOTES['decomposition'])}</p>"
            f"{kv_table(a['decomposition'])}</div></div>"
            f"<div class='row'><div><h3>Summary</h3>{kv_table(a['summary'])}</div>"
            f"<div><h3>Metrics</h3>{kv_table(a['metrics'])}</div></div>")


def write_report(rec: RunRecord, out_dir: str | Path, title: str | None = None, *,
                 data: MarketData | None = None, bucket_volume: float | None = None,
                 window: int = 50, position_limit: int | None = None,
                 spans: Sequence[tuple[float, float]] = (), span_label: str | None = None,
                 analysis: dict[str, Any] | None = None) -> Path:
    """Write report.html (self-contained) and its PNGs for rec into out_dir; returns the
    HTML path. With data, VPIN of the market's prints is drawn against the P&L; analysis
    (from analyse) replaces data, bucket_volume, window and position_limit."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    a = analysis or analyse(rec, data, bucket_volume, window, position_limit)
    (out / "run.png").write_bytes(figures.run_panels(rec, a["vpin"], spans=spans,
                                                     span_label=span_label))
    title = title or f"hftlab run: {rec.meta.get('strategy', '')}"
    src = (f"<p>Source: {esc(rec.meta.get('source', ''))}; queue model "
           f"{esc(rec.meta.get('queue_model', ''))}; seed {esc(rec.meta.get('seed', ''))}; "
           f"{fmt(rec.meta.get('events', 0))} events.")
    if a["vpin"] is not None:
        src += (f" VPIN: buckets of {fmt(a['bucket_volume'])} lots, {a['window']} buckets, "
                "prints classified by their aggressor side.")
    body = src + "</p>" + run_section(rec, a, out, spans=spans, span_label=span_label)
    path = out / "report.html"
    path.write_text(document(title, body))
    return path
