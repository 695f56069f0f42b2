"""`hftlab sweep CONFIG --grid name=v1,v2 --seeds N [--scheduler ADDRESS]`: the backtest a
TOML config describes (hftlab.config), run for every parameter set and seed on Dask.

A grid name is a dotted path into the config: ``strategy.params.gamma``,
``market.overrides.informed_rate``, ``risk.hard_loss``, ``market.seconds``,
``venue.taker``; a bare name (``gamma``) means ``strategy.params.<name>``. The seed of
a run is both the market's seed (``market.seed``) and the engine's (``run.seed``).
Values are checked where the config checks them: a bad one fails that run with the
config's error in the table's error column, and the others finish.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Mapping

from hftlab.instruments import MS, ConfigError

SCALAR_METRICS = ("total_pnl", "max_drawdown", "sharpe_run", "orders", "rejected", "denied",
                  "fills", "volume", "maker_share", "fees", "max_abs_position", "risk_events",
                  "events")


def config_path(name: str) -> tuple[str, ...]:
    """The dotted path a grid name sets in the config (bare names: strategy.params)."""
    from hftlab.config import SECTIONS

    parts = tuple(name.split("."))
    if len(parts) == 1:
        return ("strategy", "params", name)
    if parts[0] not in SECTIONS or any(p == "" for p in parts):
        raise ConfigError(f"grid name {name!r}: expected a parameter of the strategy or a "
                          f"dotted path starting with one of {sorted(SECTIONS)}")
    return parts


def apply(cfg: dict, params: Mapping[str, Any]) -> dict:
    """A copy of cfg with every params value set at its dotted path (config_path)."""
    out = copy.deepcopy(cfg)
    for name, value in params.items():
        *head, leaf = config_path(name)
        node = out
        for key in head:
            node = node.setdefault(key, {})
            if not isinstance(node, dict):
                raise ConfigError(f"grid name {name!r}: {key} is not a table in the config")
        node[leaf] = value
    return out


class ConfigTask:
    """A sweep task (hftlab.scale.sweep) running the backtest of a TOML config with the
    run's parameters set in it; returns the run's summary metrics (SCALAR_METRICS)."""

    def __init__(self, path: str | Path) -> None:
        from hftlab.config import load_config

        self.path = Path(path).resolve()
        self.cfg = load_config(self.path)  # checked here, before any worker starts

    def warm(self) -> None:
        """The config's own backtest on a few seconds of its market (1,000 events of a
        synthetic one): loads, or compiles, exactly the kernels its runs need."""
        source = self.cfg.get("market", {}).get("source", "sim")
        short = {"market.events": 1000} if source == "synthetic" else {"market.seconds": 5}
        self(short, 0)

    def __call__(self, params: dict, seed: int) -> dict[str, Any]:
        import hftlab
        from hftlab.config import SECTIONS, make_data, make_strategy, make_venues

        cfg = apply(self.cfg, params)
        cfg.setdefault("market", {})["seed"] = seed
        cfg.setdefault("run", {})["seed"] = seed
        for section, allowed in SECTIONS.items():
            if allowed is not None and section in cfg:
                unknown = sorted(set(cfg[section]) - allowed)
                if unknown:
                    raise ConfigError(f"unknown field {section}.{unknown[0]}; allowed: "
                                      f"{sorted(allowed)}")
        data, _ = make_data(cfg["market"], self.path.parent)
        venues = make_venues(cfg.get("venue", {}), data)
        _, runnable = make_strategy(cfg["strategy"])
        run = cfg.get("run", {})
        risk = None
        if "risk" in cfg:
            from hftlab.risk import RiskLimits
            risk = RiskLimits.from_mapping(cfg["risk"], "risk")
        rec = hftlab.backtest(data, runnable, venues=venues, seed=seed, risk=risk,
                              queue=run.get("queue", "conservative"),
                              stp=run.get("stp", "cancel-newest"), mode=run.get("mode", "auto"),
                              sample_ns=int(run.get("sample_ms", 100)) * MS)
        s = rec.summary()
        return {k: s[k] for k in SCALAR_METRICS if k in s}
