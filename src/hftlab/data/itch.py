"""NASDAQ TotalView-ITCH 5.0 reader (binary, plain or gzip) -> MarketData.

Spec: NASDAQ TotalView-ITCH 5.0 (message formats, big-endian fields, prices with 4
implied decimals, timestamps in ns since midnight Eastern time), in the historical
files' framing of a 2-byte length before each message. Mapping:
A / F add -> ADD; E execute, C execute with price -> EXECUTE at the resting order's
price (side = the resting order's); X cancel -> CANCEL; D delete -> DELETE (the
remaining shares); U replace -> DELETE of the old reference + ADD of the new one;
P non-cross trade -> TRADE with side 0 (its Buy/Sell field has been 'B' for every
trade since 2014, so it does not tell the aggressor);
Q cross trade -> TRADE (side 0); H trading action -> STATUS (T = 1, else 0);
R stock directory -> the instrument table; S system events -> ``stats["system_events"]``;
the other messages are counted in ``stats["messages"]``.
The file is read in chunks by a compiled kernel (itch_nb), so input memory stays at one
chunk whatever the file's size; the output holds the events of the symbols asked for.
"""

from __future__ import annotations

import datetime as dt
import gzip
import re
import zlib
from pathlib import Path
from typing import IO, Iterable, Iterator

import numpy as np

from hftlab._kernel_cache import announce_compiles
from hftlab.data import itch_nb as k
from hftlab.data.lobster import midnight_utc_ns
from hftlab.data.market import DataError, MarketData
from hftlab.instruments import Instrument, Venue
from hftlab.schema import EVENT_DTYPE

CHUNK = 8 << 20
MAX_SYMBOLS = 1 << 16
MAX_RESERVE = 1 << 25  # events reserved up front (1.6 GB of address space)
ERRORS = {
    k.UNKNOWN_TYPE: "unknown message type {info!r}",
    k.BAD_LENGTH: "message length {info} does not match its type's length in the spec",
    k.TIME_BACKWARDS: "timestamp earlier than the previous message's ({info!r} message)",
    k.EMPTY_FRAME: "zero-length message frame",
    k.TOO_MANY_SYMBOLS: f"more than {MAX_SYMBOLS} symbols",
    k.BAD_FIELD: "{info!r} message with a side other than B/S, or zero shares or price",
}
SKIP_SLOTS = {"unknown_type": k.S_SKIP_UNKNOWN, "bad_length": k.S_SKIP_LENGTH,
              "time_backwards": k.S_SKIP_TIME, "empty_frame": k.S_SKIP_EMPTY,
              "bad_field": k.S_SKIP_FIELD}
