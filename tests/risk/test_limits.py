"""RiskLimits: validation names the field and its range; TOML; overrides; the engine's
limits."""

import math

import numpy as np
import pytest

from hftlab.instruments import ConfigError, Instrument
from hftlab.risk import RiskLimits
from hftlab.risk import layout as L


@pytest.mark.parametrize("field, bad, words", [
    ("max_order_qty", 0, "max_order_qty must be an integer number of lots >= 1"),
    ("max_order_qty", 2.5, "integer number of lots"),
    ("price_band_pct", 1.5, "price_band_pct must be a fraction in (0, 1]"),
    ("price_band_pct", -0.1, "fraction in (0, 1]"),
    ("max_position", -1, "max_position must be an integer number of lots >= 0"),
    ("hard_loss", math.inf, "hard_loss must be a finite amount > 0"),
    ("hard_loss", -5.0, "finite amount > 0"),
    ("max_orders_per_sec", 0, "max_orders_per_sec must be a finite rate > 0"),
    ("max_concentration", 0.0, "fraction in (0, 1]"),
    ("correlation_threshold", -1.0, "correlation in (-1, 1]"),
    ("halted", 1, "true or false"),
    ("kill_after_denials", 0, "integer count >= 1"),
])
def test_each_field_is_validated_with_its_name_and_range(field, bad, words):
    with pytest.raises(ConfigError, match=None) as e:
        RiskLimits(**{field: bad})
    assert words in str(e.value)
    assert f"RiskLimits.{field}" in str(e.value)


def test_cross_field_rules():
    with pytest.raises(ConfigError, match="soft_loss must be <= hard_loss"):
        RiskLimits(soft_loss=10.0, hard_loss=5.0)
    with pytest.raises(ConfigError, match="throttle_burst must be set together"):
        RiskLimits(throttle_burst=5)


def test_unknown_fields_are_rejected_by_name():
    with pytest.raises(ConfigError, match="unknown field risk.max_positon"):
        RiskLimits.from_mapping({"max_positon": 5})
    with pytest.raises(ConfigError, match=r"unknown field RiskLimits.by_symbol.AAA.hard_loss"):
        RiskLimits(by_symbol={"AAA": {"hard_loss": 5.0}})  # a portfolio field, not per instrument
    with pytest.raises(ConfigError, match=r"RiskLimits.by_index.0.max_position must be"):
        RiskLimits(by_index={0: {"max_position": -3}})


def test_to_params_named_fields_inf_means_no_limit():
    p = RiskLimits(max_order_qty=10, max_position=50, hard_loss=100.0, max_orders_per_sec=20.0,
                   throttle_burst=4, kill_at_ns=1_700_000_000_123_456_789).to_params(2)
    assert p.limits.dtype == L.LIMITS_DTYPE and p.limits.shape == (2,)
    assert (p.limits["max_order_qty"] == 10).all() and (p.limits["max_position"] == 50).all()
    port = p.portfolio[0]
    assert port["hard_loss"] == 100.0 and port["rate"] == 20.0 and port["burst"] == 4
    assert port["interval"] == 1e9 / 20.0 and port["tau"] == 3 * port["interval"]
    assert np.isinf(p.limits["band_pct"]).all() and np.isinf(port["gross"])
    assert port["kill_at"] == 1_700_000_000_123_456_789  # int64 ns, exact
    none = RiskLimits().to_params(1)
    grace = ("cancel_grace", "cancel_to_order_grace")
    assert all(none.limits[0][f] == 0 for f in grace)  # defaults, not limits
    assert all(np.isinf(none.limits[0][f]) for f in L.LIMITS_DTYPE.names if f not in grace)
    assert none.portfolio[0]["kill_at"] == L.NEVER


def test_overrides_by_index_and_symbol():
    lim = RiskLimits(max_position=100, by_index={1: {"max_position": 7}},
                     by_symbol={"CCC": {"halted": True, "max_order_qty": 3}})
    syms = ["AAA", "BBB", "CCC"]
    a = lim.to_params(3, syms).limits
    assert a["max_position"].tolist() == [100, 7, 100]
    assert a[2]["halted"] == 1 and a[2]["max_order_qty"] == 3
    with pytest.raises(ConfigError, match="by_symbol must be used with the run's symbols"):
        lim.to_params(3)
    resolved = lim.resolve([Instrument(s, 0.01) for s in syms])
    assert np.array_equal(resolved.to_params(3).limits, a)
    with pytest.raises(ConfigError, match=r"by_symbol.ZZZ must be a symbol of the run"):
        RiskLimits(by_symbol={"ZZZ": {"max_position": 1}}).to_params(1, ["AAA"])
    with pytest.raises(ConfigError, match=r"by_index key must be an instrument index in \[0, 1\]"):
        RiskLimits(by_index={5: {"max_position": 1}}).to_params(2)


def test_from_toml(tmp_path):
    p = tmp_path / "risk.toml"
    p.write_text("""
[risk]
max_order_qty = 500
price_band_pct = 0.05
max_position = 2000
hard_loss = 25000.0
soft_loss = 10000.0
max_orders_per_sec = 100
throttle_burst = 10
kill_at_ns = 1700000000000000000

[risk.by_symbol.AAA]
max_position = 300

[risk.by_index.1]
halted = true
""")
    lim = RiskLimits.from_toml(p)
    assert lim.max_order_qty == 500 and lim.price_band_pct == 0.05 and lim.throttle_burst == 10
    a = lim.to_params(2, ["AAA", "BBB"]).limits
    assert a[0]["max_position"] == 300 and a[1]["max_position"] == 2000
    assert a[1]["halted"] == 1 and a[0]["halted"] != 1
    top = tmp_path / "top.toml"
    top.write_text("max_position = 5\n")
    assert RiskLimits.from_toml(top).max_position == 5
    bad = tmp_path / "bad.toml"
    bad.write_text("[risk]\nmax_position = -2\n")
    with pytest.raises(ConfigError, match="RiskLimits.max_position must be"):
        RiskLimits.from_toml(bad)
    broken = tmp_path / "broken.toml"
    broken.write_text("[risk\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        RiskLimits.from_toml(broken)


def test_frozen():
    lim = RiskLimits(max_position=5)
    with pytest.raises(AttributeError):
        lim.max_position = 6
    with pytest.raises(TypeError):
        lim.by_index[0] = {}
    assert lim.with_overrides(max_position=9).max_position == 9
