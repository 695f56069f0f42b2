"""Backtests configured in TOML: ``run_config(path, out)`` runs one into a run folder.

```toml
[market]                 # one of three sources
source = "sim"           # "sim" (hftlab.sim.market), "replay" (a Parquet file), "synthetic"
scenario = "informed-episode"
seconds = 3600
seed = 7
# path = "day.parquet"   # replay: MarketData written by hftlab (data.save / hftlab convert),
#                        #   relative to this file; $VARS are expanded
# format = "lobster"     # replay: read path as a raw file (lobster, itch, dbn, binance, tardis)
# seconds = 60           # replay: only the data's first seconds (default: all of it)
# events = 1000000       # synthetic: events of hftlab.data.synthetic.l2_stream
# [market.overrides]     # sim: MarketParams fields, e.g. informed_rate = 8.0

[venue]                  # every venue of the data; default: the data's own
maker = -0.002           # fee schedule (negative = rebate)
taker = 0.003
fee_unit = "per_unit"    # or "bps"
latency = "colocated"    # zero, colocated, same-city, coast-to-coast, international,
# latency = {entry = "250us", response = "300us", feed = "1ms", jitter = "20us"}  # or legs
#                          (ns or a unit: ns, us, ms, s; response defaults to entry)

[strategy]
name = "glft"            # static, inventory_skew, avellaneda_stoikov, glft, toxicity_aware
compiled = true          # false: the plain-Python form (same record, slower)
[strategy.params]        # the strategy's constructor arguments (ticks, lots, seconds)
gamma = 0.01

[run]
seed = 7                 # latency jitter
queue = "conservative"   # L2 queue model: conservative, power, power:N (L3 data: exact FIFO)
fill_model = "partial"   # replay fills: partial (capped by what traded) or full (all-or-nothing)
mode = "auto"            # simulate (sim markets react to our orders), replay, or auto
sample_ms = 100

[risk]                   # optional: hftlab.risk.RiskLimits fields

[report]                 # optional
vpin_bucket = 500        # lots per VPIN bucket (default: the market's volume / 200)
vpin_window = 50
```

Every error is a ConfigError naming the field (``market.seconds``) and what it allows.
"""

from __future__ import annotations

import inspect
import json
import math
import os
import tomllib
from pathlib import Path
from typing import Any, Mapping

import hftlab
from hftlab.instruments import (MS, PROFILES, ConfigError, FeeSchedule, LatencyProfile, Venue,
                                check)
from hftlab.strategies import GLFT, AvellanedaStoikov, InventorySkew, Static, ToxicityAware

STRATEGIES = {"static": Static, "inventory_skew": InventorySkew,
              "avellaneda_stoikov": AvellanedaStoikov, "glft": GLFT,
              "toxicity_aware": ToxicityAware}
SECTIONS = {
    "market": {"source", "scenario", "seconds", "seed", "path", "format", "events",
               "overrides"},
    "venue": {"maker", "taker", "fee_unit", "latency"},
    "strategy": {"name", "compiled", "params"},
    "run": {"seed", "queue", "sample_ms", "stp", "mode", "fill_model"},
    "risk": None,  # checked by RiskLimits.from_mapping
    "report": {"vpin_bucket", "vpin_window", "title"},
}
SOURCES = ("sim", "replay", "synthetic")


def _known(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    for key in table:
        if key not in allowed:
            raise ConfigError(f"unknown field {where}.{key}; allowed: {sorted(allowed)}")


def _table(cfg: Mapping[str, Any], name: str) -> dict[str, Any]:
    t = cfg.get(name, {})
    check(isinstance(t, dict), name, "a table ([" + name + "])", t)
    return t


def _num(t: Mapping[str, Any], key: str, where: str, low: float, high: float, default: Any,
         integer: bool = False) -> Any:
    v = t.get(key, default)
    kind = "an integer" if integer else "a number"
    ok = isinstance(v, int) if integer else isinstance(v, (int, float))
    check(ok and not isinstance(v, bool) and math.isfinite(v) and low <= v <= high,
          f"{where}.{key}", f"{kind} in [{low:g}, {high:g}]", v)
    return v


def load_config(path: str | Path) -> dict[str, Any]:
    """Read and check a config file; returns its tables (unknown fields are errors)."""
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"{p}: no such config file")
    try:
        cfg = tomllib.loads(p.read_text())
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{p}: not valid TOML ({e})") from None
    _known(cfg, set(SECTIONS), "config")
    for name, allowed in SECTIONS.items():
        if allowed is not None:
            _known(_table(cfg, name), allowed, name)
    check("strategy" in cfg, "strategy", "a [strategy] table with a name", None)
    return cfg


