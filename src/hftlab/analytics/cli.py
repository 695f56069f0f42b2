"""`hftlab analyze`: the analytics report from Parquet trades and quotes.

`analyze_command` is a Typer command function; the `hftlab` app registers it with
``app.command("analyze")(analyze_command)``. Accepted inputs (PATH):

- a directory holding ``trades.parquet`` and ``quotes.parquet``;
- one Parquet file with a ``kind`` column: rows of kind ``trade`` are trades and rows of
  kind ``quote`` are quotes (other kinds are ignored).

Trade columns: ts (int64 ns since the epoch UTC, or timestamp), price, qty (or volume /
size), optional side (+1 buyer-initiated, -1 seller-initiated, 0 unknown). Quote
columns: ts, bid, ask, optional bid_qty, ask_qty. Prices in one unit (ticks or currency).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from hftlab.analytics.report import analyze

TRADE_COLUMNS = ("ts", "price", "qty", "volume", "size", "side")
QUOTE_COLUMNS = ("ts", "bid", "ask", "bid_qty", "ask_qty")


def load_tables(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Trades and quotes from a directory of two Parquet files or one file with `kind`."""
    path = Path(path)
    if path.is_dir():
        tp, qp = path / "trades.parquet", path / "quotes.parquet"
        missing = [p.name for p in (tp, qp) if not p.is_file()]
        if missing:
            raise ValueError(f"{path}: missing {missing}; a directory needs trades.parquet "
                             "and quotes.parquet")
        return pd.read_parquet(tp), pd.read_parquet(qp)
    if not path.is_file():
        raise ValueError(f"{path}: no such file or directory")
    df = pd.read_parquet(path)
    if "kind" not in df.columns:
        raise ValueError(f"{path}: a single Parquet file needs a 'kind' column with 'trade' "
                         f"and 'quote' rows; it has {list(df.columns)}")
    kind = df["kind"].astype(str).str.lower()
    trades = df.loc[kind == "trade", [c for c in TRADE_COLUMNS if c in df.columns]]
    quotes = df.loc[kind == "quote", [c for c in QUOTE_COLUMNS if c in df.columns]]
    if trades.empty or quotes.empty:
        raise ValueError(f"{path}: needs both 'trade' and 'quote' rows; found "
                         f"{len(trades)} trades and {len(quotes)} quotes")
    return trades.reset_index(drop=True), quotes.reset_index(drop=True)


def analyze_command(
    path: Annotated[Path, typer.Argument(help="Directory with trades.parquet and "
                                              "quotes.parquet, or one Parquet with a kind "
                                              "column (trade/quote).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory for the HTML report.")]
    = Path("analytics_report"),
    bar: Annotated[str, typer.Option(help="BVC time-bar length for VPIN, e.g. 1min, 1s.")]
    = "1min",
    quote_lag: Annotated[str, typer.Option(help="Match trades to quotes older than this, "
                                                "e.g. 50ms.")] = "0s",
    bucket_volume: Annotated[float | None, typer.Option(help="VPIN bucket volume; default "
                                                              "daily volume / 50.")] = None,
) -> None:
    """Write an HTML report of toxicity (VPIN) over time and the spread decomposition."""
    try:
        trades, quotes = load_tables(path)
        report = analyze(trades, quotes, out, bar=bar, quote_lag=quote_lag,
                         bucket_volume=bucket_volume)
    except (ValueError, TypeError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    typer.echo(str(report))
