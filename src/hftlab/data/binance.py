"""Binance raw websocket captures -> MarketData.

Input: text (plain or gzip), one message per line: ``<local receive ns> <raw JSON>``
(the hftbacktest collector's format). Messages (Binance spot and USD-M futures
websocket docs): the combined-stream envelope ``{"stream", "data"}`` around
``depthUpdate`` diffs (E event ms, T transaction ms on futures, U/u first/last update
id, pu previous u on futures, b/a ``[price, qty]`` with qty 0 = delete), ``bookTicker``
(b/B, a/A best bid/ask) and ``trade`` / ``aggTrade`` (T ms, p, q, m = buyer is maker);
and the REST depth snapshot without an envelope (lastUpdateId, bids, asks).

Book sequencing follows Binance's documented procedures ("How to manage a local order
book correctly"), whatever the order of the snapshot line among the diffs (diffs before
it are buffered): the snapshot (CLEAR + LEVEL) starts the book; USD-M futures (diffs
carry pu) drop diffs with u < lastUpdateId, the first applied diff has U <= lastUpdateId
<= u, then each diff's pu equals the previous u; spot drops u <= lastUpdateId, the
first applied diff has U <= lastUpdateId + 1 <= u, then each U equals the previous u + 1.
A diff buffered before the snapshot arrived is applied on it, so its rows carry the
snapshot's local time: a host replaying in ts_local order meets the snapshot first (with
their own earlier arrival it would apply them and then lose them under the snapshot, and
a level they deleted would stay in its book).
Dropped diffs are counted in ``stats["diffs_before_snapshot"]``. A break is a gap: an error, or
with skip_bad=True counted in ``stats["gaps"]`` and the diffs applied as they come.

Venues: 0 = the depth-diff book; 1 = the bookTicker feed as its own one-level book.
Trades carry the exchange's aggressor flag (m true -> sell aggressor, side -1).
ts = the exchange time (T, else E; spot bookTicker has none and uses the local time),
ts_local = the capture's local time; ``stats["local_clock_offset_ns"]`` reports, per venue,
the smallest ts_local - ts (negative: the capture's clock ran behind Binance's, as in the
hftbacktest samples, by ~1.27 s; ``data.correct_local_clock()`` shifts it). Prices and sizes become integers of the finest
decimal step seen per symbol (or of the given tick_size / lot_size).
"""

from __future__ import annotations

import gzip
import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterator

import numpy as np
import pyarrow as pa

from hftlab.data.market import DataError, MarketData
from hftlab.data.tardis import decimals_of, exact_units, finest_places, step_places
from hftlab.instruments import Instrument, Venue
from hftlab.schema import EVENT_DTYPE, Kind

MS = 1_000_000


def open_text(path: Path) -> IO[bytes]:
    """Binary handle of a plain or gzip file (gzip recognised by its magic bytes)."""
    with open(path, "rb") as fh:
        magic = fh.read(2)
    return gzip.open(path, "rb") if magic == b"\x1f\x8b" else open(path, "rb")


@dataclass
class _Symbol:
    """Per-symbol state while reading."""

    name: str
    # event columns: ts, ts_local, venue, kind, side, price text, qty text, record, order
    cols: list = field(default_factory=lambda: [[] for _ in range(9)])
    last_u: int | None = None  # last applied diff's u (None = not synced)
    snapshot_id: int | None = None
    pending: list = field(default_factory=list)  # diffs seen before the first snapshot
    bbo: list = field(default_factory=lambda: [None, None])  # last bookTicker bid/ask price
    last_ts: dict = field(default_factory=dict)  # stream -> last exchange ts
    last_trade_id: int | None = None
    snap_rows: range = range(0)  # rows of the last snapshot, re-timed by the first diff

    def __len__(self) -> int:
        return len(self.cols[0])


