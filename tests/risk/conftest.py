"""Helpers for risk tests: hand-made books on one or two instruments, scripted strategies."""

from __future__ import annotations

import numpy as np
import pandas as pd

import hftlab
from hftlab.data.market import MarketData
from hftlab.instruments import Instrument, Venue
from hftlab.schema import EVENT_DTYPE, Kind, OrderStatus
from tests.engine.conftest import US, Script, venue

L, T, S = Kind.LEVEL, Kind.TRADE, Kind.STATUS
A = Instrument("AAA", tick_size=0.01, lot_size=1.0)
B = Instrument("BBB", tick_size=0.01, lot_size=1.0)


def market(rows: list[tuple], instruments=(A,)) -> MarketData:
    """rows of (t_us, kind, side, price_ticks, qty[, instrument]) -> MarketData (one venue)."""
    ev = np.zeros(len(rows), EVENT_DTYPE)
    for k, r in enumerate(sorted(rows, key=lambda r: r[0])):
        ev[k]["ts"] = r[0] * US
        ev[k]["kind"] = int(r[1])
        ev[k]["side"] = r[2]
        ev[k]["price"] = r[3]
        ev[k]["qty"] = r[4]
        ev[k]["instrument"] = r[5] if len(r) > 5 else 0
    return MarketData(ev, list(instruments), [Venue("X")]).validate()


def book(t: int = 0, bid: int = 100, ask: int = 101, qty: int = 10, inst: int = 0) -> list[tuple]:
    """Two levels a side: bid, bid-1 and ask, ask+1, qty lots each."""
    return [(t, L, 1, bid, qty, inst), (t, L, 1, bid - 1, qty, inst),
            (t, L, -1, ask, qty, inst), (t, L, -1, ask + 1, qty, inst)]


def move(t: int, old_bid: int, new_bid: int, qty: int = 10, inst: int = 0) -> list[tuple]:
    """Replace the two-level book at old_bid / old_bid + 1 by one at new_bid / new_bid + 1."""
    old_ask = old_bid + 1
    out = [(t, L, 1, old_bid, 0, inst), (t, L, 1, old_bid - 1, 0, inst),
           (t, L, -1, old_ask, 0, inst), (t, L, -1, old_ask + 1, 0, inst)]
    return out + book(t, new_bid, new_bid + 1, qty, inst)


def run(rows, actions, risk=None, instruments=(A,), end_us: int = 60, **kw):
    """Backtest a Script on a hand-made market with sample and timer every 1 us."""
    last = max(r[0] for r in rows)
    rows = list(rows) + [(max(end_us, last + 1), L, 1, 1, 1, 0)]
    strat = Script(actions)
    rec = hftlab.backtest(market(rows, instruments), strat, venues=[kw.pop("venue", venue())],
                          sample_ns=kw.pop("sample_ns", US), risk=risk, **kw)
    return rec, strat


def submits(rec) -> pd.DataFrame:
    """Submit rows in order id order (denials are recorded at the gate, before arrivals)."""
    s = rec.orders[rec.orders["action"] == 0]
    return s.sort_values("order_id", kind="stable").reset_index(drop=True)


def reached_venue(rec) -> pd.DataFrame:
    """Submits that were not denied at the gate."""
    s = submits(rec)
    return s[s["status"] != OrderStatus.DENIED].reset_index(drop=True)


def position_path(rec, instrument: int = 0) -> np.ndarray:
    """The exchange's position after each fill (lots)."""
    f = rec.fills[rec.fills["instrument"] == instrument]
    return np.cumsum(f["side"].to_numpy().astype(np.int64) * f["qty"].to_numpy())


def final_position(rec, instrument: int = 0) -> int:
    p = position_path(rec, instrument)
    return int(p[-1]) if len(p) else 0


def states_seen(strat) -> list[str]:
    return [s for _, s in getattr(strat, "seen", [])]


class Watch(Script):
    """A Script that also notes the trading state it sees at every timer tick."""

    def __init__(self, actions) -> None:
        super().__init__(actions)
        self.seen: list[tuple[int, str]] = []

    def on_timer(self, ctx):
        self.seen.append((ctx.now // US, ctx.trading_state))
        super().on_timer(ctx)


def watch(rows, actions, risk=None, instruments=(A,), end_us: int = 60, **kw):
    """Like run, with a Watch strategy."""
    last = max(r[0] for r in rows)
    rows = list(rows) + [(max(end_us, last + 1), L, 1, 1, 1, 0)]
    strat = Watch(actions)
    rec = hftlab.backtest(market(rows, instruments), strat, venues=[kw.pop("venue", venue())],
                          sample_ns=kw.pop("sample_ns", US), risk=risk, **kw)
    return rec, strat


def path(t0: int, bids: list[int], inst: int = 0, start: int = 100) -> list[tuple]:
    """The two-level book moved to each bid in turn, one step per us from t0."""
    rows, old = [], start
    for k, b in enumerate(bids):
        rows += move(t0 + k, old, b, inst=inst)
        old = b
    return rows


def state_at(strat, t_us: int) -> str:
    """The trading state the strategy saw at its first tick at or after t_us."""
    return next(s for t, s in strat.seen if t >= t_us)


def rules(rec) -> list[int]:
    return rec.risk_events["rule"].tolist()
