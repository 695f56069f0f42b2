"""Databento DBN files -> MarketData, decoded with the official ``databento-dbn`` package.

DBN (databento.com/docs/standards-and-conventions/databento-binary-encoding): a
metadata header, then fixed-size little-endian records; prices int64 in units of 1e-9
(INT64_MAX = undefined), ts_event / ts_recv ns since the epoch. Versions 1-3, plain or
zstd (recognised by the frame magic). Schemas read:
- MBO: A -> ADD, C -> CANCEL (DELETE when it takes the whole order), M -> CANCEL when
  the size shrinks at the same price (priority kept), else DELETE + ADD (priority
  lost), R -> CLEAR, T -> TRADE (side = aggressor). F (fill) and N records do not
  change the book (Databento sends the cancel that does), so they are counted in
  ``stats["not_book_events"]`` and not turned into events.
- MBP-1, TBBO, MBP-10: the record's levels become an L2 book (LEVEL changes against
  the previous record, removals first); action T also gives a TRADE.
- trades: TRADE. status: STATUS (is_trading Y -> 1, N -> 0; when not given, action
  TRADING -> 1, HALT / PAUSE / SUSPEND / CLOSE / NOT_AVAILABLE -> 0; others counted).
ts = ts_event (ts_recv for MBO snapshot records, whose ts_event is the order's age),
ts_local = ts_recv. Tick size: the coarsest power of ten dividing every price of the
instrument, unless given; sizes are whole contracts / shares (lot 1).
"""

from __future__ import annotations

from pathlib import Path

import databento_dbn as dbn
import numpy as np

from hftlab.data.market import DataError, MarketData
from hftlab.instruments import Instrument, Venue
from hftlab.schema import EVENT_DTYPE, Kind

CHUNK = 1 << 20
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
UNDEF = dbn.UNDEF_PRICE
SIDE = {"B": 1, "A": -1, "N": 0}
BOOK_SCHEMAS = {"mbp-1": 1, "tbbo": 1, "mbp-10": 10}
# StatusAction -> trading (1) or not (0), when is_trading is not given
STATUS_ACTION = {int(dbn.StatusAction.TRADING): 1, int(dbn.StatusAction.HALT): 0,
                 int(dbn.StatusAction.PAUSE): 0, int(dbn.StatusAction.SUSPEND): 0,
                 int(dbn.StatusAction.CLOSE): 0,
                 int(dbn.StatusAction.NOT_AVAILABLE_FOR_TRADING): 0}
SCHEMAS = ("mbo", "mbp-1", "mbp-10", "tbbo", "trades", "status")


def _ch(v) -> str:
    """A DBN char field (enum or str) as a one-letter string."""
    return v.value if hasattr(v, "value") else str(v)


