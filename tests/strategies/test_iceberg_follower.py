"""IcebergFollower: an iceberg refilled at one price is detected from the host's view,
joined, and left at market when it is gone; on the synthetic market its entries sit on
true icebergs."""

import numpy as np
import pytest

import hftlab
from hftlab.data.market import MarketData
from hftlab.instruments import ConfigError, Instrument, Venue
from hftlab.schema import EVENT_DTYPE, Kind
from hftlab.strategies import IcebergFollower
from hftlab.strategies.iceberg_follower import DETECTOR, counts
from hftlab.studies.trade_stats import hold_times, trade_stats
from tests.surveillance.synthetic import market_with_icebergs

MS = 1_000_000
US = 1_000
T0 = 1_700_000_000_000_000_000
VENUE = [Venue("SIM", hftlab.FeeSchedule(), hftlab.LatencyProfile.constant(10 * US, 10 * US))]


def _data(rows):
    ev = np.zeros(len(rows), EVENT_DTYPE)
    for i, (t, kind, side, price, qty, oid) in enumerate(rows):
        ev[i] = (T0 + t, 0, 0, 0, kind, side, price, qty, oid)
    return MarketData(ev, [Instrument("SYN", 0.01, 1.0)], [Venue("SIM")])


def one_iceberg():
    """A bid iceberg at $100.00 (clips of 100 under new ids, refilled 0.3 ms after each
    is executed away), a $99.90 bid under it and a $100.10 ask; the fourth clip is
    partly executed, the rest at 50 ms, and no refill follows."""
    A, E = Kind.ADD, Kind.EXECUTE
    rows = [(0, A, -1, 10010, 500, 1), (0, A, 1, 10000, 100, 2), (0, A, 1, 9990, 300, 9),
            (10 * MS, E, 1, 10000, 100, 2), (10 * MS + 300 * US, A, 1, 10000, 100, 3),
            (20 * MS, E, 1, 10000, 100, 3), (20 * MS + 300 * US, A, 1, 10000, 100, 4),
            (30 * MS, E, 1, 10000, 100, 4), (30 * MS + 300 * US, A, 1, 10000, 100, 5),
            (40 * MS, E, 1, 10000, 30, 5), (50 * MS, E, 1, 10000, 70, 5),
            (60 * MS, A, -1, 10011, 10, 6), (300 * MS, A, -1, 10012, 10, 7)]
    return _data(rows)


def test_detects_joins_and_leaves_when_the_iceberg_is_gone():
    """Third clip -> detection; the buy joins behind the clip shown and fills when the
    next one trades; the level stays empty past the refill window -> market sell into
    the $99.90 bid."""
    rec = hftlab.backtest(one_iceberg(), IcebergFollower(qty=10, take_profit=1), venues=VENUE)
    c = counts(rec.strategy_state)
    assert c == {"detections": 1, "gone": 1, "entries": 1, "trades": 1, "exits_target": 0,
                 "exits_gone": 1, "exits_timeout": 0}
    f = rec.fills
    assert list(zip(f.side, f.price, f.qty)) == [(1, 10000, 10), (-1, 9990, 10)]
    assert trade_stats(rec)["pnl"] == pytest.approx(-1.0)  # 10 shares x -$0.10


def test_two_clips_are_not_an_iceberg():
    """min_clips 4 (the offline detector's default is 3): three clips detect nothing."""
    rec = hftlab.backtest(one_iceberg(), IcebergFollower(qty=10, min_clips=4), venues=VENUE)
    assert counts(rec.strategy_state)["detections"] == 1  # the fourth clip at 30.3 ms
    late = hftlab.backtest(one_iceberg(), IcebergFollower(qty=10, min_clips=5), venues=VENUE)
    assert counts(late.strategy_state)["detections"] == 0
    assert len(late.fills) == 0


def test_entries_sit_on_true_icebergs():
    """On the synthetic market (refill icebergs only, ids hidden from the strategy), at
    least 70 % of the positions opened are on the side and at the price of an iceberg
    alive then (the rest follow the market maker's quick re-posts, the detector's bait:
    11 of 14 on this seed), and every round trip ends by one of the three exits."""
    data, truth = market_with_icebergs(3, seconds=300, n_icebergs=10, styles=("refill",))
    rec = hftlab.backtest(data, IcebergFollower(qty=100), venues=VENUE)
    c = counts(rec.strategy_state)
    assert c["detections"] >= 0.8 * len(truth)
    f = rec.fills
    pos = np.cumsum(f["side"] * f["qty"]).to_numpy()
    opening = f[np.concatenate([[0], pos[:-1]]) == 0]
    assert len(opening) == c["entries"] > 5
    on = [((truth["side"] == o.side) & np.isclose(truth["price"], o.price * 0.01)
           & (truth["start"] <= o.ts_exchange) & (truth["end"] + 10**9 >= o.ts_exchange)).any()
          for o in opening.itertuples()]
    assert np.mean(on) >= 0.7
    assert c["exits_target"] + c["exits_gone"] + c["exits_timeout"] in (c["trades"],
                                                                       c["trades"] + 1)
    h, _ = hold_times(f)
    assert (h >= 0).all()


def test_detector_defaults_and_bad_settings():
    assert DETECTOR == {"refill_window": "1ms", "size_tolerance": 0.0, "min_clips": 3}
    with pytest.raises(ConfigError, match="IcebergFollower.min_clips"):
        IcebergFollower(min_clips=1)
    with pytest.raises(ConfigError, match="IcebergFollower.take_profit"):
        IcebergFollower(take_profit=0)
