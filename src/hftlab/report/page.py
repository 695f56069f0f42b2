"""Self-contained HTML: tables and base64-embedded PNGs, so a report opens offline."""

from __future__ import annotations

import base64
import html
import math
from typing import Any, Callable, Mapping, Sequence

import numpy as np

STYLE = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1150px;color:#222;
padding:0 1em}
table{border-collapse:collapse;margin:.6em 0}th,td{border-bottom:1px solid #ddd;
padding:3px 10px;text-align:right}th:first-child,td:first-child{text-align:left}
th{font-weight:600;background:#f6f6f6;vertical-align:bottom}td{white-space:nowrap}
.note{color:#555;font-size:.92em}
caption{text-align:left;font-weight:600;padding:.3em 0}img{max-width:100%}
.row{display:flex;gap:1.5em;flex-wrap:wrap}.row>div{flex:1 1 0;min-width:320px}
h2{margin-top:1.6em}"""


def fmt(v: Any) -> str:
    """Numbers for people: thousands separators, 2-4 decimals, NaN as a dash."""
    if v is None:
        return "-"
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        if not math.isfinite(v):
            return "-"
        v = v if round(v, 4) != 0 else 0.0  # no "-0.0000"
        return f"{v:,.4f}" if abs(v) < 10 else f"{v:,.2f}"
    return str(v)


def sig(v: Any, digits: int = 6) -> str:
    """Numbers that are read back: floats to `digits` significant digits (NaN as NaN),
    anything else as str."""
    if isinstance(v, (float, np.floating)) and not isinstance(v, bool):
        return f"{float(v):.{digits}g}" if math.isfinite(v) else ("NaN" if v != v else str(v))
    return str(v)


def esc(s: Any) -> str:
    return html.escape(str(s))


def kv_table(d: Mapping[str, Any], show: Callable[[Any], str] = fmt) -> str:
    """A two-column table of name and value (values shown by `show`: fmt, or sig)."""
    rows = "".join(f"<tr><th>{esc(k)}</th><td>{esc(show(v))}</td></tr>" for k, v in d.items())
    return f"<table>{rows}</table>"


def frame_table(df: Any, digits: int = 4) -> str:
    """A DataFrame as an HTML table: its index as row headers, floats with `digits`
    decimals, NaN as NaN (cells escaped by pandas)."""
    return df.to_html(float_format=lambda x: f"{x:.{digits}f}", na_rep="NaN")


def notes_paragraph(notes: Sequence[str]) -> str:
    """Plain-text notes, one line each, as one paragraph ('' when there are none)."""
    return f'<p class="note">{"<br>".join(esc(n) for n in notes)}</p>' if notes else ""


def grid_table(rows: Mapping[str, Mapping[str, Any]], columns: Sequence[str] | None = None,
               labels: Mapping[str, str] | None = None, caption: str = "") -> str:
    """A table with one row per key of rows and one column per metric; labels: the header
    shown for a column (its name otherwise), words that wrap so the table fits the page."""
    cols = list(columns or next(iter(rows.values())).keys())
    labels = labels or {}
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    head = "<tr><th></th>" + "".join(f"<th>{esc(labels.get(c, c))}</th>" for c in cols) + "</tr>"
    body = "".join("<tr><th>" + esc(name) + "</th>" + "".join(
        f"<td>{esc(fmt(r.get(c)))}</td>" for c in cols) + "</tr>" for name, r in rows.items())
    return f"<table class='grid'>{cap}{head}{body}</table>"


def img(png: bytes, alt: str) -> str:
    """An <img> holding png inline (base64), so the page needs no file beside it."""
    b64 = base64.b64encode(png).decode()
    return f'<img src="data:image/png;base64,{b64}" alt="{esc(alt)}">'


def document(title: str, body: str) -> str:
    """A whole HTML page: title, the shared style, body."""
    return (f'<!doctype html><html><head><meta charset="utf-8"><title>{esc(title)}</title>'
            f"<style>{STYLE}</style></head><body><h1>{esc(title)}</h1>{body}</body></html>")


def jsonable(x: Any) -> Any:
    """JSON-ready: numpy scalars as Python numbers, NaN and inf as null, tuples as lists."""
    if isinstance(x, dict):
        return {str(k): jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(x) if np.isfinite(x) else None
    if x is None or isinstance(x, str):
        return x
    return str(x)
