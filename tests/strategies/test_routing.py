"""RoutedMaker: one book is the plain maker; the rebate net of the queue picks the venue."""

import pytest

import hftlab
from hftlab.instruments import ConfigError
from hftlab.strategies import InventorySkew, RoutedMaker
from hftlab.strategies.routing_nb import fill_probability


@pytest.fixture(scope="module")
def market():
    return hftlab.sim.market("lagging-venue", seconds=5, seed=3)


def run(market, strategy, makers=(-0.2, -0.3)):
    fees = [hftlab.FeeSchedule(maker=f, taker=0.3) for f in makers]
    venues = [hftlab.Venue(v.name, f, v.latency) for v, f in zip(market.venues, fees)]
    return hftlab.backtest(market, strategy, venues=venues), fees


def test_one_book_is_the_plain_maker(market):
    """Routing over one book quotes what the maker quotes: same orders, same fills."""
    plain, fees = run(market, InventorySkew(half_spread=0.5, book=1).compiled())
    routed, _ = run(market, RoutedMaker(InventorySkew(half_spread=0.5, book=1), [1], fees[1:],
                                        market.instruments[0]))
    cols = ["ts_exchange", "venue", "side", "price", "qty", "fee"]
    assert len(plain.fills) > 0
    assert plain.fills[cols].equals(routed.fills[cols])
    assert plain.summary()["orders"] == routed.summary()["orders"]


def test_a_paid_fee_loses_to_a_rebate(market):
    """A venue charging its makers is chosen only when the quote would cross the
    rebating one; with the fees swapped the routing turns round."""
    counts = []
    for makers in ((-0.5, 0.5), (0.5, -0.5)):
        maker = InventorySkew(half_spread=0.5)
        rec, _ = run(market, RoutedMaker(maker, [0, 1], [hftlab.FeeSchedule(maker=f)
                                                            for f in makers],
                                            market.instruments[0]), makers)
        routed = rec.strategy_state["routed"][0]
        counts.append(routed.sum(axis=1))
    assert counts[0][0] > counts[0][1] and counts[1][1] > counts[1][0]


def test_fill_probability_is_queue_depletion():
    f = fill_probability.py_func
    assert f(10.0, 0.1, 0, 1) == 1.0  # 1 lot expected, nothing ahead
    assert f(10.0, 0.1, 9, 1) == pytest.approx(0.1)
    assert f(10.0, 1.0, 19, 1) == pytest.approx(0.5)


def test_bad_input_names_the_field(market):
    inst, maker = market.instruments[0], InventorySkew()
    with pytest.raises(ConfigError, match="RoutedMaker.fees"):
        RoutedMaker(maker, [0, 1], [hftlab.FeeSchedule()], inst)
    with pytest.raises(ConfigError, match="RoutedMaker.books"):
        RoutedMaker(maker, [0, 0], [hftlab.FeeSchedule()] * 2, inst)
    with pytest.raises(ConfigError, match="RoutedMaker.halflife_s"):
        RoutedMaker(maker, [0, 1], [hftlab.FeeSchedule()] * 2, inst, halflife_s=0.0)
