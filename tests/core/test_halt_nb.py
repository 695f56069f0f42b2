"""The venue's trading halt (core/halt_nb) as the simulated venue applies it
(simulator_nb.execute / venue_timer): nothing matches while halted, the reopening
auction uncrosses at the volume-maximising price, LULD keeps prints inside the band and
stop logic pauses instead of trading through it."""

from __future__ import annotations

import numpy as np
import pytest

from hftlab.core import book_nb
from hftlab.core import halt_nb as hn
from hftlab.core import matching_nb as mk
from hftlab.core.layout import (ACT_CANCEL, ACT_MODIFY, ACT_SUBMIT, MATCH_EVENT_DTYPE,
                                MATCH_FILL_DTYPE, MATCH_ORDER_DTYPE, MESSAGE_DTYPE)
from hftlab.schema import Kind, OrderStatus, OrderType, Reason, TimeInForce
from hftlab.sim import layout as L
from hftlab.sim import simulator_nb

SEC = 1_000_000_000
BASE, WIDTH = 900, 200  # one book of prices 900 .. 1099 ticks


class OneBook:
    """One simulated book with no agents, driven command by command (by default under a
    LULD band too wide to bind, so prints set the reference)."""

    def __init__(self, rule: int = hn.RULE_LULD, band: float = 0.5, limit_s: float = 2.0,
                 pause_s: float = 10.0) -> None:
        self.ap = np.zeros(0, L.AGENT_PARAMS_DTYPE)
        self.ast = np.zeros(0, L.AGENT_STATE_DTYPE)
        self.asf = np.zeros(0, L.AGENT_FLOATS_DTYPE)
        self.own, self.wake = np.zeros(1, np.int64), np.zeros(0, np.int64)
        self.subs, self.nsubs = np.zeros((1, 1), np.int64), np.zeros(1, np.int64)
        self.orders = np.zeros(256, MATCH_ORDER_DTYPE)
        self.head = np.full((1, 2, WIDTH), mk.NIL, np.int64)
        self.tail = np.full((1, 2, WIDTH), mk.NIL, np.int64)
        self.qty, self.top = book_nb.new_books(1, WIDTH)
        self.base = np.array([BASE], np.int64)
        self.n_resting = np.zeros((1, 2), np.int64)
        self.ctr = np.ones(1, np.int64)
        self.fills = np.zeros(64, MATCH_FILL_DTYPE)
        self.events = np.zeros(256, MATCH_EVENT_DTYPE)
        self.mkt = np.zeros(1, L.MARKET_STATS_DTYPE)
        self.halt = hn.new_halt(1, rule, round(band * hn.PPM), 60 * SEC, round(limit_s * SEC),
                                round(pause_s * SEC))
        self.out = np.zeros(4096, MATCH_EVENT_DTYPE)
        self.out_rec = np.zeros(4096, np.int64)
        self.ne = 0

    def send(self, ts: int, side: int, price: int, qty: int, otype: int = OrderType.LIMIT,
             tif: int = TimeInForce.GTC, act: int = ACT_SUBMIT, order: int = 0,
             owner: int = 0) -> tuple[int, int, int, np.ndarray]:
        """(status, reason, order id, fills) of one command."""
        row = np.zeros(1, MESSAGE_DTYPE)[0]
        for name, v in (("action", act), ("ts", ts), ("owner", owner), ("side", side),
                        ("price", price), ("qty", qty), ("order_type", otype), ("tif", tif),
                        ("order_id", order)):
            row[name] = v
        st, reason, oid, nf, ne = simulator_nb.execute(
            row, -1, self.ap, self.ast, self.asf, self.own, self.wake, self.subs, self.nsubs,
            self.orders, self.head, self.tail, self.qty, self.top, self.base, self.n_resting,
            self.ctr, mk.STP_CANCEL_NEWEST, self.fills, self.events, self.mkt, self.halt,
            self.out, self.out_rec, self.ne, 1)
        self.ne = ne
        return int(st), int(reason), int(oid), self.fills[:nf].copy()

    def timer(self) -> np.ndarray:
        """Run the halt decision that falls due next; returns its fills."""
        t, b = hn.next_due(self.halt)
        assert b == 0
        code, nf, ne = simulator_nb.venue_timer(
            b, t, self.ap, self.ast, self.asf, self.wake, self.subs, self.nsubs, self.orders,
            self.head, self.tail, self.qty, self.top, self.base, self.n_resting, self.fills,
            self.events, self.mkt, self.halt, self.out, self.out_rec, self.ne, 1)
        assert code == 0
        self.ne = ne
        return self.fills[:nf].copy()

    def market_events(self) -> np.ndarray:
        return self.out[:self.ne]

    def best(self) -> tuple[int | None, int | None]:
        b, a = self.top[0, 0], self.top[0, 1]
        return (BASE + b if b >= 0 else None), (BASE + a if a < WIDTH else None)

    @property
    def trading(self) -> bool:
        return bool(self.halt["status"][0])


