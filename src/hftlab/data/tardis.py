"""Tardis.dev normalized CSV files -> MarketData.

Format (docs.tardis.dev, "Downloadable CSV files"): a header row, plain or gzip;
timestamp (exchange) and local_timestamp (Tardis receive), both us since the epoch.
- incremental_book_L2: exchange, symbol, timestamp, local_timestamp, is_snapshot, side
  (bid/ask), price, amount (the new absolute level size, 0 removes it). A run of
  is_snapshot=true rows is a fresh book: CLEAR, then LEVEL per row.
- book_snapshot_N: ..., asks[0].price, asks[0].amount, bids[0].price, bids[0].amount, ...
  for levels 0..N-1: CLEAR + one LEVEL per non-empty level, per row.
- trades: ..., id, side (buy/sell/unknown: the aggressor), price, amount -> TRADE.
- quotes: ..., ask_amount, ask_price, bid_price, bid_amount -> CLEAR + best bid + best ask.
Instruments are the symbols, venues the exchanges; tick and lot sizes are the finest
decimal steps seen per symbol unless given. The source record is the file line.
"""

from __future__ import annotations

import gzip
import re
import warnings
import zlib
from decimal import Decimal, InvalidOperation
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hftlab.data.market import DataError, MarketData
from hftlab.instruments import Instrument, Venue
from hftlab.schema import EVENT_DTYPE, Kind

BASE = ["exchange", "symbol", "timestamp", "local_timestamp"]
KINDS = {
    "incremental_book_L2": {"is_snapshot", "side", "price", "amount"},
    "trades": {"id", "side", "price", "amount"},
    "quotes": {"ask_amount", "ask_price", "bid_price", "bid_amount"},
}


def detect(columns: list[str]) -> str:
    """The Tardis data type of a CSV from its header."""
    if "asks[0].price" in columns:
        return "book_snapshot"
    for name, need in KINDS.items():
        if need <= set(columns):
            return name
    raise DataError(f"unknown Tardis CSV: columns {columns} match none of incremental_book_L2, "
                    "book_snapshot_N, trades, quotes")


def step_places(step: float) -> int:
    """Decimal places of a tick or lot size that is a power of ten (0.01 -> 2)."""
    places = round(-np.log10(step))
    if abs(10.0 ** -places - step) > 1e-12 * step:
        raise ValueError(f"step {step} is not a power of ten")
    return places


def decimals_of(cells: pa.ChunkedArray) -> np.ndarray:
    """Significant decimal places of each decimal string ("61800.20" -> 1, "5" -> 0), or
    -1 for exponent notation (left to the exact digit-by-digit path)."""
    dot = pc.find_substring(cells, ".").to_numpy(zero_copy_only=False)
    kept = pc.utf8_length(pc.utf8_rtrim(cells, "0")).to_numpy(zero_copy_only=False)
    d = np.where(dot >= 0, kept - dot - 1, 0)
    d[d < 0] = 0  # "5." has no decimals
    d[pc.match_substring(cells, "e", ignore_case=True).to_numpy(zero_copy_only=False)] = -1
    return d


def finest_places(decimals: np.ndarray) -> int:
    """Decimal places of the finest value, from decimals_of."""
    return int(decimals.max()) if len(decimals) and decimals.max() > 0 else 0


def exact_units(cells: pa.ChunkedArray, d: np.ndarray, places: int, lines: np.ndarray,
           labels: np.ndarray, path: Path) -> np.ndarray:
    """Exact integers of decimal strings in units of 10**-places; errors name the line
    and the column (labels[i] is the column of cells[i]; d[i] its decimals_of). A plain
    decimal with at most
    `places` decimals whose integer is below 2**51 is exact through a double; anything
    else is checked digit by digit."""
    if len(cells) == 0:
        return np.zeros(0, dtype=np.int64)
    finer = d > places
    if finer.any():
        i = int(np.flatnonzero(finer)[0])
        raise DataError(f"{path}: line {lines[i]}: {labels[i]} {cells[i].as_py()!r} is finer "
                        f"than the step {10.0 ** -places:g}")
    try:
        scaled = pc.cast(cells, pa.float64()).to_numpy() * 10.0 ** places
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        # Arrow cannot cast some cell, so every cell takes the exact decimal path below
        scaled = np.full(len(cells), np.nan)
    ok = (d >= 0) & np.isfinite(scaled) & (np.abs(scaled) < 2.0 ** 51)
    out = np.zeros(len(cells), dtype=np.int64)
    out[ok] = np.rint(scaled[ok]).astype(np.int64)
    for i in np.flatnonzero(~ok):
        text = cells[int(i)].as_py()
        try:
            v = Decimal(text) * 10 ** places
        except InvalidOperation:
            raise DataError(f"{path}: line {lines[i]}: {labels[i]} {text!r} is not a "
                            "number") from None
        if not v.is_finite() or v != v.to_integral_value():
            raise DataError(f"{path}: line {lines[i]}: {labels[i]} {text!r} is finer "
                            f"than the step {10.0 ** -places:g}")
        out[i] = int(v)
    return out


