"""Unit tests of the matching engine, split by operation, with hand-checked fills.

Book 0 accepts prices 100..149 ticks unless a test says otherwise. Fills are read as
(maker id, taker id, price, qty); events as (kind, side, price, qty, order id).
"""

from __future__ import annotations

import numpy as np
import pytest

from hftlab.core import book_nb
from hftlab.core import matching_nb as mk
from hftlab.core.layout import (ACT_CANCEL, ACT_MODIFY, MATCH_EVENT_DTYPE, MATCH_ORDER_DTYPE,
                                MESSAGE_DTYPE)
from hftlab.engine.matching import MATCH_FILL_DTYPE, RESULT_DTYPE, MatchingEngine, StpMode
from hftlab.schema import Kind, OrderStatus, OrderType, Reason, TimeInForce

BUY, SELL = 1, -1
MKT = OrderType.MARKET
IOC, FOK, POST = TimeInForce.IOC, TimeInForce.FOK, TimeInForce.POST_ONLY


def engine(stp: int = StpMode.CANCEL_NEWEST, **kw) -> MatchingEngine:
    return MatchingEngine([100], 50, stp_mode=stp, **kw)


def fills(r) -> list[tuple[int, int, int, int]]:
    return [(int(f["maker_id"]), int(f["taker_id"]), int(f["price"]), int(f["qty"]))
            for f in r.fills]


def events(r) -> list[tuple[int, int, int, int, int]]:
    return [(int(e["kind"]), int(e["side"]), int(e["price"]), int(e["qty"]),
             int(e["order_id"])) for e in r.events]


def level(e: MatchingEngine, side: int, price: int) -> list[tuple[int, int]]:
    """(id, resting qty) at a price, front of the queue first."""
    return [(m, e.order(m)["qty"]) for m in e.queue(0, side, price)]


# ---- limit ----------------------------------------------------------------------------
def test_limit_orders_rest_and_set_top_of_book():
    e = engine()
    r = e.submit(1, BUY, 120, 5)
    assert (r.order_id, r.status, r.resting) == (1, OrderStatus.ACCEPTED, 5)
    assert events(r) == [(Kind.ADD, BUY, 120, 5, 1)]
    e.submit(2, SELL, 125, 3)
    e.submit(3, BUY, 119, 4)
    e.submit(4, BUY, 120, 2)
    assert (e.best_bid(), e.best_ask()) == (120, 125)
    px, q = e.depth(levels=3)
    assert px.tolist() == [[120, 119, -1], [125, -1, -1]]
    assert q.tolist() == [[7, 4, 0], [3, 0, 0]]
    assert level(e, BUY, 120) == [(1, 5), (4, 2)]


def test_crossing_limit_trades_at_resting_prices_in_price_time_order():
    e = engine()
    e.submit(1, SELL, 121, 2)  # id 1
    e.submit(2, SELL, 120, 3)  # id 2
    e.submit(3, SELL, 120, 4)  # id 3, behind id 2
    r = e.submit(4, BUY, 121, 8)  # id 4
    assert fills(r) == [(2, 4, 120, 3), (3, 4, 120, 4), (1, 4, 121, 1)]
    assert (r.status, r.filled, r.resting) == (OrderStatus.FILLED, 8, 0)
    # one print per fill: the EXECUTE of the resting order (its side; the buyer aggressed)
    assert events(r) == [(Kind.EXECUTE, SELL, 120, 3, 2), (Kind.EXECUTE, SELL, 120, 4, 3),
                         (Kind.EXECUTE, SELL, 121, 1, 1)]
    assert level(e, SELL, 121) == [(1, 1)]
    assert e.best_ask() == 121 and e.best_bid() is None
    assert r.fills["maker_side"].tolist() == [SELL] * 3
    assert r.fills["maker_owner"].tolist() == [2, 3, 1]
    assert r.fills["taker_owner"].tolist() == [4] * 3