class CaptureReader:
    """What readers of ``<local ns> <json>`` captures (the hftbacktest collector's format)
    share: lines numbered with their byte offsets, the local clock checked, bad lines
    named or counted, each message handed to the subclass's ``message(msg, local, line,
    offset)``."""

    def __init__(self, path: Path, skip_bad: bool, stats: dict):
        self.path = path
        self.skip_bad = skip_bad
        self.stats: dict = {"lines": 0, "skipped": {}, **stats}

    def bad(self, line: int, offset: int, what: str, key: str) -> None:
        """A bad line: a DataError naming it, or with skip_bad counted under key."""
        where = f"{self.path}: line {line} (byte offset {offset}): {what}"
        if not self.skip_bad:
            raise DataError(where)
        s = self.stats["skipped"].setdefault(key, {"lines": 0, "first": where})
        s["lines"] += 1

    def feed(self) -> None:
        """Read the capture (plain or gzip), line by line."""
        last_local = 0
        try:
            with open_text(self.path) as fh:
                for n, off, raw in numbered_lines(fh):
                    self.stats["lines"] = n
                    if raw.strip():
                        last_local = self.line(raw, n, off, last_local)
        except (EOFError, OSError, zlib.error) as exc:
            raise DataError(f"{self.path}: truncated or corrupt compressed file after line "
                            f"{self.stats['lines']} ({exc})") from None

    def line(self, raw: bytes, line: int, off: int, last_local: int) -> int:
        """Parse one line and hand its message on; returns the local time it carried."""
        head, _, body = raw.partition(b" ")
        try:
            local = int(head)
            msg = json.loads(body)
        except ValueError as exc:
            self.bad(line, off, f"not '<local ns> <json>' ({exc})", "malformed")
            return last_local
        if local < last_local:
            self.bad(line, off, f"local time {local} is earlier than the previous line's "
                     f"({last_local})", "time_backwards")
            return last_local
        try:
            self.message(msg, local, line, off)
        except (AttributeError, KeyError, TypeError, ValueError) as exc:  # a field missing
            if isinstance(exc, DataError):  # or of the wrong type; DataErrors are our own
                raise
            self.bad(line, off, f"message lacks or garbles a field ({exc!r})", "malformed")
        return local


