"""RiskLimits: the risk engine's configuration, typed, validated, from code or TOML.

Every limit is optional (None = no limit). Per-instrument limits apply to every
instrument and can be overridden by symbol (``by_symbol={"AAPL": {"max_position": 500}}``)
or by index (``by_index={1: {...}}``); portfolio limits apply to the whole account.
Units: sizes in lots, prices in ticks, money in the account currency, times in ns.

TOML (a [risk] table, or the same keys at the top level)::

    [risk]
    max_order_qty = 1000
    price_band_pct = 0.05
    max_position = 5000
    hard_loss = 25000.0
    max_orders_per_sec = 500
    throttle_burst = 20

    [risk.by_symbol.AAPL]
    max_position = 2000

    [risk.by_index.1]
    halted = true
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from hftlab.instruments import ConfigError, check
from hftlab.risk import layout as L

INF = math.inf

# per-instrument fields: name -> (field of layout.LIMITS_DTYPE, kind, allowed range text)
INSTRUMENT_FIELDS: dict[str, tuple[str, str, str]] = {
    "max_order_qty": ("max_order_qty", "lots", "an integer number of lots >= 1"),
    "max_order_notional": ("max_order_notional", "money", "a finite amount > 0"),
    "max_position": ("max_position", "lots0", "an integer number of lots >= 0"),
    "max_position_notional": ("max_position_notional", "money0", "a finite amount >= 0"),
    "price_band_pct": ("band_pct", "fraction", "a fraction in (0, 1]"),
    "price_band_ticks": ("band_ticks", "ticks", "a number of ticks >= 0"),
    "duplicate_window_ns": ("dup_window", "ns", "an integer number of ns >= 0"),
    "max_cancel_ratio": ("max_cancel_ratio", "ratio", "a finite ratio >= 0"),
    "cancel_ratio_grace": ("cancel_grace", "count", "an integer count >= 0"),
    "max_cancel_to_order": ("max_cancel_to_order", "ratio", "a finite ratio >= 0"),
    "cancel_to_order_grace": ("cancel_to_order_grace", "count", "an integer count >= 0"),
    "max_holding_ns": ("max_holding", "ns1", "an integer number of ns >= 1"),
    "halted": ("halted", "bool", "true or false"),
}

# portfolio fields: name -> (field of layout.PORTFOLIO_DTYPE, kind, allowed range text)
PORTFOLIO_FIELDS: dict[str, tuple[str, str, str]] = {
    "max_gross_notional": ("gross", "money0", "a finite amount >= 0"),
    "max_net_notional": ("net", "money0", "a finite amount >= 0"),
    "max_concentration": ("concentration", "fraction", "a fraction in (0, 1]"),
    "concentration_min_gross": ("conc_min_gross", "money0", "a finite amount >= 0"),
    "max_orders_per_sec": ("rate", "rate", "a finite rate > 0 (orders per second)"),
    "throttle_burst": ("burst", "count1", "an integer count >= 1"),
    "soft_loss": ("soft_loss", "money", "a finite amount > 0"),
    "hard_loss": ("hard_loss", "money", "a finite amount > 0"),
    "soft_drawdown": ("soft_drawdown", "money", "a finite amount > 0"),
    "hard_drawdown": ("hard_drawdown", "money", "a finite amount > 0"),
    "reducing_offset_ticks": ("reducing_offset", "ticks", "a number of ticks >= 0"),
    "correlation_threshold": ("corr_threshold", "corr", "a correlation in (-1, 1]"),
    "correlation_halflife": ("corr_halflife", "pos", "a finite number of updates > 0"),
    "correlation_interval_ns": ("corr_interval", "ns", "an integer number of ns >= 0"),
    "correlation_min_updates": ("corr_min_updates", "count", "an integer count >= 0"),
    "kill_at_ns": ("kill_at", "time", "an integer time in ns since the epoch >= 0"),
    "kill_after_denials": ("kill_denials", "count1", "an integer count >= 1"),
}

CORR_ACTIONS = ("none", "reducing", "pause")  # layout.CORR_NONE, CORR_REDUCING, CORR_PAUSE

# what a field means when it is None but the array needs a number
DEFAULTS = {"cancel_ratio_grace": 0, "cancel_to_order_grace": 0, "throttle_burst": 1,
            "concentration_min_gross": 0.0,
            "correlation_halflife": 20.0, "correlation_interval_ns": 0,
            "correlation_min_updates": 10}


def _valid(kind: str, v: Any) -> bool:
    number = isinstance(v, (int, float)) and not isinstance(v, bool)
    integer = isinstance(v, int) and not isinstance(v, bool)
    if kind == "bool":
        return isinstance(v, bool)
    if not number or not math.isfinite(v):
        return False
    return {
        "lots": integer and v >= 1, "lots0": integer and v >= 0, "money": v > 0,
        "money0": v >= 0, "fraction": 0 < v <= 1, "ticks": v >= 0, "ns": integer and v >= 0,
        "ns1": integer and v >= 1, "ratio": v >= 0, "count": integer and v >= 0,
        "count1": integer and v >= 1, "rate": v > 0, "corr": -1 < v <= 1, "pos": v > 0,
        "time": integer and v >= 0,
    }[kind]


def _check_field(where: str, name: str, spec: tuple[str, str, str], v: Any) -> None:
    if v is None:
        return
    check(_valid(spec[1], v), where, f"{spec[2]} or None", v)


def _check_overrides(where: str, table: Mapping, key_ok, key_text: str) -> dict:
    check(isinstance(table, Mapping), where, "a mapping of instrument -> {field: value}", table)
    out = {}
    for key, over in table.items():
        check(key_ok(key), f"{where} key", key_text, key)
        check(isinstance(over, Mapping), f"{where}.{key}", "a mapping of field -> value", over)
        for name, v in over.items():
            if name not in INSTRUMENT_FIELDS:
                raise ConfigError(f"unknown field {where}.{key}.{name}; per-instrument fields: "
                                  f"{sorted(INSTRUMENT_FIELDS)}")
            _check_field(f"{where}.{key}.{name}", name, INSTRUMENT_FIELDS[name], v)
        out[key] = MappingProxyType(dict(over))
    return out


@dataclass(frozen=True)
class RiskLimits:
    """Pre-trade limits and intraday controls (see the module doc for units and TOML).

    Pre-trade, per instrument: max_order_qty, max_order_notional, max_position (lots) and
    max_position_notional (worst case: position plus open orders on a side, valued at the
    reference price), price_band_pct / price_band_ticks (limit price vs the host's mid;
    the tighter applies), duplicate_window_ns, max_cancel_ratio (cancels per fill, after
    cancel_ratio_grace cancels), max_cancel_to_order (cancels per new order sent, after
    cancel_to_order_grace cancels; new orders and modifies are denied past it), halted.
    Portfolio: max_gross_notional, max_net_notional,
    max_concentration (share of gross in one instrument, from concentration_min_gross
    on), max_orders_per_sec with throttle_burst (token bucket per venue, for new orders
    and modifies). Intraday: soft_loss / soft_drawdown (REDUCING), hard_loss /
    hard_drawdown (HALTED), reducing_offset_ticks (how far behind the mid orders must rest
    in REDUCING), max_holding_ns, correlation_threshold (alert on the mean pairwise EWMA
    correlation of mid returns; correlation_halflife in updates, one update per
    correlation_interval_ns at most, none before correlation_min_updates;
    correlation_direction "above" (default: correlations spiking together) or "below" (a
    pair breaking down); correlation_scope a list of symbols or indices, e.g. a pair
    (default: all instruments); correlation_action "none" (default: a risk event only),
    "reducing" (state REDUCING) or "pause" (new orders denied until the desk resumes)).
    Kill switch:
    kill_at_ns (a time), kill_after_denials (a condition).
    """

    max_order_qty: int | None = None
    max_order_notional: float | None = None
    max_position: int | None = None
    max_position_notional: float | None = None
    price_band_pct: float | None = None
    price_band_ticks: float | None = None
    duplicate_window_ns: int | None = None
    max_cancel_ratio: float | None = None
    cancel_ratio_grace: int | None = None
    max_cancel_to_order: float | None = None
    cancel_to_order_grace: int | None = None
    max_holding_ns: int | None = None
    halted: bool | None = None
    max_gross_notional: float | None = None
    max_net_notional: float | None = None
    max_concentration: float | None = None
    concentration_min_gross: float | None = None
    max_orders_per_sec: float | None = None
    throttle_burst: int | None = None
    soft_loss: float | None = None
    hard_loss: float | None = None
    soft_drawdown: float | None = None
    hard_drawdown: float | None = None
    reducing_offset_ticks: float | None = None
    correlation_threshold: float | None = None
    correlation_halflife: float | None = None
    correlation_interval_ns: int | None = None
    correlation_min_updates: int | None = None
    correlation_direction: str | None = None
    correlation_scope: Sequence[str | int] | None = None
    correlation_action: str | None = None
    kill_at_ns: int | None = None
    kill_after_denials: int | None = None
    by_symbol: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    by_index: Mapping[int, Mapping[str, Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, spec in {**INSTRUMENT_FIELDS, **PORTFOLIO_FIELDS}.items():
            _check_field(f"RiskLimits.{name}", name, spec, getattr(self, name))
        for soft, hard in (("soft_loss", "hard_loss"), ("soft_drawdown", "hard_drawdown")):
            s, h = getattr(self, soft), getattr(self, hard)
            if s is not None and h is not None:
                check(s <= h, f"RiskLimits.{soft}", f"<= {hard} ({h})", s)
        check(self.correlation_direction in (None, "above", "below"),
              "RiskLimits.correlation_direction", "'above', 'below' or None",
              self.correlation_direction)
        check(self.correlation_action in (None, *CORR_ACTIONS), "RiskLimits.correlation_action",
              f"one of {list(CORR_ACTIONS)} or None", self.correlation_action)
        sc = self.correlation_scope
        if sc is not None:
            check(isinstance(sc, Sequence) and not isinstance(sc, (str, bytes)) and len(sc) >= 2
                  and all((isinstance(x, str) and x != "") or (isinstance(x, int)
                          and not isinstance(x, bool) and x >= 0) for x in sc),
                  "RiskLimits.correlation_scope",
                  "a list of at least 2 symbols or instrument indices, or None", sc)
            object.__setattr__(self, "correlation_scope", tuple(sc))
        if self.throttle_burst is not None:
            check(self.max_orders_per_sec is not None, "RiskLimits.throttle_burst",
                  "set together with max_orders_per_sec", self.throttle_burst)
        object.__setattr__(self, "by_symbol", MappingProxyType(_check_overrides(
            "RiskLimits.by_symbol", self.by_symbol, lambda k: isinstance(k, str) and k != "",
            "a non-empty symbol string")))
        object.__setattr__(self, "by_index", MappingProxyType(_check_overrides(
            "RiskLimits.by_index", self.by_index,
            lambda k: isinstance(k, int) and not isinstance(k, bool) and k >= 0,
            "an instrument index >= 0")))

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], where: str = "risk") -> RiskLimits:
        """Build from a mapping (e.g. a parsed TOML table), rejecting unknown fields by name."""
        check(isinstance(data, Mapping), where, "a table of risk limits", data)
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - names)
        if unknown:
            raise ConfigError(f"unknown field {where}.{unknown[0]} for RiskLimits; allowed: "
                              f"{sorted(names)}")
        kw = dict(data)
        if "by_index" in kw:
            table = kw["by_index"]
            check(isinstance(table, Mapping), f"{where}.by_index",
                  "a table of instrument index -> limits", table)
            idx = {}
            for k, v in table.items():
                check(isinstance(k, int) or (isinstance(k, str) and k.isdigit()),
                      f"{where}.by_index key", "an instrument index >= 0", k)
                idx[int(k)] = v
            kw["by_index"] = idx
        return cls(**kw)

    @classmethod
    def from_toml(cls, path: str | Path) -> RiskLimits:
        """Read limits from a TOML file: a [risk] table, or the keys at the top level."""
        p = Path(path)
        try:
            data = tomllib.loads(p.read_text())
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(f"{p}: not valid TOML ({e})") from None
        table = data.get("risk", data) if isinstance(data.get("risk"), Mapping) else data
        return cls.from_mapping(table, "risk")

    def with_overrides(self, **kw: Any) -> RiskLimits:
        """A copy with some fields changed (validated again)."""
        return replace(self, **kw)

    # -- the engine's arrays --------------------------------------------------------------
    def to_params(self, n_instr: int, symbols: Sequence[str] | None = None) -> L.RiskParams:
        """The engine's limits for a run of n_instr instruments (layout.RiskParams: one row
        per instrument and the portfolio record; inf = no limit). symbols (one per
        instrument) resolve by_symbol overrides."""
        check(isinstance(n_instr, int) and n_instr >= 1, "n_instr", "an integer >= 1", n_instr)
        params = L.no_limits(n_instr)
        limits, port = params.limits, params.portfolio
        for name, (col, _, _) in INSTRUMENT_FIELDS.items():
            limits[col] = _value(name, getattr(self, name))
        for name, (col, _, _) in PORTFOLIO_FIELDS.items():
            if name != "kill_at_ns":
                port[col] = _value(name, getattr(self, name))
        if self.kill_at_ns is not None:
            port["kill_at"] = self.kill_at_ns
        if self.max_orders_per_sec is not None:
            port["interval"] = 1e9 / self.max_orders_per_sec
            port["tau"] = (port["burst"] - 1.0) * port["interval"]
        for idx, over in self._resolved(n_instr, symbols):
            for name, v in over.items():
                limits[idx][INSTRUMENT_FIELDS[name][0]] = _value(name, v)
        port["corr_below"] = 1.0 if self.correlation_direction == "below" else 0.0
        port["corr_action"] = float(CORR_ACTIONS.index(self.correlation_action or "none"))
        if self.correlation_scope is not None:
            keep = {_index(x, n_instr, symbols) for x in self.correlation_scope}
            limits["corr_scope"] = [1.0 if k in keep else 0.0 for k in range(n_instr)]
        return params

    def _resolved(self, n_instr: int, symbols: Sequence[str] | None):
        for idx, over in self.by_index.items():
            check(idx < n_instr, "RiskLimits.by_index key",
                  f"an instrument index in [0, {n_instr - 1}]", idx)
            yield idx, over
        if self.by_symbol:
            check(symbols is not None, "RiskLimits.by_symbol",
                  "used with the run's symbols: RiskLimits.resolve(instruments) or "
                  "to_params(n, symbols)", sorted(self.by_symbol))
            pos = {s: k for k, s in enumerate(symbols)}
            for sym, over in self.by_symbol.items():
                check(sym in pos, f"RiskLimits.by_symbol.{sym}",
                      f"a symbol of the run's instruments {sorted(pos)}", sym)
                yield pos[sym], over

    def resolve(self, instruments: Sequence[Any]) -> RiskLimits:
        """A copy whose by_symbol overrides are turned into by_index ones for these
        instruments (Instrument objects or symbols), so to_params(n) needs no symbols."""
        symbols = [getattr(i, "symbol", i) for i in instruments]
        merged = {k: dict(v) for k, v in self.by_index.items()}
        for idx, over in self._resolved(len(symbols), symbols):
            merged.setdefault(idx, {}).update(over)
        return replace(self, by_symbol={}, by_index=merged)


def _index(x: str | int, n_instr: int, symbols: Sequence[str] | None) -> int:
    """An instrument of correlation_scope (symbol or index) as an index of the run."""
    if isinstance(x, str):
        names = list(symbols or [])
        check(x in names, "RiskLimits.correlation_scope",
              f"a symbol of the run's instruments {names}", x)
        return names.index(x)
    check(x < n_instr, "RiskLimits.correlation_scope",
          f"an instrument index in [0, {n_instr - 1}]", x)
    return x


def _value(name: str, v: Any) -> float:
    if v is None:
        v = DEFAULTS.get(name)
    if v is None:
        return INF
    if isinstance(v, bool):
        return 1.0 if v else INF
    return float(v)