def make_data(m: Mapping[str, Any], base: str | Path = "."):
    """(MarketData, informed-episode span in seconds or None) for the [market] table; a
    relative replay path is relative to base (the config file's folder)."""
    source = m.get("source", "sim")
    check(source in SOURCES, "market.source", f"one of {SOURCES}", source)
    seed = _num(m, "seed", "market", 0, 2**63 - 1, 0, integer=True)
    if source == "replay":
        return _replay(m, Path(base)), None
    if source == "synthetic":
        from hftlab.data.synthetic import l2_stream
        n = _num(m, "events", "market", 100, 200_000_000, 1_000_000, integer=True)
        return l2_stream(n, seed=seed), None
    from hftlab.sim import SCENARIOS, market
    scenario = m.get("scenario", "informed-episode")
    check(scenario in SCENARIOS, "market.scenario", f"one of {sorted(SCENARIOS)}", scenario)
    seconds = _num(m, "seconds", "market", 1, 7 * 86_400, 3600)
    over = m.get("overrides", {})
    check(isinstance(over, dict), "market.overrides", "a table of MarketParams fields", over)
    data = market(scenario, seconds=seconds, seed=seed, **over)
    span = data.stats.get("episode_s")
    return data, (tuple(map(float, span)) if span is not None and scenario ==
                  "informed-episode" else None)


def _replay(m: Mapping[str, Any], base: Path):
    """The MarketData of a replay [market] table: path, optional format and seconds."""
    from hftlab.data.cli import FORMATS, reader
    from hftlab.data.market import MarketData
    from hftlab.data.store import load

    check(isinstance(m.get("path"), str), "market.path", "the path of Parquet written "
          "by hftlab (a file or a directory), or of a raw file with market.format", m.get("path"))
    path = base / Path(os.path.expandvars(m["path"])).expanduser()
    fmt = m.get("format")
    check(fmt is None or fmt in FORMATS, "market.format", f"one of {list(FORMATS)}", fmt)
    seconds = m.get("seconds")
    if fmt is None and seconds is None:
        return load(path, lazy=True)
    data = reader(fmt)(path) if fmt else load(path)
    if seconds is None:
        return data
    seconds = _num(m, "seconds", "market", 1e-3, 7 * 86_400, None)
    ts = data.events["ts"]
    late = ts >= ts[0] + int(seconds * 1e9)  # a reader's MarketData is never empty
    n = int(late.argmax()) if late.any() else len(ts)
    return MarketData(data.events[:n], data.instruments, data.venues, record=data.record[:n],
                      source=f"{data.source}, first {seconds:g} s", stats=data.stats)


def make_venues(v: Mapping[str, Any], data) -> list[Venue]:
    """The [venue] table's fees and latency for each venue of the data, under its name
    (default: the data's own venues)."""
    if not v:
        return list(data.venues)
    unit = v.get("fee_unit", "per_unit")
    check(unit in ("bps", "per_unit"), "venue.fee_unit", "'bps' or 'per_unit'", unit)
    maker = _num(v, "maker", "venue", -1e4, 1e4, 0.0)
    taker = _num(v, "taker", "venue", -1e4, 1e4, 0.0)
    lat = v.get("latency", "colocated")
    if isinstance(lat, dict):
        profile = LatencyProfile.from_mapping(lat, "venue.latency")
    else:
        check(isinstance(lat, str) and lat in PROFILES, "venue.latency",
              f"one of {sorted(PROFILES)} or a table of legs ({{entry = \"250us\"}})", lat)
        profile = LatencyProfile.named(lat)
    return [Venue(d.name, FeeSchedule(maker, taker, unit), profile) for d in data.venues]