DATE_PATTERNS = [(re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{4})(?!\d)"), (3, 1, 2)),  # MMDDYYYY
                 (re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)"), (1, 2, 3))]


def symbol_code(symbol: str) -> int:
    """An ITCH stock field (8 ASCII bytes, space padded) as a big-endian integer."""
    raw = symbol.encode("ascii")
    if not raw or len(raw) > 8:
        raise ValueError(f"ITCH symbols have 1-8 ASCII characters, got {symbol!r}")
    return int.from_bytes(raw.ljust(8, b" "), "big")


def _date(path: Path, date: str | dt.date | None) -> dt.date:
    if date is not None:
        return date if isinstance(date, dt.date) else dt.date.fromisoformat(str(date))
    for pattern, (y, m, d) in DATE_PATTERNS:
        for hit in pattern.finditer(path.name):
            try:
                return dt.date(int(hit[y]), int(hit[m]), int(hit[d]))
            except ValueError:
                continue
    raise DataError(f"{path}: ITCH times are ns after midnight and the file name holds no "
                    "date (MMDDYYYY or YYYYMMDD); pass date=")


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(2) == b"\x1f\x8b"


def _open(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if _is_gzip(path) else open(path, "rb")


class _Parser:
    """The kernel's carried state plus the event table written so far."""

    def __init__(self, want: np.ndarray, skip_bad: bool, day_ns: int, expect_bytes: int):
        self.want, self.skip_bad, self.day_ns = want, skip_bad, day_ns
        self.loc = np.full(1 << 16, k.UNSEEN, dtype=np.int64)
        self.syms = np.zeros(MAX_SYMBOLS, dtype=np.uint64)
        self.tab = np.zeros((1 << 20, k.ROW), dtype=np.int64)  # zero pages: lazily committed
        self.state = np.zeros(k.N_STATE, dtype=np.int64)
        self.state[k.S_LAST_TS] = np.iinfo(np.int64).min
        self.counts = np.zeros(256, dtype=np.int64)
        # at most one event per 12 bytes (S, the shortest message, is 14 with its frame);
        # pages of np.empty are only committed when written; capped (and grown by
        # doubling) so a large file read for a few symbols does not reserve its worst case
        self.out = np.empty(min(expect_bytes // 12 + 1024, MAX_RESERVE), dtype=EVENT_DTYPE)
        self.recs = np.empty(len(self.out), dtype=np.int64)
        self.n = 0
        self.system: list[tuple[int, int, str]] = []

    def feed(self, buf: np.ndarray, offset: int) -> tuple[int, int, int, int]:
        """Parse buf (starting at file offset `offset`); returns (consumed, err, at, info)."""
        need = 2 * (self.state[k.S_LIVE] + len(buf) // 38 + 1)
        if need > len(self.tab):
            self.tab = k.rehash(self.tab, 1 << int(need - 1).bit_length())
        room = self.n + len(buf) // 12 + 16
        if room > len(self.out):  # gzip input outgrew the estimate: double
            size = max(room, 2 * len(self.out))
            out = np.empty(size, dtype=EVENT_DTYPE)
            out[:self.n] = self.out[:self.n]
            recs = np.empty(size, dtype=np.int64)
            recs[:self.n] = self.recs[:self.n]
            self.out, self.recs = out, recs
        sys_cols = [np.empty(64, np.int64) for _ in range(3)]
        self.state[k.S_NSYS] = 0
        self.n, used, err, at, info = k.parse_chunk(
            buf, offset, self.day_ns, self.skip_bad, self.loc, self.syms, self.want, self.tab,
            self.state, self.counts, self.out, self.recs, self.n, *sys_cols)
        for j in range(min(int(self.state[k.S_NSYS]), 64)):
            self.system.append((int(sys_cols[0][j]), int(sys_cols[1][j]), chr(sys_cols[2][j])))
        return used, err, at, info


def _run(path: Path, p: _Parser, chunk_size: int) -> Iterator[int]:
    """Feed the file to the parser block by block, yielding after each block; at the end
    set p.skipped and p.bytes. Errors name the file and the byte offset."""
    offset, carry = 0, b""
    try:
        with _open(path) as fh:
            while True:
                block = fh.read(chunk_size)
                if not block:
                    break
                data = carry + block if carry else block
                used, err, at, info = p.feed(np.frombuffer(data, dtype=np.uint8), offset)
                if err:
                    info = chr(info) if err not in (k.BAD_LENGTH, k.EMPTY_FRAME) else info
                    raise DataError(f"{path}: byte offset {at} (message {p.state[k.S_REC]}): "
                                    + ERRORS[err].format(info=info))
                carry = data[used:]
                offset += used
                yield offset
    except (EOFError, OSError, zlib.error) as exc:
        raise DataError(f"{path}: truncated or corrupt gzip stream after byte {offset} of the "
                        f"messages ({exc})") from None
    p.skipped = {name: int(p.state[slot]) for name, slot in SKIP_SLOTS.items()
                 if p.state[slot]}
    p.bytes = offset
    if carry:
        declared = int.from_bytes(carry[:2], "big") if len(carry) >= 2 else None
        what = (f"a message of {declared} bytes has only {len(carry) - 2}" if declared is not None
                else "a lone byte where a 2-byte length should be")
        if not p.skip_bad:
            raise DataError(f"{path}: truncated at byte offset {offset}: {what}")
        p.skipped["truncated_tail_bytes"] = len(carry)


def _parser(path: Path, symbols: Iterable[str] | None, date, tz: str, skip_bad: bool,
            reserve_bytes: int) -> _Parser:
    if not path.exists():
        raise DataError(f"{path}: no such file")
    day = _date(path, date)
    wanted = sorted({symbol_code(s) for s in symbols}) if symbols is not None else []
    return _Parser(np.array(wanted, dtype=np.uint64), skip_bad, midnight_utc_ns(day, tz),
                   reserve_bytes)


@announce_compiles()  # a first run compiles for a while: say so
def read_itch(path: str | Path, symbols: Iterable[str] | None = None,
              date: str | dt.date | None = None, *, tick_size: float | None = None,
              tz: str = "America/New_York", skip_bad: bool = False,
              chunk_size: int = CHUNK) -> MarketData:
    """Read an ITCH 5.0 file (plain or gzip), keeping only `symbols` if given.

    ts = local midnight of `date` (default: from the file name, MMDDYYYY or YYYYMMDD)
    in `tz` + the message time, ns UTC; the source record is the message number
    (1-based). Prices become ticks of tick_size (default $0.01 for a symbol whose prices
    are all whole cents, else $0.0001). Errors name the file, byte offset and what is
    wrong; skip_bad=True skips bad messages and counts them in ``stats["skipped"]``.
    The input is read chunk_size bytes at a time; see iter_itch for bounded output too.
    """
    path = Path(path)
    reserve = 0
    if path.exists():
        reserve = path.stat().st_size * (4 if _is_gzip(path) else 1)
    p = _parser(path, symbols, date, tz, skip_bad, reserve)
    for _ in _run(path, p, chunk_size):
        pass
    return _build(p, path, tick_size)


def iter_itch(path: str | Path, symbols: Iterable[str] | None = None,
              date: str | dt.date | None = None, *, tick_size: float = 0.0001,
              tz: str = "America/New_York", skip_bad: bool = False,
              chunk_size: int = CHUNK) -> Iterator[MarketData]:
    """Stream an ITCH 5.0 file as MarketData pieces, one per input chunk that yields
    events, so memory stays at one chunk and its events whatever the file's size.

    Instrument indexes are stable across pieces (each piece carries the instruments
    seen so far). Prices are in ticks of tick_size (default $0.0001, exact for every
    ITCH price; a coarser tick is checked). ``stats`` of each piece is the running
    count. Same mapping and errors as read_itch.
    """
    path = Path(path)
    p = _parser(path, symbols, date, tz, skip_bad, chunk_size + (1 << 17))
    scale = round(tick_size / 0.0001)
    if scale < 1 or abs(scale * 0.0001 - tick_size) > 1e-12:
        raise DataError(f"{path}: tick size {tick_size} is not a multiple of $0.0001")
    for _ in _run(path, p, chunk_size):
        if p.n == 0:
            continue
        ev, rec = p.out[:p.n].copy(), p.recs[:p.n].copy()
        p.n = 0
        n_inst = int(p.state[k.S_NINST])
        bad = k.rescale_prices(ev, len(ev), np.full(n_inst, scale, dtype=np.int64))
        if bad >= 0:
            raise DataError(f"{path}: message {rec[bad]}: price is not a multiple of "
                            f"{tick_size}")
        instruments = [Instrument(name, tick_size, 1.0) for name in _names(p)]
        yield MarketData(ev, instruments, [Venue("NASDAQ")], record=rec,
                         source=f"itch:{path}", stats=_stats(p))


def _names(p: _Parser) -> list[str]:
    return [int(c).to_bytes(8, "big").decode("ascii", "replace").rstrip()
            for c in p.syms[:int(p.state[k.S_NINST])]]


def _stats(p: _Parser) -> dict:
    return {"messages": int(p.state[k.S_REC]), "bytes": int(getattr(p, "bytes", 0)),
            "by_type": {chr(t): int(c) for t, c in enumerate(p.counts) if c},
            "system_events": list(p.system), "skipped": dict(getattr(p, "skipped", {})),
            "unknown_orders": int(p.state[k.S_UNKNOWN_ORDER]),
            "executions_above_shares": int(p.state[k.S_OVERFILL]),
            "trades_without_shares": int(p.state[k.S_ZERO_CROSS])}


def _build(p: _Parser, path: Path, tick_size: float | None) -> MarketData:
    n_inst = int(p.state[k.S_NINST])
    names = _names(p)
    n = p.n
    ev, rec = p.out[:n], p.recs[:n]
    if tick_size is None:  # $0.01 where every price of the symbol is a whole cent
        steps = np.where(k.sub_penny_counts(p.out, n, n_inst) > 0, 0.0001, 0.01)
    else:
        steps = np.full(n_inst, float(tick_size))
    scale = np.rint(steps / 0.0001).astype(np.int64)
    if (scale < 1).any() or (np.abs(scale * 0.0001 - steps) > 1e-12).any():
        raise DataError(f"{path}: tick size {tick_size} is not a multiple of $0.0001")
    bad = k.rescale_prices(p.out, n, scale)
    if bad >= 0:
        raise DataError(f"{path}: message {rec[bad]}: price {ev['price'][bad] / 1e4} of "
                        f"{names[ev['instrument'][bad]]} is not a multiple of {tick_size}")
    instruments = [Instrument(name, float(step), 1.0) for name, step in zip(names, steps)]
    if not instruments:
        asked = "" if p.want.size == 0 else " for the symbols asked for"
        raise DataError(f"{path}: no stock directory or order messages{asked}")
    stats = _stats(p)
    # The kernel already enforces the schema's rules on every message and names the byte
    # offset of a breach; MarketData's compiled check of the events is a cheap second pass.
    return MarketData(ev, instruments, [Venue("NASDAQ")], record=rec, source=f"itch:{path}",
                      stats=stats)
