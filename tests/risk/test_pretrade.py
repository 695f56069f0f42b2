"""Pre-trade checks, one rule per test, on a hand-made book (prices in ticks of 0.01).

Book: bid 100 x 10, 99 x 10; ask 101 x 10, 102 x 10; one lot = one share, so a lot at
100 ticks is worth 1.00. Latency 0 unless stated; a denied order never reaches the venue
(ts_exchange 0) and leaves a risk event naming the rule.
"""

import numpy as np

from hftlab.risk import RiskLimits, risk_events
from hftlab.schema import OrderStatus, Reason
from tests.engine.conftest import venue
from tests.risk.conftest import A, B, S, book, reached_venue, run, submits

BOOK = book()


def denied_with(rec, reason):
    s = submits(rec)
    d = s[s["reason"] == reason]
    assert (d["status"] == OrderStatus.DENIED).all()
    assert (d["ts_exchange"] == 0).all()
    ev = rec.risk_events
    assert set(d["order_id"]) <= set(ev.loc[ev["rule"] == reason, "order_id"])
    return d


def test_fat_finger_100_shares_at_a_million_dollars_is_denied():
    million = 100_000_000  # $1,000,000 in ticks of $0.01
    act = {2: lambda c: c.buy(million, 100)}
    rec, _ = run(BOOK, act)  # without limits the venue sees it (and rejects it late)
    assert submits(rec)["status"].tolist() == [OrderStatus.REJECTED]
    rec, _ = run(BOOK, act, risk=RiskLimits(price_band_pct=0.10))
    d = denied_with(rec, Reason.RISK_PRICE_BAND)
    assert len(d) == 1 and len(reached_venue(rec)) == 0
    ev = risk_events(rec).iloc[0]
    assert ev["rule_name"] == "RISK_PRICE_BAND" and ev["symbol"] == "AAA"
    assert np.isclose(ev["value"], million - 100.5) and np.isclose(ev["limit"], 10.05)


def test_price_band_in_ticks_and_percent_the_tighter_applies():
    lim = RiskLimits(price_band_pct=0.5, price_band_ticks=3)
    rec, _ = run(BOOK, {2: lambda c: c.buy(103, 1), 3: lambda c: c.buy(104, 1),
                        4: lambda c: c.sell(98, 1), 5: lambda c: c.sell(97, 1),
                        6: lambda c: c.market_order(1, 1)}, risk=lim)
    s = submits(rec)
    assert s["reason"].tolist() == [0, Reason.RISK_PRICE_BAND, 0, Reason.RISK_PRICE_BAND, 0]


def test_max_order_qty_and_notional():
    lim = RiskLimits(max_order_qty=5, max_order_notional=4.5)
    rec, _ = run(BOOK, {2: lambda c: c.buy(99, 6), 3: lambda c: c.buy(99, 5),
                        4: lambda c: c.buy(99, 4), 5: lambda c: c.market_order(1, 5)}, risk=lim)
    s = submits(rec)
    # 5 x 99 ticks = 4.95 > 4.5; 4 x 99 = 3.96; a market order is valued at the mid 100.5
    assert s["reason"].tolist() == [Reason.RISK_MAX_ORDER_QTY, Reason.RISK_MAX_ORDER_NOTIONAL,
                                    0, Reason.RISK_MAX_ORDER_NOTIONAL]
    ev = rec.risk_events
    assert ev["value"].tolist()[:2] == [6, 4.95] and ev["limit"].tolist()[:2] == [5, 4.5]


def test_position_limit_counts_open_orders_on_the_same_side():
    lim = RiskLimits(max_position=5)
    rec, _ = run(BOOK, {2: lambda c: c.buy(99, 3), 3: lambda c: c.buy(99, 3),
                        4: lambda c: c.sell(102, 5), 5: lambda c: c.sell(102, 1),
                        6: lambda c: c.cancel(c.open_orders()[0].order_id),
                        8: lambda c: c.buy(98, 5)}, risk=lim)
    sub = submits(rec)
    assert sub["reason"].tolist() == [0, Reason.RISK_POSITION_LIMIT, 0,
                                      Reason.RISK_POSITION_LIMIT, 0]
    ev = rec.risk_events
    assert ev["value"].tolist() == [6, 6] and ev["limit"].tolist() == [5, 5]


