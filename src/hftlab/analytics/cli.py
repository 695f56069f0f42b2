"""`hftlab analyze`: the analytics report from Parquet trades and quotes, canonical
market events or a run folder.

`analyze_path` is the body of the command, which hftlab/cli.py declares (so that
``hftlab analyze --help`` loads none of this); `analyze_command` is that Typer command,
re-exported for apps that register it with ``app.command("analyze")(analyze_command)``.
Accepted inputs (PATH):

- a run folder (holds ``run.json``, written by ``RunRecord.save``): the report of
  `run_report.analyze_run`, with the adverse selection of the run's fills;
- a directory holding ``trades.parquet`` and ``quotes.parquet``;
- a canonical events Parquet written by ``MarketData.save`` (it carries hftlab
  metadata): one book's TRADE and EXECUTE events as trades and its top of book after
  each event as quotes (`sources.events_tables`);
- one Parquet file with a ``kind`` column: rows of kind ``trade`` are trades and rows of
  kind ``quote`` are quotes (other kinds are ignored).

Trade columns: ts (int64 ns since the epoch UTC, or timestamp), price, qty (or volume /
size), optional side (+1 buyer-initiated, -1 seller-initiated, 0 unknown). Quote
columns: ts, bid, ask, optional bid_qty, ask_qty. Prices in one unit (ticks or currency).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from hftlab.report.analytics_report import analyze
from hftlab.report.analytics_run import analyze_run
from hftlab.analytics.sources import events_tables, run_tables
from hftlab.cli import analyze_command
from hftlab.data.market import DataError, MarketData

__all__ = ["Loaded", "analyze_command", "analyze_path", "is_run_folder", "load_input",
           "load_tables"]

TRADE_COLUMNS = ("ts", "price", "qty", "volume", "size", "side")
QUOTE_COLUMNS = ("ts", "bid", "ask", "bid_qty", "ask_qty")


@dataclass
class Loaded:
    """What PATH held: kind ('tables', 'events' or 'run'), the trades and quotes, and
    notes on where they came from."""

    kind: str
    trades: pd.DataFrame
    quotes: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def is_run_folder(path: Path) -> bool:
    """A directory written by RunRecord.save (it holds run.json)."""
    return Path(path).is_dir() and (Path(path) / "run.json").is_file()


def _events(path: Path) -> MarketData | None:
    """The lazily opened MarketData of a Parquet file with hftlab metadata, else None."""
    from hftlab.data import load

    try:
        return load(path, lazy=True)
    except DataError:
        return None


def _no_book_choice(path: Path, venue: int | str | None,
                    instrument: int | str | None) -> None:
    """Plain trade/quote tables hold one market: a venue or instrument choice is an error."""
    if venue is not None or instrument is not None:
        raise ValueError(f"{path}: venue / instrument choose a book of canonical events or "
                         "of a run; plain trade and quote tables hold one market")


def load_input(path: Path, venue: int | str | None = None,
               instrument: int | str | None = None,
               events: MarketData | None = None) -> Loaded:
    """Trades and quotes of PATH (module doc lists the accepted inputs).

    venue / instrument (index or name) choose the book of canonical events or of a
    run; events: for a run, the market data it replayed (its own trades and book).
    """
    path = Path(path)
    if is_run_folder(path):
        from hftlab.engine.record import RunRecord

        t = run_tables(RunRecord.load(path), venue=venue, instrument=instrument, market=events)
        return Loaded("run", t.trades, t.quotes, t.notes)
    if path.is_dir() and (path / "trades.parquet").is_file():
        _no_book_choice(path, venue, instrument)
        tp, qp = path / "trades.parquet", path / "quotes.parquet"
        missing = [p.name for p in (tp, qp) if not p.is_file()]
        if missing:
            raise ValueError(f"{path}: missing {missing}; a directory needs trades.parquet "
                             "and quotes.parquet (or run.json for a run folder)")
        return Loaded("tables", pd.read_parquet(tp), pd.read_parquet(qp))
    if not path.exists():
        raise ValueError(f"{path}: no such file or directory")
    if path.is_dir():  # hftlab Parquet files (what `hftlab data convert` writes): one data set
        from hftlab.data import load

        data = load(path, lazy=True)
    else:
        data = _events(path)
    if data is not None:
        t = events_tables(data, venue=venue, instrument=instrument)
        if t.trades.empty:
            raise ValueError(f"{path}: book (venue {t.venue}, instrument {t.instrument}) has "
                             "no TRADE or EXECUTE events to analyze")
        return Loaded("events", t.trades, t.quotes, t.notes)
    _no_book_choice(path, venue, instrument)
    df = pd.read_parquet(path)
    if "kind" not in df.columns:
        raise ValueError(f"{path}: a single Parquet file needs a 'kind' column with 'trade' "
                         f"and 'quote' rows, or hftlab metadata (MarketData.save); it has "
                         f"{list(df.columns)}")
    kind = df["kind"].astype(str).str.lower()
    trades = df.loc[kind == "trade", [c for c in TRADE_COLUMNS if c in df.columns]]
    quotes = df.loc[kind == "quote", [c for c in QUOTE_COLUMNS if c in df.columns]]
    if trades.empty or quotes.empty:
        raise ValueError(f"{path}: needs both 'trade' and 'quote' rows; found "
                         f"{len(trades)} trades and {len(quotes)} quotes")
    return Loaded("tables", trades.reset_index(drop=True), quotes.reset_index(drop=True))


def load_tables(path: Path, venue: int | str | None = None,
                instrument: int | str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Trades and quotes from any input `load_input` accepts."""
    got = load_input(path, venue=venue, instrument=instrument)
    return got.trades, got.quotes


def analyze_path(path: Path, out: Path, bar: str = "1min", quote_lag: str = "0s",
                 bucket_volume: float | None = None, venue: str | None = None,
                 instrument: str | None = None, events: Path | None = None) -> Path:
    """The body of ``hftlab analyze``: write the report of PATH into out, return its path.

    Bad input raises ValueError naming it (the command prints it as one line).
    """
    if events is not None and not is_run_folder(path):
        raise ValueError("--events goes with a run folder (PATH holding run.json)")
    if is_run_folder(path):
        return analyze_run(path, out, events=events, venue=venue, instrument=instrument,
                           bar=bar, quote_lag=quote_lag, bucket_volume=bucket_volume)
    got = load_input(path, venue=venue, instrument=instrument)
    return analyze(got.trades, got.quotes, out, bar=bar, quote_lag=quote_lag,
                   bucket_volume=bucket_volume, notes=got.notes)
