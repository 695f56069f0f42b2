"""MarketParams: every knob of a simulated market, typed, with units, ranges and sources.

One frozen dataclass holds all of them; a scenario is a set of defaults over it
(scenarios.SCENARIOS) and ``market(name, **overrides)`` replaces fields by name. Every
value is checked on creation and a bad one raises ConfigError naming the field and its
allowed range. Rates are per second, prices in currency unless the name says ticks,
sizes in lots (median of a log-normal with the given log standard deviation), times in
seconds or minutes as named, fractions in [0, 1].
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import numpy as np

from hftlab.instruments import ConfigError, check
from hftlab.sim.layout import K_MAX, N_RUN, N_SIZE

START_NS = 1_704_205_800 * 1_000_000_000  # 2024-01-02 14:30 UTC = 09:30 New York


@dataclass(frozen=True)
class MarketParams:
    """Knobs of a simulated market (see the module docstring for units)."""

    seconds: float = 1800.0  # session length
    seed: int = 0
    start_ns: int = START_NS  # session start, ns since the epoch UTC
    symbol: str = "SIM"
    venue: str = "SIMX"
    tick_size: float = 0.01
    lot_size: float = 1.0
    price: float = 100.0  # initial price (currency)
    # zero-intelligence flow, Cont, Stoikov & Talreja (2010): lambda(i) = k / i^alpha
    # (their Tokyo fit: k = 1.92, alpha = 0.52), market rate mu = 0.94 and cancel rates
    # theta(1..5) = 0.71, 0.81, 0.68, 0.56, 0.47 per order per second
    zi_lambda_k: float = 1.92  # limit orders per second per side at distance 1 tick
    zi_lambda_alpha: float = 0.52
    zi_levels: int = 10  # distances 1 .. zi_levels ticks from the opposite best quote
    zi_lambda: tuple = ()  # explicit lambda(1..K) (per second per side); overrides k / alpha
    zi_market_rate: float = 0.94  # market orders per second per side
    zi_theta: tuple = (0.71, 0.81, 0.68, 0.56, 0.47)  # per order per s; last one repeats
    zi_limit_size: float = 100.0
    zi_limit_size_sigma: float = 0.5
    zi_market_size: float = 100.0
    zi_market_size_sigma: float = 0.7
    # share of market orders that take exactly the volume shown at the opposite best
    # (size matching, Farmer, Gillemot, Lillo, Mike & Sen 2004); the others draw their
    # size from the table; 0 = CST's sizes drawn regardless of the book
    zi_market_match: float = 0.0
    # share of limit orders that would improve their side's best quote and join its
    # queue instead (placement relative to the same-side best, Bouchaud, Mezard &
    # Potters 2002); 0 = CST's placement by distance from the opposite quote alone
    zi_join: float = 0.0
    zi_limit_sizes: tuple = ()  # explicit 32 size atoms (lots); overrides median / sigma
    zi_market_sizes: tuple = ()
    zi_sign_runs: tuple = ()  # cumulative run-length table (<= 32); () = independent signs
    zi_liquidity: float = 1.0  # multiplier of the limit-order rates
    zi_activity: tuple = ()  # intraday activity multipliers, one per bin (() = flat 1)
    zi_activity_bin_s: float = 300.0  # seconds per activity bin
    # stochastic activity (Clark 1973 subordination: trading time runs at a random
    # speed): activity = exp(OU) with this log sd and correlation time, normalised to
    # mean 1, times the zi_activity profile; it scales zero-intelligence and noise rates
    activity_vol: float = 0.6
    activity_minutes: float = 2.0
    # noise takers (the teaching example: 5 buys and 5 sells per second)
    noise_buy_rate: float = 5.0
    noise_sell_rate: float = 5.0
    noise_size: float = 20.0
    noise_size_sigma: float = 0.8
    # informed traders (Glosten & Milgrom 1985; Kyle 1985)
    informed_rate: float = 0.0  # looks per second at full intensity
    informed_threshold: float = 1.0  # ticks between value and the quote before trading
    informed_size: float = 50.0
    informed_size_sigma: float = 0.5
    fv_vol: float = 0.0  # fundamental value volatility, fraction per sqrt(second)
    episode_start: float = 0.3  # informed episode start, fraction of the session
    episode_minutes: float = 10.0
    episode_move: float = 0.0  # fraction the value rises over the episode (0 = none)
    # toxicity regimes: Markov chain over shares of informed flow (Easley, Lopez de Prado
    # & O'Hara 2012 read VPIN as the share of informed flow)
    regime_shares: tuple = (0.05, 0.15, 0.3, 0.5)  # normal, elevated, high, crisis
    regime_minutes: float = 0.0  # mean sojourn in a regime (0 = no switching)
    # momentum traders (Chiarella, Iori & Perello 2009)
    momentum_rate: float = 0.5  # looks per second
    momentum_fast: float = 5.0  # EMA half-life, seconds
    momentum_slow: float = 60.0
    momentum_threshold: float = 2.0  # ticks
    momentum_size: float = 50.0
    # rival market makers (Avellaneda & Stoikov 2008 inventory skew)
    makers: int = 1
    maker_half_spread: float = 2.0  # ticks
    maker_size: int = 100
    maker_skew: float = 1.0  # ticks per quote size of inventory
    maker_requote_rate: float = 2.0
    maker_max_inventory: int = 2000
    # lagging venue and cross-venue arbitrage (Budish, Cramton & Shim 2015)
    lag_min_ms: float = 1.0
    lag_max_ms: float = 2.0
    arbitrage_edge: float = 1.0  # ticks
    arbitrage_size: int = 500
    arbitrage_latency_us: float = 20.0
    # flash crash (CFTC-SEC 2010; Kirilenko, Kyle, Samadi & Tuzun 2017)
    crash_start: float = 0.3  # fraction of the session
    seller_minutes: float = 15.0
    seller_qty: int = 0  # lots; 0 = no forced seller
    seller_participation: float = 0.09
    seller_rate: float = 0.0  # floor, lots per second
    seller_max_child: int = 5000
    seller_interval: float = 0.25  # seconds between child orders
    evaporation: float = 0.0  # fraction of liquidity that leaves during the crash
    evaporation_minutes: float = 20.0
    value_rate: float = 0.0  # value traders' looks per second (informed, value = start)
    value_threshold: float = 5.0  # ticks
    value_size: float = 200.0
    value_withdrawal: float = 0.0  # fraction of value traders' activity gone in the crash
    # correlated assets: a market factor and sector factors (world.fundamental_values)
    instruments: int = 1
    factor_correlation: float = 0.0  # market share m of variance: correlation across sectors
    # sector share c of the variance the market leaves: within a sector m + c (1 - m)
    sector_correlation: float = 0.0
    sectors: int = 1  # contiguous blocks of instruments, sizes as even as possible
    # per-instrument tables; instrument i takes entry i (at least `instruments` entries),
    # () = price / tick_size / fv_vol for every instrument
    instrument_prices: tuple = ()  # currency
    instrument_tick_sizes: tuple = ()  # currency
    instrument_vols: tuple = ()  # fraction per sqrt(second)
    # mean-reversion rate (per second) of each value's own component around the factors:
    # 0 = a random walk; > 0 = an Ornstein-Uhlenbeck process, so instruments of one sector
    # are cointegrated (log v_i - (vol_i / vol_j) log v_j is stationary)
    idio_reversion: float = 0.0
    breakdown_at: float = -1.0  # fraction of the session where it breaks (-1: never)
    # "collapse": factor loadings go to 0 and own components become random walks (every
    # correlation and cointegration gone); "flip": sector breakdown_sector's market loading
    # changes sign (its correlation with the others flips); "spike": every pair's
    # correlation becomes spike_correlation (one factor, the stress of a crisis)
    breakdown_kind: str = "collapse"
    breakdown_sector: int = 0
    spike_correlation: float = 0.95
    # a manipulator (traders_nb.manipulator): episodes of manip_episode_s every
    # manip_period_s from manip_first_s, cycling spoofing, ignition, quote stuffing;
    # manip_period_s = 0: no manipulator
    manip_period_s: float = 0.0
    manip_episode_s: float = 10.0
    manip_first_s: float = 20.0
    manip_layer_size: int = 2000  # lots per spoofing layer
    manip_layers: int = 3
    manip_layer_life_s: float = 1.0  # layers are cancelled and placed again this old
    manip_genuine_size: int = 100  # lots of the genuine order on the other side
    manip_sweep_size: int = 1000  # largest level an ignition sweep takes (lots)
    manip_ignite_s: float = 3.0  # sweeping phase of an ignition episode; then it exits
    manip_wake_ms: float = 200.0  # wake-up interval in spoofing and ignition episodes
    manip_stuff_ms: float = 10.0  # quote stuffing: a burst of orders every this many ms
    manip_stuff_orders: int = 4  # one-lot orders per burst
    # icebergs (traders_nb.iceberg): iceberg_count reserve orders, started uniformly at
    # random in the session's first (1 - iceberg_patience_s / seconds), each on a random
    # side, iceberg_total lots in all (log-normal median, log sd iceberg_total_sigma),
    # iceberg_clip shown at a time, iceberg_offset ticks behind its side's best, refilled
    # iceberg_refill_ms after its clip is gone, withdrawn after iceberg_patience_s
    iceberg_count: int = 0
    iceberg_total: float = 1500.0
    iceberg_total_sigma: float = 0.4
    iceberg_clip: int = 100
    iceberg_offset: int = 0
    iceberg_refill_ms: float = 0.5
    iceberg_patience_s: float = 60.0
    # news (world.headlines): scheduled releases (earnings) at news_scheduled_at
    # (fractions of the session) and unscheduled headlines at news_rate per minute (Poisson); each
    # moves the value by a log jump with sd news_scheduled_jump / news_jump (fractions)
    # and carries a sentiment tanh(jump / sd + news_sentiment_noise z) in (-1, 1).
    # Informed traders learn it news_informed_ms later and trade news_informed_boost
    # times as often for news_informed_s; rival makers with maker_news_pull = 1 see it
    # news_maker_ms later and stay out for news_pull_s (from news_pull_before_s before a
    # scheduled release, whose time they know)
    news_scheduled_at: tuple = ()
    news_rate: float = 0.0
    news_scheduled_jump: float = 0.005
    news_jump: float = 0.002
    news_sentiment_noise: float = 0.5
    news_informed_ms: float = 10.0
    news_informed_boost: float = 5.0
    news_informed_s: float = 10.0
    news_maker_ms: float = 200.0
    news_pull_s: float = 5.0
    news_pull_before_s: float = 1.0
    maker_news_pull: int = 0
    # the venue's own trading halt (core/halt_nb.py has the conventions): "none", "luld"
    # (a band of +-halt_band around the reference, a trailing mean of the price with time
    # constant halt_window_s; prints never leave it, and a book at or through a band
    # limit for halt_limit_s pauses trading) or "stop-logic" (an order that would trade beyond the
    # band is not executed and trading pauses at once); a pause lasts halt_pause_s and
    # ends with a single-price reopening auction
    halt_rule: str = "none"
    halt_band: float = 0.05  # fraction of the reference price
    halt_window_s: float = 300.0
    halt_limit_s: float = 15.0
    halt_pause_s: float = 300.0
    sched_dt_ms: float = 100.0  # grid of the world's signals

    def __post_init__(self) -> None:
        for name, (lo, hi) in RANGES.items():
            v = getattr(self, name)
            ok = isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            check(ok and lo <= v <= hi, f"MarketParams.{name}", f"a number in [{lo}, {hi}]", v)
        for name in INTS:
            v = getattr(self, name)
            check(isinstance(v, int), f"MarketParams.{name}", "an integer", v)
        for name, (lo, hi, most) in TABLES.items():
            v = getattr(self, name)
            check(isinstance(v, (tuple, list)) and len(v) <= most
                  and all(isinstance(x, (int, float)) and lo <= x <= hi for x in v),
                  f"MarketParams.{name}", f"a list of at most {most} numbers in [{lo}, {hi}]", v)
        check(self.halt_rule in HALT_RULES, "MarketParams.halt_rule", f"one of {HALT_RULES}",
              self.halt_rule)
        check(self.breakdown_kind in BREAKDOWN_KINDS, "MarketParams.breakdown_kind",
              f"one of {BREAKDOWN_KINDS}", self.breakdown_kind)
        check(self.breakdown_sector < self.sectors, "MarketParams.breakdown_sector",
              f"a sector index in [0, {self.sectors - 1}]", self.breakdown_sector)
        check(self.sectors <= self.instruments, "MarketParams.sectors",
              f"at most instruments ({self.instruments})", self.sectors)
        for name in ("instrument_prices", "instrument_tick_sizes", "instrument_vols"):
            v = getattr(self, name)
            check(len(v) == 0 or len(v) >= self.instruments, f"MarketParams.{name}",
                  f"empty or at least instruments ({self.instruments}) entries", v)
        for i, (price, tick) in enumerate(zip(self.prices(), self.tick_sizes())):
            check(price / tick >= 100, f"MarketParams.instrument_prices[{i}]",
                  f"at least 100 ticks of {tick}", price)
        for name in ("symbol", "venue", "breakdown_kind"):
            check(isinstance(getattr(self, name), str) and getattr(self, name) != "",
                  f"MarketParams.{name}", "a non-empty string", getattr(self, name))
        check(len(self.regime_shares) == 4, "MarketParams.regime_shares",
              "4 shares (normal, elevated, high, crisis)", self.regime_shares)
        check(self.lag_min_ms <= self.lag_max_ms, "MarketParams.lag_max_ms",
              f">= lag_min_ms ({self.lag_min_ms})", self.lag_max_ms)
        check(list(self.zi_sign_runs) == sorted(self.zi_sign_runs), "MarketParams.zi_sign_runs",
              "a non-decreasing cumulative table", self.zi_sign_runs)
        check(self.manip_period_s == 0 or self.manip_episode_s < self.manip_period_s,
              "MarketParams.manip_episode_s", f"less than manip_period_s ({self.manip_period_s})",
              self.manip_episode_s)
        check(self.iceberg_count == 0 or self.iceberg_patience_s < self.seconds,
              "MarketParams.iceberg_patience_s", f"less than seconds ({self.seconds})",
              self.iceberg_patience_s)
        check(self.price / self.tick_size >= 100, "MarketParams.price",
              f"at least 100 ticks of {self.tick_size}", self.price)

    def with_(self, **overrides: Any) -> MarketParams:
        """A copy with fields replaced by name; unknown names raise ConfigError."""
        names = {f.name for f in fields(self)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise ConfigError(f"unknown field MarketParams.{unknown[0]}; allowed: "
                              f"{sorted(names)}")
        fixed = {k: tuple(v) if isinstance(v, list) else v for k, v in overrides.items()}
        return replace(self, **fixed)

    @property
    def p0_ticks(self) -> int:
        """Initial price in ticks."""
        return round(self.price / self.tick_size)

    def prices(self) -> list[float]:
        """Initial price (currency) of each instrument."""
        return _per_instrument(self.instrument_prices, self.price, self.instruments)

    def tick_sizes(self) -> list[float]:
        """Tick size (currency) of each instrument."""
        return _per_instrument(self.instrument_tick_sizes, self.tick_size, self.instruments)

    def vols(self) -> list[float]:
        """Value volatility (fraction per sqrt(second)) of each instrument."""
        return _per_instrument(self.instrument_vols, self.fv_vol, self.instruments)

    def p0_ticks_of(self) -> list[int]:
        """Initial price in ticks of each instrument."""
        return [round(p / t) for p, t in zip(self.prices(), self.tick_sizes())]

    def halt_rows(self, n_books: int) -> np.ndarray:
        """The matching engine's halt records (core/halt_nb.py) of n_books books under this
        market's halt rule."""
        from hftlab.core import halt_nb

        ns = [round(s * 1e9) for s in (self.halt_window_s, self.halt_limit_s, self.halt_pause_s)]
        return halt_nb.new_halt(n_books, halt_nb.RULES[self.halt_rule],
                                round(self.halt_band * halt_nb.PPM), *ns)

    def sector_of(self) -> list[int]:
        """Sector of each instrument: `sectors` contiguous blocks, the first ones one
        larger when instruments do not divide evenly."""
        return [i * self.sectors // self.instruments for i in range(self.instruments)]


BREAKDOWN_KINDS = ("collapse", "flip", "spike")
HALT_RULES = ("none", "luld", "stop-logic")


def _per_instrument(table: tuple, default: float, n: int) -> list[float]:
    return [float(x) for x in table[:n]] if table else [float(default)] * n


RANGES: dict[str, tuple[float, float]] = {
    "seconds": (1.0, 7 * 86400.0), "seed": (0, 2**63 - 1), "start_ns": (0, 2**62),
    "tick_size": (1e-9, 1e6), "lot_size": (1e-9, 1e9), "price": (1e-9, 1e12),
    "zi_lambda_k": (0.0, 1e6), "zi_lambda_alpha": (0.0, 10.0), "zi_levels": (1, K_MAX),
    "zi_market_rate": (0.0, 1e6), "zi_limit_size": (1.0, 1e9),
    "zi_limit_size_sigma": (0.0, 5.0), "zi_market_size": (1.0, 1e9),
    "zi_market_size_sigma": (0.0, 5.0), "zi_market_match": (0.0, 1.0), "zi_join": (0.0, 0.99),
    "zi_liquidity": (0.0, 100.0),
    "noise_buy_rate": (0.0, 1e6), "noise_sell_rate": (0.0, 1e6), "noise_size": (1.0, 1e9),
    "noise_size_sigma": (0.0, 5.0), "informed_rate": (0.0, 1e6),
    "informed_threshold": (0.0, 1e6), "informed_size": (1.0, 1e9),
    "informed_size_sigma": (0.0, 5.0), "fv_vol": (0.0, 0.1), "episode_start": (0.0, 1.0),
    "episode_minutes": (0.0, 1e5), "episode_move": (-0.5, 0.5), "regime_minutes": (0.0, 1e5),
    "momentum_rate": (0.0, 1e6), "momentum_fast": (1e-3, 1e5), "momentum_slow": (1e-3, 1e5),
    "momentum_threshold": (0.0, 1e6), "momentum_size": (1.0, 1e9), "makers": (0, 64),
    "maker_half_spread": (0.0, 1e4), "maker_size": (1, 10**9), "maker_skew": (0.0, 1e4),
    "maker_requote_rate": (0.0, 1e6), "maker_max_inventory": (0, 10**12),
    "lag_min_ms": (0.0, 1e4), "lag_max_ms": (0.0, 1e4), "arbitrage_edge": (1.0, 1e4),
    "arbitrage_size": (1, 10**9), "arbitrage_latency_us": (0.0, 1e7),
    "crash_start": (0.0, 1.0), "seller_minutes": (0.0, 1e5), "seller_qty": (0, 10**12),
    "seller_participation": (0.0, 0.99), "seller_rate": (0.0, 1e9),
    "seller_max_child": (1, 10**12), "seller_interval": (0.001, 3600.0), "evaporation": (0.0, 1.0),
    "evaporation_minutes": (0.0, 1e5), "value_rate": (0.0, 1e6),
    "value_threshold": (0.0, 1e6), "value_size": (1.0, 1e9), "value_withdrawal": (0.0, 1.0),
    "instruments": (1, 64), "factor_correlation": (0.0, 1.0), "breakdown_at": (-1.0, 1.0),
    "sector_correlation": (0.0, 1.0), "sectors": (1, 64), "idio_reversion": (0.0, 10.0),
    "breakdown_sector": (0, 63), "spike_correlation": (0.0, 0.999),
    "sched_dt_ms": (0.001, 60000.0), "activity_vol": (0.0, 3.0),
    "activity_minutes": (0.001, 1e4), "zi_activity_bin_s": (1.0, 1e5),
    "manip_period_s": (0.0, 1e6), "manip_episode_s": (0.01, 1e6), "manip_first_s": (0.0, 1e6),
    "manip_layer_size": (1, 10**9), "manip_layers": (1, 15), "manip_layer_life_s": (0.001, 1e4),
    "manip_genuine_size": (1, 10**9), "manip_sweep_size": (1, 10**9),
    "manip_ignite_s": (0.0, 1e6), "manip_wake_ms": (1.0, 1e6), "manip_stuff_ms": (0.1, 1e6),
    "manip_stuff_orders": (1, 16), "halt_band": (0.0001, 0.5), "halt_window_s": (0.001, 1e5),
    "halt_limit_s": (0.0, 1e5), "halt_pause_s": (0.001, 1e5),
    "iceberg_count": (0, 1000), "iceberg_total": (1.0, 1e9), "iceberg_total_sigma": (0.0, 3.0),
    "iceberg_clip": (1, 10**9), "iceberg_offset": (0, 1000), "iceberg_refill_ms": (0.001, 1e4),
    "iceberg_patience_s": (0.001, 1e6),
    "news_rate": (0.0, 600.0), "news_scheduled_jump": (0.0, 0.5), "news_jump": (0.0, 0.5),
    "news_sentiment_noise": (0.0, 100.0), "news_informed_ms": (0.0, 1e6),
    "news_informed_boost": (0.0, 1e4), "news_informed_s": (0.0, 1e6),
    "news_maker_ms": (0.0, 1e6), "news_pull_s": (0.0, 1e6), "news_pull_before_s": (0.0, 1e6),
    "maker_news_pull": (0, 1),
}
INTS = ("seed", "start_ns", "zi_levels", "makers", "maker_size", "maker_max_inventory",
        "arbitrage_size", "seller_qty", "seller_max_child", "instruments", "sectors",
        "breakdown_sector", "manip_layer_size", "manip_layers", "manip_genuine_size",
        "manip_sweep_size", "manip_stuff_orders", "iceberg_count", "iceberg_clip",
        "iceberg_offset", "maker_news_pull")
TABLES: dict[str, tuple[float, float, int]] = {
    "zi_lambda": (0.0, 1e6, K_MAX), "zi_theta": (0.0, 1e6, K_MAX),
    "zi_limit_sizes": (1.0, 1e12, N_SIZE), "zi_market_sizes": (1.0, 1e12, N_SIZE),
    "zi_sign_runs": (0.0, 1.0, N_RUN), "zi_activity": (0.0, 1e3, 4096),
    "regime_shares": (0.0, 0.99, 4), "instrument_prices": (1e-9, 1e12, 64),
    "instrument_tick_sizes": (1e-9, 1e6, 64), "instrument_vols": (0.0, 0.1, 64),
    "news_scheduled_at": (0.0, 0.999999, 1000),
}


def read_toml(path: str | Path) -> tuple[str, dict[str, Any]]:
    """Read a scenario file: top-level ``scenario`` (a name) and any MarketParams fields,
    e.g. ``scenario = "informed-episode"`` / ``seconds = 900`` / ``seed = 3``. Returns
    (name, overrides); unknown keys are rejected later by MarketParams.with_."""
    p = Path(path)
    if not p.is_file():
        raise ConfigError(f"scenario file {p} does not exist")
    try:
        data = tomllib.loads(p.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML ({exc})") from None
    name = data.pop("scenario", None)
    check(isinstance(name, str), f"{p}: scenario", "a scenario name (string)", name)
    return name, data
