"""Helpers for engine tests: tiny hand-made books and a scripted strategy."""

from __future__ import annotations

from typing import Callable

import numpy as np
import pytest

import hftlab
from hftlab.data.market import MarketData
from hftlab.instruments import FeeSchedule, Instrument, LatencyProfile, Venue
from hftlab.schema import EVENT_DTYPE, Kind

US = 1_000
INST = Instrument("TEST", tick_size=0.01, lot_size=1.0)


def events(rows: list[tuple]) -> MarketData:
    """rows of (t_us, kind, side, price_ticks, qty[, order_id]) -> MarketData."""
    ev = np.zeros(len(rows), EVENT_DTYPE)
    for i, r in enumerate(rows):
        ev[i]["ts"] = r[0] * US
        ev[i]["kind"] = int(r[1])
        ev[i]["side"] = r[2]
        ev[i]["price"] = r[3]
        ev[i]["qty"] = r[4]
        ev[i]["order_id"] = r[5] if len(r) > 5 else 0
    return MarketData(ev, [INST], [Venue("X")]).validate()


L = Kind.LEVEL
T = Kind.TRADE


def book_rows(t: int = 0) -> list[tuple]:
    """bid 100 x 5, 99 x 5; ask 101 x 5, 102 x 5."""
    return [(t, L, 1, 100, 5), (t, L, 1, 99, 5), (t, L, -1, 101, 5), (t, L, -1, 102, 5)]


class Script(hftlab.Strategy):
    """Runs actions[t_us](ctx) at the first timer tick at or after t_us (timer every 1 us)."""

    timer_ns = US

    def __init__(self, actions: dict[int, Callable]) -> None:
        self.actions = dict(actions)
        self.ids: list[int] = []
        self.fills: list = []
        self.updates: list = []

    def on_timer(self, ctx):
        for t in sorted(self.actions):
            if ctx.now >= t * US:
                out = self.actions.pop(t)(ctx)
                if isinstance(out, int):
                    self.ids.append(out)

    def on_fill(self, ctx, fill):
        self.fills.append((ctx.now, fill))

    def on_order(self, ctx, order):
        self.updates.append((ctx.now, order))


def venue(entry_us: int = 0, resp_us: int = 0, feed_us: int = 0, maker: float = 0.0,
          taker: float = 0.0, unit: str = "per_unit") -> Venue:
    return Venue("X", FeeSchedule(maker, taker, unit),
                 LatencyProfile.constant(feed_us * US, entry_us * US, resp_us * US))


def run(rows, actions, **kw):
    data = events(rows)
    strat = Script(actions)
    ven = kw.pop("venue", venue())
    rec = hftlab.backtest(data, strat, venues=[ven], sample_ns=kw.pop("sample_ns", US), **kw)
    return rec, strat


@pytest.fixture
def scripted():
    return run
