"""Replay fills of resting orders (engine/venue_nb.py): by default no more than the data
shows traded with them -- after the queue ahead at their price, up to a print's size
through it, up to the size added at or through it on the other side, one print shared
among our orders in price-time priority; fill_model="full" keeps the all-or-nothing rule.

Book at t=0 (tests.engine.conftest.book_rows): bid 100 x 5, 99 x 5; ask 101 x 5, 102 x 5.
"""

import numpy as np
import pytest

import hftlab
from hftlab.config import run_config
from hftlab.data.market import MarketData
from hftlab.instruments import ConfigError, Venue
from hftlab.schema import EVENT_DTYPE, Kind
from tests.engine.conftest import INST, US, L, T, book_rows, run

END = [(50, L, 1, 98, 1)]  # a late event so the run lasts 50 us
BIG = 10**6


def test_a_large_order_fills_only_what_traded_at_or_through_its_price():
    rows = book_rows() + [
        (5, T, -1, 100, 3),  # 3 of the 5 ahead of us
        (6, T, -1, 100, 4),  # the last 2 ahead, then 2 of ours
        (7, T, -1, 99, 7),  # through our price: 7 more
        (8, L, 1, 100, 0), (8, L, 1, 99, 0),
        (9, L, -1, 100, 6),  # a seller rests at our price: it would have met us, 6
        (10, L, -1, 99, 4),  # and one through it: 4
        (11, L, -1, 100, 2), (12, L, -1, 100, 5),  # shrinks (nothing), grows by 3
        (13, T, 1, 100, 9),  # buyers lifting those asks do not trade with our bid
    ] + END
    rec, _ = run(rows, {2: lambda c: c.buy(100, BIG)})
    assert rec.fills["qty"].tolist() == [2, 7, 6, 4, 3]
    assert (rec.fills["price"] == 100).all() and (rec.fills["maker"] == 1).all()
    traded = 3 + 4 + 7 + 6 + 4 + 3  # prints at / through 100 and sellers added there
    assert rec.fills["qty"].sum() <= traded
    assert rec.meta["final_position"][0] == 22 and rec.meta["fill_model"] == "partial"
    full, _ = run(rows, {2: lambda c: c.buy(100, BIG)}, fill_model="full")
    assert full.fills["qty"].tolist() == [2, BIG - 2]  # the print through fills it all


def _l2_session(n: int = 4_000, seed: int = 5) -> MarketData:
    """A random L2 session around a wandering mid: levels 1-3 ticks from it change, prints
    hit the touch or sweep one level further, and when the mid moves the old levels go."""
    rng = np.random.default_rng(seed)
    rows: list[tuple] = []
    mid, t = 1_000, 0

    def ladder(q):
        for side in (1, -1):
            for d in (1, 2, 3):
                rows.append((t, Kind.LEVEL, side, mid - side * d, q(side, d)))

    ladder(lambda side, d: 20)
    while len(rows) < n:
        t += 1
        u = rng.random()
        if u < 0.05:  # the touch moves
            ladder(lambda side, d: 0)
            mid += int(rng.choice([-2, -1, 1, 2]))
            ladder(lambda side, d: int(rng.integers(1, 30)))
        elif u < 0.4:  # a print: a seller at the bid (or one below), a buyer at the ask
            side = int(rng.choice([-1, 1]))
            rows.append((t, Kind.TRADE, side, mid + side * int(rng.integers(1, 3)),
                         int(rng.integers(1, 20))))
        else:
            side = int(rng.choice([-1, 1]))
            rows.append((t, Kind.LEVEL, side, mid - side * int(rng.integers(1, 4)),
                         int(rng.integers(0, 50))))
    ev = np.zeros(len(rows), EVENT_DTYPE)
    for k, (t_us, kind, side, price, q) in enumerate(rows):
        ev[k]["ts"], ev[k]["kind"], ev[k]["side"] = t_us * US, int(kind), side
        ev[k]["price"], ev[k]["qty"] = price, q
    return MarketData(ev, [INST], [Venue("X")]).validate()


class Whale(hftlab.Strategy):
    """One huge bid at the best bid, sent once."""

    timer_ns = 10 * US
    sent = False

    def on_timer(self, ctx):
        if not self.sent and ctx.best_bid() > 0:
            ctx.buy(ctx.best_bid(), BIG)
            self.sent = True


