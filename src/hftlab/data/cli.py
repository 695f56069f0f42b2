"""`hftlab data`: convert raw market data to hftlab Parquet, and describe a data set.

    hftlab data convert FORMAT INPUT... --out DIR [--skip-bad] [--date D] [--symbols A,B]
    hftlab data info PATH [--format FORMAT]

convert writes DIR/date=YYYY-MM-DD/instrument=SYMBOL/<input name>.parquet, one
MarketData file per UTC date and instrument (a file after an instrument's first starts
with the book carried over, so each replays alone); ``hftlab.data.load(DIR)``, ``hftlab
analyze DIR`` and a backtest's ``[market] path = "DIR"`` read the directory as one data
set, a capture crossing midnight replaying as it was captured. LOBSTER message files
pair with their orderbook file by name (NAME_orderbook_L.csv beside NAME_message_L.csv),
and convert says which it paired. info prints the instruments, time span,
event counts by kind and the number of crossed-book moments (source records after
which a book's best bid is at or above its best ask). Readers, numpy and pandas load
inside the commands, so ``hftlab data --help`` stays light; the `hftlab` app reports
errors (a DataError naming the file and line) as one line.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

import typer

if TYPE_CHECKING:
    import numpy as np
    from rich.console import Console

    from hftlab.data.market import MarketData

data_app = typer.Typer(help="Convert and inspect market data.", no_args_is_help=True)
FORMATS = ("lobster", "itch", "dbn", "binance", "hyperliquid", "tardis")
DAY_NS = 86_400 * 1_000_000_000


def reader(fmt: str, date: str | None = None, symbols: str | None = None,
           skip_bad: bool = False, definitions: Path | None = None
           ) -> Callable[[Path], MarketData]:
    """A function reading one raw file of FORMAT (see FORMATS) as MarketData; a LOBSTER
    message file takes its orderbook file from beside it when there is one."""
    if fmt not in FORMATS:
        raise typer.BadParameter(f"unknown format {fmt!r}; the formats read are "
                                 f"{', '.join(FORMATS)}", param_hint="FORMAT")
    if fmt == "lobster":
        from hftlab.data.lobster import read_lobster

        def read(p: Path) -> MarketData:
            book = orderbook_beside(p)
            return read_lobster(p, book if book.exists() else None, date, skip_bad=skip_bad)
        return read
    if fmt == "itch":
        from hftlab.data.itch import read_itch

        syms = [s for s in symbols.split(",") if s] if symbols else None
        return lambda p: read_itch(p, syms, date, skip_bad=skip_bad)
    if fmt == "dbn":
        from hftlab.data.dbn import read_dbn

        return lambda p: read_dbn(p, definitions=definitions, skip_bad=skip_bad)
    if fmt == "binance":
        from hftlab.data.binance import read_binance as read_raw
    elif fmt == "hyperliquid":
        from hftlab.data.hyperliquid import read_hyperliquid as read_raw
    else:
        from hftlab.data.tardis import read_tardis as read_raw
    return lambda p: read_raw(p, skip_bad=skip_bad)


def orderbook_beside(message: Path) -> Path:
    """The LOBSTER orderbook file that pairs with a message file: the same name with
    _message_ replaced by _orderbook_ (LOBSTER names them so), in the same folder."""
    return message.with_name(message.name.replace("_message_", "_orderbook_"))


def lobster_pairs(inputs: list[Path]) -> tuple[list[Path], list[str]]:
    """The message files among LOBSTER inputs and a note per file on how its orderbook
    file pairs with it. An orderbook file given on the command line must sit beside its
    message file under LOBSTER's name (NAME_orderbook_L.csv for NAME_message_L.csv)."""
    books = {p.resolve() for p in inputs if "_orderbook_" in p.name}
    messages = [p for p in inputs if "_orderbook_" not in p.name]
    notes = []
    for m in messages:
        book = orderbook_beside(m)
        if book == m:
            notes.append(f"{m.name}: not named NAME_message_L.csv, so no orderbook file pairs "
                         "with it; the book is rebuilt from the messages alone")
        elif book.exists():
            books.discard(book.resolve())
            notes.append(f"{m.name}: paired with orderbook file {book.name} (the same name "
                         "with _orderbook_ for _message_)")
        else:
            notes.append(f"{m.name}: no orderbook file {book.name} beside it; the book is "
                         "rebuilt from the messages alone")
    if books:
        lone = sorted(str(b) for b in books)
        from hftlab.data.market import DataError

        raise DataError(f"orderbook file(s) {lone} pair with no message file given: give "
                        "NAME_message_L.csv (its orderbook file NAME_orderbook_L.csv is read "
                        "from beside it)")
    return messages, notes


