"""Grids of a sweep: typed values, products, errors that name the item."""

import pytest

from hftlab.instruments import ConfigError
from hftlab.scale.grid import expand_grid, parse_grid, parse_value, run_key


def test_values_are_typed():
    assert parse_value("3") == 3 and isinstance(parse_value("3"), int)
    assert parse_value("0.25") == 0.25
    assert parse_value("true") is True and parse_value("False") is False
    assert parse_value("power:2") == "power:2"


def test_grid_items_and_product_in_order():
    grid = parse_grid(["gamma=0.01,0.1", "market.overrides.informed_rate=2,4,8"])
    assert grid == {"gamma": [0.01, 0.1], "market.overrides.informed_rate": [2, 4, 8]}
    sets = expand_grid(grid)
    assert len(sets) == 6
    assert sets[0] == {"gamma": 0.01, "market.overrides.informed_rate": 2}
    assert sets[-1] == {"gamma": 0.1, "market.overrides.informed_rate": 8}
    assert expand_grid({}) == [{}]
    assert expand_grid([{"a": 1}, {"a": 2, "b": 3}]) == [{"a": 1}, {"a": 2, "b": 3}]


@pytest.mark.parametrize("items, text", [
    (["gamma"], "expected name=v1,v2"),
    (["=1,2"], "expected name=v1,v2"),
    (["gamma="], "no values"),
    (["gamma=1", "gamma=2"], "given twice"),
    (["gamma=nan"], "not a finite number"),
])
def test_bad_items_are_named(items, text):
    with pytest.raises(ConfigError, match=text):
        parse_grid(items)


def test_run_key_ignores_parameter_order():
    assert run_key({"a": 1, "b": 2}, 3) == run_key({"b": 2, "a": 1}, 3)
    assert run_key({"a": 1}, 3) != run_key({"a": 1}, 4)