class _Reader(CaptureReader):
    def __init__(self, path: Path, skip_bad: bool):
        super().__init__(path, skip_bad, {"gaps": {"count": 0}, "diffs_before_snapshot": 0,
                                          "snapshots": 0, "trade_id_gaps": 0})
        self.symbols: dict[str, _Symbol] = {}
        self.order = 0

    def sym(self, name: str) -> _Symbol:
        if name not in self.symbols:
            if list(self.symbols) == [""]:  # a snapshot came first: it was this symbol's
                s = self.symbols.pop("")
                s.name = name
                self.symbols[name] = s
            else:
                self.symbols[name] = _Symbol(name)
        return self.symbols[name]

    def add(self, s: _Symbol, ts, local, venue, kind, side, px, qty, rec) -> None:
        for col, v in zip(s.cols, (ts, local, venue, kind, side, px, qty, rec, self.order)):
            col.append(v)
        self.order += 1

    def levels(self, s: _Symbol, ts, local, bids, asks, rec) -> None:
        for side, lv in ((1, bids), (-1, asks)):
            m = len(lv)
            if not m:
                continue
            for col, v in zip(s.cols, (ts, local, 0, Kind.LEVEL, side)):
                col.extend([v] * m)
            s.cols[5].extend([x[0] for x in lv])
            s.cols[6].extend([x[1] for x in lv])
            s.cols[7].extend([rec] * m)
            s.cols[8].extend(range(self.order, self.order + m))
            self.order += m

    def monotone(self, s: _Symbol, stream: str, ts: int, line: int, off: int) -> bool:
        last = s.last_ts.get(stream)
        if last is not None and ts < last:
            self.bad(line, off, f"{stream} time {ts} ns is earlier than the previous "
                     f"{stream} message's ({last} ns)", "time_backwards")
            return False
        s.last_ts[stream] = ts
        return True

    def snapshot(self, msg: dict, local: int, line: int, off: int) -> None:
        if len(self.symbols) > 1:
            raise DataError(f"{self.path}: line {line}: a REST snapshot names no symbol and "
                            f"the file holds several ({sorted(self.symbols)})")
        s = next(iter(self.symbols.values())) if self.symbols else self.sym("")
        x = int(msg["lastUpdateId"])
        ts = int(msg.get("T", msg.get("E", 0))) * MS or local
        start = len(s)
        self.add(s, ts, local, 0, Kind.CLEAR, 0, "0", "0", line)
        self.levels(s, ts, local, msg["bids"], msg["asks"], line)
        s.snap_rows = range(start, len(s))
        self.stats["snapshots"] += 1
        s.snapshot_id, s.last_u = x, None
        pending, s.pending = s.pending, []
        for d, _, ln, t, o in pending:  # buffered diffs: apply_diff drops those the
            # snapshot covers; the rest reach the host's book with the snapshot, on top of it
            self.apply_diff(s, d, local, ln, t, o)

    def depth(self, d: dict, local: int, line: int, off: int) -> None:
        s = self.sym(d["s"])
        ts = int(d.get("T", d["E"])) * MS
        if not self.monotone(s, "depth", ts, line, off):
            return
        item = (d, local, line, ts, off)
        if s.snapshot_id is None:
            s.pending.append(item)
            return
        self.apply_diff(s, *item)

    def apply_diff(self, s: _Symbol, d: dict, local: int, line: int, ts: int, off: int) -> None:
        U, u = int(d["U"]), int(d["u"])
        futures = "pu" in d
        if s.last_u is None:
            x = s.snapshot_id
            if (u < x) if futures else (u <= x):
                self.stats["diffs_before_snapshot"] += 1
                return
            y = x if futures else x + 1  # futures: U <= x <= u; spot: U <= x + 1 <= u
            if not U <= y <= u:
                self.gap(line, off, f"the first diff after the snapshot (lastUpdateId {x}) "
                         f"has U={U}, u={u}, which does not straddle it")
            for k in s.snap_rows:  # the snapshot is in force before its first diff
                s.cols[0][k] = min(s.cols[0][k], ts)
        else:
            prev = int(d["pu"]) if futures else U - 1
            if prev != s.last_u:
                what = f"pu={prev}" if futures else f"U={U}"
                self.gap(line, off, f"update-id gap: {what} but the previous diff ended at "
                         f"u={s.last_u}")
        s.last_u = u
        self.levels(s, ts, local, d["b"], d["a"], line)

    def gap(self, line: int, off: int, what: str) -> None:
        where = f"{self.path}: line {line} (byte offset {off}): {what}"
        if not self.skip_bad:
            raise DataError(where)
        g = self.stats["gaps"]
        g["count"] += 1
        g.setdefault("first", where)

    def ticker(self, d: dict, local: int, line: int, off: int) -> None:
        s = self.sym(d["s"])
        ts = int(d["T"]) * MS if "T" in d else local
        if not self.monotone(s, "bookTicker", ts, line, off):
            return
        new = [(1, d["b"], d["B"]), (-1, d["a"], d["A"])]
        for k, (side, px, _) in enumerate(new):  # removals first: no transient cross
            if s.bbo[k] is not None and s.bbo[k] != px:
                self.add(s, ts, local, 1, Kind.LEVEL, side, s.bbo[k], "0", line)
        for k, (side, px, qty) in enumerate(new):
            self.add(s, ts, local, 1, Kind.LEVEL, side, px, qty, line)
            s.bbo[k] = px

    def trade(self, d: dict, local: int, line: int, off: int) -> None:
        s = self.sym(d["s"])
        ts = int(d["T"]) * MS
        if not self.monotone(s, "trade", ts, line, off):
            return
        tid = int(d.get("t", d.get("a", 0)))
        if s.last_trade_id is not None and tid != s.last_trade_id + 1:
            self.stats["trade_id_gaps"] += 1
        s.last_trade_id = tid
        self.add(s, ts, local, 0, Kind.TRADE, -1 if d["m"] else 1, d["p"], d["q"], line)

    def message(self, msg: dict, local: int, line: int, off: int) -> None:
        if "lastUpdateId" in msg:
            self.snapshot(msg, local, line, off)
            return
        stream, d = msg.get("stream", ""), msg.get("data")
        kind = d.get("e") if isinstance(d, dict) else None
        if kind == "depthUpdate":
            self.depth(d, local, line, off)
        elif kind in ("trade", "aggTrade"):
            self.trade(d, local, line, off)
        elif kind == "bookTicker" or stream.endswith("@bookTicker"):
            self.ticker(d, local, line, off)
        else:
            hint = ("; it looks like a Hyperliquid capture: read it with read_hyperliquid "
                    "(format 'hyperliquid')") if "channel" in msg else ""
            self.bad(line, off, f"unknown message (stream {stream!r}, event {kind!r}); "
                     "read_binance reads the depthUpdate, bookTicker, trade and aggTrade "
                     f"streams and REST depth snapshots{hint}", "unknown_message")