class _Builder:
    """Turns DBN records into event rows
    (ts, ts_local, instrument, kind, side, price, qty, order_id, record)."""

    def __init__(self, path: Path, schema: str, skip_bad: bool):
        self.path, self.schema, self.skip_bad = path, schema, skip_bad
        self.rows: list[tuple] = []
        self.inst: dict[int, int] = {}  # instrument_id -> instrument index
        self.orders: dict[tuple[int, int], list] = {}  # (inst, order_id) -> [side, px, size]
        self.levels: dict[int, tuple[dict, dict]] = {}  # inst -> (bids, asks) {px: size}
        self.last_ts = -1
        self.decoded = 0  # records of the last block decoded
        self.stats: dict = {"records": 0, "skipped": {}, "not_book_events": 0,
                            "other_records": 0}

    def bad(self, n: int, off: int, what: str, key: str) -> None:
        where = f"{self.path}: record {n} (byte offset {off} after the metadata): {what}"
        if not self.skip_bad:
            raise DataError(where)
        s = self.stats["skipped"].setdefault(key, {"records": 0, "first": where})
        s["records"] += 1

    def add(self, ts, tsl, i, kind, side, px, qty, oid, n):
        self.rows.append((ts, tsl, i, kind, side, px, qty, oid, n))

    def record(self, r, n: int, off: int) -> None:
        self.stats["records"] += 1
        if isinstance(r, dbn.MBOMsg):
            snap = bool(r.flags & dbn.F_SNAPSHOT)
            ts = r.ts_recv if snap else r.ts_event
        elif isinstance(r, (dbn.MBP1Msg, dbn.MBP10Msg, dbn.TradeMsg, dbn.StatusMsg)):
            ts = r.ts_event
        else:  # symbol mappings, system and error messages: not market events
            self.stats["other_records"] += 1
            return
        if ts < self.last_ts:
            self.bad(n, off, f"ts_event {ts} is earlier than the previous record's "
                     f"({self.last_ts})", "time_backwards")
            return
        self.last_ts = ts
        i = self.inst.setdefault(r.instrument_id, len(self.inst))
        tsl = r.ts_recv
        if isinstance(r, dbn.MBOMsg):
            self.mbo(r, ts, tsl, i, n, off)
        elif isinstance(r, dbn.StatusMsg):
            flag = _ch(r.is_trading)
            action = int(r.action) if r.action is not None else 0
            if flag in ("Y", "N"):
                self.add(ts, tsl, i, Kind.STATUS, 0, 0, int(flag == "Y"), 0, n)
            elif action in STATUS_ACTION:
                self.add(ts, tsl, i, Kind.STATUS, 0, 0, STATUS_ACTION[action], 0, n)
            else:
                self.stats["not_book_events"] += 1
        elif isinstance(r, dbn.TradeMsg):
            self.trade(r, ts, tsl, i, n, off)
        else:
            self.book(r, ts, tsl, i, n, off)

    def trade(self, r, ts, tsl, i, n, off) -> None:
        if r.price == UNDEF or r.price <= 0 or r.size <= 0:
            self.bad(n, off, f"trade without a price or size ({r.price}, {r.size})", "bad_trade")
            return
        self.add(ts, tsl, i, Kind.TRADE, SIDE.get(_ch(r.side), 0), r.price, r.size, 0, n)

    def book(self, r, ts, tsl, i, n, off) -> None:
        depth = BOOK_SCHEMAS[self.schema]
        bids, asks = self.levels.setdefault(i, ({}, {}))
        new_b, new_a = {}, {}
        for lv in r.levels[:depth]:
            if lv.bid_px != UNDEF and lv.bid_sz > 0:
                new_b[lv.bid_px] = lv.bid_sz
            if lv.ask_px != UNDEF and lv.ask_sz > 0:
                new_a[lv.ask_px] = lv.ask_sz
        for side, old, new in ((1, bids, new_b), (-1, asks, new_a)):
            for px in old.keys() - new.keys():
                self.add(ts, tsl, i, Kind.LEVEL, side, px, 0, 0, n)
        for side, old, new in ((1, bids, new_b), (-1, asks, new_a)):
            for px, sz in new.items():
                if old.get(px) != sz:
                    self.add(ts, tsl, i, Kind.LEVEL, side, px, sz, 0, n)
        self.levels[i] = (new_b, new_a)
        if _ch(r.action) == "T":
            self.trade(r, ts, tsl, i, n, off)

    def mbo(self, r, ts, tsl, i, n, off) -> None:
        action, side = _ch(r.action), SIDE.get(_ch(r.side), 0)
        if action == "R":
            self.add(ts, tsl, i, Kind.CLEAR, 0, 0, 0, 0, n)
            for key in [k for k in self.orders if k[0] == i]:
                del self.orders[key]
            return
        if action == "T":
            self.trade(r, ts, tsl, i, n, off)
            return
        if action in ("F", "N"):
            self.stats["not_book_events"] += 1
            return
        if action not in ("A", "C", "M"):
            self.bad(n, off, f"unknown MBO action {action!r}", "unknown_action")
            return
        if side == 0 or r.price == UNDEF or r.price <= 0:
            self.bad(n, off, f"MBO {action} without a side or price", "bad_order")
            return
        key = (i, r.order_id)
        o = self.orders.get(key)
        if action == "A":
            self.add(ts, tsl, i, Kind.ADD, side, r.price, r.size, r.order_id, n)
            self.orders[key] = [side, r.price, r.size]
        elif action == "C":
            if o is not None and r.size >= o[2]:
                self.add(ts, tsl, i, Kind.DELETE, o[0], o[1], o[2], r.order_id, n)
                del self.orders[key]
            else:
                self.add(ts, tsl, i, Kind.CANCEL, side, r.price, r.size, r.order_id, n)
                if o is not None:
                    o[2] -= r.size
        else:  # M
            if o is not None and o[1] == r.price and r.size < o[2]:
                self.add(ts, tsl, i, Kind.CANCEL, side, r.price, o[2] - r.size, r.order_id, n)
                o[2] = r.size
                return
            if o is not None:
                self.add(ts, tsl, i, Kind.DELETE, o[0], o[1], o[2], r.order_id, n)
            if r.size > 0:
                self.add(ts, tsl, i, Kind.ADD, side, r.price, r.size, r.order_id, n)
                self.orders[key] = [side, r.price, r.size]
            else:
                self.orders.pop(key, None)


