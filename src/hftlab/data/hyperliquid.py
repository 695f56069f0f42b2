"""Hyperliquid websocket captures -> MarketData.

Input: text (plain or gzip), one message per line: ``<local receive ns> <raw JSON>``
(the hftbacktest collector's format). Messages (Hyperliquid API docs, "Websocket ->
Subscriptions"): ``{"channel": "l2Book", "data": {"coin", "time" (ms), "levels":
[[bids], [asks]]}}`` with each level ``{"px", "sz", "n"}`` (a snapshot of the top levels
of each side, best first), and ``{"channel": "trades", "data": [{"coin", "side" ("B" a
buyer took the ask, "A" a seller hit the bid), "px", "sz", "time" (ms), "tid", ...}]}``.
``subscriptionResponse`` and ``pong`` lines are control messages (counted, no events).

Book: every l2Book message is a snapshot of the visible depth. The first one of a coin
becomes CLEAR + one LEVEL per level; each next one becomes level diffs against the one
before (a level that left the snapshot -> LEVEL 0, first; then every new or changed
level), so queue positions survive from one snapshot to the next. snapshots=True
writes every message as CLEAR + LEVELs instead. Trades: TRADE with the aggressor side
(B -> +1, A -> -1); a trade id seen before (the collector resubscribed) is dropped and
counted in ``stats["duplicate_trades"]``. The trades channel's first message after
subscribing carries recent trades from before the capture: they are kept, at their
exchange times.

ts = the exchange time (ms -> ns), ts_local = the capture's local time. Instruments are
the coins; prices and sizes become integers of the finest decimal step seen per coin
(or of the given tick_size / lot_size). One venue, "hyperliquid".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from hftlab.data.binance import CaptureReader, decimal_units
from hftlab.data.market import DataError, MarketData
from hftlab.data.tardis import step_places
from hftlab.instruments import Instrument, Venue
from hftlab.schema import EVENT_DTYPE, Kind

MS = 1_000_000
CHANNELS = ("l2Book", "trades")
CONTROL = ("subscriptionResponse", "pong", "error")


@dataclass
class _Coin:
    """Per-coin state while reading."""

    name: str
    # event columns: ts, ts_local, kind, side, price text, qty text, record
    cols: list = field(default_factory=lambda: [[] for _ in range(7)])
    book: tuple = field(default_factory=lambda: ({}, {}))  # last snapshot {px: sz} per side
    synced: bool = False
    last_ts: dict = field(default_factory=dict)  # channel -> last exchange ts
    tids: set = field(default_factory=set)

    def add(self, ts: int, local: int, kind: int, side: int, px: str, sz: str, rec: int) -> None:
        for col, v in zip(self.cols, (ts, local, kind, side, px, sz, rec)):
            col.append(v)


class _Reader(CaptureReader):
    def __init__(self, path: Path, skip_bad: bool, snapshots: bool):
        super().__init__(path, skip_bad, {"book_messages": 0, "trade_messages": 0,
                                          "control_messages": 0, "duplicate_trades": 0})
        self.snapshots = snapshots
        self.coins: dict[str, _Coin] = {}

    def coin(self, name: str) -> _Coin:
        return self.coins.setdefault(name, _Coin(name))

    def in_order(self, c: _Coin, channel: str, ts: int, line: int, off: int) -> bool:
        last = c.last_ts.get(channel)
        if last is not None and ts < last:
            self.bad(line, off, f"{channel} time {ts // MS} ms is earlier than the previous "
                     f"{channel} message's ({last // MS} ms)", "time_backwards")
            return False
        c.last_ts[channel] = ts
        return True

    def l2book(self, d: dict, local: int, line: int, off: int) -> None:
        c = self.coin(str(d["coin"]))
        ts = int(d["time"]) * MS
        bids, asks = d["levels"]
        new = ({str(x["px"]): str(x["sz"]) for x in bids},
               {str(x["px"]): str(x["sz"]) for x in asks})
        if not self.in_order(c, "l2Book", ts, line, off):
            return
        self.stats["book_messages"] += 1
        if self.snapshots or not c.synced:
            c.add(ts, local, Kind.CLEAR, 0, "0", "0", line)
            for side, levels in ((1, new[0]), (-1, new[1])):
                for px, sz in levels.items():
                    c.add(ts, local, Kind.LEVEL, side, px, sz, line)
        else:
            for side, old, now in ((1, c.book[0], new[0]), (-1, c.book[1], new[1])):
                for px in old.keys() - now.keys():  # removals first: no transient cross
                    c.add(ts, local, Kind.LEVEL, side, px, "0", line)
            for side, old, now in ((1, c.book[0], new[0]), (-1, c.book[1], new[1])):
                for px, sz in now.items():
                    if old.get(px) != sz:
                        c.add(ts, local, Kind.LEVEL, side, px, sz, line)
        c.book, c.synced = new, True

    def trades(self, data: list, local: int, line: int, off: int) -> None:
        self.stats["trade_messages"] += 1
        for t in data:
            c = self.coin(str(t["coin"]))
            ts = int(t["time"]) * MS
            side = {"B": 1, "A": -1}.get(t["side"])
            if side is None:
                self.bad(line, off, f"trade side {t['side']!r} is not B or A", "bad_trade")
                continue
            tid = int(t["tid"])
            if tid in c.tids:
                self.stats["duplicate_trades"] += 1
                continue
            if not self.in_order(c, "trades", ts, line, off):
                continue
            c.tids.add(tid)
            c.add(ts, local, Kind.TRADE, side, str(t["px"]), str(t["sz"]), line)

    def message(self, msg: dict, local: int, line: int, off: int) -> None:
        channel = msg.get("channel") if isinstance(msg, dict) else None
        if channel == "l2Book":
            self.l2book(msg["data"], local, line, off)
        elif channel == "trades":
            self.trades(msg["data"], local, line, off)
        elif channel in CONTROL:
            self.stats["control_messages"] += 1
        else:
            hint = ("; it looks like a Binance capture: read it with read_binance "
                    "(format 'binance')") if isinstance(msg, dict) and (
                "stream" in msg or "lastUpdateId" in msg) else ""
            self.bad(line, off, f"unknown message (channel {channel!r}); read_hyperliquid "
                     f"reads the channels {', '.join(CHANNELS)}{hint}", "unknown_message")


def read_hyperliquid(path: str | Path, *, tick_size: float | None = None,
                     lot_size: float | None = None, snapshots: bool = False,
                     skip_bad: bool = False) -> MarketData:
    """Read a Hyperliquid websocket capture (``<local ns> <json>`` per line, plain or gzip).

    See the module docstring for the mapping. Errors name the file, line and byte offset;
    skip_bad=True counts bad lines in ``stats["skipped"]`` instead of raising.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    r = _Reader(path, skip_bad, snapshots)
    r.feed()
    coins = [c for c in r.coins.values() if c.cols[0]]
    if not coins:
        raise DataError(f"{path}: no l2Book or trades messages")
    instruments, parts = [], []
    for i, c in enumerate(coins):
        price, pp = decimal_units(c.cols[4], c.cols[6], step_places(tick_size) if tick_size
                                  else None, "px", path)
        qty, qp = decimal_units(c.cols[5], c.cols[6], step_places(lot_size) if lot_size
                                else None, "sz", path)
        instruments.append(Instrument(c.name, 10.0 ** -pp, 10.0 ** -qp))
        ev = np.zeros(len(c.cols[0]), dtype=EVENT_DTYPE)
        for name, col in zip(("ts", "ts_local", "kind", "side"), c.cols[:4]):
            ev[name] = col
        ev["price"], ev["qty"], ev["instrument"] = price, qty, i
        parts.append((ev, np.array(c.cols[6], dtype=np.int64)))
    ev = np.concatenate([p[0] for p in parts])
    rec = np.concatenate([p[1] for p in parts])
    idx = np.argsort(ev["ts"], kind="stable")  # each coin's events keep their order
    return MarketData(ev[idx], instruments, [Venue("hyperliquid")], record=rec[idx],
                      source=f"hyperliquid:{path}", stats=r.stats)