def test_limit_stops_at_its_price_and_rests_the_rest():
    e = engine()
    e.submit(1, BUY, 110, 2)
    e.submit(1, BUY, 108, 5)
    r = e.submit(2, SELL, 109, 6)
    assert fills(r) == [(1, 3, 110, 2)]
    assert (r.status, r.filled, r.resting) == (OrderStatus.PARTIALLY_FILLED, 2, 4)
    assert (e.best_bid(), e.best_ask()) == (108, 109)
    assert events(r)[-1] == (Kind.ADD, SELL, 109, 4, 3)


@pytest.mark.parametrize("price, qty, reason", [
    (120, 0, Reason.BAD_QTY), (120, -3, Reason.BAD_QTY), (0, 5, Reason.BAD_PRICE),
    (-1, 5, Reason.BAD_PRICE), (99, 5, Reason.OUT_OF_BOOK_RANGE),
    (150, 5, Reason.OUT_OF_BOOK_RANGE)])
def test_invalid_limit_orders_are_rejected_not_clipped(price, qty, reason):
    e = engine()
    e.submit(1, SELL, 149, 5)
    r = e.submit(2, BUY, price, qty)
    assert (r.status, r.reason, r.order_id) == (OrderStatus.REJECTED, reason, 2)
    assert r.fills.size == 0 and r.events.size == 0
    assert e.best_bid() is None and level(e, SELL, 149) == [(1, 5)]
    assert e.submit(3, BUY, 101, 1).order_id == 3  # ids stay sequential


def test_books_are_independent():
    e = MatchingEngine([100, 1000], 20)
    e.submit(1, SELL, 105, 5, book=0)
    r = e.submit(2, BUY, 1010, 5, book=1)
    assert r.status == OrderStatus.ACCEPTED and r.fills.size == 0
    assert (e.best_ask(0), e.best_bid(1), e.best_bid(0), e.best_ask(1)) == (105, 1010, None,
                                                                             None)
    assert e.submit(2, BUY, 105, 5, book=1).reason == Reason.OUT_OF_BOOK_RANGE


# ---- market -----------------------------------------------------------------------------
def test_market_order_sweeps_levels_and_expires_the_rest():
    e = engine()
    e.submit(1, SELL, 101, 2)
    e.submit(1, SELL, 103, 3)
    r = e.submit(2, BUY, 0, 10, MKT)
    assert fills(r) == [(1, 3, 101, 2), (2, 3, 103, 3)]
    assert (r.status, r.reason, r.filled, r.removed) == (OrderStatus.EXPIRED, Reason.NONE, 5,
                                                         5)
    assert e.best_ask() is None and e.best_bid() is None


def test_market_order_fully_filled_and_market_on_empty_book():
    e = engine()
    e.submit(1, BUY, 130, 4)
    r = e.submit(2, SELL, 0, 3, MKT)
    assert (r.status, fills(r)) == (OrderStatus.FILLED, [(1, 2, 130, 3)])
    assert level(e, BUY, 130) == [(1, 1)]
    r = e.submit(2, BUY, 0, 3, MKT)
    assert (r.status, r.reason, r.removed) == (OrderStatus.EXPIRED, Reason.NO_LIQUIDITY, 3)


def test_market_post_only_is_rejected_and_market_never_rests():
    e = engine()
    assert e.submit(1, BUY, 0, 1, MKT, POST).reason == Reason.POST_ONLY_WOULD_CROSS
    e.submit(1, SELL, 110, 1)
    r = e.submit(2, BUY, 0, 5, MKT, TimeInForce.GTC)
    assert (r.status, r.filled, r.resting, r.removed) == (OrderStatus.EXPIRED, 1, 0, 4)
    assert e.best_bid() is None


# ---- cancel -----------------------------------------------------------------------------
def test_cancel_removes_the_order_and_moves_the_top():
    e = engine()
    e.submit(1, BUY, 120, 5)
    e.submit(1, BUY, 118, 2)
    r = e.cancel(1, ts=77)
    assert (r.status, r.removed) == (OrderStatus.CANCELLED, 5)
    assert events(r) == [(Kind.DELETE, BUY, 120, 5, 1)]
    assert int(r.events["ts"][0]) == 77
    assert e.best_bid() == 118
    assert e.cancel(1).reason == Reason.UNKNOWN_ORDER  # already closed