def _decoder(path: Path) -> tuple[dbn.DBNDecoder, bool]:
    """A decoder for path (zstd recognised by its frame magic) and whether it is zstd."""
    with open(path, "rb") as fh:
        zstd = fh.read(4) == ZSTD_MAGIC
    dec = dbn.DBNDecoder(upgrade_policy=dbn.VersionUpgradePolicy.AS_IS,
                         compression=dbn.Compression.ZSTD if zstd else dbn.Compression.NONE)
    return dec, zstd


class _Stream:
    """The bytes of a DBN file, plain or zstd (inflated as they are read), chunk by chunk."""

    def __init__(self, path: Path) -> None:
        import pyarrow as pa

        self.path = path
        with open(path, "rb") as fh:
            self.zstd = fh.read(4) == ZSTD_MAGIC
        self.raw = pa.OSFile(str(path))
        self.fh = pa.CompressedInputStream(self.raw, "zstd") if self.zstd else self.raw

    def read(self, n: int, records: int) -> bytes:
        """Up to n bytes (b"" at the end); a corrupt zstd frame is a DataError naming the
        file byte it was found before and the records decoded until then."""
        try:
            return self.fh.read(n)
        except (OSError, ValueError) as exc:
            raise DataError(f"{self.path}: corrupt DBN data in the zstd stream before file "
                            f"byte {self.raw.tell()} ({records} records decoded before): "
                            f"{exc}") from None

    def __enter__(self) -> "_Stream":
        return self

    def __exit__(self, *exc) -> None:
        self.fh.close()


def _metadata(stream: _Stream, path: Path):
    """Decode the metadata header ("DBN", version, u32 length, then the metadata)."""
    head = stream.read(8, 0)
    if len(head) < 8 or head[:3] != b"DBN":
        raise DataError(f"{path}: not a DBN file (no metadata header)")
    size = int.from_bytes(head[4:8], "little")
    body = stream.read(size, 0)
    dec = dbn.DBNDecoder(upgrade_policy=dbn.VersionUpgradePolicy.AS_IS)
    try:
        if len(body) < size:
            raise ValueError(f"{size} bytes announced, {len(body)} present")
        dec.write(head + body)
        (meta,) = dec.decode()
    except Exception as exc:  # the package raises its own error types
        raise DataError(f"{path}: corrupt DBN data in the metadata header: {exc}") from None
    return meta


# the rtype and byte size of the records of each schema (the same in DBN v1-v3)
MAIN_RECORD = {"mbo": (int(dbn.RType.MBO), dbn.MBOMsg.size_hint),
               "mbp-1": (int(dbn.RType.MBP_1), dbn.MBP1Msg.size_hint),
               "tbbo": (int(dbn.RType.MBP_1), dbn.MBP1Msg.size_hint),
               "mbp-10": (int(dbn.RType.MBP_10), dbn.MBP10Msg.size_hint),
               "trades": (int(dbn.RType.MBP_0), dbn.TradeMsg.size_hint),
               "status": (int(dbn.RType.STATUS), None)}
