"""``hftlab simulate``: write a simulated background market as canonical events.

Registered by hftlab/cli.py as ``app.command("simulate")(simulate_command)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

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


def simulate_command(
    scenario: Annotated[str, typer.Argument(help="calm, informed-episode, toxicity-regimes, "
                                                 "flash-crash, lagging-venue, "
                                                 "correlated-assets, calibrated, or a TOML "
                                                 "file with scenario = \"<name>\".")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Parquet file to write.")],
    seconds: Annotated[float | None, typer.Option(help="Session length in seconds "
                                                       "(default: the scenario's).")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of every agent's random stream.")]
    = None,
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a MarketParams "
                                                                 "field, e.g. --set "
                                                                 "informed_rate=8")] = None,
) -> None:
    """Simulate a background market (no strategy) and write its canonical events to
    Parquet, for hftlab.backtest, hftlab analyze and the readers' tools."""
    from hftlab.sim.scenarios import market

    overrides: dict = {}
    for item in set_ or []:
        if "=" not in item:
            typer.echo(f"--set expects FIELD=VALUE, got {item!r}", err=True)
            raise typer.Exit(2)
        k, v = item.split("=", 1)
        overrides[k.strip()] = _value(v.strip())
    try:
        data = market(scenario, seconds=seconds, seed=seed, **overrides)
    except ConfigError as e:
        typer.echo(f"config error: {e}", err=True)
        raise typer.Exit(2) from None
    path = data.save(out)
    s = data.stats
    typer.echo(f"{s['scenario']}: {len(data):,} events from {s['messages']:,} messages "
               f"({s['messages_per_second'] / 1e6:.2f} M messages/s), seed {s['seed']} -> "
               f"{path}")
