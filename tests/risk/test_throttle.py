"""Order-rate throttle: a token bucket per venue (GCRA), exact to the nanosecond.

One million order attempts, one per microsecond for one second of host time, from a
compiled strategy: with 1000 orders/s and a burst of 10, exactly the burst goes at once
and then exactly one order per millisecond, at 1 ms, 2 ms, ... (times since the epoch of
2023, so float64 alone could not hold them to the nanosecond).
"""

import numpy as np

import hftlab
from hftlab.data.market import MarketData
from hftlab.instruments import Instrument, Venue
from hftlab.risk import RiskLimits
from hftlab.schema import EVENT_DTYPE, Kind, OrderStatus, Reason
from tests.engine.conftest import US, venue
from tests.risk import strategies_nb as rs
from tests.risk.conftest import submits

T0 = 1_700_000_000_000_000_000
MS = 1_000_000


def one_second_market() -> MarketData:
    ev = np.zeros(5, EVENT_DTYPE)
    for k, (t, side, price) in enumerate([(0, 1, 100), (0, 1, 99), (0, -1, 101), (0, -1, 102),
                                          (1000 * MS, 1, 98)]):
        ev[k]["ts"], ev[k]["kind"], ev[k]["side"] = T0 + t, Kind.LEVEL, side
        ev[k]["price"], ev[k]["qty"] = price, 10
    return MarketData(ev, [Instrument("AAA", 0.01)], [Venue("X")]).validate()


def runaway(per_wake: int, timer_ns: int) -> hftlab.CompiledStrategy:
    return rs.runaway(side=1, qty=1, per_wake=per_wake, price=90, timer_ns=timer_ns)


def test_a_million_attempts_are_throttled_to_exactly_the_configured_rate():
    lim = RiskLimits(max_orders_per_sec=1000, throttle_burst=10)
    rec = hftlab.backtest(one_second_market(), runaway(1, US), venues=[venue()], risk=lim,
                          order_capacity=1 << 12)
    sub = submits(rec)
    assert len(sub) == 1_000_000  # one attempt per us, from T0 + 1 us to T0 + 1 s
    sent = sub[sub["status"] != OrderStatus.DENIED]
    t = sent["ts_sent"].to_numpy() - (T0 + US)  # since the first attempt
    expected = np.concatenate([np.arange(10) * US, np.arange(1, 1000) * MS])
    assert np.array_equal(t, expected)  # 10 at once, then exactly one per 1 ms
    denied = sub[sub["status"] == OrderStatus.DENIED]
    assert (denied["reason"] == Reason.RISK_THROTTLE).all()
    ev = rec.risk_events
    assert len(ev) == len(denied) and (ev["rule"] == Reason.RISK_THROTTLE).all()
    assert (ev["limit"] == 1000).all()
    # ev value: ns until the next token; never more than the 1 ms interval
    assert ev["value"].max() <= MS and ev["value"].min() > 0


def test_a_burst_at_one_instant_passes_only_the_bucket_depth():
    lim = RiskLimits(max_orders_per_sec=50, throttle_burst=7)
    rec = hftlab.backtest(one_second_market(), runaway(64, 100 * MS), venues=[venue()],
                          risk=lim)
    sub = submits(rec)
    sent = sub[sub["status"] != OrderStatus.DENIED]
    per_wake = sent.groupby("ts_sent").size().tolist()
    # 64 attempts every 100 ms: the full bucket (7), then the 5 tokens 100 ms bring at 50/s
    assert per_wake == [7] + [5] * 9
    assert len(sub) == 10 * 64