@pytest.mark.parametrize("oid", [0, -1, 3, 999])
def test_cancel_of_unknown_ids(oid):
    e = engine()
    e.submit(1, BUY, 120, 5)
    e.submit(1, SELL, 121, 5)
    r = e.cancel(oid)
    assert (r.status, r.reason, r.events.size) == (OrderStatus.REJECTED, Reason.UNKNOWN_ORDER,
                                                   0)


def test_cancel_in_the_middle_of_a_queue_keeps_the_others_in_order():
    e = engine()
    for _ in range(3):
        e.submit(1, SELL, 130, 1)
    e.cancel(2)
    assert level(e, SELL, 130) == [(1, 1), (3, 1)]
    r = e.submit(2, BUY, 130, 2)
    assert fills(r) == [(1, 4, 130, 1), (3, 4, 130, 1)]


def test_cancel_of_a_filled_order_is_unknown():
    e = engine()
    e.submit(1, SELL, 130, 1)
    e.submit(2, BUY, 130, 1)
    assert e.cancel(1).reason == Reason.UNKNOWN_ORDER
    assert e.cancel(2).reason == Reason.UNKNOWN_ORDER


# ---- modify -----------------------------------------------------------------------------
def test_size_decrease_keeps_priority():
    e = engine()
    e.submit(1, BUY, 120, 5)
    e.submit(2, BUY, 120, 5)
    r = e.modify(1, qty=2)
    assert (r.status, r.resting, r.removed) == (OrderStatus.ACCEPTED, 2, 3)
    assert events(r) == [(Kind.CANCEL, BUY, 120, 3, 1)]
    assert level(e, BUY, 120) == [(1, 2), (2, 5)]
    assert fills(e.submit(3, SELL, 120, 3)) == [(1, 3, 120, 2), (2, 3, 120, 1)]


def test_size_increase_loses_priority():
    e = engine()
    e.submit(1, BUY, 120, 5)
    e.submit(2, BUY, 120, 5)
    r = e.modify(1, qty=6)
    assert (r.status, r.resting, r.removed) == (OrderStatus.ACCEPTED, 6, 0)
    assert events(r) == [(Kind.DELETE, BUY, 120, 5, 1), (Kind.ADD, BUY, 120, 6, 1)]
    assert level(e, BUY, 120) == [(2, 5), (1, 6)]


def test_price_change_goes_to_the_back_of_the_new_level():
    e = engine()
    e.submit(1, SELL, 130, 5)
    e.submit(2, SELL, 131, 5)
    r = e.modify(1, price=131)
    assert events(r) == [(Kind.DELETE, SELL, 130, 5, 1), (Kind.ADD, SELL, 131, 5, 1)]
    assert level(e, SELL, 131) == [(2, 5), (1, 5)]
    assert e.best_ask() == 131


def test_price_change_that_crosses_trades_then_rests():
    e = engine()
    e.submit(1, SELL, 130, 2)
    e.submit(2, BUY, 125, 5)
    r = e.modify(2, price=130, qty=4)
    assert fills(r) == [(1, 2, 130, 2)]
    assert (r.status, r.filled, r.resting, r.removed) == (OrderStatus.PARTIALLY_FILLED, 2,
                                                          2, 1)
    assert events(r) == [(Kind.DELETE, BUY, 125, 5, 2), (Kind.EXECUTE, SELL, 130, 2, 1),
                         (Kind.ADD, BUY, 130, 2, 2)]
    assert (e.best_bid(), e.best_ask()) == (130, None)


def test_modify_rejects_leave_the_order_unchanged():
    e = engine()
    e.submit(1, BUY, 120, 5)
    for kw, reason in [({"qty": 0}, Reason.BAD_QTY), ({"price": 0}, Reason.BAD_PRICE),
                       ({"price": 150}, Reason.OUT_OF_BOOK_RANGE)]:
        r = e.modify(1, **kw)
        assert (r.status, r.reason, r.events.size) == (OrderStatus.REJECTED, reason, 0)
    assert e.modify(9, qty=1).reason == Reason.UNKNOWN_ORDER
    assert level(e, BUY, 120) == [(1, 5)]
    r = e.modify(1)  # nothing to change
    assert (r.status, r.events.size, r.resting) == (OrderStatus.ACCEPTED, 0, 5)