def numbered_lines(fh: IO[bytes]) -> Iterator[tuple[int, int, bytes]]:
    """(line number from 1, byte offset, line without its end) of each line of fh."""
    off = 0
    for n, raw in enumerate(fh, 1):
        yield n, off, raw.rstrip(b"\r\n")
        off += len(raw)


def read_binance(path: str | Path, *, tick_size: float | None = None,
                 lot_size: float | None = None, skip_bad: bool = False) -> MarketData:
    """Read a Binance raw websocket capture (``<local ns> <json>`` per line, plain or gzip).

    See the module docstring for the mapping. Errors name the file, line and byte offset;
    skip_bad=True counts bad lines in ``stats["skipped"]`` and update-id gaps in
    ``stats["gaps"]`` instead of raising.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    r = _Reader(path, skip_bad)
    r.feed()
    for s in r.symbols.values():
        if s.pending:  # diffs but never a snapshot: the book is built from diffs alone
            r.stats["no_snapshot"] = True
            s.snapshot_id = -1
            s.last_u = None
            for d in s.pending:
                if s.last_u is None:
                    s.last_u = int(d[0]["u"])
                    r.levels(s, d[3], d[1], d[0]["b"], d[0]["a"], d[2])
                else:
                    r.apply_diff(s, *d)
            s.pending = []
    if not r.symbols or not any(len(s) for s in r.symbols.values()):
        raise DataError(f"{path}: no market data messages")
    return _build(r, path, tick_size, lot_size)


def decimal_units(text: list[str], lines: list[int], places: int | None, what: str,
                  path: Path) -> tuple[np.ndarray, int]:
    """Decimal strings -> exact integers of 10**-places (places=None: the finest step the
    strings carry); a value off that grid or not a number is an error naming its line."""
    cells = pa.chunked_array([pa.array(text, type=pa.large_string())])
    d = decimals_of(cells)
    if places is None:
        places = finest_places(d)
    n = len(text)
    return exact_units(cells, d, places, np.asarray(lines, dtype=np.int64), np.full(n, what),
                       path), places


def _build(r: _Reader, path: Path, tick_size: float | None, lot_size: float | None) -> MarketData:
    syms = [s for s in r.symbols.values() if len(s)]
    instruments, parts = [], []
    for i, s in enumerate(syms):
        c = s.cols
        price, pp = decimal_units(c[5], c[7], step_places(tick_size) if tick_size else None,
                                  "price", path)
        qty, qp = decimal_units(c[6], c[7], step_places(lot_size) if lot_size else None,
                                "size", path)
        instruments.append(Instrument(s.name or path.stem, 10.0 ** -pp, 10.0 ** -qp))
        ev = np.zeros(len(s), dtype=EVENT_DTYPE)
        for name, col in zip(("ts", "ts_local", "venue", "kind", "side"), c[:5]):
            ev[name] = col
        ev["price"], ev["qty"], ev["instrument"] = price, qty, i
        parts.append((ev, np.array(c[7], dtype=np.int64), np.array(c[8], dtype=np.int64)))
    ev = np.concatenate([p[0] for p in parts])
    rec = np.concatenate([p[1] for p in parts])
    order = np.concatenate([p[2] for p in parts])
    idx = np.lexsort((order, ev["ts"]))
    stats = r.stats
    stats["messages_by_kind"] = {Kind(k).name: int(v)
                                 for k, v in zip(*np.unique(ev["kind"], return_counts=True))}
    data = MarketData(ev[idx], instruments, [Venue("binance"), Venue("binance:bookTicker")],
                      record=rec[idx], source=f"binance:{path}", stats=stats)
    # the capture host's clock against Binance's, per venue: negative when it ran behind
    # (MarketData.correct_local_clock shifts it)
    stats["local_clock_offset_ns"] = data.local_clock_offsets()
    return data
