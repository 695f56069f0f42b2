"""Several venues and instruments, recorded feed times, halts and event subscriptions."""

import numpy as np

import hftlab
from hftlab.data.market import MarketData
from hftlab.instruments import FeeSchedule, Instrument, Latency, LatencyProfile, Venue
from hftlab.schema import EVENT_DTYPE, Kind, OrderStatus, Reason
from tests.engine.conftest import US, L, T, book_rows, events, run, venue

END = [(50, L, 1, 98, 1)]


def two_by_two() -> MarketData:
    """Venues A and B, instruments X (tick 0.01) and Y (tick 0.5), events merged by time."""
    rows = []
    for v in (0, 1):
        for i, px in ((0, 100), (1, 40)):
            rows += [(v, i, L, 1, px, 5), (v, i, L, -1, px + 1, 5)]
    ev = np.zeros(len(rows) + 3, EVENT_DTYPE)
    for k, (v, i, kind, side, px, q) in enumerate(rows):
        ev[k] = (0, 0, v, i, kind, side, px, q, 0)
    ev[-3] = (10 * US, 0, 1, 1, T, 1, 41, 5, 0)  # a buyer lifts Y's ask on venue B
    ev[-2] = (20 * US, 0, 0, 0, T, -1, 100, 9, 0)  # a seller hits X's bid on venue A
    ev[-1] = (50 * US, 0, 0, 0, L, 1, 99, 1, 0)
    return MarketData(ev, [Instrument("X", 0.01), Instrument("Y", 0.5)],
                      [Venue("A", FeeSchedule(0.0, 0.0)), Venue("B", FeeSchedule(-0.1, 0.2, "bps"))]
                      ).validate()


class TwoBooks(hftlab.Strategy):
    timer_ns = US

    def __init__(self):
        self.done = False

    def on_timer(self, ctx):
        if self.done:
            return
        self.done = True
        ctx.sell(41, 2, book=ctx.book_index(venue=1, instrument=1))  # Y on B, behind 5
        ctx.buy(100, 3, book=ctx.book_index(venue=0, instrument=0))  # X on A, behind 5


def test_a_strategy_trades_two_instruments_on_two_venues():
    data = two_by_two()
    rec = hftlab.backtest(data, TwoBooks(), sample_ns=US)
    f = rec.fills.sort_values("ts_exchange")
    assert f["venue"].tolist() == [0]  # Y's 5-lot print only clears the queue ahead of us
    assert f["instrument"].tolist() == [0] and f["qty"].tolist() == [3]
    last = rec.states.groupby("instrument").last()
    assert last.loc[0, "position"] == 3 and last.loc[1, "position"] == 0
    # books are numbered venue-major and each instrument marks to its first venue's mid
    assert np.isclose(last.loc[1, "mid"], 40.5)


def test_recorded_feed_times_are_used_where_present():
    rows = book_rows() + END
    data = events(rows)
    data.events["ts_local"] = data.events["ts"] + 7 * US
    seen = []

    class Watch(hftlab.Strategy):
        subscribe_book = True

        def on_book(self, ctx, book):
            seen.append(ctx.now)

    ven = Venue("X", latency=LatencyProfile(feed=Latency(1 * US), recorded_feed=True))
    hftlab.backtest(data, Watch(), venues=[ven])
    assert seen[0] == 7 * US and seen[-1] == 57 * US


def test_subscriptions_wake_on_book_and_trades_in_host_time():
    rows = book_rows() + [(5, T, 1, 101, 2), (5, L, -1, 101, 3)] + END
    books, trades = [], []

    class Watch(hftlab.Strategy):
        subscribe_book = True
        subscribe_trades = True

        def on_book(self, ctx, book):
            books.append((ctx.now, ctx.best_bid(book), ctx.best_ask(book)))

        def on_trade(self, ctx, book):
            trades.append((ctx.now, ctx.last_trade(book)))

    data = events(rows)
    hftlab.backtest(data, Watch(), venues=[venue(feed_us=2)])
    assert trades == [(7 * US, (101, 2, 1, 5 * US))]
    assert books[0] == (2 * US, 100, 0)  # the first level, seen 2 us late
    assert (7 * US, 100, 101) in books


def test_halts_reject_at_the_venue_and_are_denied_once_the_host_knows():
    rows = book_rows() + [(3, Kind.STATUS, 0, 0, 0), (8, Kind.STATUS, 0, 0, 1)] + END
    # feed latency 3 us: the host learns of the halt at 6 and of the resumption at 11
    rec, _ = run(rows, {4: lambda c: c.buy(100, 1), 7: lambda c: c.buy(100, 1),
                        12: lambda c: c.buy(100, 1)}, venue=venue(feed_us=3))
    o = rec.orders[rec.orders["action"] == 0].sort_values("order_id")
    assert o["status"].tolist() == [OrderStatus.REJECTED, OrderStatus.DENIED,
                                    OrderStatus.ACCEPTED]
    assert o["reason"].tolist()[:2] == [Reason.HALTED, Reason.RISK_INSTRUMENT_HALTED]