def _volume_that_could_meet(data: MarketData, price: int, t0: int) -> int:
    """Sells printed at or below price after t0, plus asks added at or below it."""
    ev = data.events
    after = ev["ts"] > t0
    sells = (ev["kind"] == Kind.TRADE) & (ev["side"] < 0) & (ev["price"] <= price) & after
    total = int(ev["qty"][sells].sum())
    level: dict[int, int] = {}
    for e in ev[(ev["kind"] == Kind.LEVEL) & (ev["side"] < 0)]:
        old = level.get(int(e["price"]), 0)
        if e["ts"] > t0 and e["price"] <= price and e["qty"] > old:
            total += int(e["qty"]) - old
        level[int(e["price"])] = int(e["qty"])
    return total


def test_a_whale_on_a_random_session_fills_no_more_than_the_volume_that_met_its_price():
    data = _l2_session()
    rec = hftlab.backtest(data, Whale(), sample_ns=100 * US)
    sub = rec.orders[rec.orders["action"] == 0].iloc[0]
    bound = _volume_that_could_meet(data, int(sub["price"]), int(sub["ts_exchange"]))
    filled = int(rec.fills["qty"].sum())
    assert 0 < filled <= bound < BIG
    full = hftlab.backtest(data, Whale(), sample_ns=100 * US, fill_model="full")
    assert int(full.fills["qty"].sum()) == BIG  # all-or-nothing: the whole order


def test_one_print_is_shared_by_our_orders_in_price_time_priority():
    rows = book_rows() + [(6, L, 1, 100, 0), (6, L, 1, 99, 0),
                          (8, T, -1, 98, 12)] + END  # one print through both of ours
    acts = {2: lambda c: c.buy(99, 10), 3: lambda c: c.buy(100, 10), 4: lambda c: c.buy(99, 10)}
    rec, s = run(rows, acts)
    f = rec.fills
    assert f["order_id"].tolist() == [s.ids[1], s.ids[0]]  # best price, then first in time
    assert f["qty"].tolist() == [10, 2]
    full, _ = run(rows, acts, fill_model="full")
    assert sorted(full.fills["qty"].tolist()) == [10, 10, 10]


def test_queue_ahead_is_used_up_first_by_the_queue_models_estimate():
    # ahead 5 at 100; 4 join behind us, then 5 leave without a trade: the conservative
    # model takes them from behind (ahead 4), the power model (n=1) partly from ahead
    # (5 - 5 * 5/9 = 2.2); a print of 5 then fills what it leaves past the front
    rows = book_rows() + [(4, L, 1, 100, 9), (5, L, 1, 100, 4), (6, T, -1, 100, 5)] + END
    cons, _ = run(rows, {2: lambda c: c.buy(100, 10)}, queue="conservative")
    power, _ = run(rows, {2: lambda c: c.buy(100, 10)}, queue="power:1")
    assert cons.fills["qty"].tolist() == [1]
    assert power.fills["qty"].tolist() == [2]


def test_l3_executions_through_our_price_and_added_sellers_fill_what_they_traded():
    A, D, E = Kind.ADD, Kind.DELETE, Kind.EXECUTE
    rows = [(0, A, 1, 100, 5, 1), (0, A, 1, 99, 5, 2), (0, A, -1, 101, 5, 3),
            (4, D, 1, 100, 5, 1),  # the order ahead of ours leaves
            (5, E, 1, 99, 2, 2),  # a seller takes 2 at 99: through our 100
            (6, A, -1, 100, 3, 4),  # a seller rests at our price: 3 would have met us
            (50, A, 1, 90, 1, 5)]
    rec, _ = run(rows, {2: lambda c: c.buy(100, 10)})
    assert rec.fills["qty"].tolist() == [2, 3]
    full, _ = run(rows, {2: lambda c: c.buy(100, 10)}, fill_model="full")
    assert full.fills["qty"].tolist() == [10]


def test_fill_model_is_checked_in_backtest_and_config(tmp_path):
    with pytest.raises(ConfigError, match=r"fill_model.*\['full', 'partial'\].*'all'"):
        run(book_rows() + END, {}, fill_model="all")
    cfg = tmp_path / "run.toml"
    cfg.write_text('[market]\nsource = "sim"\nscenario = "calm"\nseconds = 1\n'
                   '[strategy]\nname = "static"\n[run]\nfill_model = "some"\n')
    with pytest.raises(ConfigError, match=r"run\.fill_model.*'partial' or 'full'.*some"):
        run_config(cfg, tmp_path / "out")