RTYPES = frozenset(int(v.value) for v in dbn.RType.variants())
HEADER = 16  # length, rtype, publisher, instrument id, ts_event


def _header_ok(buf: bytes | bytearray, pos: int, schema: str) -> bool:
    """Whether the bytes at pos start a DBN record: a known rtype, and for the schema's
    own records their size (others, e.g. symbol mappings, vary by version)."""
    size, rtype = buf[pos] * 4, buf[pos + 1]
    if rtype not in RTYPES or size < HEADER:
        return False
    main, main_size = MAIN_RECORD[schema]
    return rtype != main or main_size is None or size == main_size


def _resync(buf: bytes | bytearray, pos: int, schema: str, at_end: bool) -> int:
    """The first position after pos where two whole records of the schema follow one
    another (or one ends the data); -1 when the buffer holds none yet."""
    main, size = MAIN_RECORD[schema]
    step = size or HEADER
    for p in range(pos + 1, len(buf) - 1):
        if buf[p + 1] != main or not _header_ok(buf, p, schema):
            continue
        q = p + buf[p] * 4
        if q + 2 <= len(buf) and _header_ok(buf, q, schema):
            return p
        if q == len(buf) and at_end:
            return p
        if q + step > len(buf) and not at_end:
            return -1
    return len(buf) if at_end else -1


def _records(stream: _Stream, b: _Builder, meta) -> None:
    """Decode the record stream into b. Each chunk is checked record header by record
    header before the decoder sees it, so bytes that are not a record are named by record
    number and byte offset (after the metadata); with skip_bad they are skipped up to
    the next two whole records and counted in stats["skipped"]["garbage"]."""
    dec = dbn.DBNDecoder(has_metadata=False, upgrade_policy=dbn.VersionUpgradePolicy.AS_IS,
                         input_version=int(meta.version))
    buf = bytearray()
    n = off = 0  # records decoded; byte offset of buf[0] after the metadata
    at_end = False
    while True:
        chunk = stream.read(CHUNK, n)
        at_end = not chunk
        buf += chunk
        pos = walked = 0  # bytes and records of buf checked
        while pos + 2 <= len(buf):
            if not _header_ok(buf, pos, b.schema):
                where = (f"{b.path}: record {n + walked + 1} (byte offset {off + pos} after the "
                         f"metadata): not a DBN {b.schema} record (length {buf[pos] * 4} "
                         f"bytes, rtype {buf[pos + 1]:#04x})")
                if not b.skip_bad:
                    raise DataError(where)
                nxt = _resync(buf, pos, b.schema, at_end)
                if nxt < 0:
                    break  # read more before deciding where the records resume
                _decode(dec, buf, pos, b, n, off)
                n += b.decoded
                g = b.stats["skipped"].setdefault("garbage", {"runs": 0, "bytes": 0,
                                                              "first": where})
                g["runs"] += 1
                g["bytes"] += nxt - pos
                off += nxt
                del buf[:nxt]
                pos = walked = 0
                continue
            size = buf[pos] * 4
            if pos + size > len(buf):
                break
            pos += size
            walked += 1
        _decode(dec, buf, pos, b, n, off)
        n += b.decoded
        off += pos
        del buf[:pos]
        if at_end:
            break
    if buf:
        where = (f"{b.path}: truncated: {len(buf)} bytes after record {n} (byte offset {off} "
                 "after the metadata) do not make a whole record")
        if not b.skip_bad:
            raise DataError(where)
        b.stats["skipped"]["truncated"] = {"bytes": len(buf), "first": where}


def _decode(dec: dbn.DBNDecoder, buf: bytearray, stop: int, b: _Builder, n: int,
            off: int) -> None:
    """Decode the whole records buf[:stop] into b (b.decoded: how many)."""
    b.decoded = 0
    if stop == 0:
        return
    dec.write(bytes(buf[:stop]))
    try:
        recs = dec.decode()
    except Exception as exc:  # the package raises its own error types
        raise DataError(f"{b.path}: corrupt DBN data after record {n} (byte offset {off} "
                        f"after the metadata): {exc}") from None
    for r in recs:
        b.decoded += 1
        b.record(r, n + b.decoded, off)
        off += r.record_size()