def make_strategy(s: Mapping[str, Any]):
    """The [strategy] table as a strategy (Python or compiled form)."""
    name = s.get("name")
    check(name in STRATEGIES, "strategy.name", f"one of {sorted(STRATEGIES)}", name)
    cls = STRATEGIES[name]
    params = s.get("params", {})
    check(isinstance(params, dict), "strategy.params", f"a table of {cls.__name__} arguments",
          params)
    allowed = set(inspect.signature(cls.__init__).parameters) - {"self"}
    _known(params, allowed, "strategy.params")
    params = {k: tuple(v) if isinstance(v, list) else v for k, v in params.items()}
    strat = cls(**params)
    compiled = s.get("compiled", True)
    check(isinstance(compiled, bool), "strategy.compiled", "true or false", compiled)
    return strat, (strat.compiled() if compiled else strat)


def run_config(path: str | Path, out: str | Path, progress: Any = None) -> dict:
    """Run the backtest a TOML file configures (module docstring) into the run folder out:
    records (Parquet + run.json), report.html with its PNGs, summary.json. Returns the
    summary."""
    from hftlab.report.page import jsonable
    from hftlab.report.run_report import analyse, write_report
    cfg = load_config(path)
    data, span = make_data(_table(cfg, "market"), Path(path).parent)
    venues = make_venues(_table(cfg, "venue"), data)
    strat, runnable = make_strategy(_table(cfg, "strategy"))
    r = _table(cfg, "run")
    queue = r.get("queue", "conservative")
    check(isinstance(queue, str) and (queue in ("conservative", "power") or (
        queue.startswith("power:") and _is_float(queue[6:]))), "run.queue",
        "'conservative', 'power' or 'power:N' with a number N", queue)
    stp = r.get("stp", "cancel-newest")
    check(stp in ("cancel-newest", "cancel-oldest", "cancel-both"), "run.stp",
          "one of ['cancel-both', 'cancel-newest', 'cancel-oldest']", stp)
    sample = _num(r, "sample_ms", "run", 1, 3_600_000, 100, integer=True)
    seed = _num(r, "seed", "run", 0, 2**63 - 1, 0, integer=True)
    mode = r.get("mode", "auto")
    check(mode in ("auto", "replay", "simulate"), "run.mode", "'auto', 'replay' or 'simulate'",
          mode)
    fill_model = r.get("fill_model", "partial")
    check(fill_model in ("partial", "full"), "run.fill_model", "'partial' or 'full'", fill_model)
    risk = None
    if "risk" in cfg:
        from hftlab.risk import RiskLimits
        risk = RiskLimits.from_mapping(_table(cfg, "risk"), "risk")
    rep = _table(cfg, "report")
    bucket = rep.get("vpin_bucket")
    if bucket is not None:
        bucket = _num(rep, "vpin_bucket", "report", 1e-9, 1e15, None)
    window = _num(rep, "vpin_window", "report", 1, 100_000, 50, integer=True)
    rec = hftlab.backtest(data, runnable, venues=venues, queue=queue, seed=seed,
                          sample_ns=sample * MS, stp=stp, risk=risk, progress=progress,
                          mode=mode, fill_model=fill_model)
    rec.meta["strategy"] = getattr(strat, "name", type(strat).__name__)
    rec.meta["parameters"] = strat.describe()
    outp = Path(out)
    rec.save(outp)
    title = rep.get("title", f"hftlab backtest: {rec.meta['strategy']} ({Path(path).name})")
    limit = strat.capacity
    if risk is not None and risk.max_position is not None:
        limit = min(limit, int(risk.max_position))
    a = analyse(rec, data, bucket, window, limit)
    report = write_report(rec, outp, str(title), analysis=a, spans=[span] if span else [],
                          span_label="informed episode")
    summary = {"config": str(path), "summary": a["summary"], "metrics": a["metrics"],
               "decomposition": a["decomposition"],
               "markouts": a["markouts"].to_dict(orient="records"),
               "engine": rec.summary(), "report": str(report)}
    (outp / "summary.json").write_text(json.dumps(jsonable(summary), indent=2, allow_nan=False))
    return summary


def _is_float(s: str) -> bool:
    try:
        return math.isfinite(float(s))
    except ValueError:
        return False

