"""Our orders in replay, one operation per test, on a hand-made L2 book (prices in ticks).

Book at t=0: bid 100 x 5, 99 x 5; ask 101 x 5, 102 x 5. Latency 0 unless stated.
"""

import numpy as np

from hftlab.schema import OrderStatus, Reason
from tests.engine.conftest import L, T, book_rows, run, venue

END = [(50, L, 1, 98, 1)]  # a late event so the run lasts 50 us


def first(ctx):
    return ctx.open_orders()[0].order_id


def submits(rec):
    return rec.orders[rec.orders["action"] == 0].reset_index(drop=True)


def test_passive_limit_waits_for_its_queue_then_fills_partially():
    rows = book_rows() + [(5, T, -1, 100, 3), (6, L, 1, 100, 2),  # 3 of the 5 ahead traded
                          (8, T, -1, 100, 4), (9, L, 1, 100, 0),  # 2 ahead, then 2 of ours
                          (12, T, -1, 100, 1)] + END  # nobody ahead now: 1 more of ours
    rec, s = run(rows, {2: lambda c: c.buy(100, 4)})
    f = rec.fills
    assert f["qty"].tolist() == [2, 1]
    assert f["price"].tolist() == [100, 100]
    assert f["maker"].tolist() == [1, 1]
    assert rec.states["position"].iloc[-1] == 3
    assert rec.orders["status"].tolist() == [OrderStatus.ACCEPTED]


def test_trade_through_our_price_fills_what_it_traded_or_all_with_the_full_model():
    rows = book_rows() + [(5, T, -1, 99, 1), (6, T, -1, 98, 5)] + END
    rec, _ = run(rows, {2: lambda c: c.buy(100, 3)})
    assert rec.fills["qty"].tolist() == [1, 2]
    assert rec.fills["price"].tolist() == [100, 100]
    full, _ = run(rows, {2: lambda c: c.buy(100, 3)}, fill_model="full")
    assert full.fills["qty"].tolist() == [3]


def test_market_order_walks_the_book_as_taker_with_fees():
    rec, _ = run(book_rows() + END, {2: lambda c: c.market_order(1, 7)},
                 venue=venue(maker=-0.002, taker=0.003))
    f = rec.fills
    assert f["price"].tolist() == [101, 102]
    assert f["qty"].tolist() == [5, 2]
    assert f["maker"].tolist() == [0, 0]
    assert np.allclose(f["fee"], [5 * 0.003, 2 * 0.003])
    assert submits(rec)["status"].tolist() == [OrderStatus.FILLED]


def test_ioc_partial_fill_expires_the_rest():
    rec, _ = run(book_rows() + END, {2: lambda c: c.buy(101, 7, tif="IOC")})
    assert rec.fills["qty"].tolist() == [5]
    assert submits(rec)["status"].tolist() == [OrderStatus.EXPIRED]
    assert rec.states["position"].iloc[-1] == 5


def test_fok_all_or_nothing():
    rec, _ = run(book_rows() + END, {2: lambda c: c.buy(101, 7, tif="FOK"),
                                     3: lambda c: c.buy(102, 7, tif="FOK")})
    o = submits(rec)
    assert o["status"].tolist() == [OrderStatus.REJECTED, OrderStatus.FILLED]
    assert o["reason"].tolist() == [Reason.FOK_NOT_FILLABLE, Reason.NONE]
    assert rec.fills["qty"].tolist() == [5, 2]


def test_post_only_that_would_cross_is_rejected():
    rec, _ = run(book_rows() + END, {2: lambda c: c.buy(101, 1, tif="POST_ONLY"),
                                     3: lambda c: c.buy(100, 1, tif="POST_ONLY")})
    o = submits(rec)
    assert o["status"].tolist() == [OrderStatus.REJECTED, OrderStatus.ACCEPTED]
    assert o["reason"].tolist()[0] == Reason.POST_ONLY_WOULD_CROSS
    assert len(rec.fills) == 0


def test_cancel_and_cancel_of_unknown_order():
    rec, _ = run(book_rows() + END, {2: lambda c: c.buy(100, 1),
                                     4: lambda c: c.cancel(c.open_orders()[0].order_id),
                                     6: lambda c: c.cancel(999)})
    o = rec.orders
    assert o["action"].tolist() == [0, 1, 1]
    assert o["status"].tolist() == [OrderStatus.ACCEPTED, OrderStatus.CANCELLED,
                                    OrderStatus.DENIED]
    assert o["reason"].tolist()[2] == Reason.UNKNOWN_ORDER


def test_modify_size_down_keeps_priority_price_change_loses_it():
    rows = book_rows() + [(10, T, -1, 100, 5)] + END
    # ahead 5 at 100. Shrinking keeps ahead 5, so a 5-lot trade does not reach us ...
    rec, _ = run(rows, {2: lambda c: c.buy(100, 3), 4: lambda c: c.modify(first(c), 100, 2)})
    assert len(rec.fills) == 0
    # ... while moving away and back puts us behind the 5 again as well: also no fill,
    # but moving to 99 and trading through 100 fills the order at 99 only if price < 99
    rows2 = book_rows() + [(10, T, -1, 98, 1)] + END
    rec2, _ = run(rows2, {2: lambda c: c.buy(100, 3), 4: lambda c: c.modify(first(c), 99, 3)})
    assert rec2.fills["price"].tolist() == [99]
    assert rec2.orders["action"].tolist() == [0, 2]


