"""Parameter grids of a sweep: ``name=v1,v2,...`` items and their cartesian product."""

from __future__ import annotations

import itertools
import json
import math
from typing import Any, Mapping, Sequence

from hftlab.instruments import ConfigError


def parse_value(text: str) -> Any:
    """A grid value as typed: int, float, true / false, else the string itself."""
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    for kind in (int, float):
        try:
            v = kind(text)
        except ValueError:
            continue
        if isinstance(v, float) and not math.isfinite(v):
            raise ConfigError(f"grid value {text!r}: not a finite number")
        return v
    return text.strip()


def parse_grid(items: Sequence[str]) -> dict[str, list[Any]]:
    """{name: values} from ``name=v1,v2,...`` items (values typed by parse_value).

    A name given twice, an item without '=' or an empty value list is a ConfigError
    naming the item."""
    grid: dict[str, list[Any]] = {}
    for item in items:
        name, sep, values = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise ConfigError(f"grid item {item!r}: expected name=v1,v2,...")
        if name in grid:
            raise ConfigError(f"grid item {item!r}: {name} is given twice")
        vals = [parse_value(v) for v in values.split(",") if v.strip()]
        if not vals:
            raise ConfigError(f"grid item {item!r}: no values after '='")
        grid[name] = vals
    return grid


def expand_grid(grid: Mapping[str, Sequence[Any]] | Sequence[Mapping[str, Any]]
                ) -> list[dict[str, Any]]:
    """Every parameter set of the grid: the cartesian product of {name: values} in the
    order given, or a list of parameter sets as it is. An empty grid is one empty set."""
    if isinstance(grid, Mapping):
        names = list(grid)
        for n in names:
            if isinstance(grid[n], (str, bytes)) or not isinstance(grid[n], Sequence) \
                    or len(grid[n]) == 0:
                raise ConfigError(f"grid.{n}: expected a non-empty list of values, got "
                                  f"{grid[n]!r}")
        return [dict(zip(names, combo)) for combo in itertools.product(*grid.values())]
    sets = [dict(p) for p in grid]
    return sets or [{}]


def run_key(params: Mapping[str, Any], seed: int) -> str:
    """The identity of one run in a sweep table: its parameters (sorted JSON) and seed."""
    return json.dumps({"params": dict(sorted(params.items())), "seed": int(seed)},
                      sort_keys=True, default=str)