def test_post_only_order_cannot_be_moved_across_the_spread():
    e = engine()
    e.submit(1, SELL, 130, 2)
    e.submit(2, BUY, 125, 5, tif=POST)
    r = e.modify(2, price=130)
    assert (r.status, r.reason) == (OrderStatus.REJECTED, Reason.POST_ONLY_WOULD_CROSS)
    assert level(e, BUY, 125) == [(2, 5)]
    assert e.modify(2, price=129).status == OrderStatus.ACCEPTED
    assert e.modify(2, price=130).reason == Reason.POST_ONLY_WOULD_CROSS


# ---- replace ----------------------------------------------------------------------------
def test_replace_cancels_and_sends_a_new_order_with_a_new_id():
    e = engine()
    e.submit(7, BUY, 120, 5)
    e.submit(8, BUY, 120, 1)
    r = e.replace(1, 120, 3)
    assert (r.cancelled.status, r.cancelled.removed) == (OrderStatus.CANCELLED, 5)
    assert (r.new.order_id, r.new.status) == (3, OrderStatus.ACCEPTED)
    assert level(e, BUY, 120) == [(2, 1), (3, 3)]
    assert e.order(3)["owner"] == 7 and e.order(3)["side"] == BUY


def test_replace_of_unknown_order_sends_nothing():
    e = engine()
    r = e.replace(5, 120, 3)
    assert r.cancelled.reason == Reason.UNKNOWN_ORDER and r.new is None
    assert e.best_bid() is None and int(e.ctr[0]) == 1


def test_replace_can_cross_and_trade():
    e = engine()
    e.submit(1, SELL, 130, 2)
    e.submit(2, BUY, 125, 5)
    r = e.replace(2, 131, 3, tif=IOC)
    assert fills(r.new) == [(1, 3, 130, 2)]
    assert (r.new.status, r.new.removed) == (OrderStatus.EXPIRED, 1)
    assert e.best_bid() is None


# ---- IOC --------------------------------------------------------------------------------
def test_ioc_fills_what_it_can_and_never_rests():
    e = engine()
    e.submit(1, SELL, 130, 2)
    e.submit(1, SELL, 132, 2)
    r = e.submit(2, BUY, 131, 5, tif=IOC)
    assert fills(r) == [(1, 3, 130, 2)]
    assert (r.status, r.reason, r.removed, r.resting) == (OrderStatus.EXPIRED, Reason.NONE,
                                                          3, 0)
    assert e.best_bid() is None and events(r)[-1][0] == Kind.EXECUTE
    r = e.submit(2, BUY, 131, 5, tif=IOC)
    assert (r.status, r.reason) == (OrderStatus.EXPIRED, Reason.NO_LIQUIDITY)


# ---- FOK --------------------------------------------------------------------------------
def test_fok_fills_completely_across_levels():
    e = engine()
    e.submit(1, SELL, 130, 2)
    e.submit(1, SELL, 131, 3)
    r = e.submit(2, BUY, 131, 5, tif=FOK)
    assert r.status == OrderStatus.FILLED
    assert fills(r) == [(1, 3, 130, 2), (2, 3, 131, 3)]


def test_fok_not_fillable_trades_nothing():
    e = engine()
    e.submit(1, SELL, 130, 2)
    e.submit(1, SELL, 132, 3)
    r = e.submit(2, BUY, 131, 3, tif=FOK)
    assert (r.status, r.reason) == (OrderStatus.REJECTED, Reason.FOK_NOT_FILLABLE)
    assert r.fills.size == 0 and r.events.size == 0
    assert level(e, SELL, 130) == [(1, 2)]
    assert e.submit(2, BUY, 0, 6, MKT, FOK).reason == Reason.FOK_NOT_FILLABLE
    assert e.submit(2, BUY, 0, 5, MKT, FOK).status == OrderStatus.FILLED