def test_modify_to_a_crossing_price_trades():
    rec, _ = run(book_rows() + END, {2: lambda c: c.buy(100, 3),
                                     4: lambda c: c.modify(first(c), 101, 3)})
    assert rec.fills["price"].tolist() == [101]
    assert rec.fills["maker"].tolist() == [0]


def test_partial_fills_count_in_position_and_pnl():
    rows = book_rows() + [(5, T, -1, 100, 6), (7, L, 1, 100, 4), (8, T, 1, 101, 6),
                          (9, L, -1, 101, 5)] + END
    rec, _ = run(rows, {2: lambda c: c.buy(100, 3), 3: lambda c: c.sell(101, 1)})
    f = rec.fills
    assert f["qty"].tolist() == [1, 1]  # 6 traded with 5 ahead: 1 of ours, each side
    last = rec.states.iloc[-1]
    assert last["position"] == 0
    # bought 1 at 100, sold 1 at 101: one tick of 0.01 on one share
    assert np.isclose(last["realized_pnl"], 0.01)
    assert np.isclose(last["equity"], last["cash"] + last["position"] * last["mid"] * 0.01)


def test_self_trade_prevention_cancels_the_incoming_order():
    rows = [(0, L, 1, 100, 5), (0, L, -1, 103, 5)] + END
    rec, _ = run(rows, {2: lambda c: c.sell(102, 1), 3: lambda c: c.buy(103, 1)})
    o = submits(rec)
    assert o["status"].tolist() == [OrderStatus.ACCEPTED, OrderStatus.CANCELLED]
    assert o["reason"].tolist()[1] == Reason.SELF_TRADE
    assert len(rec.fills) == 0
    rec2, _ = run(rows, {2: lambda c: c.sell(102, 1), 3: lambda c: c.buy(103, 1)},
                  stp="cancel-oldest")
    assert rec2.fills["price"].tolist() == [103]  # our ask was cancelled, the buy took 103


def test_invalid_orders_are_denied_or_rejected_with_a_reason():
    rec, _ = run(book_rows() + END, {2: lambda c: c.buy(100, 0), 3: lambda c: c.buy(-5, 1),
                                     4: lambda c: c.submit(1, 100, 1, book=7),
                                     5: lambda c: c.submit(2, 100, 1),
                                     6: lambda c: c.buy(10_000_000, 1)})
    o = submits(rec)
    assert o["status"].tolist() == [OrderStatus.DENIED] * 4 + [OrderStatus.REJECTED]
    assert o["reason"].tolist() == [Reason.BAD_QTY, Reason.BAD_PRICE, Reason.UNKNOWN_BOOK,
                                    Reason.BAD_SIDE, Reason.OUT_OF_BOOK_RANGE]


def test_latency_legs_are_applied_and_the_host_learns_late():
    rows = book_rows() + END
    rec, s = run(rows, {2: lambda c: c.market_order(1, 1)},
                 venue=venue(entry_us=3, resp_us=4, feed_us=1))
    o = rec.orders.iloc[0]
    assert o["ts_exchange"] - o["ts_sent"] == 3_000
    assert o["ts_ack"] - o["ts_exchange"] == 4_000
    f = rec.fills.iloc[0]
    assert f["ts_local"] - f["ts_exchange"] == 4_000
    t_seen, fill = s.fills[0]
    assert t_seen == f["ts_local"]
    # the strategy's first timer tick sees the book only after the feed latency
    assert o["ts_sent"] >= 2_000


def test_orders_beyond_capacity_are_denied_not_fatal():
    def many(c):
        for k in range(6):
            c.buy(95 + k % 5, 1)

    rec, _ = run(book_rows() + END, {2: many}, order_capacity=4)
    o = submits(rec).sort_values("order_id")  # denials are recorded at once, the rest later
    assert o["status"].tolist() == [OrderStatus.ACCEPTED] * 4 + [OrderStatus.DENIED] * 2
    assert o["reason"].tolist()[4:] == [Reason.TOO_MANY_ORDERS] * 2
    assert o["order_id"].tolist() == [1, 2, 3, 4, 5, 6]


def test_a_burst_of_commands_in_one_callback_goes_out_in_order():
    def burst(c):
        for k in range(1000):
            c.buy(90 + k % 10, 1)

    rec, _ = run(book_rows() + END, {2: burst}, order_capacity=2000)
    o = submits(rec)
    assert len(o) == 1000 and o["order_id"].is_monotonic_increasing
    assert (o["status"] == OrderStatus.ACCEPTED).all()


def test_replace_cancels_and_sends_a_new_order_at_the_back():
    rows = book_rows() + [(10, T, -1, 99, 5), (11, L, 1, 99, 0)] + END
    rec, s = run(rows, {2: lambda c: c.buy(100, 3), 4: lambda c: c.replace(first(c), 99, 2)})
    o = rec.orders.sort_values(["order_id", "action"])
    assert o["order_id"].tolist() == [1, 1, 2]
    assert o["status"].tolist() == [OrderStatus.ACCEPTED, OrderStatus.CANCELLED,
                                    OrderStatus.ACCEPTED]
    # the new order queues behind the 5 lots at 99: the 5-lot print does not reach it
    assert len(rec.fills) == 0
