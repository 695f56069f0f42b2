"""The host's order of market events (engine/host_nb.py): a recorded feed is received in
ts_local order, per venue and across venues; a modelled feed stays FIFO."""

import numpy as np
import pytest

import hftlab
from hftlab.data import read_binance
from hftlab.data.market import MarketData
from hftlab.instruments import Instrument, Latency, LatencyProfile, Venue
from hftlab.schema import EVENT_DTYPE, Kind
from tests.engine.conftest import US

L, T = Kind.LEVEL, Kind.TRADE


class Watch(hftlab.Strategy):
    """Notes every market event the host receives: (host time, venue, kind, best bid)."""

    subscribe_book = True
    subscribe_trades = True

    def __init__(self) -> None:
        self.seen: list[tuple[int, int, int, int]] = []

    def on_book(self, ctx, book):
        self.seen.append((ctx.now, book, int(L), ctx.best_bid(book)))

    def on_trade(self, ctx, book):
        self.seen.append((ctx.now, book, int(T), ctx.best_bid(book)))


def recorded(feed_us: int = 0) -> Venue:
    return Venue("X", latency=LatencyProfile(feed=Latency(feed_us * US), recorded_feed=True))


def capture(rows: list[tuple]) -> np.ndarray:
    """rows of (venue, ts_us, ts_local_us, kind, side, price, qty) in exchange-time order."""
    ev = np.zeros(len(rows), EVENT_DTYPE)
    for k, (v, t, tl, kind, side, px, q) in enumerate(rows):
        ev[k] = (t * US, tl * US, v, 0, int(kind), side, px, q, 0)
    return ev


