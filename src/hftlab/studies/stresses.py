"""The stresses of the stress study (hftlab.studies.stress runs them) and its circuit
breakers: each a pair of sessions of one simulated market with the same seed, a calm one
and the same market with the shock.

The stresses (``STRESSES``; every window is a fraction of the session, onset 25 %):

- flash-crash: the existing "flash-crash" scenario (a forced seller for 15 minutes while
  50 % of resting liquidity evaporates for 20 and value traders step away; in a session
  under an hour, a quarter and a third of it, the seller's floor rate raised so that it
  sells as much; Kirilenko, Kyle, Samadi & Tuzun 2017);
  calm: the same agents without seller, evaporation or withdrawal.
- vol-spike: order flow runs 5x faster for 15 % of the session (the activity profile:
  Clark's 1973 subordinated clock, about sqrt(5) times the volatility per second).
- informed-sweep: informed buyers (Kyle 1985) sweep up to 300 lots at a time while the
  value rises 3 % over 15 % of the session.
- news-jump: the value jumps 3 % within 3 seconds and informed traders take every
  quote up to it: a gap through the book.
- feed-outage: no market data reaches us for 5 seconds, then the backlog at once (our
  orders rest meanwhile). The engine's feed latency is constant per run and a live
  session has no recorded feed times, so this stress and its calm session are replays
  of the same simulated session, the stressed one with its events' local times moved
  to the outage's end.
- latency-spike: for 15 % of the session from the onset, our orders take 50 ms more to
  reach the venue than the colocated ~100 us (instruments.LatencySpike); before and
  after, the entry leg alone.
- correlation-spike: the "correlated-assets" market (its ten instruments, sectors and
  correlations as the scenario sets them) against the same market where, from the onset,
  one factor carries 95 % of every value's variance (every pair correlated 0.95: the
  world's "spike" breakdown); the strategy quotes every instrument (one maker per book,
  Python form), so its inventories add up.

Each stress runs with and without the exchange's own trading halt (``exchange_halt``:
the simulated venue's limit-up / limit-down rule of core/halt_nb.py, in both the calm
and the stressed session; EXCHANGE_HALT describes it): a band of +-3 % around a
trailing mean of the price (time constant min(5 min, a quarter of the session)), a
book at or through a band limit for min(15 s, 1/80 of the session) pauses trading for
min(5 min, 1/12 of the session), and a single-price auction reopens it. The rule's
parameters are scaled to the session like the stresses' windows; the band is tighter
than the plan's 5 % for large stocks so that the simulated crash (about 8 % in a
20-minute session) reaches it. Per run the study adds
the venue's pauses in the stressed session (exchange_halts), the first one's time after
the onset (time_to_exchange_halt_s) and the largest move of the print price from its
level at the onset (max_move_bps).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

from hftlab.instruments import MS, check

if TYPE_CHECKING:
    from hftlab.risk.limits import RiskLimits

ONSET = 0.25  # where each stress starts, fraction of the session
EXCHANGE_HALT = (
    "limit-up / limit-down at the simulated venue: prints stay within +-3 % of a trailing "
    "mean of the price (time constant min(5 min, session / 4)); a book at or through a "
    "band limit for min(15 s, session / 80) pauses trading for min(5 min, session / 12), "
    "then a single-price auction reopens it")
HALT_BAND = 0.03


def halt_params(seconds: float) -> dict[str, Any]:
    """The MarketParams of the study's exchange halt (EXCHANGE_HALT) in a session of
    `seconds`."""
    return {"halt_rule": "luld", "halt_band": HALT_BAND,
            "halt_window_s": min(300.0, seconds / 4), "halt_limit_s": min(15.0, seconds / 80),
            "halt_pause_s": min(300.0, seconds / 12)}


@dataclass(frozen=True)
class Stress:
    """One stress: a scenario, the calm session's MarketParams overrides and those the
    shock adds (functions of the session length in seconds), and the venue-side shocks
    (an entry latency spike: its start and length as fractions of the session and the
    extra ns; a feed outage) and whether the strategy quotes every book."""

    name: str
    description: str
    scenario: str
    calm: Callable[[float], dict[str, Any]]
    shock: Callable[[float], dict[str, Any]]
    entry_spike: tuple[float, float, int] | None = None  # (start, length, extra ns)
    feed_outage_s: float = 0.0  # seconds without market data, then the backlog (replay)
    every_book: bool = False

    @property
    def replay(self) -> bool:
        """Both sessions replay the simulated background (our orders move nothing)."""
        return self.feed_outage_s > 0


def _window(seconds: float, fraction: float) -> float:
    """A fraction of the session in minutes (the simulator's window unit)."""
    return fraction * seconds / 60.0


def _activity(seconds: float, factor: float, start: float, length: float) -> dict[str, Any]:
    bins = 40
    prof = [factor if start <= (k + 0.5) / bins < start + length else 1.0 for k in range(bins)]
    return {"zi_activity": tuple(prof), "zi_activity_bin_s": max(1.0, seconds / bins)}


def _crash_calm(s: float) -> dict[str, Any]:
    """The flash-crash agents without the crash; its windows are the scenario's (a seller
    for 15 minutes, evaporation for 20) or, in a session under an hour, a quarter and a
    third of the session."""
    return {"crash_start": ONSET, "seller_minutes": min(15.0, _window(s, 0.25)),
            "evaporation_minutes": min(20.0, _window(s, 1 / 3)), "seller_qty": 0,
            "evaporation": 0.0, "value_withdrawal": 0.0}


def _crash(s: float) -> dict[str, Any]:
    """The crash of the flash-crash scenario; in a window shorter than its 15 minutes the
    seller's floor rate rises in proportion, so it sells as much as in the scenario."""
    return {"seller_qty": 3_000_000, "evaporation": 0.5, "value_withdrawal": 1.0,
            "seller_rate": 60.0 * 15.0 / _crash_calm(s)["seller_minutes"]}


def _informed(move: float, minutes: float, rate: float, size: float) -> dict[str, Any]:
    return {"episode_start": ONSET, "episode_minutes": minutes, "episode_move": move,
            "informed_rate": rate, "informed_size": size, "informed_size_sigma": 0.5,
            "informed_threshold": 1.0}


def _quiet_informed(s: float) -> dict[str, Any]:
    return {"informed_rate": 0.0, "episode_move": 0.0}


def _nothing(s: float) -> dict[str, Any]:
    return {}


STRESSES: dict[str, Stress] = {s.name: s for s in (
    Stress("flash-crash", "forced seller, 50 % of liquidity evaporates", "flash-crash",
           _crash_calm, _crash),
    Stress("vol-spike", "order flow 5x faster for 15 % of the session", "calm", _nothing,
           lambda s: _activity(s, 5.0, ONSET, 0.15)),
    Stress("informed-sweep", "informed buyers sweep while the value rises 3 %",
           "informed-episode", _quiet_informed,
           lambda s: _informed(0.03, _window(s, 0.15), 10.0, 300.0)),
    Stress("news-jump", "the value gaps 3 % in 3 s; informed traders take the book",
           "informed-episode", _quiet_informed,
           lambda s: _informed(0.03, 0.05, 20.0, 300.0)),
    Stress("feed-outage", "5 s without market data, then the backlog at once", "calm",
           _nothing, _nothing, feed_outage_s=5.0),
    Stress("latency-spike", "order entry 50 ms slower for 15 % of the session", "calm",
           _nothing, _nothing, entry_spike=(ONSET, 0.15, 50 * MS)),
    Stress("correlation-spike", "from the onset one factor carries 95 % of every value's "
           "variance (all pairs move together), every book quoted", "correlated-assets",
           _nothing, lambda s: {"breakdown_at": ONSET, "breakdown_kind": "spike",
                                "spike_correlation": 0.95}, every_book=True),
)}


# what run() sends strategies through unless told: every stress but the correlation spike,
# whose one-maker-per-book Python form takes minutes per simulated minute on the ten
# instruments of "correlated-assets" (ask for it by name)
DEFAULT_STRESSES = tuple(n for n in STRESSES if not STRESSES[n].every_book)


def breakers(scale: float = 1.0) -> RiskLimits:
    """The circuit breakers of the study, for makers quoting ~10 lots of a $100 stock (who
    earn about 150 in a calm 20 minutes): REDUCING at a 75 loss or drawdown, HALTED (cancel
    all, flatten, deny) at 150, and a kill after 2,000 denied orders; scale multiplies the
    money amounts."""
    from hftlab.risk import RiskLimits

    check(isinstance(scale, (int, float)) and math.isfinite(scale) and scale > 0,
          "breakers scale", "a finite number > 0", scale)
    return RiskLimits(soft_loss=75.0 * scale, hard_loss=150.0 * scale,
                      soft_drawdown=75.0 * scale, hard_drawdown=150.0 * scale,
                      kill_after_denials=2000)