def test_fok_counts_self_trade_prevention():
    # owner 5 rests 2 lots ahead of 10 lots from owner 6
    for stp, fillable in [(StpMode.CANCEL_NEWEST, False), (StpMode.CANCEL_BOTH, False),
                          (StpMode.CANCEL_OLDEST, True)]:
        e = engine(stp)
        e.submit(5, SELL, 130, 2)
        e.submit(6, SELL, 130, 10)
        r = e.submit(5, BUY, 130, 4, tif=FOK)
        if fillable:
            assert r.status == OrderStatus.FILLED and fills(r) == [(2, 3, 130, 4)]
            assert events(r)[0] == (Kind.DELETE, SELL, 130, 2, 1)
        else:
            assert r.reason == Reason.FOK_NOT_FILLABLE and r.events.size == 0
            assert level(e, SELL, 130) == [(1, 2), (2, 10)]


# ---- post-only --------------------------------------------------------------------------
def test_post_only_rests_when_passive_and_is_rejected_when_it_would_cross():
    e = engine()
    e.submit(1, SELL, 130, 2)
    r = e.submit(2, BUY, 129, 3, tif=POST)
    assert (r.status, r.resting) == (OrderStatus.ACCEPTED, 3)
    r = e.submit(2, BUY, 130, 3, tif=POST)  # equal price would take
    assert (r.status, r.reason) == (OrderStatus.REJECTED, Reason.POST_ONLY_WOULD_CROSS)
    r = e.submit(2, SELL, 129, 1, tif=POST)
    assert r.reason == Reason.POST_ONLY_WOULD_CROSS
    assert level(e, SELL, 130) == [(1, 2)] and level(e, BUY, 129) == [(2, 3)]


# ---- partial fills ----------------------------------------------------------------------
def test_partially_filled_maker_keeps_its_place():
    e = engine()
    e.submit(1, BUY, 120, 10)
    e.submit(2, BUY, 120, 10)
    r = e.submit(3, SELL, 120, 4)
    assert fills(r) == [(1, 3, 120, 4)]
    assert events(r)[0] == (Kind.EXECUTE, BUY, 120, 4, 1)
    assert level(e, BUY, 120) == [(1, 6), (2, 10)]
    assert fills(e.submit(3, SELL, 120, 8)) == [(1, 4, 120, 6), (2, 4, 120, 2)]
    assert e.depth(levels=1)[1][0, 0] == 8


def test_partially_filled_taker_rests_and_is_later_hit():
    e = engine()
    e.submit(1, SELL, 120, 3)
    r = e.submit(2, BUY, 121, 5)
    assert (r.status, r.filled, r.resting) == (OrderStatus.PARTIALLY_FILLED, 3, 2)
    assert (e.best_bid(), e.best_ask()) == (121, None)
    assert fills(e.submit(3, SELL, 100, 9, tif=IOC)) == [(2, 3, 121, 2)]


# ---- self-trade prevention --------------------------------------------------------------
def stp_book(stp: int) -> MatchingEngine:
    e = engine(stp)
    e.submit(8, SELL, 130, 2)  # id 1, someone else
    e.submit(5, SELL, 130, 3)  # id 2, ours
    e.submit(9, SELL, 131, 4)  # id 3, someone else
    return e


def test_stp_cancel_newest_cancels_the_incoming_remainder():
    e = stp_book(StpMode.CANCEL_NEWEST)
    r = e.submit(5, BUY, 131, 6)
    assert fills(r) == [(1, 4, 130, 2)]
    assert (r.status, r.reason, r.filled, r.removed) == (OrderStatus.CANCELLED,
                                                         Reason.SELF_TRADE, 2, 4)
    assert level(e, SELL, 130) == [(2, 3)] and e.best_bid() is None


def test_stp_cancel_oldest_deletes_the_resting_order_and_continues():
    e = stp_book(StpMode.CANCEL_OLDEST)
    r = e.submit(5, BUY, 131, 6)
    assert fills(r) == [(1, 4, 130, 2), (3, 4, 131, 4)]
    assert (Kind.DELETE, SELL, 130, 3, 2) in events(r)
    assert (r.status, r.reason) == (OrderStatus.FILLED, Reason.NONE)
    assert e.order(2)["state"] == mk.CLOSED and e.best_ask() is None


