"""The exchange's trading halt in a simulated session: it fires in the flash crash and
cuts the price move, nothing prints while halted, the book is straight after every
reopening, the same seed gives the same session, and our strategy sees the halt."""

from __future__ import annotations

import re

import numpy as np
import pytest

import hftlab
from hftlab.core import book_nb
from hftlab.instruments import ConfigError
from hftlab.schema import Kind
from hftlab.sim import MarketParams, market
from hftlab.studies.stress import market_metrics
from hftlab.studies.stresses import STRESSES, halt_params

SECONDS = 240.0


def _crash(halt: bool):
    s = STRESSES["flash-crash"]
    over = {**s.calm(SECONDS), **s.shock(SECONDS), **(halt_params(SECONDS) if halt else {})}
    return market(s.scenario, seconds=SECONDS, seed=1, **over)


@pytest.fixture(scope="module")
def crashes():
    return _crash(False), _crash(True)


def _pauses(ev: np.ndarray) -> list[tuple[int, int]]:
    """(halt, resumption) times from the STATUS events, which alternate 0, 1, 0, 1 ..."""
    st = ev[ev["kind"] == Kind.STATUS]
    assert st["qty"].tolist() == [0, 1] * (len(st) // 2) + [0] * (len(st) % 2)
    ends = st["ts"][1::2].tolist() + [np.iinfo(np.int64).max] * (len(st) % 2)
    return list(zip(st["ts"][::2].tolist(), ends))


def test_the_halt_fires_in_the_flash_crash_and_cuts_the_price_move(crashes):
    free, halted = crashes
    assert not (free.events["kind"] == Kind.STATUS).any()
    pauses = _pauses(halted.events)
    onset = 0.25 * SECONDS
    t0 = int(halted.events["ts"][0])
    assert pauses and (pauses[0][0] - t0) / 1e9 > onset  # after the crash began
    prints = [e[(e["kind"] == Kind.EXECUTE)]["price"] for e in (free.events, halted.events)]
    assert prints[1].min() > prints[0].min()  # the halt cuts the fall
    m_free, m_halt = (market_metrics(d, onset) for d in crashes)
    assert m_halt["max_move_bps"] < m_free["max_move_bps"]
    assert m_halt["exchange_halts"] == len(pauses) and m_free["exchange_halts"] == 0
    assert m_halt["time_to_exchange_halt_s"] == pytest.approx((pauses[0][0] - t0) / 1e9 - onset)


def test_nothing_prints_while_halted_and_the_book_is_straight_after_reopening(crashes):
    ev = crashes[1].events
    pauses = _pauses(ev)
    prints = ev["ts"][np.isin(ev["kind"], (Kind.EXECUTE, Kind.TRADE))]
    for h0, h1 in pauses:
        assert not ((prints >= h0) & (prints < h1)).any()
    qty, top = book_nb.new_books(1, crashes[1].simulation.width)
    base = np.asarray(crashes[1].simulation.base, np.int64)
    omap = book_nb.new_order_map()
    trading, crossed_after = True, 0
    for k in range(len(ev)):
        e = ev[k]
        book_nb.apply_event(qty, top, base, omap, 0, int(e["kind"]), int(e["side"]),
                            int(e["price"]), int(e["qty"]), int(e["order_id"]), k)
        if e["kind"] == Kind.STATUS:
            trading = e["qty"] == 1
        last_at_ts = k + 1 == len(ev) or ev["ts"][k + 1] != e["ts"]
        if trading and last_at_ts and 0 <= top[0, 0] and top[0, 1] < qty.shape[2]:
            crossed_after += int(top[0, 0] >= top[0, 1])
    assert crossed_after == 0


def test_same_seed_same_session():
    a, b = _crash(True), _crash(True)
    assert all(np.array_equal(a.events[n], b.events[n]) for n in a.events.dtype.names)
    assert np.array_equal(a.record, b.record)


@pytest.mark.parametrize("field, value, allowed", [
    ("halt_rule", "circuit", "one of"), ("halt_band", 0.9, "[0.0001, 0.5]"),
    ("halt_pause_s", 0.0, "[0.001"), ("halt_limit_s", -1.0, "[0.0"),
])
def test_a_bad_halt_setting_is_named(field, value, allowed):
    with pytest.raises(ConfigError, match=rf"MarketParams\.{field}.*{re.escape(allowed)}"):
        MarketParams().with_(**{field: value})


class Watcher(hftlab.Strategy):
    """Quotes one lot on each side every 100 ms and notes whether the book is halted."""

    timer_ns = 100_000_000
    subscribe_book = True

    def __init__(self) -> None:
        self.seen: list[tuple[int, bool]] = []

    def on_timer(self, ctx) -> None:
        self.seen.append((ctx.now, ctx.halted()))
        if not ctx.halted() and ctx.best_bid() > 0 and ctx.best_ask() > 0:
            ctx.cancel_all()
            ctx.buy(ctx.best_bid() - 1, 1)
            ctx.sell(ctx.best_ask() + 1, 1)


def test_our_strategy_sees_the_halt_and_trades_nothing_during_it():
    data = _crash(True)
    w = Watcher()
    rec = hftlab.backtest(data, w, venues=[hftlab.Venue("SIMX", latency="colocated")])
    pauses = _pauses(rec.market.events)
    seen_halted = [t for t, h in w.seen if h]
    h0, h1 = pauses[0]
    assert any(h0 <= t <= h1 + 10**6 for t in seen_halted)  # after the feed latency
    ts = rec.fills["ts_exchange"].to_numpy(np.int64)
    for h0, h1 in pauses:
        assert not ((ts > h0) & (ts < h1)).any()