def _volume_maximising(bids: list[tuple[int, int]], asks: list[tuple[int, int]]) -> set[int]:
    """Every price with the largest executable volume and, among them, the least surplus
    (a brute force over the crossed range)."""
    lo, hi = min(p for p, _ in asks), max(p for p, _ in bids)
    score = {}
    for p in range(lo, hi + 1):
        d = sum(q for px, q in bids if px >= p)
        s = sum(q for px, q in asks if px <= p)
        score[p] = (min(d, s), -abs(d - s))
    best = max(score.values())
    return {p for p, v in score.items() if v == best}


def _halt_now(v: OneBook, ts: int) -> None:
    """Pause the book at ts by hand (as a limit state running out would)."""
    v.halt["limit_since"][0] = ts - v.halt["limit"][0]
    assert v.halt["limit_since"][0] > 0
    v.timer()
    assert not v.trading


@pytest.mark.parametrize("bids, asks", [
    ([(1002, 10), (1001, 10), (1000, 20)], [(999, 15), (1000, 10), (1001, 10)]),
    ([(1005, 30), (1003, 5)], [(1000, 10), (1001, 10), (1004, 40)]),
    ([(1010, 7), (1006, 3), (1002, 12)], [(998, 4), (1001, 9), (1003, 6), (1009, 20)]),
])
def test_the_reopening_auction_uncrosses_at_the_volume_maximising_price(bids, asks):
    v = OneBook()
    v.send(SEC, 1, 950, 1)  # resting far from the cross: untouched by the auction
    _halt_now(v, 5 * SEC)
    for k, (p, q) in enumerate(bids):
        st, *_ = v.send(6 * SEC + k, 1, p, q)
        assert st == OrderStatus.ACCEPTED
    for k, (p, q) in enumerate(asks):
        st, _, _, fills = v.send(7 * SEC + k, -1, p, q)
        assert st == OrderStatus.ACCEPTED and len(fills) == 0  # halted: nothing matches
    assert v.best()[0] > v.best()[1]  # the book is crossed while halted
    ev = v.market_events()
    assert not np.isin(ev["kind"], (Kind.EXECUTE, Kind.TRADE)).any()
    fills = v.timer()
    assert v.trading
    prices = set(fills["price"].tolist())
    assert len(prices) == 1 and prices <= _volume_maximising(bids, asks)
    px = prices.pop()
    volume = min(sum(q for p, q in bids if p >= px), sum(q for p, q in asks if p <= px))
    assert fills["qty"].sum() == volume
    b, a = v.best()
    assert b is not None and a is not None and b < a  # not crossed after the reopening
    ev = v.market_events()
    status = ev[ev["kind"] == Kind.STATUS]
    assert status["qty"].tolist() == [0, 1]
    executes = ev[ev["kind"] == Kind.EXECUTE]
    assert executes["qty"].sum() == 2 * volume  # one EXECUTE per order, both sides
    cross = ev[ev["kind"] == Kind.TRADE]  # and one print of the cross
    assert cross[["side", "price", "qty"]].tolist() == [(0, px, volume)]
    # the book the events rebuild is the engine's (the replay sees the same market)
    qty, top = book_nb.new_books(1, WIDTH)
    omap = book_nb.new_order_map()
    for e in ev:
        book_nb.apply_event(qty, top, v.base, omap, 0, e["kind"], e["side"],
                            e["price"], e["qty"], e["order_id"], 0)
    assert np.array_equal(qty, v.qty)


def test_auction_ties_go_to_market_pressure_then_the_last_print():
    # volume 10 and surplus 0 at 1001 .. 1003 on both sides: no pressure, nearest 1002
    v = OneBook()
    v.send(SEC, -1, 1002, 1)
    v.send(SEC, 1, 1002, 1)  # a print at 1002
    _halt_now(v, 5 * SEC)
    v.send(6 * SEC, 1, 1003, 10)
    v.send(6 * SEC, -1, 1001, 10)
    assert set(v.timer()["price"].tolist()) == {1002}
    # a buy surplus at every price of the tie: the highest
    v = OneBook()
    _halt_now(v, 5 * SEC)
    v.send(6 * SEC, 1, 1003, 30)
    v.send(6 * SEC, -1, 1001, 10)
    assert set(v.timer()["price"].tolist()) == {1003}