def test_a_late_trade_does_not_hold_back_book_rows_that_arrived_before_it():
    # the trade stamped 5 us arrives at 30 us; the bids stamped after it arrive at 7-9 us
    ev = capture([(0, 0, 1, L, 1, 100, 5), (0, 0, 1, L, -1, 102, 5),
                  (0, 5, 30, T, 1, 102, 1),
                  (0, 6, 7, L, 1, 101, 1), (0, 7, 8, L, 1, 101, 2), (0, 8, 9, L, 1, 101, 3),
                  (0, 40, 41, L, 1, 99, 1)])
    data = MarketData(ev, [Instrument("Z", 0.01)], [Venue("X")]).validate()
    w = Watch()
    hftlab.backtest(data, w, venues=[recorded()])
    times = [s[0] // US for s in w.seen]
    kinds = [s[2] for s in w.seen]
    assert times == [1, 1, 7, 8, 9, 30, 41]
    assert kinds == [L, L, L, L, L, T, L]
    assert w.seen[2][3] == 101  # the new best bid reached the host at 7 us, not at 30 us


def test_two_recorded_venues_are_received_in_arrival_order():
    # venue 1's feed is slower: its rows arrive after later rows of venue 0; at equal
    # arrival times the earlier event of the data comes first
    ev = capture([(0, 0, 1, L, 1, 100, 5), (1, 0, 20, L, 1, 50, 5),
                  (0, 2, 3, L, 1, 100, 6), (1, 3, 20, L, 1, 50, 7),
                  (0, 4, 25, T, -1, 100, 1), (0, 5, 6, L, 1, 100, 4),
                  (1, 10, 21, L, 1, 51, 1), (0, 30, 31, L, 1, 99, 1)])
    data = MarketData(ev, [Instrument("Z", 0.01)], [Venue("A"), Venue("B")]).validate()
    w = Watch()
    hftlab.backtest(data, w, venues=[recorded(), recorded()])
    got = [(s[0] // US, s[1]) for s in w.seen]
    assert got == [(1, 0), (3, 0), (6, 0), (20, 1), (20, 1), (21, 1), (25, 0), (31, 0)]


def test_a_modelled_feed_stays_fifo():
    # the same capture without recorded times: ts + 2 us, in the data's order
    ev = capture([(0, 0, 1, L, 1, 100, 5), (0, 5, 30, T, -1, 100, 1),
                  (0, 6, 7, L, 1, 101, 1), (0, 40, 41, L, 1, 99, 1)])
    data = MarketData(ev, [Instrument("Z", 0.01)], [Venue("X")]).validate()
    w = Watch()
    hftlab.backtest(data, w, venues=[Venue("X", latency=LatencyProfile(feed=Latency(2 * US)))])
    assert [(s[0] // US, s[2]) for s in w.seen] == [(2, L), (7, T), (8, L), (42, L)]


def test_a_recorded_feed_reaches_the_host_across_chunks_in_arrival_order():
    # many small chunks, a late row every 7th event: every event is received once, in
    # order of arrival, whatever the chunk it was read in
    rng = np.random.default_rng(3)
    n = 400
    ts = np.arange(n) * 10
    late = np.arange(n) % 7 == 3
    tl = ts + 1 + np.where(late, rng.integers(20, 200, n), rng.integers(0, 3, n))
    rows = [(0, int(t), int(u), L, 1, 100 + k % 5, 1 + k % 3)
            for k, (t, u) in enumerate(zip(ts, tl))]
    data = MarketData(capture(rows), [Instrument("Z", 0.01)], [Venue("X")]).validate()
    w = Watch()
    hftlab.backtest(data, w, venues=[recorded()], chunk_size=16)
    times = np.array([s[0] for s in w.seen])
    assert len(times) == n
    assert np.array_equal(times, np.sort(np.maximum(tl, ts) * US, kind="stable"))


@pytest.mark.parametrize("feed", ["modelled", "recorded"])
def test_a_subscribed_strategy_wakes_for_every_event_even_when_others_settle_the_host(feed):
    # zero feed latency: every event reaches the host at its exchange time, which is also a
    # state sample's time (every 1 us) or a chunk's last event (chunks of 4); those settle
    # the host's view, and must still wake a subscribed strategy once per event
    n = 40
    rows = [(0, k, k + 1 if feed == "recorded" else 0, T if k % 5 == 2 else L, 1 - 2 * (k % 2),
             100 + 2 * (k % 2), 1 + k % 3) for k in range(n)]
    data = MarketData(capture(rows), [Instrument("Z", 0.01)], [Venue("X")]).validate()
    ven = recorded() if feed == "recorded" else Venue("X", latency=LatencyProfile())
    w = Watch()
    hftlab.backtest(data, w, venues=[ven], sample_ns=US, chunk_size=4)
    lag = 1 if feed == "recorded" else 0
    assert [(s[0] // US, s[2]) for s in w.seen] == [(k + lag, r[3]) for k, r in enumerate(rows)]


def test_the_binance_usdm_capture_is_received_as_it_arrived(shared_data):
    path = shared_data / "hftbacktest_crypto_feed" / "usdm" / "btcusdt_20240808.gz"
    if not path.exists():
        pytest.skip(f"{path} not found")
    full = read_binance(path)
    # the first 40,000 events: 517 of them were received > 1 ms before a row stamped
    # earlier (586 before the 69 rows of the diffs buffered before the REST snapshot took
    # its arrival time, read_binance); the capture's clock runs ~1.2 s behind Binance's, so
    # a row reaches the host at its ts_local but never before its exchange time (arrive)
    ev = full.events[:40_000]
    data = MarketData(ev, full.instruments, full.venues).validate()
    tl = ev["ts_local"]
    assert (np.maximum.accumulate(tl) - tl > 1_000_000).sum() == 517
    arrive = np.where(tl != 0, np.maximum(tl, ev["ts"]), ev["ts"])
    w = Watch()  # the depth book and the bookTicker, each a venue: received as one feed
    # every row wakes the strategy when it arrives, those arriving with the state sample
    # at the first event or at the last event's time (the end of the chunk) included
    hftlab.backtest(data, w, venues=[recorded() for _ in data.venues], sample_ns=10**15)
    times = np.array([s[0] for s in w.seen])
    assert np.array_equal(times, np.sort(arrive, kind="stable"))


class Look(hftlab.Strategy):
    """Notes the host's book 0 at every timer wake-up: (host time, 3 levels a side)."""

    timer_ns = 7 * US

    def __init__(self) -> None:
        self.seen: list[tuple] = []

    def on_timer(self, ctx):
        d = ctx.depth(0, 3)
        self.seen.append((ctx.now, *(tuple(int(x) for x in d[k]) for k in sorted(d))))


def test_a_recorded_feed_delivered_in_batches_shows_what_has_arrived():
    # a strategy that does not wake on market events is handed the host's book in
    # batches; a one-venue feed whose arrivals follow one another is delivered as one run
    # of the chunk (host_nb.arrived), others event by event: both show the same books,
    # here against the same feed beside a second, empty venue (event by event throughout)
    rng = np.random.default_rng(5)
    n = 600
    ts = np.arange(n) * 3
    late = (np.arange(n) % 11 == 4) & (np.arange(n) > n // 2)  # in order, then not
    tl = ts + 2 + np.where(late, rng.integers(10, 60, n), 0)
    rows = [(0, int(t), int(u), L, 1 - 2 * (k % 2), 100 + 5 * (k % 2) + (k // 2) % 3,
             k % 4) for k, (t, u) in enumerate(zip(ts, tl))]
    ev = capture(rows)
    seen = []
    for venues in (["X"], ["X", "Y"]):
        data = MarketData(ev, [Instrument("Z", 0.01)], [Venue(v) for v in venues]).validate()
        look = Look()
        hftlab.backtest(data, look, venues=[recorded() for _ in venues], chunk_size=64)
        seen.append(look.seen)
    assert len(seen[0]) > 200
    assert seen[0] == seen[1]
