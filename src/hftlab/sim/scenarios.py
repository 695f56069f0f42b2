"""Scenarios of the simulated market: ``market(name, seconds, seed, **overrides)``.

A scenario is a set of MarketParams defaults (SCENARIOS) plus the agents it places:

- "calm": zero-intelligence flow (Cont, Stoikov & Talreja 2010), noise takers (5 buys
  and 5 sells per second), a momentum trader, one rival market maker; every other
  scenario starts from these agents.
- "informed-episode": calm plus informed traders who buy for 10 minutes from 30% into
  the session while the hidden value rises by 4% (the issue's teaching example).
- "toxicity-regimes": the hidden value moves (fv_vol) and the informed share of taker
  flow switches between normal, elevated, high and crisis (5%, 15%, 30%, 50%) as a
  Markov chain with 5-minute mean sojourns.
- "flash-crash": a forced seller (9% of the previous minute's volume, at least 60 lots
  a second) for 15 minutes from 30% into the session while half the resting liquidity
  evaporates and value traders step away for 20 minutes (momentum traders, at half
  the calm rate, sell into the fall); then value traders buy the price back toward the
  unchanged value: a fall of about 9% and a recovery within about 36 minutes, the
  shape of 6 May 2010 (tuned on seeds 1-3: falls of 8.2-9.7%, back within 1% of the
  pre-crash price 31-34 minutes after the seller started).
- "lagging-venue": a second venue whose market maker follows the primary's mid with a
  latency of lag_min_ms .. lag_max_ms, and a cross-venue arbitrageur.
- "correlated-assets": ten stocks of different prices ($12 to $420), tick sizes ($0.005
  to $0.10) and volatilities in three sectors (4, 3, 3): value returns correlate 0.7
  within a sector and 0.25 across sectors, own components mean-revert (idio_reversion,
  so the stocks of a sector are cointegrated); informed traders in every book trade on
  the values. breakdown_at (a fraction of the session, -1 = never) and breakdown_kind
  ("collapse": correlations and cointegration gone; "flip": sector breakdown_sector's
  market correlation changes sign; "spike": every correlation becomes
  spike_correlation) are MarketParams fields, so a stress can set them from params.
- "momentum-ignition": calm with quicker momentum traders (1 s / 15 s averages, 1 tick,
  4 looks a second), informed traders (6 looks a second, 2 ticks) pulling the price
  back to the unchanged value, so a move the manipulator ignites reverts, a
  crowd whose limit-order sizes have a fatter tail (log sd 1.0: some orders of 6-9
  times the median, cancelled at the crowd's rates: honest bait for detectors), and a
  manipulator (traders_nb.manipulator) running a 10-second episode every 30 seconds,
  cycling spoofing / layering, momentum ignition and quote stuffing; the labels are in
  ``data.stats["manipulation"]`` (owner, kind, side, start_ns, end_ns) and the owner of
  every order id in ``data.stats["order_owner"]``.
- "news-shock": calm plus informed traders (5 looks a second, 1 tick) around a value
  that moves only on news: a scheduled release (earnings) half-way into a 900 s session
  (a log jump of sd 0.5 %) and unscheduled headlines at 1 a minute (sd 0.2 %), each
  with a sentiment score (world.headlines). Informed traders learn a headline 10 ms
  after it and trade 5 times as often for 10 s; the rival maker sees it 200 ms after it
  and pulls its quotes for 5 s (from 1 s before the scheduled release, whose time it
  knows). The world runs on a 10 ms grid. The headlines are in ``data.stats["news"]``
  (ts_ns, scheduled, sentiment, jump, jump_ticks): the session's news feed, which a
  news strategy reads with its own latency (hftlab.strategies.NewsTrader).
- "icebergs": calm plus iceberg_count = 10 reserve orders (traders_nb.iceberg: 1,500
  lots median shown 100 at a time at one price, at their side's best, refilled 0.5 ms
  after a clip is gone, withdrawn after 60 s), labelled in ``data.stats["icebergs"]``
  (iceberg_labels) in a 600 s session.
- "calibrated": zero-intelligence flow only, for the rates of ``calibrate(data)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hftlab._kernel_cache import announce_compiles
from hftlab.data.market import MarketData
from hftlab.instruments import ConfigError, FeeSchedule, Instrument, Venue, check
from hftlab.schema import Kind
from hftlab.sim import layout as L
from hftlab.sim.params import MarketParams, read_toml
from hftlab.sim.simulator import Setup, simulate
from hftlab.sim.table import AgentTable, size_table
from hftlab.sim.world import build_world, window

SCENARIOS: dict[str, dict[str, Any]] = {
    "calm": {},
    "informed-episode": {"informed_rate": 5.0, "informed_size": 60.0,
                         "informed_size_sigma": 0.5, "episode_move": 0.04},
    "toxicity-regimes": {"informed_rate": 10.0, "informed_size": 20.0,
                         "informed_size_sigma": 0.8, "fv_vol": 2e-4, "regime_minutes": 5.0,
                         "seconds": 3600.0},
    "flash-crash": {"seconds": 5400.0, "zi_levels": 30, "seller_qty": 3_000_000,
                    "seller_rate": 60.0, "seller_interval": 0.1, "evaporation": 0.5,
                    "momentum_rate": 0.25,
                    "evaporation_minutes": 20.0, "value_rate": 0.7, "value_size": 300.0,
                    "value_withdrawal": 1.0, "makers": 0},
    "lagging-venue": {"makers": 1},
    "correlated-assets": {
        "instruments": 10, "sectors": 3, "factor_correlation": 0.25, "sector_correlation": 0.6,
        "instrument_prices": (42.0, 118.5, 27.3, 63.0, 215.0, 12.4, 88.0, 420.0, 35.6, 150.2),
        "instrument_tick_sizes": (0.01, 0.01, 0.01, 0.01, 0.05, 0.005, 0.01, 0.1, 0.01, 0.02),
        "instrument_vols": (3e-4, 2.5e-4, 4e-4, 3.5e-4, 2e-4, 5e-4, 3e-4, 2.2e-4, 4.5e-4,
                            2.8e-4),
        "idio_reversion": 0.01, "informed_rate": 5.0, "informed_threshold": 2.0,
        "seconds": 3600.0},
    "momentum-ignition": {"momentum_rate": 4.0, "momentum_fast": 1.0, "momentum_slow": 15.0,
                          "momentum_threshold": 1.0, "informed_rate": 6.0,
                          "informed_threshold": 2.0, "zi_limit_size_sigma": 1.0,
                          "manip_period_s": 30.0,
                          "seconds": 600.0},
    "news-shock": {"informed_rate": 5.0, "informed_threshold": 1.0, "informed_size": 50.0,
                   "news_scheduled_at": (0.5,), "news_rate": 1.0, "maker_news_pull": 1,
                   "sched_dt_ms": 10.0, "seconds": 900.0},
    "icebergs": {"iceberg_count": 10, "seconds": 600.0},
    "calibrated": {"noise_buy_rate": 0.0, "noise_sell_rate": 0.0, "makers": 0,
                   "momentum_rate": 0.0},
}
MS = 1_000_000


def params_for(name: str, seconds: float | None = None, seed: int | None = None,
               **overrides: Any) -> tuple[str, MarketParams]:
    """(scenario name, MarketParams) for a scenario name or a TOML file path."""
    if name.endswith(".toml"):
        name, file_over = read_toml(name)
        overrides = {**file_over, **overrides}
    check(name in SCENARIOS, "scenario", f"one of {sorted(SCENARIOS)}", name)
    p = MarketParams().with_(**SCENARIOS[name]).with_(**overrides)
    if seconds is not None:
        p = p.with_(seconds=float(seconds))
    if seed is not None:
        p = p.with_(seed=int(seed))
    return name, p


def _lambda(p: MarketParams) -> np.ndarray:
    if p.zi_lambda:
        return np.asarray(p.zi_lambda, float)
    i = np.arange(1, p.zi_levels + 1)
    return p.zi_lambda_k / i ** p.zi_lambda_alpha


def _theta(p: MarketParams, k: int) -> np.ndarray:
    th = np.asarray(p.zi_theta if p.zi_theta else (0.0,), float)
    full = np.full(k, th[-1])
    full[:min(k, len(th))] = th[:k]
    return full


def _sizes(tab: tuple, median: float, sigma: float) -> np.ndarray:
    if tab:
        return np.resize(np.asarray(tab, float), L.N_SIZE)
    return size_table(median, sigma)


def _zi(t: AgentTable, s_orders: list, p: MarketParams, book: int, t0: int, t1: int,
        p0: int) -> None:
    lam = _lambda(p)
    theta = _theta(p, len(lam))
    lim = _sizes(p.zi_limit_sizes, p.zi_limit_size, p.zi_limit_size_sigma)
    runs = np.asarray(p.zi_sign_runs, float) if p.zi_sign_runs else None
    a = t.add(L.ZI, book, t0=t0, t1=t1, p0=p0, anonymous=True, cap=1 << 16,
              gate=L.W_LIQ, x=(p.zi_market_rate, max(2, len(lam) // 2), lam.sum(),
                               theta.max(initial=0.0), p.zi_market_match,
                               p.zi_join),
              limit_sizes=lim, market_sizes=_sizes(p.zi_market_sizes, p.zi_market_size,
                                                   p.zi_market_size_sigma),
              lam=lam, theta=theta, runs=runs)
    q = int(np.median(lim))
    for i in range(1, len(lam) + 1):
        n = int(min(50, round(p.zi_liquidity * lam[i - 1] / max(theta[i - 1], 1e-9))))
        for _ in range(n):
            s_orders.append((a, book, 1, p0 - i, q))
            s_orders.append((a, book, -1, p0 + i, q))


def build(name: str, seconds: float | None = None, seed: int | None = None,
          **overrides: Any) -> Setup:
    """The Setup (agents, world, books) of a scenario; see the module docstring."""
    name, p = params_for(name, seconds, seed, **overrides)
    rng = np.random.default_rng([p.seed, 7])
    lagging = name == "lagging-venue"
    n_i = p.instruments
    venues = [Venue(p.venue, FeeSchedule())] + ([Venue(p.venue + "-LAG", FeeSchedule())]
                                               if lagging else [])
    instruments = [Instrument(p.symbol if n_i == 1 else f"{p.symbol}{i}", tick, p.lot_size)
                   for i, tick in enumerate(p.tick_sizes())]
    p0 = p.p0_ticks_of()  # each instrument's initial price in its own ticks
    n_books = len(venues) * n_i
    spans = [max(int(0.45 * x), 200) for x in p0]
    span = max(spans)
    base = np.array([max(1, p0[b % n_i] - spans[b % n_i]) for b in range(n_books)], np.int64)
    t = AgentTable(n_books)
    seeds: list = []
    t0, t1 = p.start_ns, p.start_ns + round(p.seconds * 1e9)
    noise_total = p.noise_buy_rate + p.noise_sell_rate
    for i in range(n_i):
        _zi(t, seeds, p, i, t0, t1, p0[i])
        if noise_total > 0:
            t.add(L.NOISE, i, t0=t0, t1=t1, p0=p0[i], anonymous=True, gate=L.W_ACT,
                  x=(p.noise_buy_rate, p.noise_sell_rate),
                  market_sizes=size_table(p.noise_size, p.noise_size_sigma))
        if p.informed_rate > 0:
            t.add(L.INFORMED, i, t0=t0, t1=t1, p0=p0[i], inst=i, gate=L.W_INF,
                  x=(p.informed_rate, p.informed_threshold),
                  market_sizes=size_table(p.informed_size, p.informed_size_sigma))
        if p.momentum_rate > 0:
            t.add(L.MOMENTUM, i, t0=t0, t1=t1, p0=p0[i],
                  x=(p.momentum_rate, p.momentum_fast, p.momentum_slow, p.momentum_threshold),
                  market_sizes=size_table(p.momentum_size, 0.5))
        for _ in range(p.makers):
            t.add(L.MAKER, i, t0=t0, t1=t1, p0=p0[i], cap=16,
                  x=(p.maker_half_spread, p.maker_size, p.maker_skew, p.maker_requote_rate,
                     p.maker_max_inventory, p.maker_news_pull))
    if p.value_rate > 0:
        t.add(L.INFORMED, 0, t0=t0, t1=t1, p0=p0[0], gate=L.W_VALUE,
              x=(p.value_rate, p.value_threshold), market_sizes=size_table(p.value_size, 0.5))
    if p.seller_qty > 0:
        s0, s1 = window(p, p.crash_start, p.seller_minutes)
        t.add(L.SELLER, 0, t0=t0 + int(s0 * 1e9), t1=t0 + int(s1 * 1e9), p0=p0[0],
              gate=L.W_SELL, x=(p.seller_qty, p.seller_participation, p.seller_interval,
                                p.seller_rate, p.seller_max_child))
    if lagging:
        _lagging(t, p, n_i, t0, t1, p0)
    manip = -1
    if p.manip_period_s > 0:  # last, so every other agent keeps its row and random stream
        manip = t.add(L.MANIPULATOR, 0, t0=t0, t1=t1, p0=p0[0],
                      x=(p.manip_period_s, p.manip_episode_s, p.manip_first_s,
                         p.manip_layer_size, p.manip_layers, p.manip_layer_life_s,
                         p.manip_genuine_size, p.manip_sweep_size, p.manip_ignite_s,
                         p.manip_wake_ms, p.manip_stuff_ms, p.manip_stuff_orders))
    _icebergs(t, p, t0, t1, p0[0])  # after the manipulator, for the same reason
    w, truth = build_world(p, rng, noise_total / p.informed_rate if p.informed_rate else 1.0)
    truth = {k: v for k, v in truth.items()}
    if "news_s" in truth:
        news = truth.pop("news_s")
        truth["news"] = pd.DataFrame({
            "ts_ns": t0 + np.round(news["t_s"] * 1e9).astype(np.int64),
            "scheduled": news["scheduled"], "sentiment": news["sentiment"],
            "jump": news["jump"],
            "jump_ticks": p0[0] * np.expm1(news["jump"])})
    for key in ("episode_s", "seller_s", "evaporation_s"):
        if key in truth:
            a, b = truth[key]
            truth[key.replace("_s", "_ns")] = (t0 + int(a * 1e9), t0 + int(b * 1e9))
    if lagging:
        truth["lag_ms"] = (p.lag_min_ms, p.lag_max_ms)
    if manip >= 0:
        truth["manipulation"] = manipulation_labels(p, t.info[manip].owner)
    if p.instruments > 1:
        truth["sector"] = np.asarray(p.sector_of())
        if p.breakdown_at >= 0:
            truth["breakdown_ns"] = t0 + int(p.breakdown_at * p.seconds * 1e9)
    return Setup(name, p, t, w, truth, instruments, venues, base, 2 * span + 1, seeds)


def manipulation_labels(p: MarketParams, owner: int) -> pd.DataFrame:
    """The manipulator's episodes by the kernel's rule (traders_nb.manipulator): episode k
    starts manip_first_s + k manip_period_s into the session and lasts manip_episode_s
    (cut at the session's end); kind layout.MANIP_KINDS[k % 3], side +1 for k // 3
    even (spoofing: the genuine order's side, the layers on the other; ignition: the
    direction pushed; stuffing: the first order's side). Times ns since the epoch."""
    starts = np.arange(p.manip_first_s, p.seconds, p.manip_period_s)
    k = np.arange(len(starts))
    return pd.DataFrame({
        "owner": np.full(len(k), owner, np.int64),
        "kind": [L.MANIP_KINDS[i % 3] for i in k],
        "side": np.where((k // 3) % 2 == 0, 1, -1).astype(np.int8),
        "start_ns": p.start_ns + np.round(starts * 1e9).astype(np.int64),
        "end_ns": p.start_ns + np.round(np.minimum(starts + p.manip_episode_s, p.seconds)
                                        * 1e9).astype(np.int64)})


def _icebergs(t: AgentTable, p: MarketParams, t0: int, t1: int, p0: int) -> None:
    """iceberg_count iceberg agents on book 0 (MarketParams for the draws; their own
    stream (seed, 29), so other scenarios are unchanged)."""
    if p.iceberg_count == 0:
        return
    rng = np.random.default_rng([p.seed, 29])
    n = p.iceberg_count
    starts = rng.uniform(0.0, p.seconds - p.iceberg_patience_s, n)
    sides = np.where(rng.random(n) < 0.5, 1, -1)
    totals = np.maximum(np.round(p.iceberg_total * np.exp(p.iceberg_total_sigma
                                                          * rng.standard_normal(n))),
                        p.iceberg_clip)
    for s0, side, total in zip(starts, sides, totals):
        t.add(L.ICEBERG, 0, t0=t0 + int(s0 * 1e9), t1=t1, p0=p0, cap=4,
              x=(total, p.iceberg_clip, side, p.iceberg_offset, p.iceberg_patience_s,
                 p.iceberg_refill_ms))


def iceberg_labels(data: MarketData) -> pd.DataFrame:
    """The truth about a session's iceberg agents, read from what they did: one row per
    iceberg that showed a clip, with owner, side (+1 a hidden buyer), price (ticks), start_ns
    and end_ns (its first and last order event), total (lots, its full size), peak (the
    clip shown), clips shown, executed lots, used_up (executed = total) and true_hidden
    (total - peak, the reserve never on display at once)."""
    p = data.stats["params"]
    owners = [o for kind, _, o in data.stats["agents"] if kind == "iceberg"]
    rows: list[dict] = []
    ev = data.events
    oo = data.stats["order_owner"]
    ids = ev["order_id"].astype(np.int64)
    known = (ids > 0) & (ids < len(oo))
    who = np.where(known, oo[np.where(known, ids, 0)], -1)
    totals = {int(a.owner): float(data.simulation.table.rows[i]["iceberg"]["total"])
              for i, a in enumerate(data.simulation.table.info) if a.kind == "iceberg"}
    for o in owners:
        mine = ev[who == o]
        adds = mine[mine["kind"] == int(Kind.ADD)]
        if len(adds) == 0:
            continue
        executed = int(mine["qty"][mine["kind"] == int(Kind.EXECUTE)].sum())
        total = int(totals[o])
        rows.append({"owner": o, "side": int(adds["side"][0]), "price": int(adds["price"][0]),
                     "start_ns": int(adds["ts"][0]), "end_ns": int(mine["ts"][-1]),
                     "total": total, "peak": min(p.iceberg_clip, total), "clips": len(adds),
                     "executed": executed, "used_up": executed >= total,
                     "true_hidden": total - min(p.iceberg_clip, total)})
    cols = ["owner", "side", "price", "start_ns", "end_ns", "total", "peak", "clips",
            "executed", "used_up", "true_hidden"]
    return pd.DataFrame(rows, columns=cols)


def _lagging(t: AgentTable, p: MarketParams, n_i: int, t0: int, t1: int, p0: list[int]
             ) -> None:
    """Venue 1: makers quoting around venue 0's mid (half spreads h, h + 1, h + 2),
    woken by top changes of either venue, their quotes reaching venue 1 lag_min_ms ..
    lag_max_ms later (no inventory skew: they follow the primary exactly); noise takers
    at a fifth of the
    primary's rates; an arbitrageur between the venues, subscribed to both books."""
    for i in range(n_i):
        b = n_i + i
        lat = int(p.lag_min_ms * MS)
        for extra in range(3):  # three quote layers, each requoting on any top change
            t.add(L.MAKER, b, t0=t0, t1=t1, p0=p0[i], cap=16, ref=i, subs=(i, b),
                  lat_ns=lat, jitter_ns=int(p.lag_max_ms * MS) - lat,
                  x=(p.maker_half_spread + extra, 2 * p.maker_size, 0.0, 1.0,
                     50 * p.maker_max_inventory))
        if p.noise_buy_rate + p.noise_sell_rate > 0:
            t.add(L.NOISE, b, t0=t0, t1=t1, p0=p0[i], anonymous=True,
                  x=(p.noise_buy_rate / 5, p.noise_sell_rate / 5),
                  market_sizes=size_table(p.noise_size, p.noise_size_sigma))
        t.add(L.ARBITRAGE, i, t0=t0, t1=t1, p0=p0[i], ref=b, subs=(i, b),
              lat_ns=int(p.arbitrage_latency_us * 1000),
              x=(p.arbitrage_edge, p.arbitrage_size))


@announce_compiles()  # a first run compiles for minutes: say so
def market(name: str, seconds: float | None = None, seed: int | None = None,
           **overrides: Any) -> MarketData:
    """A simulated market as MarketData (canonical L3 events, usable wherever replay data
    is: ``hftlab.backtest(market(...), strategy)``, analytics, ``.save(path)``).

    name: a scenario (SCENARIOS) or a TOML file with ``scenario = "<name>"`` and
    MarketParams fields. seconds / seed / overrides replace MarketParams fields; an
    unknown or out-of-range field raises ConfigError naming it. The same arguments give
    the same events bit for bit. ``data.stats`` carries the ground truth: params,
    agents (kind, book, owner), fundamental values on the world's grid ("grid_s",
    "fundamental" in ticks), the regime path, and the windows of the informed episode,
    the forced seller and the evaporation (seconds from the start, "_ns" absolute), the
    manipulator's episodes, the headlines ("news") and the icebergs ("icebergs") of the
    scenarios that have them, and every tracked agent's account ("agent_accounts").
    """
    if not isinstance(name, (str, Path)):
        raise ConfigError(f"scenario must be a name or a TOML path, got {name!r}")
    data = simulate(build(str(name), seconds, seed, **overrides))
    if data.stats["params"].iceberg_count > 0:
        data.stats["icebergs"] = iceberg_labels(data)
    return data