def _cells(df: pd.DataFrame, cols: list[str]) -> pa.ChunkedArray:
    """The cells of cols column by column (column j, row i at j * len(df) + i)."""
    chunks = []
    for col in cols:
        arr = pa.chunked_array(pa.array(df[col])).cast(pa.large_string())
        chunks += arr.chunks
    return pa.chunked_array(chunks, type=pa.large_string())


def _read(path: Path, skip_bad: bool) -> tuple[pd.DataFrame, dict]:
    skipped: dict = {}
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            df = pd.read_csv(path, dtype=str, keep_default_na=False,
                             on_bad_lines="warn" if skip_bad else "error")
    except pd.errors.EmptyDataError:
        raise DataError(f"{path}: empty file (no header row)") from None
    except pd.errors.ParserError as exc:
        raise DataError(f"{path}: malformed CSV: {exc}") from None
    except (EOFError, OSError, UnicodeDecodeError, zlib.error) as exc:
        raise DataError(f"{path}: truncated or corrupt file ({exc})") from None
    bad = [str(w.message) for w in caught if issubclass(w.category, pd.errors.ParserWarning)]
    dropped = sorted(int(n) for m in bad for n in re.findall(r"Skipping line (\d+)", m))
    if dropped:
        skipped["malformed"] = {"lines": len(dropped),
                                "first": f"{path}: {bad[0].strip().splitlines()[0]}"}
    missing = [c for c in BASE if c not in df.columns]
    if missing:
        raise DataError(f"{path}: not a Tardis CSV: missing column(s) {missing}")
    lines = np.setdiff1d(np.arange(2, len(df) + len(dropped) + 2, dtype=np.int64), dropped)
    short = _short_lines(path, len(df.columns))
    if len(short):  # pandas pads a short row with empty cells: it would read as empty levels
        n = len(df.columns)
        where = (f"{path}: line {short[0][0]}: {short[0][1]} fields where the header has {n} "
                 "(a row cut short)")
        if not skip_bad:
            raise DataError(where)
        skipped["short_row"] = {"lines": len(short), "first": where}
        keep = ~np.isin(lines, [x[0] for x in short])
        df, lines = df[keep].reset_index(drop=True), lines[keep]
    return df, lines, skipped