def test_stp_cancel_both():
    e = stp_book(StpMode.CANCEL_BOTH)
    r = e.submit(5, BUY, 131, 6)
    assert fills(r) == [(1, 4, 130, 2)]
    assert events(r)[-1] == (Kind.DELETE, SELL, 130, 3, 2)
    assert (r.status, r.reason, r.removed) == (OrderStatus.CANCELLED, Reason.SELF_TRADE, 4)
    assert e.best_ask() == 131 and e.best_bid() is None


def test_owner_zero_is_never_self_trade_prevented():
    e = engine(StpMode.CANCEL_BOTH)
    e.submit(0, SELL, 130, 2)
    r = e.submit(0, BUY, 130, 2)
    assert (r.status, fills(r)) == (OrderStatus.FILLED, [(1, 2, 130, 2)])


def test_stp_applies_to_a_crossing_modify():
    e = engine()
    e.submit(5, SELL, 130, 2)
    e.submit(5, BUY, 120, 2)
    r = e.modify(2, price=130)
    assert (r.status, r.reason, r.removed) == (OrderStatus.CANCELLED, Reason.SELF_TRADE, 2)
    assert e.order(2)["state"] == mk.CLOSED and e.best_bid() is None


# ---- events, growth, batch --------------------------------------------------------------
def test_events_rebuild_the_engine_ladder():
    e = MatchingEngine([100, 200], 30, capacity=2, buffer_rows=1)
    rng = np.random.default_rng(3)
    all_events = []
    for _ in range(400):
        b = int(rng.integers(0, 2))
        side = int(rng.choice([BUY, SELL]))
        u = rng.random()
        if u < 0.7:
            px = int(e.base[b]) + 15 + int(rng.integers(-6, 6)) - side
            r = e.submit(int(rng.integers(0, 4)), side, px, int(rng.integers(1, 9)),
                         book=b, tif=int(rng.integers(0, 4)))
        elif u < 0.85:
            r = e.cancel(int(rng.integers(1, e.ctr[0])))
        else:
            r = e.modify(int(rng.integers(1, e.ctr[0])), qty=int(rng.integers(1, 9)))
        all_events.append(r.events)
    ev = np.concatenate(all_events)
    assert set(np.unique(ev["kind"])) == {Kind.ADD, Kind.EXECUTE, Kind.DELETE, Kind.CANCEL}
    qty, top = book_nb.new_books(2, 30)
    omap = book_nb.new_order_map()
    for k, x in enumerate(ev):
        err = book_nb.apply_event(qty, top, e.base, omap, int(x["instrument"]), int(x["kind"]),
                                  int(x["side"]), int(x["price"]), int(x["qty"]),
                                  int(x["order_id"]), k)[0]
        assert err == 0
    assert np.array_equal(qty, e.qty) and np.array_equal(top, e.top)
    assert len(omap) == int(e.n_resting.sum())


def test_pool_and_buffers_grow_on_demand():
    e = engine(capacity=2, buffer_rows=1)
    for k in range(40):
        e.submit(0, SELL, 110 + k % 5, 1)
    assert e.orders.shape[0] >= 41
    r = e.submit(0, BUY, 0, 100, MKT)
    assert (r.filled, len(r.fills), len(r.events)) == (40, 40, 40)
    assert r.fills["price"].tolist() == sorted(r.fills["price"].tolist())


