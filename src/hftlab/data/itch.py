"""NASDAQ TotalView-ITCH 5.0 reader (binary, plain or gzip) -> MarketData.

Spec: NASDAQ TotalView-ITCH 5.0 (message formats, big-endian fields, prices with 4
implied decimals, timestamps in ns since midnight Eastern time), in the historical
files' framing of a 2-byte length before each message. Mapping:
A / F add -> ADD; E execute, C execute with price -> EXECUTE at the resting order's
price (side = the resting order's); X cancel -> CANCEL; D delete -> DELETE (the
remaining shares); U replace -> DELETE of the old reference + ADD of the new one;
P non-cross trade -> TRADE (aggressor = opposite of the hidden order's side);
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
from pathlib import Path
from typing import IO, Iterable

import numpy as np

from hftlab.data import itch_nb as k
from hftlab.data.lobster import midnight_utc_ns
from hftlab.data.market import DataError, MarketData
from hftlab.instruments import Instrument, Venue
from hftlab.schema import EVENT_DTYPE

CHUNK = 8 << 20
MAX_SYMBOLS = 1 << 16
ERRORS = {
    k.UNKNOWN_TYPE: "unknown message type {info!r}",
    k.BAD_LENGTH: "message length {info} does not match its type's length in the spec",
    k.TIME_BACKWARDS: "timestamp earlier than the previous message's ({info!r} message)",
    k.EMPTY_FRAME: "zero-length message frame",
    k.TOO_MANY_SYMBOLS: f"more than {MAX_SYMBOLS} symbols",
}
SKIP_SLOTS = {"unknown_type": k.S_SKIP_UNKNOWN, "bad_length": k.S_SKIP_LENGTH,
              "time_backwards": k.S_SKIP_TIME, "empty_frame": k.S_SKIP_EMPTY}
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


def _open(path: Path) -> IO[bytes]:
    with open(path, "rb") as fh:
        gz = fh.read(2) == b"\x1f\x8b"
    return gzip.open(path, "rb") if gz else open(path, "rb")


class _Parser:
    """The kernel's carried state plus the events collected so far."""

    def __init__(self, want: np.ndarray, skip_bad: bool, day_ns: int):
        self.want, self.skip_bad, self.day_ns = want, skip_bad, day_ns
        self.loc = np.full(1 << 16, k.UNSEEN, dtype=np.int64)
        self.syms = np.zeros(MAX_SYMBOLS, dtype=np.uint64)
        self.keys = np.zeros(1 << 16, dtype=np.int64)
        self.vals = np.zeros((1 << 16, 4), dtype=np.int64)
        self.state = np.zeros(k.N_STATE, dtype=np.int64)
        self.state[k.S_LAST_TS] = np.iinfo(np.int64).min
        self.counts = np.zeros(256, dtype=np.int64)
        self.parts: list[tuple[np.ndarray, np.ndarray]] = []
        self.system: list[tuple[int, int, str]] = []

    def feed(self, buf: np.ndarray, offset: int) -> tuple[int, int, int, int]:
        """Parse buf (starting at file offset `offset`); returns (consumed, err, at, info)."""
        need = 2 * (self.state[k.S_LIVE] + len(buf) // 38 + 1)
        if need > len(self.keys):
            cap = 1 << int(need - 1).bit_length()
            self.keys, self.vals = k.rehash(self.keys, self.vals, cap)
        cap = len(buf) // 12 + 16
        cols = [np.empty(cap, np.int64) for _ in range(8)]
        sys_cols = [np.empty(64, np.int64) for _ in range(3)]
        self.state[k.S_NSYS] = 0
        n, used, err, at, info = k.parse_chunk(
            buf, offset, self.day_ns, self.skip_bad, self.loc, self.syms, self.want, self.keys,
            self.vals, self.state, self.counts, *cols, *sys_cols)
        if n:
            ev = np.zeros(n, dtype=EVENT_DTYPE)
            for name, col in zip(("ts", "kind", "side", "price", "qty", "order_id",
                                  "instrument"), cols):
                ev[name] = col[:n]
            self.parts.append((ev, cols[7][:n].copy()))
        for j in range(min(int(self.state[k.S_NSYS]), 64)):
            self.system.append((int(sys_cols[0][j]), int(sys_cols[1][j]), chr(sys_cols[2][j])))
        return used, err, at, info


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
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    day = _date(path, date)
    wanted = sorted({symbol_code(s) for s in symbols}) if symbols is not None else []
    p = _Parser(np.array(wanted, dtype=np.uint64), skip_bad, midnight_utc_ns(day, tz))
    offset, carry = 0, b""
    try:
        with _open(path) as fh:
            while True:
                block = fh.read(chunk_size)
                if not block:
                    break
                data = carry + block if carry else block
                buf = np.frombuffer(data, dtype=np.uint8)
                used, err, at, info = p.feed(buf, offset)
                if err:
                    info = chr(info) if err in (k.UNKNOWN_TYPE, k.TIME_BACKWARDS) else info
                    raise DataError(f"{path}: byte offset {at} (message {p.state[k.S_REC] + 1}): "
                                    + ERRORS[err].format(info=info))
                carry = data[used:]
                offset += used
    except (EOFError, OSError, gzip.BadGzipFile) as exc:
        raise DataError(f"{path}: truncated or corrupt gzip stream after byte {offset} of the "
                        f"messages ({exc})") from None
    skipped = {name: int(p.state[slot]) for name, slot in SKIP_SLOTS.items() if p.state[slot]}
    if carry:
        declared = int.from_bytes(carry[:2], "big") if len(carry) >= 2 else None
        what = (f"a message of {declared} bytes has only {len(carry) - 2}" if declared is not None
                else "a lone byte where a 2-byte length should be")
        if not skip_bad:
            raise DataError(f"{path}: truncated at byte offset {offset}: {what}")
        skipped["truncated_tail_bytes"] = len(carry)
    return _build(p, path, tick_size, skipped, offset)


def _build(p: _Parser, path: Path, tick_size: float | None, skipped: dict,
           n_bytes: int) -> MarketData:
    n_inst = int(p.state[k.S_NINST])
    names = [int(c).to_bytes(8, "big").decode("ascii", "replace").rstrip()
             for c in p.syms[:n_inst]]
    if p.parts:
        ev = np.concatenate([e for e, _ in p.parts])
        rec = np.concatenate([r for _, r in p.parts])
    else:
        ev, rec = np.zeros(0, EVENT_DTYPE), np.zeros(0, np.int64)
    p.parts = []
    instruments = []
    for i, name in enumerate(names):
        if tick_size is None:
            mine = ev["instrument"] == i
            cents = not (ev["price"][mine] % 100).any()
            step = 0.01 if cents else 0.0001
        else:
            step = tick_size
        scale = round(step / 0.0001)
        if scale != 1:
            mine = ev["instrument"] == i
            if (ev["price"][mine] % scale).any():
                raise DataError(f"{path}: {name}: prices are not all multiples of {step}")
            ev["price"][mine] //= scale
        instruments.append(Instrument(name, step, 1.0))
    if not instruments:
        raise DataError(f"{path}: no stock directory or order messages for the symbols asked "
                        "for")
    stats = {"messages": int(p.state[k.S_REC]), "bytes": int(n_bytes),
             "by_type": {chr(t): int(c) for t, c in enumerate(p.counts) if c},
             "system_events": p.system, "skipped": skipped,
             "unknown_orders": int(p.state[k.S_UNKNOWN_ORDER]),
             "executions_above_shares": int(p.state[k.S_OVERFILL]),
             "trades_without_shares": int(p.state[k.S_ZERO_CROSS])}
    data = MarketData(ev, instruments, [Venue("NASDAQ")], record=rec, source=f"itch:{path}",
                      stats=stats)
    return data.validate()