def test_while_halted_only_resting_limit_orders_and_cancels_are_accepted():
    v = OneBook()
    st, _, rest, _ = v.send(SEC, -1, 1001, 10)
    _halt_now(v, 5 * SEC)
    for otype, tif in ((OrderType.MARKET, TimeInForce.IOC), (OrderType.LIMIT, TimeInForce.IOC),
                       (OrderType.LIMIT, TimeInForce.FOK)):
        st, reason, _, fills = v.send(6 * SEC, 1, 1001, 5, otype, tif)
        assert (st, reason, len(fills)) == (OrderStatus.REJECTED, Reason.HALTED, 0)
    st, reason, _, _ = v.send(6 * SEC, 1, 1001, 5, tif=TimeInForce.POST_ONLY)
    assert (st, reason) == (OrderStatus.REJECTED, Reason.POST_ONLY_WOULD_CROSS)
    st, _, bid, fills = v.send(6 * SEC, 1, 1005, 4)  # crosses, rests unmatched
    assert st == OrderStatus.ACCEPTED and len(fills) == 0
    st, _, _, fills = v.send(6 * SEC, 1, 1006, mk.KEEP, act=ACT_MODIFY, order=bid)
    assert st == OrderStatus.ACCEPTED and len(fills) == 0
    assert v.orders["price"][bid] == 1006
    st, *_ = v.send(6 * SEC, 0, 0, 0, act=ACT_CANCEL, order=rest)
    assert st == OrderStatus.CANCELLED
    assert len(v.timer()) == 0  # nothing left to cross: the book reopens without trades
    assert v.trading and v.best() == (1006, None)


def test_luld_keeps_prints_inside_the_band_and_pauses_a_book_stuck_through_it():
    v = OneBook(hn.RULE_LULD, band=0.01, limit_s=2.0, pause_s=10.0)
    v.send(SEC, -1, 1000, 1)
    v.send(SEC, 1, 1000, 1)  # the reference: 1000, band 990 .. 1010
    for p in range(995, 1020, 5):
        v.send(SEC + 1, -1, p, 10)
    _, _, _, fills = v.send(SEC + 2, 1, 1005, 30, OrderType.LIMIT, TimeInForce.IOC)
    assert fills["qty"].sum() == 30 and v.best()[1] == 1010  # 1000 .. 1010 left
    st, _, oid, fills = v.send(SEC + 3, 1, 0, 100, OrderType.MARKET, TimeInForce.IOC)
    assert fills["price"].max() == 1010  # the market buy stopped at the upper limit
    assert fills["qty"].sum() == 10 and v.best() == (1010, 1015)
    assert v.orders["qty"][oid] == 90  # its remainder rests at the limit
    assert v.halt["limit_since"][0] == SEC + 3  # the best ask is through the band
    st, _, oid, fills = v.send(SEC + 4, 1, 1019, 5)  # repriced to the limit, rests there
    assert v.orders["price"][oid] == 1010 and len(fills) == 0
    assert hn.next_due(v.halt)[0] == SEC + 3 + 2 * SEC
    v.timer()
    assert not v.trading and v.halt["until"][0] == 3 * SEC + 3 + 10 * SEC
    ev = v.market_events()
    prints = ev[ev["kind"] == Kind.EXECUTE]
    assert (np.abs(prints["price"] - 1000) <= 10).all()


def test_stop_logic_pauses_instead_of_trading_beyond_the_band():
    v = OneBook(hn.RULE_STOP, band=0.01, pause_s=5.0)
    v.send(SEC, -1, 1000, 1)
    v.send(SEC, 1, 1000, 1)
    for p in (1005, 1008, 1015):
        v.send(SEC + 1, -1, p, 10)
    st, _, _, fills = v.send(SEC + 2, 1, 1009, 20)  # within the band: trades
    assert fills["qty"].sum() == 20 and v.trading
    # a market buy of 15 would reach 1015
    st, reason, _, fills = v.send(SEC + 3, 1, 0, 15, OrderType.MARKET, TimeInForce.IOC)
    assert (st, reason, len(fills)) == (OrderStatus.REJECTED, Reason.HALTED, 0)
    assert not v.trading and v.halt["until"][0] == SEC + 3 + 5 * SEC
    v2 = OneBook(hn.RULE_STOP, band=0.01, pause_s=5.0)
    v2.send(SEC, -1, 1000, 1)
    v2.send(SEC, 1, 1000, 1)
    v2.send(SEC + 1, -1, 1015, 10)
    st, _, oid, fills = v2.send(SEC + 2, 1, 1020, 10)  # a GTC limit: held, not executed
    assert st == OrderStatus.ACCEPTED and len(fills) == 0 and not v2.trading
    fills = v2.timer()  # the auction crosses it at 1015 .. 1020
    assert fills["qty"].sum() == 10 and v2.trading