def test_kernel_asks_for_room_instead_of_overflowing():
    e = engine()
    e.submit(0, SELL, 110, 1)
    e.submit(0, SELL, 111, 1)
    f = np.zeros(1, dtype=MATCH_FILL_DTYPE)
    ev = np.zeros(10, dtype=MATCH_EVENT_DTYPE)
    r = mk.submit(e.orders, e.head, e.tail, e.qty, e.top, e.base, e.n_resting, e.ctr, 0, 0,
                  BUY, 111, 2, 0, 0, 0, 0, f, 0, ev, 0)
    assert r[0] == mk.RETRY_BUFFER and int(e.ctr[0]) == 3 and e.best_ask() == 110
    small = np.zeros(3, dtype=MATCH_ORDER_DTYPE)
    small[:3] = e.orders[:3]
    r = mk.submit(small, e.head, e.tail, e.qty, e.top, e.base, e.n_resting, e.ctr, 0, 0,
                  BUY, 111, 2, 0, 0, 0, 0, e.fills, 0, e.events, 0)
    assert (r[0], r[1]) == (mk.RETRY_CAPACITY, Reason.TOO_MANY_ORDERS)


def test_batch_process_runs_submit_cancel_modify():
    e = engine(capacity=2, buffer_rows=1)
    msgs = np.zeros(5, dtype=MESSAGE_DTYPE)
    msgs["side"] = SELL
    msgs[["price", "qty", "owner"]][0] = (130, 5, 1)
    msgs[["price", "qty", "owner"]][1] = (131, 5, 1)
    msgs[["action", "order_id", "price", "qty"]][2] = (ACT_MODIFY, 1, mk.KEEP, 2)
    msgs[["action", "order_id"]][3] = (ACT_CANCEL, 2)
    msgs[["side", "price", "qty", "owner", "ts"]][4] = (BUY, 140, 3, 2, 9)
    out = e.process(msgs)
    assert out.results["status"].tolist() == [1, 1, 1, 4, 2]
    assert out.results["order_id"].tolist() == [1, 2, 1, 2, 3]
    assert out.fills[["maker_id", "taker_id", "price", "qty", "ts"]].tolist() == [
        (1, 3, 130, 2, 9)]
    assert (e.best_bid(), e.best_ask()) == (140, None)


def test_face_validates_enumerations_and_books():
    e = engine()
    with pytest.raises(ValueError, match="side"):
        e.submit(1, 0, 120, 1)
    with pytest.raises(ValueError, match="tif"):
        e.submit(1, BUY, 120, 1, tif=9)
    with pytest.raises(ValueError, match="book"):
        e.submit(1, BUY, 120, 1, book=1)
    bad = np.zeros(1, dtype=MESSAGE_DTYPE)
    with pytest.raises(ValueError, match="message 0: side"):
        e.process(bad)
    with pytest.raises(ValueError, match="MESSAGE_DTYPE"):
        e.process(np.zeros((1, len(MESSAGE_DTYPE.names)), dtype=np.int64))
    with pytest.raises(ValueError, match="stp_mode"):
        MatchingEngine([100], 10, stp_mode=7)
    with pytest.raises(ValueError, match="one entry per book"):
        MatchingEngine([100, 200], 10, venues=[1])


def test_face_returns_the_kernels_records():
    """The kernels write MATCH_FILL_DTYPE / RESULT_DTYPE records; the face hands them out
    as they are (aligned structs, as core/layout.py declares them)."""
    e = engine()
    e.submit(1, SELL, 120, 5)
    r = e.submit(2, BUY, 120, 2)
    assert r.fills.dtype == MATCH_FILL_DTYPE and MATCH_FILL_DTYPE.isalignedstruct
    msgs = np.zeros(1, dtype=MESSAGE_DTYPE)
    msgs[0]["side"], msgs[0]["price"], msgs[0]["qty"] = BUY, 120, 1
    assert e.process(msgs).results.dtype == RESULT_DTYPE


def test_events_carry_each_books_venue_and_instrument():
    e = MatchingEngine([100, 200], 10, venues=[3, 4], instruments=[7, 8])
    e.submit(1, SELL, 205, 2, book=1, ts=11)
    r = e.submit(2, BUY, 205, 1, book=1, ts=12)
    assert r.events[["ts", "venue", "instrument", "kind"]].tolist() == [
        (12, 4, 8, Kind.EXECUTE)]
    assert r.fills["book"].tolist() == [1]
    assert e.submit(1, BUY, 101, 1, book=0).events["venue"].tolist() == [3]