def test_position_limit_counts_fills_and_lets_reducing_orders_through():
    lim = RiskLimits(max_position=5, max_position_notional=6.0)
    rec, _ = run(BOOK, {2: lambda c: c.market_order(1, 5),  # now long 5
                        3: lambda c: c.buy(99, 1),  # 6 > 5
                        4: lambda c: c.sell(101, 5),  # reduces
                        5: lambda c: c.sell(102, 3)},  # worst short 5 - 5 - 3 = -3
                 risk=lim)
    assert submits(rec)["reason"].tolist() == [0, Reason.RISK_POSITION_LIMIT, 0, 0]
    rec, _ = run(BOOK, {2: lambda c: c.buy(99, 5), 3: lambda c: c.buy(99, 1)},
                 risk=RiskLimits(max_position_notional=5.5))
    # 5 lots valued at the mid (100.5 ticks = 1.005) = 5.025; 6 lots = 6.03 > 5.5
    assert submits(rec)["reason"].tolist() == [0, Reason.RISK_POSITION_NOTIONAL]


def test_duplicate_orders_within_the_window_are_denied():
    lim = RiskLimits(duplicate_window_ns=5_000)
    rec, _ = run(BOOK, {2: lambda c: (c.buy(99, 1), c.buy(99, 1), c.buy(99, 2)),
                        4: lambda c: c.buy(99, 2), 10: lambda c: c.buy(99, 2)}, risk=lim)
    s = submits(rec)
    assert s["reason"].tolist() == [0, Reason.RISK_DUPLICATE, 0, Reason.RISK_DUPLICATE, 0]


def test_cancel_to_trade_ratio():
    lim = RiskLimits(max_cancel_ratio=1.0, cancel_ratio_grace=2)
    acts = {2: lambda c: c.market_order(1, 1), 3: lambda c: c.market_order(1, 1)}  # 2 fills
    for k in range(3):
        acts[4 + 2 * k] = lambda c: c.buy(98, 1)
        acts[5 + 2 * k] = lambda c: c.cancel_all()
    acts[12] = lambda c: c.buy(98, 1)  # 3 cancels for 2 fills: 1.5 > 1
    rec, _ = run(BOOK, acts, risk=lim)
    s = submits(rec)
    assert s["reason"].tolist() == [0, 0, 0, 0, 0, Reason.RISK_CANCEL_RATIO]
    assert rec.risk_events["value"].tolist() == [1.5]
    cancels = rec.orders[rec.orders["action"] == 1]
    assert len(cancels) == 3 and (cancels["status"] == OrderStatus.CANCELLED).all()


def test_halted_instrument_at_the_venue_or_by_configuration():
    rows = BOOK + [(5, S, 0, 0, 0), (9, S, 0, 0, 1)]
    rec, _ = run(rows, {3: lambda c: c.buy(99, 1), 6: lambda c: c.buy(99, 1),
                        10: lambda c: c.buy(99, 1)}, risk=RiskLimits())
    assert submits(rec)["reason"].tolist() == [0, Reason.RISK_INSTRUMENT_HALTED, 0]
    rec, _ = run(BOOK, {3: lambda c: c.buy(99, 1)},
                 risk=RiskLimits(by_symbol={"AAA": {"halted": True}}).resolve([A]))
    assert submits(rec)["reason"].tolist() == [Reason.RISK_INSTRUMENT_HALTED]


def test_no_reference_price_no_order_when_a_band_is_set():
    rows = [(0, S, 0, 0, 1)] + book(t=10)  # the run starts at 0, the book comes at 10 us
    rec, _ = run(rows, {2: lambda c: c.buy(99, 1), 12: lambda c: c.buy(99, 1)},
                 risk=RiskLimits(price_band_pct=0.1))
    assert submits(rec)["reason"].tolist() == [Reason.RISK_NO_REFERENCE, 0]


def first(c):
    return c.open_orders()[0].order_id


def test_modify_is_checked_for_size_increases_and_price_moves():
    lim = RiskLimits(max_position=4, price_band_ticks=5, max_order_qty=4)
    rec, _ = run(BOOK, {2: lambda c: c.buy(99, 2), 3: lambda c: c.modify(first(c), 99, 5),
                        4: lambda c: c.modify(first(c), 150, 2),
                        5: lambda c: c.modify(first(c), 98, 4),
                        6: lambda c: c.modify(first(c), 98, 1)}, risk=lim)
    mods = rec.orders[rec.orders["action"] == 2]
    assert mods["reason"].tolist() == [Reason.RISK_MAX_ORDER_QTY, Reason.RISK_PRICE_BAND, 0, 0]
    assert mods["status"].tolist()[:2] == [OrderStatus.DENIED] * 2


def test_size_increase_in_flight_counts_against_the_limit():
    # entry and response take 5 us: the host does not know the modify's outcome yet
    lim = RiskLimits(max_position=5)
    rec, _ = run(BOOK, {2: lambda c: c.buy(98, 2),
                        20: lambda c: (c.modify(first(c), 98, 5), c.buy(97, 1)),
                        40: lambda c: c.buy(97, 1)},
                 risk=lim, venue=venue(entry_us=5, resp_us=5))
    s = submits(rec)
    assert s["reason"].tolist() == [0, Reason.RISK_POSITION_LIMIT, Reason.RISK_POSITION_LIMIT]
    mods = rec.orders[rec.orders["action"] == 2]
    assert mods["status"].tolist() == [OrderStatus.ACCEPTED]