def carried_book(data: MarketData, venue: int, instrument: int, cuts: np.ndarray
                 ) -> list[np.ndarray]:
    """For each cut (a row of data.events), LEVEL events that rebuild book (venue,
    instrument) as it stands just before that row, so a partition file starting there
    replays from the right book."""
    import numpy as np

    from hftlab.book import MARGIN_TICKS
    from hftlab.data.replay_nb import replay_depth
    from hftlab.schema import Kind

    ev = data.events
    mine = np.flatnonzero((ev["venue"] == venue) & (ev["instrument"] == instrument))
    bev = ev[mine]
    priced = bev["price"][bev["price"] > 0]
    if len(priced) == 0:
        return [np.zeros(0, ev.dtype) for _ in cuts]
    base = max(int(priced.min()) - MARGIN_TICKS, 0)
    width = int(priced.max()) + MARGIN_TICKS + 1 - base
    last = np.searchsorted(mine, cuts) - 1  # the book's last event before each cut
    emit = np.zeros(len(bev), dtype=np.bool_)
    emit[last[last >= 0]] = True
    levels = len(np.unique(priced))
    px, sz, _ = replay_depth(bev["kind"].astype(np.int64), bev["side"].astype(np.int64),
                             bev["price"], bev["qty"], bev["order_id"].astype(np.int64), emit,
                             base, width, levels)
    rows = {int(j): r for r, j in enumerate(np.flatnonzero(emit))}
    out = []
    for cut, j in zip(cuts, last):
        if j < 0:
            out.append(np.zeros(0, ev.dtype))
            continue
        r = rows[int(j)]
        parts = []
        for row, side in ((0, 1), (1, -1)):
            ok = px[r, row] >= 0
            lv = np.zeros(int(ok.sum()), ev.dtype)
            lv["ts"], lv["ts_local"] = ev["ts"][cut], ev["ts_local"][cut]
            lv["venue"], lv["instrument"] = venue, instrument
            lv["kind"], lv["side"] = Kind.LEVEL, side
            lv["price"], lv["qty"] = px[r, row][ok], sz[r, row][ok]
            parts.append(lv)
        out.append(np.concatenate(parts))
    return out


def partitions(data: MarketData) -> list[tuple[str, int, MarketData]]:
    """Split data by UTC date and instrument: [(date, instrument index, MarketData)].

    A partition after an instrument's first starts with LEVEL events carrying each of
    its books over from the previous day (counted in stats["carried_levels"]), so every
    file replays on its own.
    """
    import numpy as np

    from hftlab.data.market import MarketData

    ev, rec = data.events, data.record
    day = ev["ts"] // DAY_NS
    out = []
    for i in np.unique(ev["instrument"]):
        rows = np.flatnonzero(ev["instrument"] == i)
        days = day[rows]
        starts = rows[np.flatnonzero(np.r_[True, days[1:] != days[:-1]])]
        carry = [[] for _ in starts]
        for v in np.unique(ev["venue"][rows]):
            for k, lv in enumerate(carried_book(data, int(v), int(i), starts)):
                carry[k].append(lv)
        bounds = list(starts) + [None]
        for k, start in enumerate(starts):
            sel = rows[(rows >= start) & ((rows < bounds[k + 1]) if bounds[k + 1] is not None
                                          else True)]
            carried = np.concatenate(carry[k]) if carry[k] else np.zeros(0, ev.dtype)
            sub = np.concatenate([carried, ev[sel]])
            sub["instrument"] = 0
            sub_rec = np.concatenate([np.full(len(carried), rec[sel[0]]), rec[sel]])
            name = dt.date(1970, 1, 1) + dt.timedelta(days=int(day[start]))
            part = MarketData(sub, [data.instruments[i]], data.venues, record=sub_rec,
                              source=data.source, stats={"carried_levels": len(carried)})
            out.append((name.isoformat(), int(i), part))
    return out


def safe(name: str) -> str:
    """A symbol as one path component ('BTC/USD' -> 'BTC_USD')."""
    return re.sub(r"[/\\:\0]", "_", name) or "_"


def _report(console: Console, path: Path, data: MarketData) -> None:
    s = data.stats
    notes = []
    for key in ("skipped", "gaps", "corrections", "duplicate_trades"):
        value = s.get(key)
        if value and (not isinstance(value, dict) or any(value.values())):
            notes.append(f"{key}: {value}")
    console.print(f"[bold]{path.name}[/]: {len(data):,} events"
                  + ("; " + "; ".join(notes) if notes else ""))


