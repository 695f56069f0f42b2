"""A small L3 market with known icebergs injected, for the iceberg detector's tests.

One FIFO book in integer ticks ($0.01) and lots (1 share), driven by a time-ordered
queue of actions: background limit orders around a wandering reference price (each
cancelled after a while), a market maker that re-posts its filled quote at the same
price after a delay that is usually several ms but sometimes under 1 ms (the detector's
false-positive bait), marketable orders that take the best price (displayed orders in
time priority, then non-displayed liquidity there, as on NASDAQ), and icebergs:

- 'refill': a clip of the peak size is shown; when it is executed away the next clip
  (at most the peak, from the reserve) is added at the same price 50-500 us later under
  a new order id;
- 'reserve': the same, and marketable volume beyond the displayed orders at its price
  trades against the reserve as hidden prints (TRADE, no order id);
- 'hidden': non-displayed only: it trades as hidden prints alone.

An iceberg is withdrawn (its clip deleted, its reserve dropped) if it is not used up
within `patience` seconds. The truth table holds, per iceberg: style, side, price (in
currency), start and end ns, total, peak, true hidden size (total - peak; total for
'hidden'), executed and whether it was used up.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hftlab.data.market import MarketData
from hftlab.instruments import Instrument, Venue
from hftlab.schema import EVENT_DTYPE, Kind

MS = 1_000_000
SEC = 1_000_000_000
TICK = 0.01


@dataclass
class _Iceberg:
    style: str
    side: int
    price: int
    total: int
    peak: int
    start: int
    reserve: int
    clip: int = -1  # order id of the clip shown, -1 none
    executed: int = 0
    end: int = 0
    done: bool = False


class _Market:
    def __init__(self, seed: int, patience: float) -> None:
        self.rng = np.random.default_rng(seed)
        self.patience = int(patience * SEC)
        self.queue: list = []
        self.seq = 0
        self.events: list[tuple[int, int, int, int, int, int]] = []
        self.orders: dict[int, list] = {}  # id -> [side, price, qty, owner]
        self.levels: dict[tuple[int, int], list[int]] = {}  # (side, price) -> FIFO ids
        self.hidden: dict[tuple[int, int], list[_Iceberg]] = {}
        self.next_id = 1
        self.ref = 10_000
        self.icebergs: list[_Iceberg] = []
        self.mm = {1: -1, -1: -1}  # the market maker's quote id per side

    def at(self, t: int, action: str, *args) -> None:
        self.seq += 1
        heapq.heappush(self.queue, (t, self.seq, action, args))

    def best(self, side: int, hidden_too: bool = False) -> int | None:
        prices = [p for (s, p), ids in self.levels.items() if s == side and ids]
        if hidden_too:
            prices += [p for (s, p), ib in self.hidden.items()
                       if s == side and any(i.reserve > 0 for i in ib)]
        if not prices:
            return None
        return max(prices) if side == 1 else min(prices)

    def add(self, t: int, side: int, price: int, qty: int, owner) -> int | None:
        other = self.best(-side)
        if other is not None and (price >= other if side == 1 else price <= other):
            return None  # would cross: not posted
        oid = self.next_id
        self.next_id += 1
        self.orders[oid] = [side, price, qty, owner]
        self.levels.setdefault((side, price), []).append(oid)
        self.events.append((t, Kind.ADD, side, price, qty, oid))
        return oid

    def delete(self, t: int, oid: int) -> None:
        if oid in self.orders:
            side, price, qty, _ = self.orders.pop(oid)
            self.levels[(side, price)].remove(oid)
            self.events.append((t, Kind.DELETE, side, price, qty, oid))

    def take(self, t: int, aggressor: int, qty: int) -> None:
        side = -aggressor
        price = self.best(side, hidden_too=True)
        if price is None:
            return
        fifo = self.levels.get((side, price), [])
        while qty > 0 and fifo:
            oid = fifo[0]
            o = self.orders[oid]
            x = min(qty, o[2])
            o[2] -= x
            qty -= x
            self.events.append((t, Kind.EXECUTE, side, price, x, oid))
            if isinstance(o[3], _Iceberg):
                o[3].executed += x
                o[3].end = t
            if o[2] == 0:
                fifo.pop(0)
                del self.orders[oid]
                self.filled(t, oid, side, price, o[3])
        for ib in list(self.hidden.get((side, price), [])):
            x = min(qty, ib.reserve)
            if x > 0:
                ib.reserve -= x
                ib.executed += x
                ib.end = t
                qty -= x
                self.events.append((t, Kind.TRADE, aggressor, price, x, 0))
                self.check_done(t, ib)

    def filled(self, t: int, oid: int, side: int, price: int, owner) -> None:
        if owner == "mm":
            self.mm[side] = -1
            delay = int(np.exp(self.rng.normal(np.log(10 * MS), 1.0)))
            self.at(t + delay, "mm_requote", side, price)
        elif isinstance(owner, _Iceberg):
            owner.clip = -1
            if owner.reserve > 0:
                self.at(t + int(self.rng.integers(50_000, 500_000)), "ice_refill", owner)
            else:
                self.check_done(t, owner)

    def check_done(self, t: int, ib: _Iceberg) -> None:
        if ib.reserve == 0 and ib.clip < 0 and not ib.done:
            ib.done, ib.end = True, t
            pool = self.hidden.get((ib.side, ib.price), [])
            if ib in pool:
                pool.remove(ib)

    def step(self, t: int, action: str, args: tuple) -> None:
        rng = self.rng
        if action == "bg":
            side = int(rng.choice([-1, 1]))
            price = self.ref - side * int(rng.geometric(0.4))
            oid = self.add(t, side, price, int(rng.choice([50, 100, 100, 200, 300])), "bg")
            if oid is not None:
                self.at(t + int(rng.exponential(2 * SEC)), "cancel", oid)
            self.at(t + int(rng.exponential(SEC / 8)), "bg")
        elif action == "cancel":
            self.delete(t, args[0])
        elif action == "walk":
            self.ref += int(rng.choice([-1, 1]))
            self.at(t + int(rng.exponential(2 * SEC)), "walk")
        elif action == "take":
            self.take(t, int(rng.choice([-1, 1])), int(rng.choice([100, 200, 300, 500])))
            self.at(t + int(rng.exponential(SEC / 6)), "take")
        elif action == "mm_requote":
            if self.mm[args[0]] < 0:
                self.mm[args[0]] = self.add(t, args[0], args[1], 100, "mm") or -1
        elif action == "mm_start":  # one quote a side at the touch, re-centred every ~3 s
            for side in (1, -1):
                b = self.best(side)
                if b is not None and (self.mm[side] < 0 or self.orders[self.mm[side]][1] != b):
                    if self.mm[side] >= 0:
                        self.delete(t, self.mm[side])
                    self.mm[side] = self.add(t, side, b, 100, "mm") or -1
            self.at(t + int(rng.exponential(3 * SEC)), "mm_start")
        elif action == "ice_start":
            self.start_iceberg(t, args[0])
        elif action == "ice_refill":
            ib = args[0]
            if ib.done:
                return
            q = min(ib.peak, ib.reserve)
            oid = self.add(t, ib.side, ib.price, q, ib)
            if oid is None:  # the market moved through its price: withdrawn
                self.withdraw(t, ib)
            else:
                ib.reserve -= q
                ib.clip = oid
                ib.end = t
        elif action == "ice_timeout":
            if not args[0].done:
                self.withdraw(t, args[0])

    def start_iceberg(self, t: int, style: str) -> None:
        rng = self.rng
        side = int(rng.choice([-1, 1]))
        b = self.best(side)
        price = b if b is not None else self.ref - side
        peak = int(rng.choice([100, 200, 300]))
        total = int(rng.integers(4, 16)) * 100 + peak
        ib = _Iceberg(style, side, price, total, peak, t, total)
        if style == "hidden":
            self.hidden.setdefault((side, price), []).append(ib)
        else:
            oid = self.add(t, side, price, peak, ib)
            if oid is None:
                return
            ib.reserve -= peak
            ib.clip = oid
            if style == "reserve":
                self.hidden.setdefault((side, price), []).append(ib)
        ib.end = t
        self.icebergs.append(ib)
        self.at(t + self.patience, "ice_timeout", ib)

    def withdraw(self, t: int, ib: _Iceberg) -> None:
        if ib.clip >= 0:
            self.delete(t, ib.clip)
            ib.end = t
        ib.clip, ib.reserve, ib.done = -1, 0, True
        pool = self.hidden.get((ib.side, ib.price), [])
        if ib in pool:
            pool.remove(ib)


def market_with_icebergs(seed: int, seconds: int = 300, n_icebergs: int = 10,
                         styles: tuple[str, ...] = ("refill", "reserve", "hidden"),
                         patience: float = 60.0) -> tuple[MarketData, pd.DataFrame]:
    """Canonical events of the synthetic market and the truth table of its icebergs."""
    m = _Market(seed, patience)
    for action in ("bg", "walk", "take", "mm_start"):
        m.at(int(m.rng.integers(0, SEC)), action)
    starts = np.sort(m.rng.uniform(5, seconds - patience / 2, n_icebergs))
    for k, s in enumerate(starts):
        m.at(int(s * SEC), "ice_start", styles[k % len(styles)])
    while m.queue and m.queue[0][0] < seconds * SEC:
        t, _, action, args = heapq.heappop(m.queue)
        m.step(t, action, args)
    ev = np.zeros(len(m.events), dtype=EVENT_DTYPE)
    cols = np.array(m.events, dtype=np.int64).reshape(-1, 6)
    for j, name in enumerate(("ts", "kind", "side", "price", "qty", "order_id")):
        ev[name] = cols[:, j]
    data = MarketData(ev, [Instrument("SYN", TICK, 1.0)], [Venue("SIM")],
                      source=f"synthetic icebergs seed {seed}").validate()
    truth = pd.DataFrame([{
        "style": ib.style, "side": ib.side, "price": ib.price * TICK, "start": ib.start,
        "end": ib.end, "total": ib.total, "peak": ib.peak,
        "true_hidden": ib.total if ib.style == "hidden" else ib.total - ib.peak,
        "executed": ib.executed, "used_up": ib.done and ib.executed == ib.total}
        for ib in m.icebergs])
    return data, truth


def match(detections: pd.DataFrame, truth: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """For each detection the truth row it matches (same side and price, the longest
    overlap in time), -1 none; and for each truth row the summed est_hidden of the
    detections matched to it (NaN none)."""
    hit = np.full(len(detections), -1)
    est = np.full(len(truth), np.nan)
    d_start = detections["start"].array.asi8
    d_end = detections["end"].array.asi8
    for i in range(len(detections)):
        same = ((truth["side"] == detections["side"].iloc[i])
                & np.isclose(truth["price"], detections["price"].iloc[i])
                & (truth["start"] <= d_end[i]) & (truth["end"] >= d_start[i]))
        rows = np.flatnonzero(same.to_numpy())
        if rows.size:
            overlap = (np.minimum(truth["end"].to_numpy()[rows], d_end[i])
                       - np.maximum(truth["start"].to_numpy()[rows], d_start[i]))
            j = rows[int(np.argmax(overlap))]
            hit[i] = j
            est[j] = np.nansum([est[j], detections["est_hidden"].iloc[i]])
    return hit, est
