import pytest

from hftlab.instruments import (ConfigError, FeeSchedule, Instrument, Latency, LatencyProfile,
                                Venue)

MS, US = 1_000_000, 1_000


@pytest.mark.parametrize("name, lo, hi", [("colocated", 80 * US, 120 * US),
                                          ("same-city", 1 * MS, 5 * MS),
                                          ("coast-to-coast", 10 * MS, 40 * MS),
                                          ("international", 100 * MS, 300 * MS)])
def test_named_profiles_span_the_field_ranges(name, lo, hi):
    p = LatencyProfile.named(name)
    for leg in (p.feed, p.entry, p.response):
        assert leg.base_ns == lo and leg.base_ns + leg.jitter_ns == hi


def test_specs_reject_bad_values_naming_the_field():
    with pytest.raises(ConfigError, match=r"Instrument.tick_size must be a finite number > 0"):
        Instrument("X", tick_size=0)
    with pytest.raises(ConfigError, match=r"FeeSchedule.unit must be one of"):
        FeeSchedule(unit="percent")
    with pytest.raises(ConfigError, match=r"Latency.jitter_ns must be an integer number of ns"):
        Latency(0, -1)
    with pytest.raises(ConfigError, match=r"latency must be one of"):
        Venue("X", latency="moon")


def test_currency_to_ticks_and_lots_is_exact_or_an_error():
    inst = Instrument("X", tick_size=0.01, lot_size=100)
    assert inst.to_ticks(101.37) == 10137 and inst.to_lots(300) == 3
    with pytest.raises(ValueError, match="not a multiple of tick size"):
        inst.to_ticks(101.375)
    with pytest.raises(ValueError, match="not a multiple of lot size"):
        inst.to_lots(150)
