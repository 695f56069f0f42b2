"""Instrument, Venue, FeeSchedule and latency specs: frozen, typed, validated on creation.

Every check raises :class:`ConfigError` naming the field and the allowed range, so a
bad TOML file or a typo in code fails at load time, not in the middle of a run.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any, Mapping

US = 1_000
MS = 1_000_000
SEC = 1_000_000_000
DURATION_UNITS = {"ns": 1, "us": US, "µs": US, "ms": MS, "s": SEC}
MAX_LATENCY_NS = 60 * SEC
DURATION = "an integer number of ns in [0, 60e9] or a duration such as '250us' or '1ms'"
_DURATION = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*(ns|us|µs|ms|s)\s*")


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


def to_ns(value: int | str, field_name: str, most: int | None = None) -> int:
    """A latency in whole ns from an int (ns) or a string with a unit ('250us', '1.5ms',
    '2s', '800ns'); ConfigError naming field_name unless it is in [0, 60 s] (or [0, most]
    ns when given)."""
    ns = None
    if isinstance(value, int) and not isinstance(value, bool):
        ns = value
    elif isinstance(value, str) and (m := _DURATION.fullmatch(value)):
        exact = Decimal(m[1]) * DURATION_UNITS[m[2]]
        ns = int(exact) if exact == exact.to_integral_value() else None
    hi = MAX_LATENCY_NS if most is None else most
    allowed = DURATION if most is None else DURATION.replace("60e9", f"{most:.0e}")
    check(ns is not None and 0 <= ns <= hi, field_name, allowed, value)
    return ns


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

    @property
    def tick_value(self) -> float:
        """Currency value of one tick on one lot (the engine's P&L unit per tick x lot)."""
        return self.tick_size * self.lot_size * self.multiplier

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
    """One leg of latency: base_ns plus a seeded uniform jitter in [0, jitter_ns].

    Either may be given as a duration string ('250us', '1ms'); both are stored as int ns.
    """

    base_ns: int = 0
    jitter_ns: int = 0

    def __post_init__(self) -> None:
        for name in ("base_ns", "jitter_ns"):
            object.__setattr__(self, name, to_ns(getattr(self, name), f"Latency.{name}"))


MAX_SPIKE_START_NS = 7 * 86_400 * 10**9  # a week into the session


@dataclass(frozen=True)
class LatencySpike:
    """A time-limited rise of the entry latency: an order sent by the host between start
    and start + duration (ns, or duration strings, counted from the session's first
    event) reaches the venue extra ns later than the entry leg says. Outside the window
    the entry leg alone applies. Orders still reach the venue in the order they were sent
    (the entry channel is FIFO), so one sent just after the window waits for those sent
    just before its end."""

    start: int | str = 0
    duration: int | str = 0
    extra: int | str = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "start", to_ns(self.start, "LatencySpike.start",
                                                MAX_SPIKE_START_NS))
        object.__setattr__(self, "duration", to_ns(self.duration, "LatencySpike.duration",
                                                   MAX_SPIKE_START_NS))
        object.__setattr__(self, "extra", to_ns(self.extra, "LatencySpike.extra"))


# Named profiles of the field (one-way latencies): feed, order entry, response.
PROFILES: dict[str, tuple[int, int]] = {
    "zero": (0, 0),
    "colocated": (80 * US, 40 * US),  # ~100 us
    "same-city": (1 * MS, 4 * MS),  # 1-5 ms
    "coast-to-coast": (10 * MS, 30 * MS),  # 10-40 ms
    "international": (100 * MS, 200 * MS),  # 100-300 ms
}


LATENCY_LEGS = ("feed", "entry", "response")


@dataclass(frozen=True)
class LatencyProfile:
    """Feed (exchange -> host), entry (host -> exchange) and response (exchange -> host).

    A leg given as ns or a duration string (``LatencyProfile(entry="250us")``) is a
    constant Latency. recorded_feed=True uses the data's ts_local where it is non-zero,
    and the feed leg only where it is zero. entry_spike: a LatencySpike on order entry
    (None: the entry leg all session).
    """

    feed: Latency = field(default_factory=Latency)
    entry: Latency = field(default_factory=Latency)
    response: Latency = field(default_factory=Latency)
    recorded_feed: bool = False
    entry_spike: LatencySpike | None = None

    def __post_init__(self) -> None:
        for name in LATENCY_LEGS:
            leg = getattr(self, name)
            if not isinstance(leg, Latency):
                object.__setattr__(self, name, Latency(to_ns(leg, f"LatencyProfile.{name}")))
        check(isinstance(self.recorded_feed, bool), "LatencyProfile.recorded_feed",
              "true or false", self.recorded_feed)
        check(self.entry_spike is None or isinstance(self.entry_spike, LatencySpike),
              "LatencyProfile.entry_spike", "None or a LatencySpike", self.entry_spike)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], where: str = "latency"
                     ) -> "LatencyProfile":
        """A profile from a table such as TOML's ``latency = {entry = "250us", feed =
        "1ms", jitter = "50us"}``: feed, entry and response in ns or with a unit (response
        defaults to entry), jitter added to every leg, recorded_feed, entry_spike (a
        table ``{start = "60s", duration = "10s", extra = "50ms"}``); errors name
        ``<where>.<field>``."""
        allowed = (*LATENCY_LEGS, "jitter", "recorded_feed", "entry_spike")
        unknown = sorted(set(data) - set(allowed))
        if unknown:
            raise ConfigError(f"unknown field {where}.{unknown[0]}; allowed: {list(allowed)}")
        ns = {k: to_ns(data.get(k, 0), f"{where}.{k}") for k in ("feed", "entry", "jitter")}
        ns["response"] = to_ns(data["response"], f"{where}.response") if "response" in data \
            else ns["entry"]
        recorded = data.get("recorded_feed", False)
        check(isinstance(recorded, bool), f"{where}.recorded_feed", "true or false", recorded)
        spike = data.get("entry_spike")
        if spike is not None:
            check(isinstance(spike, Mapping), f"{where}.entry_spike",
                  "a table with start, duration and extra", spike)
            spike = from_mapping(LatencySpike, spike, f"{where}.entry_spike")
        return cls(*(Latency(ns[k], ns["jitter"]) for k in LATENCY_LEGS), recorded_feed=recorded,
                   entry_spike=spike)

    @classmethod
    def named(cls, name: str, recorded_feed: bool = False) -> "LatencyProfile":
        """A profile from the field: zero, colocated, same-city, coast-to-coast, international."""
        check(name in PROFILES, "latency", f"one of {sorted(PROFILES)}", name)
        base, jit = PROFILES[name]
        leg = Latency(base, jit)
        return cls(feed=leg, entry=leg, response=leg, recorded_feed=recorded_feed)

    @classmethod
    def constant(cls, feed_ns: int | str = 0, entry_ns: int | str = 0,
                 response_ns: int | str | None = None) -> "LatencyProfile":
        """Constant legs (ns or duration strings); response defaults to the entry latency."""
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
