"""LOBSTER reader: message file (and optionally orderbook file) -> MarketData.

Format (LOBSTER sample-files ReadMe, lobsterdata.com): no header, comma separated.
Message file, one row per message: time (seconds after midnight, local exchange time,
up to ns decimals), type (1 submit, 2 partial cancel, 3 delete, 4 visible execution,
5 hidden execution, 6 cross trade, 7 trading halt), order id, size (shares), price
($ x 10000), direction (-1 sell, +1 buy limit order). Orderbook file, row i = the book
after message i: ask_price_1, ask_size_1, bid_price_1, bid_size_1, ask_price_2, ...;
empty levels are ask 9999999999 / bid -9999999999 with size 0.

Mapping: 1 ADD, 2 CANCEL, 3 DELETE, 4 EXECUTE (side = the resting order's), 5 TRADE
(aggressor = opposite of the hidden order's side), 6 TRADE (side 0), 7 STATUS
(price -1 halt -> 0, price 0 quoting resumes -> 0, price 1 trading resumes -> 1).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from hftlab._kernel_cache import announce_compiles
from hftlab.data.csv_nb import MESSAGES, parse_numeric_csv
from hftlab.data.lobster_nb import BEYOND, INITIAL, MISMATCH, rebuild
from hftlab.data.market import DataError, MarketData
from hftlab.instruments import Instrument, Venue
from hftlab.schema import EVENT_DTYPE, Kind

NAME = re.compile(r"^(?P<symbol>[^_]+)_(?P<date>\d{4}-\d{2}-\d{2})_(?P<start>\d+)_(?P<end>\d+)"
                  r"_(?P<what>message|orderbook)_(?P<levels>\d+)\.csv$")
DUMMY_ASK = 9999999999
DUMMY_BID = -9999999999
PRICE_UNIT = 0.0001  # dollars per LOBSTER price unit
MARGIN = 16  # ladder ticks beyond the data's range in the rebuild
# LOBSTER type -> canonical kind (index by type; 0 = unknown)
KIND_OF_TYPE = np.array([0, Kind.ADD, Kind.CANCEL, Kind.DELETE, Kind.EXECUTE, Kind.TRADE,
                         Kind.TRADE, Kind.STATUS], dtype=np.uint8)


def midnight_utc_ns(date: dt.date, tz: str) -> int:
    """ns since the epoch of local midnight of date in tz (offset taken at noon)."""
    offset = dt.datetime.combine(date, dt.time(12), tzinfo=ZoneInfo(tz)).utcoffset()
    days = (date - dt.date(1970, 1, 1)).days
    return (days * 86400 - int(offset.total_seconds())) * 1_000_000_000


def _parse(path: Path, decimals: np.ndarray, skip_bad: bool, what: str
           ) -> tuple[np.ndarray, np.ndarray, dict]:
    buf = np.fromfile(path, dtype=np.uint8)
    vals, lines, bad = parse_numeric_csv(buf, decimals, 1, skip_bad)
    info = {}
    if bad[0]:
        where = (f"{path}: line {bad[1]}, column {bad[3] + 1} (byte offset {bad[4]}): "
                 f"{MESSAGES[int(bad[2])]} in the {what} file")
        if not skip_bad:
            raise DataError(where)
        info = {"lines": int(bad[0]), "first": where}
    return vals, lines, info


def _date_of(path: Path, date: str | dt.date | None) -> dt.date:
    if date is not None:
        return date if isinstance(date, dt.date) else dt.date.fromisoformat(str(date))
    m = NAME.match(path.name)
    if not m:
        raise DataError(f"{path}: cannot take the date from the file name (LOBSTER names are "
                        "TICKER_YYYY-MM-DD_start_end_message_L.csv); pass date=")
    return dt.date.fromisoformat(m["date"])


def _levels(path: Path) -> int:
    with open(path, "rb") as fh:
        first = fh.readline()
    n = first.count(b",") + 1
    if n % 4:
        raise DataError(f"{path}: line 1 has {n} fields; a LOBSTER orderbook row has 4 per level")
    return n // 4


@announce_compiles()  # a first run compiles for a while: say so
def read_lobster(message_csv: str | Path, orderbook_csv: str | Path | None = None,
                 date: str | dt.date | None = None, *, symbol: str | None = None,
                 tick_size: float | None = None, tz: str = "America/New_York",
                 skip_bad: bool = False) -> MarketData:
    """Read a LOBSTER message file, and with its orderbook file rebuild LOBSTER's book.

    ts = local midnight of `date` (default: from the file name) in `tz` + the time
    column, in ns UTC. Prices become ticks of tick_size (default $0.01 when every price
    is a whole cent, else $0.0001). With orderbook_csv, LEVEL corrections are inserted
    after a message wherever the replayed book's top L levels differ from the file's
    row (the initial book and levels coming into view from beyond the file's depth),
    so ``snapshots(data, levels=L, by="record")`` equals the orderbook file; counts go
    in ``stats["corrections"]``. skip_bad=True drops bad lines (and their orderbook
    rows) and counts them in ``stats["skipped"]`` instead of raising.
    """
    path = Path(message_csv)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    day = _date_of(path, date)
    m = NAME.match(path.name)
    symbol = symbol or (m["symbol"] if m else path.stem)
    skipped: dict = {}
    msg, lines, info = _parse(path, np.array([9, 0, 0, 0, 0, 0], np.int64), skip_bad, "message")
    if len(msg) == 0:
        raise DataError(f"{path}: no messages")
    if info:
        skipped["malformed_message_lines"] = info
    t, typ, oid, size, price, direction = msg.T

    def reject(mask: np.ndarray, what: str, key: str) -> np.ndarray:
        if not mask.any():
            return np.ones(len(mask), dtype=bool)
        i = int(np.flatnonzero(mask)[0])
        where = f"{path}: line {lines[i]}: {what} ({','.join(str(v) for v in msg[i])})"
        if not skip_bad:
            raise DataError(where)
        skipped[key] = {"lines": int(mask.sum()), "first": where}
        return ~mask

    keep = reject((typ < 1) | (typ > 7), "unknown message type (LOBSTER has 1-7)", "unknown_type")
    book_msg = (typ >= 1) & (typ <= 6)
    keep &= reject(keep & book_msg & ((price <= 0) | (size <= 0) | (np.abs(direction) != 1)),
                   "price and size must be > 0 and direction -1 or +1", "bad_fields")
    keep &= reject(keep & (typ == 7) & ~np.isin(price, (-1, 0, 1)),
                   "a halt message (type 7) must have price -1, 0 or 1", "bad_halt")
    run = np.maximum.accumulate(np.where(keep, t, np.iinfo(np.int64).min))
    back = keep.copy()
    back[1:] &= t[1:] < run[:-1]
    back[0] = False
    keep &= reject(back, "time earlier than the previous message's", "time_backwards")
    msg, lines = msg[keep], lines[keep]
    t, typ, oid, size, price, direction = msg.T

    ob = None
    if orderbook_csv is not None:
        obpath = Path(orderbook_csv)
        if not obpath.exists():
            raise DataError(f"{obpath}: no such file")
        L = _levels(obpath)
        ob, oblines, obinfo = _parse(obpath, np.zeros(4 * L, np.int64), skip_bad, "orderbook")
        if obinfo:
            skipped["malformed_orderbook_lines"] = obinfo
        if not skip_bad and len(ob) != len(msg):
            raise DataError(f"{obpath}: {len(ob)} rows but {path.name} has {len(msg)} messages; "
                            "row i of the orderbook file is the book after message i")
        both = np.intersect1d(lines, oblines)
        dropped = len(lines) + len(oblines) - 2 * len(both)
        if dropped:
            skipped["unpaired_lines"] = {"lines": int(dropped), "first": (
                f"{path} / {obpath}: line {int(np.setxor1d(lines, oblines)[0])} has no partner "
                "in the other file")}
        sel = np.isin(lines, both)
        msg, lines, t, typ, oid, size, price, direction = (
            x[sel] for x in (msg, lines, t, typ, oid, size, price, direction))
        ob = ob[np.isin(oblines, both)]
        bad = np.zeros(ob.shape, dtype=bool)
        bad[:, 0::4] = (ob[:, 0::4] != DUMMY_ASK) & (ob[:, 1::4] <= 0)
        bad[:, 2::4] = (ob[:, 2::4] != DUMMY_BID) & (ob[:, 3::4] <= 0)
        bad[:, 0::2] |= (ob[:, 0::2] <= 0) & (ob[:, 0::2] != DUMMY_BID)
        if bad.any():
            i, c = (int(x[0]) for x in np.nonzero(bad))
            raise DataError(f"{obpath}: line {lines[i]}, column {c + 1}: a level needs a positive "
                            "price and size (or the dummy price with size 0)")

    real_px = price[typ != 7]
    if ob is not None:
        obp = ob[:, 0::2]
        real_px = np.concatenate([real_px, obp[(obp != DUMMY_ASK) & (obp != DUMMY_BID)]])
    if tick_size is None:
        tick_size = 0.01 if (real_px % 100 == 0).all() else PRICE_UNIT
    scale = round(tick_size / PRICE_UNIT)
    if scale < 1 or abs(scale * PRICE_UNIT - tick_size) > 1e-12 or (real_px % scale).any():
        raise DataError(f"{path}: prices are not all multiples of tick size {tick_size}")

    n = len(msg)
    ev = np.zeros(n, dtype=EVENT_DTYPE)
    ev["ts"] = midnight_utc_ns(day, tz) + t
    ev["kind"] = KIND_OF_TYPE[typ]
    side = direction.copy()
    side[typ == 5] = -direction[typ == 5]  # hidden execution: aggressor is the other side
    side[(typ == 6) | (typ == 7)] = 0
    ev["side"] = side
    ev["price"] = np.where(typ == 7, 0, price // scale)
    ev["qty"] = np.where(typ == 7, (price == 1).astype(np.int64), size)
    ev["order_id"] = np.where((typ <= 4) & (oid > 0), oid, 0).astype(np.uint64)
    record = lines.astype(np.int64)
    stats: dict = {"messages": n, "skipped": skipped,
                   "by_type": {int(k): int(v) for k, v in zip(*np.unique(typ, return_counts=True))}}
    if ob is not None:
        ev, record, stats["corrections"], stats["book_errors"] = _reconcile(
            ev, record, ob, scale, path)
    data = MarketData(ev, [Instrument(symbol, tick_size, 1.0)], [Venue("NASDAQ")], record=record,
                      source=f"lobster:{path}", stats=stats)
    return data


def _reconcile(ev: np.ndarray, record: np.ndarray, ob: np.ndarray, scale: int, path: Path):
    """Insert the LEVEL corrections that make the replayed book equal the orderbook rows."""
    n, L = len(ev), ob.shape[1] // 4
    obpx = np.empty((n, 2, L), dtype=np.int64)
    obsz = np.empty((n, 2, L), dtype=np.int64)
    for row, col, dummy in ((0, 2, DUMMY_BID), (1, 0, DUMMY_ASK)):
        p = ob[:, col::4]
        obpx[:, row] = np.where(p == dummy, -1, p // scale)
        obsz[:, row] = np.where(p == dummy, 0, ob[:, col + 1::4])
    priced = np.concatenate([ev["price"][ev["price"] > 0], obpx[obpx >= 0]])
    if len(priced) == 0:
        return ev, record, {"total": 0, "initial": 0, "beyond_depth": 0, "mismatch": 0}, {}
    base = max(int(priced.min()) - MARGIN, 0)
    width = int(priced.max()) + MARGIN + 1 - base
    kind = ev["kind"].astype(np.int64)
    side = ev["side"].astype(np.int64)
    oid = ev["order_id"].astype(np.int64)
    cap = 4 * L + n // 4 + 16
    while True:
        after, cside, cprice, cqty, cclass, nc, errors = rebuild(
            kind, side, ev["price"], ev["qty"], oid, obpx, obsz, base, width, cap)
        if nc < 0:
            raise DataError(f"{path}: a correction fell outside the price window (a bug)")
        if nc <= cap:
            break
        cap = nc
    after, cclass = after[:nc], cclass[:nc]
    corr = np.zeros(nc, dtype=EVENT_DTYPE)
    corr["ts"] = ev["ts"][after]
    corr["kind"] = Kind.LEVEL
    corr["side"] = cside[:nc]
    corr["price"] = cprice[:nc]
    corr["qty"] = cqty[:nc]
    out = np.insert(ev, after + 1, corr)
    rec = np.insert(record, after + 1, record[after])
    counts = {"total": int(nc), "initial": int((cclass == INITIAL).sum()),
              "beyond_depth": int((cclass == BEYOND).sum()),
              "mismatch": int((cclass == MISMATCH).sum())}
    if counts["mismatch"]:
        first = int(after[cclass == MISMATCH][0])
        counts["first_mismatch_line"] = int(record[first])
    book_errors = {"qty_above_order": int(errors[2]), "level_went_negative": int(errors[3])}
    return out, rec, counts, book_errors
