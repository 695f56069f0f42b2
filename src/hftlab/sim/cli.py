"""The body of ``hftlab simulate`` (declared in hftlab/cli.py, which loads this module only
when the command runs): parse ``--set`` overrides, simulate, write Parquet."""

from __future__ import annotations

from pathlib import Path

from hftlab.instruments import ConfigError


def _value(text: str) -> object:
    """A --set value: int, float, true/false, a comma list of numbers, or a string."""
    low = text.strip().lower()
    if low in ("true", "false"):
        return low == "true"
    if "," in text:
        return [float(x) for x in text.split(",") if x.strip()]
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def parse_overrides(items: list[str]) -> dict[str, object]:
    """MarketParams overrides from ``--set FIELD=VALUE`` items."""
    out: dict[str, object] = {}
    for item in items:
        if "=" not in item:
            raise ConfigError(f"--set expects FIELD=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        out[k.strip()] = _value(v.strip())
    return out


def simulate(scenario: str, out: Path, seconds: float | None = None, seed: int | None = None,
             overrides: dict[str, object] | None = None) -> str:
    """Simulate scenario (a name or a TOML file), save its events to out; the summary line."""
    from hftlab.sim.scenarios import market

    data = market(scenario, seconds=seconds, seed=seed, **(overrides or {}))
    path = data.save(out)
    s = data.stats
    return (f"{s['scenario']}: {len(data):,} events from {s['messages']:,} messages "
            f"({s['messages_per_second'] / 1e6:.2f} M messages/s), seed {s['seed']} -> {path}")
