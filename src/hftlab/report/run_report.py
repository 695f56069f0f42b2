"""A self-contained HTML report of one run, and the PNGs beside it.

Panels (figures.run_panels): price with our fills and the session's large moves
annotated; our quotes and the market's touch around the mid; our quoted spread against
the market's; inventory; cumulative P&L; VPIN. Then markouts at 1, 10 and 60 s (adverse
selection), the P&L decomposition (spread capture, inventory, fees and rebates) and the
metrics table. Amounts are in the run's currency (``rec.meta["currency"]`` when set).
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
                "{cur} per lot, quantity-weighted; negative means the market moved "
                "against our fills (adverse selection).",
    "decomposition": "Spread capture: side x (mid at the fill - price) x qty; inventory P&L: "
                     "side x qty x (final mid - mid at the fill); fees and rebates: minus the "
                     "fees (a net rebate is positive), in {cur}. They add up to the total "
                     "P&L.",
    "sharpe": "sharpe_run is the Sharpe ratio of this session: mean / std of its "
              "sharpe_seconds 1-second P&L changes x sqrt(sharpe_seconds), not annualised.",
}


def run_figure(rec: RunRecord, instrument: int = 0, vpin: pd.DataFrame | None = None) -> bytes:
    """The panels of a run as PNG bytes (see figures.run_panels)."""
    return figures.run_panels(rec, vpin, instrument)


def analyse(rec: RunRecord, data: MarketData | None = None, bucket_volume: float | None = None,
            window: int = 50, position_limit: int | None = None,
            instrument: int = 0) -> dict[str, Any]:
    """Every number of the report: vpin (DataFrame), summary (the teaching example's),
    metrics, markouts (DataFrame), decomposition and moves (the session's large moves,
    run_metrics.large_moves). VPIN and the sweeps behind large moves need the market
    data: the run's own session when it ran in a simulated market (``rec.market``, our
    trades included), else data; VPIN's bucket defaults to the market's volume / 200
    (window buckets averaged)."""
    vp, tr = None, None
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
            "decomposition": m.pnl_decomposition(rec, instrument),
            "moves": m.large_moves(rec, tr, instrument)}


def move_text(mv: Any, currency: str = "currency") -> str:
    """One large move (a row of run_metrics.large_moves) in words."""
    what = (f"a {int(mv.qty):,}-lot {'buy' if mv.side > 0 else 'sell'} swept the "
            f"{'ask' if mv.side > 0 else 'bid'} from {mv.from_price:,.2f} to "
            f"{mv.to_price:,.2f} {currency}" if mv.side else "the mid jumped")
    return (f"at t = {mv.t_s:,.0f} s {what}: mid {mv.mid_before:,.2f} -> {mv.mid_after:,.2f} "
            f"({100 * mv.move:+.1f} %, {mv.sigmas:,.0f} sigma of its 1-s changes)")


def headline(a: dict[str, Any], currency: str = "currency") -> str:
    """One sentence a person reads first: where the P&L came from, what it risked and
    the session's large moves."""
    m, s, d = a["metrics"], a["summary"], a["decomposition"]
    mk = a["markouts"].set_index("horizon_s")["markout_per_lot"]
    text = (f"Total P&L {fmt(m['total_pnl'])} {currency} = spread capture "
            f"{fmt(d['spread_capture'])} + inventory {fmt(d['inventory_pnl'])} + fees and "
            f"rebates {fmt(d['fees_and_rebates'])}; {fmt(m['volume_lots'])} lots traded in "
            f"{fmt(m['fills'])} fills; inventory between {fmt(s['max_short'])} and "
            f"{fmt(s['max_long'])} lots; max drawdown {fmt(m['max_drawdown'])} {currency}")
    if 10 in mk.index:
        text += f"; 10-second markout {fmt(float(mk[10]))} {currency} per lot"
    moves = a.get("moves")
    if moves is not None and len(moves):
        text += "; large moves: " + "; ".join(move_text(mv, currency)
                                              for mv in moves.itertuples())
    return f"<p><b>{esc(text)}.</b></p>"


def run_section(rec: RunRecord, a: dict[str, Any], out: Path, prefix: str = "",
                spans: Sequence[tuple[float, float]] = (), span_label: str | None = None) -> str:
    """The HTML of one run (figures embedded and written as PNGs into out)."""
    name, cur = rec.meta.get("strategy", "run"), figures.currency_of(rec)
    pngs = {"panels": figures.run_panels(rec, a["vpin"], spans=spans, span_label=span_label,
                                         moves=a.get("moves")),
            "markouts": figures.markout_figure(a["markouts"], currency=cur),
            "pnl": figures.decomposition_figure(a["decomposition"], currency=cur)}
    for key, data in pngs.items():
        (out / f"{prefix}{key}.png").write_bytes(data)
    mk = a["markouts"]
    mk_row = {f"{int(h)} s": v for h, v in zip(mk["horizon_s"], mk["markout_per_lot"])}
    return (f"{headline(a, cur)}{img(pngs['panels'], name + ' panels')}"
            f"<div class='row'><div>{img(pngs['markouts'], 'markouts')}"
            f"<p class='note'>{esc(NOTES['markouts'].format(cur=cur))}</p>{kv_table(mk_row)}"
            f"</div><div>{img(pngs['pnl'], 'P&L decomposition')}"
            f"<p class='note'>{esc(NOTES['decomposition'].format(cur=cur))}</p>"
            f"{kv_table(a['decomposition'])}</div></div>"
            f"<div class='row'><div><h3>Summary</h3>{kv_table(a['summary'])}</div>"
            f"<div><h3>Metrics</h3>{kv_table(a['metrics'])}"
            f"<p class='note'>{esc(NOTES['sharpe'])}</p></div></div>")


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
                                                     span_label=span_label,
                                                     moves=a.get("moves")))
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
