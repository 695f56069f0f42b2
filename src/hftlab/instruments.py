"""Instrument, Venue, FeeSchedule and latency specs: frozen, typed, validated on creation.

Every check raises :class:`ConfigError` naming the field and the allowed range, so a
bad TOML file or a typo in code fails at load time, not in the middle of a run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields
from typing import Any, Mapping

US = 1_000
MS = 1_000_000
SEC = 1_000_000_000


class ConfigError(ValueError):
    """A configuration value is missing, unknown or out of its allowed range."""


def check(cond: bool, field_name: str, allowed: str, value: Any) -> None:
    """Raise ConfigError unless cond: '<field> must be <allowed>, got <value>'."""
    if not cond:
        raise ConfigError(f"{field_name} must be {allowed}, got {value!r}")


def from_mapping(cls, data: Mapping[str, Any], where: str = ""):
    """Build a frozen config dataclass from a mapping, rejecting unknown fields by name."""
    names = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - names)
    prefix = f"{where}." if where else ""
    if unknown:
        raise ConfigError(
            f"unknown field {prefix}{unknown[0]} for {cls.__name__}; allowed: {sorted(names)}"
        )
    return cls(**data)


@dataclass(frozen=True)
class Instrument:
    """A tradable instrument.

    tick_size: the price increment in currency; prices in the engine are integer ticks.
    lot_size: the quantity increment in units (shares, coins); sizes are integer lots.
    multiplier: currency value of one unit per 1.0 of price (1 for equities and spot).
    """

    symbol: str
    tick_size: float
    lot_size: float = 1.0
    multiplier: float = 1.0

    def __post_init__(self) -> None:
        check(isinstance(self.symbol, str) and self.symbol != "", "Instrument.symbol",
              "a non-empty string", self.symbol)
        for name in ("tick_size", "lot_size", "multiplier"):
            v = getattr(self, name)
            check(isinstance(v, (int, float)) and math.isfinite(v) and v > 0,
                  f"Instrument.{name}", "a finite number > 0", v)

    def to_ticks(self, price: float) -> int:
        """Currency price -> integer ticks; an off-tick price is an error, never rounded away."""
        ticks = price / self.tick_size
        r = round(ticks)
        if not math.isfinite(ticks) or abs(ticks - r) > 1e-6 * max(1.0, abs(ticks)):
            raise ValueError(f"price {price} is not a multiple of tick size {self.tick_size} "
                             f"for {self.symbol}")
        return int(r)

    def to_lots(self, qty: float) -> int:
        """Currency size -> integer lots; a size that is not a whole number of lots is an error."""
        lots = qty / self.lot_size
        r = round(lots)
        if not math.isfinite(lots) or abs(lots - r) > 1e-6 * max(1.0, abs(lots)):
            raise ValueError(f"size {qty} is not a multiple of lot size {self.lot_size} "
                             f"for {self.symbol}")
        return int(r)


FEE_UNITS = ("bps", "per_unit")


@dataclass(frozen=True)
class FeeSchedule:
    """Maker and taker fees of a venue. Positive = paid, negative = rebate received.

    unit "bps": rate in basis points of notional (price x units x multiplier);
    unit "per_unit": currency per unit traded (per share, per coin), as US equity venues
    quote them (e.g. maker -0.0020, taker 0.0030 under the access-fee cap).
    """

    maker: float = 0.0
    taker: float = 0.0
    unit: str = "bps"

    def __post_init__(self) -> None:
        check(self.unit in FEE_UNITS, "FeeSchedule.unit", f"one of {FEE_UNITS}", self.unit)
        for name in ("maker", "taker"):
            v = getattr(self, name)
            check(isinstance(v, (int, float)) and math.isfinite(v) and abs(v) < 1e4,
                  f"FeeSchedule.{name}", "a finite number in (-1e4, 1e4)", v)


@dataclass(frozen=True)
class Latency:
    """One leg of latency: base_ns plus a seeded uniform jitter in [0, jitter_ns]."""

    base_ns: int = 0
    jitter_ns: int = 0

    def __post_init__(self) -> None:
        for name in ("base_ns", "jitter_ns"):
            v = getattr(self, name)
            check(isinstance(v, int) and 0 <= v <= 60 * SEC, f"Latency.{name}",
                  "an integer number of ns in [0, 60e9]", v)


# Named profiles of the field (one-way latencies): feed, order entry, response.
PROFILES: dict[str, tuple[int, int]] = {
    "zero": (0, 0),
    "colocated": (80 * US, 40 * US),  # ~100 us
    "same-city": (1 * MS, 4 * MS),  # 1-5 ms
    "coast-to-coast": (10 * MS, 30 * MS),  # 10-40 ms
    "international": (100 * MS, 200 * MS),  # 100-300 ms
}


@dataclass(frozen=True)
class LatencyProfile:
    """Feed (exchange -> host), entry (host -> exchange) and response (exchange -> host).

    recorded_feed=True uses the data's ts_local where it is non-zero, and the feed leg
    only where it is zero.
    """

    feed: Latency = field(default_factory=Latency)
    entry: Latency = field(default_factory=Latency)
    response: Latency = field(default_factory=Latency)
    recorded_feed: bool = False

    @classmethod
    def named(cls, name: str, recorded_feed: bool = False) -> "LatencyProfile":
        """A profile from the field: zero, colocated, same-city, coast-to-coast, international."""
        check(name in PROFILES, "latency", f"one of {sorted(PROFILES)}", name)
        base, jit = PROFILES[name]
        leg = Latency(base, jit)
        return cls(feed=leg, entry=leg, response=leg, recorded_feed=recorded_feed)

    @classmethod
    def constant(cls, feed_ns: int = 0, entry_ns: int = 0,
                 response_ns: int | None = None) -> "LatencyProfile":
        """Constant legs; response defaults to the entry latency."""
        resp = entry_ns if response_ns is None else response_ns
        return cls(Latency(feed_ns), Latency(entry_ns), Latency(resp))


@dataclass(frozen=True)
class Venue:
    """A trading venue: its name, fee schedule and latency profile from our host."""

    name: str
    fees: FeeSchedule = field(default_factory=FeeSchedule)
    latency: LatencyProfile = field(default_factory=LatencyProfile)

    def __post_init__(self) -> None:
        check(isinstance(self.name, str) and self.name != "", "Venue.name",
              "a non-empty string", self.name)
        if isinstance(self.latency, str):
            object.__setattr__(self, "latency", LatencyProfile.named(self.latency))
        check(isinstance(self.fees, FeeSchedule), "Venue.fees", "a FeeSchedule", self.fees)
        check(isinstance(self.latency, LatencyProfile), "Venue.latency",
              "a LatencyProfile or a profile name", self.latency)