@data_app.command()
def convert(fmt: str = typer.Argument(..., metavar="FORMAT", help=" | ".join(FORMATS)),
            inputs: list[Path] = typer.Argument(..., metavar="INPUT...", exists=True,
                                                dir_okay=False,
                                                help="raw files; LOBSTER: NAME_message_L.csv "
                                                "(NAME_orderbook_L.csv beside it pairs)"),
            out: Path = typer.Option(..., "--out", help="output directory"),
            skip_bad: bool = typer.Option(False, "--skip-bad",
                                          help="skip bad records, count and report them"),
            date: Optional[str] = typer.Option(None, help="trading date (LOBSTER, ITCH) when "
                                               "the file name has none"),
            symbols: Optional[str] = typer.Option(None, help="ITCH: comma-separated symbols"),
            definitions: Optional[Path] = typer.Option(None, exists=True, dir_okay=False,
                                                       help="DBN: a definition file for tick "
                                                       "sizes"),
            compression: str = typer.Option("lz4", help="Parquet codec: lz4 (fast to "
                                            "replay), zstd (smallest), none, snappy, gzip, "
                                            "brotli"),
            ) -> None:
    """Read INPUT files of FORMAT and write Parquet partitioned by date and instrument."""
    from rich.console import Console
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn,
                               TimeElapsedColumn)

    from hftlab.data.store import CODECS
    from hftlab.instruments import check

    # before reading the inputs, which can take minutes
    check(compression in CODECS, "compression", f"one of {', '.join(CODECS)}", compression)
    console = Console(soft_wrap=True)
    read = reader(fmt.lower(), date, symbols, skip_bad, definitions)
    if fmt.lower() == "lobster":
        inputs, notes = lobster_pairs(inputs)
        for note in notes:
            console.print(note)
    written = carried = 0
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())
    with Progress(*columns, console=console) as bar:
        task = bar.add_task("converting", total=len(inputs))
        for path in inputs:
            bar.update(task, description=f"reading {path.name}")
            data = read(path)
            _report(console, path, data)
            bar.update(task, description=f"writing {path.name}")
            stem = path.name.split(".")[0]
            for day, i, part in partitions(data):
                target = out / f"date={day}" / f"instrument={safe(data.instruments[i].symbol)}" \
                    / f"{stem}.parquet"
                part.save(target, compression=compression)
                written += 1
                carried += part.stats["carried_levels"]
            bar.advance(task)
    console.print(f"wrote {written} Parquet file(s) under {out}"
                  + (f"; {carried} book levels carried across day boundaries" if carried else "")
                  + f"; load the directory as one data set: hftlab.data.load({str(out)!r})")


def _gather(path: Path, fmt: str | None, skip_bad: bool) -> list[MarketData]:
    from hftlab.data.store import load

    if fmt:
        return [reader(fmt.lower(), skip_bad=skip_bad)(path)]
    return [load(path)]  # a file, or a directory of files as one data set


def crossed_moments(data: MarketData) -> int:
    """Source records after which a book of data has best bid >= best ask."""
    import numpy as np

    from hftlab.book import snapshots

    n = 0
    books = np.unique(np.stack([data.events["venue"].astype(np.int64),
                                data.events["instrument"].astype(np.int64)]), axis=1)
    for v, i in books.T:
        s = snapshots(data, levels=1, by="record", venue=int(v), instrument=int(i))
        n += int((s["bid_price_1"] >= s["ask_price_1"]).sum())
    return n


@data_app.command()
def info(path: Path = typer.Argument(..., exists=True, help="Parquet file or directory, or a "
                                     "raw file with --format"),
         fmt: Optional[str] = typer.Option(None, "--format", help="read PATH as raw FORMAT"),
         skip_bad: bool = typer.Option(False, "--skip-bad")) -> None:
    """Print instruments, time span, event counts by kind and crossed-book moments."""
    import numpy as np
    import pandas as pd
    from rich.console import Console
    from rich.table import Table

    from hftlab.schema import Kind

    console = Console(soft_wrap=True)
    parts = _gather(path, fmt, skip_bad)
    instruments: dict[str, object] = {}
    kinds: dict[str, int] = {k.name: 0 for k in Kind}
    ts0, ts1, crossed, n = None, None, 0, 0
    for data in parts:
        for inst in data.instruments:
            instruments.setdefault(inst.symbol, inst)
        ev = data.events
        if len(ev):
            ts0 = ev["ts"][0] if ts0 is None else min(ts0, ev["ts"][0])
            ts1 = ev["ts"][-1] if ts1 is None else max(ts1, ev["ts"][-1])
        for k, c in zip(*np.unique(ev["kind"], return_counts=True)):
            kinds[Kind(int(k)).name] += int(c)
        crossed += crossed_moments(data)
        n += len(ev)
    n_files = sum(int(d.stats.get("files", 1)) for d in parts)
    table = Table(title=f"{path} ({n_files} file(s))")
    table.add_column("instrument")
    table.add_column("tick size", justify="right")
    table.add_column("lot size", justify="right")
    for sym, inst in instruments.items():
        table.add_row(sym, f"{inst.tick_size:g}", f"{inst.lot_size:g}")
    console.print(table)
    if ts0 is not None:
        console.print(f"time span: {pd.Timestamp(int(ts0), tz='UTC')} -> "
                      f"{pd.Timestamp(int(ts1), tz='UTC')}")
    console.print(f"events: {n:,}  " + "  ".join(f"{k}={v:,}" for k, v in kinds.items() if v))
    console.print(f"crossed-book moments: {crossed:,}")
