"""LatencyArbitrage in the engine: the $195 worked example, misses and adverse fills."""

import pytest

import hftlab
from hftlab.instruments import ConfigError
from hftlab.strategies import LatencyArbitrage
from hftlab.strategies.latency_arb import counts
from tests.analytics.latency_samples import MS, T0, two_venues

US = 1_000
LAT = hftlab.LatencyProfile.constant(100 * US, 100 * US)  # 100 us each way, both venues


def run(rows, trades=(), fees=None, lat=LAT, **kw):
    fees = fees or (hftlab.FeeSchedule(), hftlab.FeeSchedule())
    data = two_venues(rows, trades, names=("NYSE", "NASDAQ"), fees=fees)
    venues = [hftlab.Venue(v.name, f, lat) for v, f in zip(data.venues, fees)]
    s = LatencyArbitrage(0, 1, data.instruments[0], fees=fees, **kw)
    return hftlab.backtest(data, s, venues=venues)


def test_worked_example_makes_195_dollars():
    """NYSE moves to 100.00 / 100.01 at 1 ms; NASDAQ's 100.02 / 100.03 is stale until
    3 ms (a 2 ms lag). Sell 10,000 at NASDAQ's 100.02, buy 10,000 at NYSE's 100.00 (the
    hedge rests at NYSE's bid and a seller fills it at 2 ms); the $5 cost is charged as
    NASDAQ's taker fee of $0.0005 a share, so the engine's P&L carries it."""
    fees = (hftlab.FeeSchedule(unit="per_unit"), hftlab.FeeSchedule(taker=0.0005, unit="per_unit"))
    rows = [(T0, 0, 100.02, 10_000, 100.03, 10_000), (T0, 1, 100.02, 10_000, 100.03, 10_000),
            (T0 + MS, 0, 100.00, 500, 100.01, 10_000),
            (T0 + 3 * MS, 1, 100.00, 10_000, 100.01, 10_000),
            (T0 + 10 * MS, 0, 100.00, 500, 100.01, 10_000)]
    seller = [(T0 + 2 * MS, 0, 100.00, 10_500, -1)]  # hits 500 ahead of us, then our 10,000
    rec = run(rows, seller, fees, qty=10_000, hedge="join", cooldown_ns=5 * MS)
    f = rec.fills
    assert list(zip(f.venue, f.side, f.price, f.qty)) == [(1, -1, 10002, 10_000),
                                                          (0, 1, 10000, 10_000)]
    assert rec.summary()["total_pnl"] == pytest.approx(195.0, abs=1e-9)
    assert rec.summary()["final_position"] == {0: 0}
    assert (f.ts_exchange.max() - T0) <= 3 * MS  # done within the seed's ~3 ms
    c = counts(rec.strategy_state)
    assert (c["takes"], c["fills"], c["misses"], c["adverse"], c["unsettled"]) == (1, 1, 0, 0, 0)


STALE = [(T0, 0, 100.00, 500, 100.01, 500), (T0, 1, 100.00, 300, 100.01, 300),
         (T0 + 10 * MS, 0, 100.03, 500, 100.04, 500)]


def test_a_quote_gone_on_arrival_is_a_miss():
    """SLOW's stale ask lives 150 us: with 100 us each way our IOC arrives 200 us after
    the move, finds it gone and expires (a miss); at 10 us it fills."""
    rows = STALE + [(T0 + 10 * MS + 150 * US, 1, 100.03, 300, 100.04, 300),
                    (T0 + 20 * MS, 0, 100.03, 500, 100.04, 500)]
    slow = counts(run(rows, qty=100).strategy_state)
    assert (slow["takes"], slow["misses"], slow["fills"], slow["unsettled"]) == (1, 1, 0, 0)
    fast = run(rows, qty=100, lat=hftlab.LatencyProfile.constant(10 * US, 10 * US))
    c = counts(fast.strategy_state)
    assert (c["takes"], c["misses"], c["fills"], c["filled_lots"]) == (1, 0, 1, 100)
    assert fast.summary()["total_pnl"] == pytest.approx(2.0)  # 2 ticks x 100 lots x $0.01


def test_fast_venue_moving_back_makes_an_adverse_fill():
    """The take fills, but FAST has fallen back before the host learns of the fill: the
    hedge now loses, and the fill is counted adverse."""
    rows = STALE + [(T0 + 10 * MS + 150 * US, 0, 99.99, 500, 100.00, 500),
                    (T0 + 20 * MS, 1, 99.99, 300, 100.00, 300),
                    (T0 + 30 * MS, 0, 99.99, 500, 100.00, 500)]
    rec = run(rows, qty=100)
    c = counts(rec.strategy_state)
    assert (c["takes"], c["fills"], c["adverse"], c["hedges"]) == (1, 1, 1, 1)
    assert rec.summary()["total_pnl"] == pytest.approx(-2.0)  # bought 100.01, sold 99.99


def test_parameters_are_checked():
    inst = hftlab.Instrument("X", 0.01)
    with pytest.raises(ConfigError, match="hedge"):
        LatencyArbitrage(0, 1, inst, hedge="both")
    with pytest.raises(ConfigError, match="slow"):
        LatencyArbitrage(1, 1, inst)
