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


def test_latency_legs_take_ns_or_a_unit():
    p = LatencyProfile(entry="250us", feed=1_000, response="1.5ms")
    assert (p.feed.base_ns, p.entry.base_ns, p.response.base_ns) == (1_000, 250 * US, 1_500 * US)
    assert Latency("1ms", "20us") == Latency(MS, 20 * US)
    assert LatencyProfile.constant("2ms").feed.base_ns == 2 * MS
    t = LatencyProfile.from_mapping({"entry": "100us", "feed": 800, "jitter": "10us"})
    assert t.response == t.entry == Latency(100 * US, 10 * US) and t.feed.base_ns == 800


@pytest.mark.parametrize("kwargs, field", [({"entry": -5}, "LatencyProfile.entry"),
                                           ({"feed": "1.5ns"}, "LatencyProfile.feed"),
                                           ({"response": "61s"}, "LatencyProfile.response"),
                                           ({"entry": 2.5}, "LatencyProfile.entry"),
                                           ({"entry": True}, "LatencyProfile.entry")])
def test_a_bad_latency_leg_is_refused_when_built(kwargs, field):
    with pytest.raises(ConfigError, match=rf"{field} must be an integer number of ns in "
                                          r"\[0, 60e9\] or a duration such as '250us'"):
        LatencyProfile(**kwargs)


def test_a_latency_table_names_its_fields():
    with pytest.raises(ConfigError, match=r"unknown field venue.latency.entry_ns; allowed"):
        LatencyProfile.from_mapping({"entry_ns": -1000}, "venue.latency")
    with pytest.raises(ConfigError, match=r"venue.latency.jitter must be an integer number"):
        LatencyProfile.from_mapping({"jitter": "-1us"}, "venue.latency")
    with pytest.raises(ConfigError, match=r"venue.latency.recorded_feed must be true or false"):
        LatencyProfile.from_mapping({"recorded_feed": 1}, "venue.latency")