def read_definitions(path: str | Path) -> dict[str, float]:
    """Tick sizes {raw symbol: min_price_increment in currency} from a DBN definition file."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    dec, _ = _decoder(path)
    try:
        dec.write(path.read_bytes())
        recs = dec.decode()
    except Exception as exc:  # the package raises its own error types
        raise DataError(f"{path}: corrupt DBN definition file: {exc}") from None
    out = {}
    for r in recs[1:]:
        if hasattr(r, "min_price_increment") and hasattr(r, "raw_symbol"):
            inc = r.min_price_increment
            if inc != UNDEF and inc > 0:
                out[str(r.raw_symbol)] = inc / 1e9
    if not out:
        raise DataError(f"{path}: no instrument definitions with a price increment")
    return out


def _tick_places(prices: np.ndarray) -> int:
    """Decimal places of the coarsest power-of-ten step dividing every 1e-9 price."""
    for places in range(10):
        if (prices % 10 ** (9 - places) == 0).all():
            return places
    return 9


def read_dbn(path: str | Path, *, tick_size: float | dict[str, float] | None = None,
             definitions: str | Path | None = None, skip_bad: bool = False) -> MarketData:
    """Read a DBN file (v1-v3, plain or zstd) of schema mbo, mbp-1, mbp-10, tbbo, trades
    or status. Instruments are the metadata's raw symbols. Tick sizes: tick_size (one
    size, or {symbol: size}), else a DBN definition file's min_price_increment
    (definitions=), else inferred. Errors name the record and its byte offset;
    skip_bad=True counts bad records in ``stats["skipped"]`` instead.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    if tick_size is None and definitions is not None:
        tick_size = read_definitions(definitions)
    with _Stream(path) as stream:
        meta = _metadata(stream, path)
        schema = str(meta.schema).lower() if meta.schema is not None else ""
        schema = schema.split(".")[-1].replace("_", "-")
        if schema not in SCHEMAS:
            raise DataError(f"{path}: DBN schema {schema!r} holds no book or trade events; "
                            f"read_dbn reads {', '.join(SCHEMAS)}")
        b = _Builder(path, schema, skip_bad)
        _records(stream, b, meta)
    return _build(b, meta, path, tick_size)


def _build(b: _Builder, meta, path: Path, tick_size) -> MarketData:
    names = {}
    for raw, intervals in (meta.mappings or {}).items():
        for iv in intervals:
            names[int(iv["symbol"])] = raw
    symbols = [names.get(iid, str(iid)) for iid in b.inst]
    if not b.rows:
        raise DataError(f"{path}: no market events in {b.stats['records']} records")
    ev = np.zeros(len(b.rows), dtype=EVENT_DTYPE)
    cols = list(zip(*b.rows))
    ev["ts"], ev["ts_local"], ev["instrument"], ev["kind"], ev["side"] = cols[:5]
    raw_px = np.array(cols[5], dtype=np.int64)
    ev["qty"] = cols[6]
    ev["order_id"] = np.array(cols[7], dtype=np.uint64)
    rec = np.array(cols[8], dtype=np.int64)
    instruments = []
    for k, sym in enumerate(symbols):
        mine = ev["instrument"] == k
        px = raw_px[mine & (raw_px > 0)]
        given = tick_size.get(sym) if isinstance(tick_size, dict) else tick_size
        if given:
            unit = round(given * 1e9)
            if unit <= 0 or (px % unit).any():
                raise DataError(f"{path}: {sym}: prices are not all multiples of tick size "
                                f"{given}")
        else:
            unit = 10 ** (9 - _tick_places(px)) if len(px) else 10 ** 7
        ev["price"][mine] = raw_px[mine] // unit
        instruments.append(Instrument(sym, unit / 1e9, 1.0))
    stats = b.stats
    stats.update({"dbn_version": int(meta.version), "schema": b.schema,
                  "dataset": meta.dataset})
    data = MarketData(ev, instruments, [Venue(meta.dataset or "databento")], record=rec,
                      source=f"dbn:{b.schema}:{path}", stats=stats)
    return data