def two_books():
    return book(inst=0) + book(bid=200, ask=201, inst=1)


def test_portfolio_gross_net_and_concentration():
    # one lot of A at 100.5 ticks = 1.005, one lot of B at 200.5 = 2.005
    lim = RiskLimits(max_gross_notional=10.0)
    rec, _ = run(two_books(), {2: lambda c: c.buy(99, 4, book=0),  # gross 4.02
                               3: lambda c: c.sell(202, 3, book=1),  # 4.02 + 6.015 = 10.035
                               4: lambda c: c.sell(202, 2, book=1)},  # 4.02 + 4.01
                 risk=lim, instruments=(A, B))
    assert submits(rec)["reason"].tolist() == [0, Reason.RISK_GROSS_NOTIONAL, 0]
    lim = RiskLimits(max_net_notional=5.0)
    rec, _ = run(two_books(), {2: lambda c: c.buy(99, 4, book=0),  # net 4.02
                               3: lambda c: c.buy(199, 1, book=1),  # net 6.025
                               4: lambda c: c.sell(202, 2, book=1)},  # worst net stays 4.02
                 risk=lim, instruments=(A, B))
    assert submits(rec)["reason"].tolist() == [0, Reason.RISK_NET_NOTIONAL, 0]
    lim = RiskLimits(max_concentration=0.61, concentration_min_gross=3.0)
    rec, _ = run(two_books(), {2: lambda c: c.buy(99, 2, book=0),  # below the gross floor
                               3: lambda c: c.buy(199, 1, book=1),  # B 2.005 / 4.015 = 0.50
                               4: lambda c: c.buy(199, 1, book=1),  # B 4.01 / 6.02 = 0.67
                               5: lambda c: c.buy(99, 1, book=0)},  # A 3.015 / 5.02 = 0.60
                 risk=lim, instruments=(A, B))
    assert submits(rec)["reason"].tolist() == [0, 0, Reason.RISK_CONCENTRATION, 0]
    ev = rec.risk_events.iloc[0]
    assert np.isclose(ev["value"], 4.01 / 6.02) and ev["limit"] == 0.61


def test_a_market_order_cannot_sweep_past_the_price_band():
    """The issue's attack: a 3,000-lot market buy through a 5-tick band swept 10.5 ticks.
    Now it goes out as a limit IOC at the band's edge (floor(100.5 + 5) = 105): it takes
    101..105 and the rest expires; without a band it still sweeps the whole book."""
    deep = book() + [(0, 6, -1, p, 10, 0) for p in range(103, 121)]  # asks 101..120 x 10
    rec, _ = run(deep, {2: lambda c: c.market_order(1, 3000)},
                 risk=RiskLimits(price_band_ticks=5))
    f = rec.fills
    assert f["price"].max() == 105 and f["qty"].sum() == 50
    s = submits(rec).iloc[0]
    assert (s["price"], s["order_type"], s["tif"]) == (105, 0, 1)  # a limit IOC at the collar
    rec, _ = run(deep, {2: lambda c: c.market_order(1, 3000)}, risk=RiskLimits())
    assert rec.fills["price"].max() == 120


def test_a_banded_market_orders_notional_is_valued_at_the_collar():
    # 4 lots x 105 ticks = 4.20 > 4.1; at the mid (100.5) it would have passed as 4.02
    lim = RiskLimits(price_band_ticks=5, max_order_notional=4.1)
    rec, _ = run(BOOK, {2: lambda c: c.market_order(1, 4)}, risk=lim)
    assert submits(rec)["reason"].tolist() == [Reason.RISK_MAX_ORDER_NOTIONAL]


def test_alternating_duplicates_are_caught_over_the_whole_window():
    """The issue's attack: orders alternating A, B, A, B passed a check that compared each
    submit with the last one only."""
    lim = RiskLimits(duplicate_window_ns=20_000)
    acts = {t: (lambda c: (c.buy(98, 1), c.buy(97, 1))) for t in range(2, 12)}
    rec, _ = run(BOOK, acts, risk=lim)
    s = submits(rec)
    assert s["reason"].tolist()[:2] == [0, 0]
    assert (s["reason"].iloc[2:] == Reason.RISK_DUPLICATE).all() and len(s) == 20
    rec, _ = run(BOOK, {2: lambda c: c.buy(98, 1), 30: lambda c: c.buy(98, 1)}, risk=lim)
    assert submits(rec)["reason"].tolist() == [0, 0]  # outside the window: a new order