def _short_lines(path: Path, n_fields: int) -> list[tuple[int, int]]:
    """(line number, fields) of every non-blank line with fewer comma-separated fields than
    the header (Tardis CSVs quote nothing, so commas count the fields)."""
    with open(path, "rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    opener = gzip.open if gz else open
    with opener(path, "rb") as fh:
        raw = np.frombuffer(fh.read(), dtype=np.uint8)
    ends = np.flatnonzero(raw == ord("\n"))
    if len(ends) == 0 or ends[-1] != len(raw) - 1:
        ends = np.append(ends, len(raw))
    commas = np.concatenate([[0], np.cumsum(raw == ord(","))])
    starts = np.concatenate([[0], ends[:-1] + 1])
    fields = commas[ends] - commas[starts] + 1
    width = ends - starts - (raw[np.maximum(ends - 1, 0)] == ord("\r"))
    bad = np.flatnonzero((fields < n_fields) & (width > 0))
    return [(int(i) + 1, int(fields[i])) for i in bad if i > 0]


def read_tardis(path: str | Path, *, tick_size: float | None = None,
                lot_size: float | None = None, skip_bad: bool = False) -> MarketData:
    """Read one Tardis CSV (incremental_book_L2, book_snapshot_N, trades or quotes).

    ts = timestamp and ts_local = local_timestamp, in ns. Errors name the file and
    line; skip_bad=True drops malformed rows, rows cut short (fewer fields than the
    header), rows without a price or amount, book snapshots with no level or a hole in a
    side, and rows whose exchange time goes backwards, counting each kind in
    ``stats["skipped"]`` (lines and the first one) — a bad row never becomes a CLEAR
    without its levels.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    df, lines, skipped = _read(path, skip_bad)
    what = detect(list(df.columns))
    if what in ("trades", "incremental_book_L2"):  # a row without a value must not vanish
        empty = ((df["price"] == "") | (df["amount"] == "")).to_numpy()
        if empty.any():
            i = int(np.flatnonzero(empty)[0])
            col = "price" if df["price"].iloc[i] == "" else "amount"
            where = f"{path}: line {lines[i]}: {col} is empty (a short or cut row?)"
            if not skip_bad:
                raise DataError(where)
            skipped["empty_value"] = {"lines": int(empty.sum()), "first": where}
            df, lines = df[~empty].reset_index(drop=True), lines[~empty]
    ts = np.zeros(len(df), dtype=np.int64)
    tsl = np.zeros(len(df), dtype=np.int64)
    for name, out in (("timestamp", ts), ("local_timestamp", tsl)):
        col = df[name]
        good = col.str.fullmatch(r"\d+").to_numpy()
        if not good.all():
            i = int(np.flatnonzero(~good)[0])
            raise DataError(f"{path}: line {lines[i]}: {name} {col.iloc[i]!r} is not an "
                            "integer count of microseconds")
        out[:] = col.astype(np.int64).to_numpy() * 1000
    back = np.zeros(len(df), dtype=bool)
    back[1:] = ts[1:] < np.maximum.accumulate(ts)[:-1]
    if back.any():
        i = int(np.flatnonzero(back)[0])
        where = (f"{path}: line {lines[i]}: timestamp {ts[i] // 1000} us is earlier than a "
                 "previous row's")
        if not skip_bad:
            raise DataError(where)
        skipped["time_backwards"] = {"lines": int(back.sum()), "first": where}
        keep = ~back
        df, ts, tsl, lines = df[keep].reset_index(drop=True), ts[keep], tsl[keep], lines[keep]
    exchanges = [str(x) for x in pd.unique(df["exchange"])]  # in order of appearance
    symbols = [str(x) for x in pd.unique(df["symbol"])]
    price_cols, qty_cols = _value_columns(what, df)
    n, k = len(df), len(price_cols)
    venue = pd.Categorical(df["exchange"], categories=exchanges).codes.astype(np.int64)
    inst = pd.Categorical(df["symbol"], categories=symbols).codes.astype(np.int64)
    row = np.tile(np.arange(n), k)  # the row of each cell (column-major)
    cells = {"price": _cells(df, price_cols), "size": _cells(df, qty_cols)}
    has = {key: pc.not_equal(c, "").to_numpy(zero_copy_only=False) for key, c in cells.items()}
    given = {"price": tick_size, "size": lot_size}
    dec = {key: decimals_of(c) for key, c in cells.items()}
    places = {}
    for key in cells:  # decimal places per instrument
        if given[key]:
            places[key] = np.full(len(symbols), step_places(given[key]))
        else:
            places[key] = np.array([finest_places(dec[key][(inst[row] == i) & has[key]])
                                    for i in range(len(symbols))])
    instruments = [Instrument(sym, 10.0 ** -int(places["price"][i]),
                              10.0 ** -int(places["size"][i])) for i, sym in enumerate(symbols)]
    values = {}
    for key, c in cells.items():
        cols_of = np.repeat(np.array(price_cols if key == "price" else qty_cols), n)
        per_cell = places[key][inst[row]]
        out = np.zeros(n * k, dtype=np.int64)
        for p in np.unique(per_cell):
            sel = has[key] & (per_cell == p)
            out[sel] = exact_units(c.filter(pa.array(sel)), dec[key][sel], int(p), lines[row][sel],
                                   cols_of[sel], path)
        values[key] = out.reshape(k, n).T
        has[key] = has[key].reshape(k, n).T
    px, q = values["price"], values["size"]

    base = dict(ts=ts, ts_local=tsl, venue=venue, instrument=inst, record=lines)
    if what == "trades":
        side = df["side"].map({"buy": 1, "sell": -1, "unknown": 0, "": 0})
        if side.isna().any():
            i = int(np.flatnonzero(side.isna())[0])
            raise DataError(f"{path}: line {lines[i]}: side {df['side'].iloc[i]!r} is not "
                            "buy, sell or unknown")
        cols = [dict(kind=Kind.TRADE, side=side.to_numpy(), price=px[:, 0], qty=q[:, 0],
                     present=True)]
    elif what == "incremental_book_L2":
        side = df["side"].map({"bid": 1, "ask": -1})
        snap = df["is_snapshot"].str.lower().map({"true": True, "false": False})
        for name, s in (("side", side), ("is_snapshot", snap)):
            if s.isna().any():
                i = int(np.flatnonzero(s.isna())[0])
                raise DataError(f"{path}: line {lines[i]}: {name} {df[name].iloc[i]!r} is not "
                                f"{'bid or ask' if name == 'side' else 'true or false'}")
        snap = snap.to_numpy(dtype=bool)
        prev = pd.Series(snap).groupby(inst).shift(1, fill_value=False).to_numpy(dtype=bool)
        cols = [dict(kind=Kind.CLEAR, side=0, price=0, qty=0, present=snap & ~prev),
                dict(kind=Kind.LEVEL, side=side.to_numpy(), price=px[:, 0], qty=q[:, 0],
                     present=True)]
    else:  # book_snapshot and quotes: a whole top-of-book per row
        half = has["price"] != has["size"]
        if half.any():
            i, j = (int(x[0]) for x in np.nonzero(half))
            raise DataError(f"{path}: line {lines[i]}: {price_cols[j]} and {qty_cols[j]} must "
                            "both be given or both be empty")
        row_ok = np.ones(n, dtype=bool)
        if what == "book_snapshot":
            row_ok = _whole_books(has["price"], price_cols, lines, path, skip_bad, skipped)
        cols = [dict(kind=Kind.CLEAR, side=0, price=0, qty=0, present=row_ok)]
        for j, col in enumerate(price_cols):
            side = 1 if col.startswith("bid") else -1
            cols.append(dict(kind=Kind.LEVEL, side=side, price=px[:, j], qty=q[:, j],
                             present=has["price"][:, j] & row_ok))
    ev, rec = _interleave(base, cols)
    stats = {"rows": int(len(df)), "type": what, "skipped": skipped,
             "exchanges": exchanges}
    data = MarketData(ev, instruments, [Venue(e) for e in exchanges], record=rec,
                      source=f"tardis:{what}:{path}", stats=stats)
    return data


def _whole_books(has: np.ndarray, price_cols: list[str], lines: np.ndarray, path: Path,
                 skip_bad: bool, skipped: dict) -> np.ndarray:
    """Rows of a book_snapshot CSV that hold a whole book: at least one level, and each
    side's levels given from level 0 on with no empty level before a given one (a hole
    is a missing field, not a thinner book). A bad row is an error naming its line, or
    with skip_bad dropped and counted in skipped["incomplete_snapshot"]."""
    bad = ~has.any(axis=1)
    why = np.full(len(has), "no levels at all (an empty or cut snapshot)", dtype=object)
    for prefix in ("asks[", "bids["):
        j = [k for k, c in enumerate(price_cols) if c.startswith(prefix)]
        h = has[:, j]
        hole = (~h[:, :-1] & h[:, 1:])
        rows = hole.any(axis=1) & ~bad
        for i in np.flatnonzero(rows):
            k = int(np.flatnonzero(hole[i])[0])
            why[i] = (f"{prefix}{k}].price is empty but {prefix}{k + 1}].price is given "
                      "(a missing field)")
        bad |= rows
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        where = f"{path}: line {lines[i]}: {why[i]}"
        if not skip_bad:
            raise DataError(where)
        skipped["incomplete_snapshot"] = {"lines": int(bad.sum()), "first": where}
    return ~bad


def _value_columns(what: str, df: pd.DataFrame) -> tuple[list[str], list[str]]:
    if what in ("trades", "incremental_book_L2"):
        return ["price"], ["amount"]
    if what == "quotes":
        return ["bid_price", "ask_price"], ["bid_amount", "ask_amount"]
    n = sum(1 for c in df.columns if c.startswith("asks[") and c.endswith("].price"))
    prices, sizes = [], []
    for k in range(n):
        for side in ("asks", "bids"):
            prices.append(f"{side}[{k}].price")
            sizes.append(f"{side}[{k}].amount")
    missing = [c for c in prices + sizes if c not in df.columns]
    if missing:
        raise DataError(f"book_snapshot CSV lacks column(s) {missing}")
    return prices, sizes


def _interleave(base: dict, cols: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """Events of each row in the order of cols (row-major), dropping absent ones."""
    n, k = len(base["ts"]), len(cols)
    ev = np.zeros((n, k), dtype=EVENT_DTYPE)
    present = np.zeros((n, k), dtype=bool)
    for j, c in enumerate(cols):
        for f in ("ts", "ts_local", "venue", "instrument"):
            ev[f][:, j] = base[f]
        for f in ("kind", "side", "price", "qty"):
            ev[f][:, j] = c[f]
        present[:, j] = c["present"]
    rec = np.repeat(base["record"], k).reshape(n, k)
    return ev[present], rec[present]
