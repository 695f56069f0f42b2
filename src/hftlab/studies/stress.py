"""Stress tests of market makers and their tail risk over many seeds.

Each stress is a pair of sessions of one simulated market with the same seed: a calm
one and the same market with the shock, built from the simulator's knobs (MarketParams
overrides), our venue's latency, or the feed's timestamps. A strategy trades live in
both (the agents react to its orders; the feed outage is a replay, see below), with and
without circuit breakers (hftlab.risk.RiskLimits: soft and hard loss and drawdown
limits, a kill after repeated denials). Per run the study measures, in account currency
and lots: the session P&L, its impact (stressed P&L minus the calm session's, same
seed, same breakers), the deepest drawdown, the worst inventory, whether and when the
breakers halted trading (seconds after the shock's onset) and the P&L after the halt
(flattening in a thin book, and what the rest of the session did to it).

The stresses and the exchange halt are defined in studies/stresses.py.

Tail risk (``tail_risk``, hftlab.analytics.tail_risk has the convention) reads session
P&L over seeds: VaR and expected shortfall at 95 / 99 % with bootstrap intervals.
"""

from __future__ import annotations

import math
import time
from functools import partial
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from hftlab.analytics.tail_risk import tail_risk
from hftlab.instruments import ConfigError, LatencyProfile, LatencySpike, check
from hftlab.strategy import Strategy
from hftlab.studies.stresses import (DEFAULT_STRESSES, ONSET, STRESSES, Stress, breakers,
                                     halt_params)

if TYPE_CHECKING:
    import pandas as pd

    from hftlab.data.market import MarketData
    from hftlab.risk.limits import RiskLimits

NS = 1_000_000_000
PATH_POINTS = 120  # P&L path samples kept per run (fan charts)


# -- sessions -------------------------------------------------------------------------------

def feed_outage(data: MarketData, start_s: float, length_s: float) -> MarketData:
    """data as a replay whose events in [start, start + length) seconds from its first
    event reach the host only at the window's end (local time = the end), the others at
    their exchange time plus the venue's feed latency: a gap, then a burst."""
    from hftlab.data.market import MarketData

    check(length_s > 0, "feed outage length", "seconds > 0", length_s)
    ev = data.events.copy()
    t0 = int(ev["ts"][0])
    a, b = t0 + int(start_s * NS), t0 + int((start_s + length_s) * NS)
    inside = (ev["ts"] >= a) & (ev["ts"] < b)
    ev["ts_local"][inside] = b
    return MarketData(ev, list(data.instruments), list(data.venues), record=data.record,
                      source=f"{data.source}; feed outage {start_s:g}-{start_s + length_s:g} s",
                      stats=dict(data.stats))


@dataclass
class Sessions:
    """The calm and stressed markets of one stress and seed, and the venues to run them."""

    stress: Stress
    seed: int
    seconds: float
    calm: MarketData
    shocked: MarketData
    calm_venues: list
    shocked_venues: list
    onset_s: float
    exchange_halt: bool = False


def sessions(stress: Stress, seconds: float, seed: int, exchange_halt: bool = False
             ) -> Sessions:
    """Simulate the calm and the stressed session of a stress (same seed), both under the
    study's exchange halt (halt_params) when asked."""
    from hftlab.instruments import FeeSchedule, Venue
    from hftlab.sim import market

    calm_over = {**stress.calm(seconds), **(halt_params(seconds) if exchange_halt else {})}
    calm = market(stress.scenario, seconds=seconds, seed=seed, **calm_over)
    over = {**calm_over, **stress.shock(seconds)}
    shocked = calm if over == calm_over else market(stress.scenario, seconds=seconds,
                                                     seed=seed, **over)
    fees = FeeSchedule(maker=-0.0020, taker=0.0030, unit="per_unit")
    base = LatencyProfile.named("colocated", recorded_feed=stress.replay)
    calm_v = [Venue(v.name, fees, base) for v in calm.venues]
    shocked_v = calm_v
    if stress.entry_spike is not None:
        at, length, extra = stress.entry_spike
        spike = LatencySpike(round(at * seconds * NS), round(length * seconds * NS), extra)
        shocked_v = [Venue(v.name, fees, replace(base, entry_spike=spike))
                     for v in shocked.venues]
    onset = ONSET * seconds
    if stress.feed_outage_s > 0:
        shocked = feed_outage(calm, onset, stress.feed_outage_s)
    return Sessions(stress, seed, seconds, calm, shocked, calm_v, shocked_v, onset,
                    exchange_halt)


class EveryBook(Strategy):
    """One maker per book of the market, each the given built-in maker's rule on its own
    book (their Python forms): the timer wakes all of them, a print wakes its book's."""

    def __init__(self, maker: Any, n_books: int) -> None:
        args = maker.describe()
        self.makers = [type(maker)(**{**args, "book": b}) for b in range(n_books)]
        self.timer_ns = maker.timer_ns
        self.subscribe_trades = maker.subscribe_trades
        self.name = f"{maker.name}[every book]"

    def on_start(self, ctx: Any) -> None:
        for m in self.makers:
            m.on_start(ctx)

    def on_timer(self, ctx: Any) -> None:
        for m in self.makers:
            m.on_timer(ctx)

    def on_trade(self, ctx: Any, book: int) -> None:
        if book < len(self.makers):
            self.makers[book].on_trade(ctx, book)


def _runnable(strategy: Any, n_books: int, every_book: bool) -> Any:
    """What hftlab.backtest runs: a fresh compiled form of a built-in maker (or, across
    every book, its Python form per book), or the strategy object as it is."""
    if every_book and n_books > 1 and hasattr(strategy, "describe") \
            and "book" in strategy.describe():
        return EveryBook(strategy, n_books)
    if hasattr(strategy, "compiled"):
        return strategy.compiled()
    return strategy


def equity_path(rec: Any) -> tuple[np.ndarray, np.ndarray]:
    """(seconds since the first sample, account equity summed over instruments)."""
    st = rec.states
    if not len(st):
        return np.zeros(0), np.zeros(0)
    per_ts = st.groupby("ts", sort=True)["equity"].sum()
    ts = per_ts.index.to_numpy(np.int64)
    return (ts - ts[0]) / NS, per_ts.to_numpy(float)


def _downsample(t: np.ndarray, eq: np.ndarray, seconds: float) -> list[float]:
    """Equity at PATH_POINTS + 1 evenly spaced times from the start to the session's end
    or the last sample if later (last value held), so the path ends at the final P&L."""
    if not len(t):
        return [0.0] * (PATH_POINTS + 1)
    grid = np.linspace(0.0, max(seconds, float(t[-1])), PATH_POINTS + 1)
    i = np.clip(np.searchsorted(t, grid, side="right") - 1, 0, len(eq) - 1)
    return [float(x) for x in eq[i]]


def run_metrics(rec: Any, onset_s: float, seconds: float) -> dict[str, Any]:
    """The study's numbers for one run (module docstring): pnl, max_drawdown,
    worst_inventory, fills, halted, time_to_halt_s (after the onset), loss_after_halt
    (P&L change from the halt to the end; NaN without a halt), path."""
    from hftlab.engine.record import max_drawdown
    from hftlab.risk import HALTED

    t, eq = equity_path(rec)
    ev = rec.risk_events
    halts = ev["ts"][ev["state"] == HALTED].to_numpy(np.int64)
    st = rec.states
    halted = len(halts) > 0
    halt_s = loss_after = math.nan
    if halted and len(st):
        at = (int(halts.min()) - int(st["ts"].iloc[0])) / NS
        halt_s = at - onset_s
        i = max(int(np.searchsorted(t, at, side="right")) - 1, 0)
        loss_after = float(eq[-1] - eq[i])
    return {"pnl": float(eq[-1]) if len(eq) else 0.0, "max_drawdown": max_drawdown(eq),
            "worst_inventory": int(st["position"].abs().max()) if len(st) else 0,
            "fills": int(len(rec.fills)), "halted": halted, "time_to_halt_s": halt_s,
            "loss_after_halt": loss_after, "path": _downsample(t, eq, seconds)}


def market_metrics(data: MarketData, onset_s: float) -> dict[str, Any]:
    """The session's side of a run: the venue's trading pauses (STATUS events with qty 0,
    any book), the first one's time after the onset (s; NaN without one) and the largest
    move of the print price from the last print before the onset, in bps of it (0
    without prints on both sides of the onset). Prints: EXECUTE and TRADE events, except
    the EXECUTEs of a reopening auction (at the orders' own prices; its TRADE, side 0,
    at the same time has the price)."""
    from hftlab.schema import Kind

    ev = data.events
    t0 = int(ev["ts"][0]) if len(ev) else 0
    halts = ev["ts"][(ev["kind"] == Kind.STATUS) & (ev["qty"] == 0)]
    first = (int(halts.min()) - t0) / NS - onset_s if len(halts) else math.nan
    cross = ev["ts"][(ev["kind"] == Kind.TRADE) & (ev["side"] == 0)]
    prints = ev[(ev["kind"] == Kind.TRADE) | ((ev["kind"] == Kind.EXECUTE)
                                              & ~np.isin(ev["ts"], cross))]
    at = int(np.searchsorted(prints["ts"], t0 + int(onset_s * NS)))
    move = 0.0
    if 0 < at < len(prints):
        ref = float(prints["price"][at - 1])
        move = float(np.abs(prints["price"][at:] - ref).max() / ref * 1e4)
    return {"exchange_halts": int(len(halts)), "time_to_exchange_halt_s": first,
            "max_move_bps": move}


def run_stress(stress: Stress | str, strategies: Mapping[str, Any], seed: int = 1,
               seconds: float = 1200.0, limits: RiskLimits | None = None,
               with_breakers: Sequence[bool] = (False, True),
               exchange_halt: Sequence[bool] = (False, True)) -> list[dict[str, Any]]:
    """Rows of one stress and seed: for each exchange-halt setting (sessions), strategy
    and breakers setting, the calm and the stressed run (see run_metrics and
    market_metrics), with impact = pnl - calm_pnl. strategies: name -> a built-in maker
    (its compiled form runs) or any hftlab Strategy / CompiledStrategy."""
    s = STRESSES[stress] if isinstance(stress, str) else stress
    check(isinstance(s, Stress), "stress", f"one of {sorted(STRESSES)} or a Stress", stress)
    limits = limits if limits is not None else breakers()
    rows = []
    for halt in exchange_halt:
        rows += _runs(sessions(s, seconds, seed, bool(halt)), strategies, limits, with_breakers)
    return rows


def _runs(sess: Sessions, strategies: Mapping[str, Any], limits: RiskLimits,
          with_breakers: Sequence[bool]) -> list[dict[str, Any]]:
    """run_stress's rows of one pair of sessions."""
    import hftlab

    s, seed, seconds = sess.stress, sess.seed, sess.seconds
    mode = "replay" if s.replay else "auto"
    n_books = sess.calm.n_books
    rows = []
    for name, strat in strategies.items():
        for on in with_breakers:
            risk = limits if on else None
            out = {}
            for which, data, venues in (("calm", sess.calm, sess.calm_venues),
                                        ("stress", sess.shocked, sess.shocked_venues)):
                t0 = time.perf_counter()
                rec = hftlab.backtest(data, _runnable(strat, n_books, s.every_book),
                                      venues=venues, seed=seed, risk=risk, mode=mode)
                out[which] = run_metrics(rec, sess.onset_s, seconds)
                out[which]["run_seconds"] = time.perf_counter() - t0
                out[which].update(market_metrics(rec.market if rec.market is not None
                                                 else data, sess.onset_s))
            st, calm = out["stress"], out["calm"]
            rows.append({"strategy": name, "stress": s.name, "breakers": bool(on),
                         "seed": int(seed), "calm_pnl": calm["pnl"], "pnl": st["pnl"],
                         "impact": st["pnl"] - calm["pnl"],
                         **{k: v for k, v in st.items() if k != "pnl"},
                         "calm_path": calm["path"], "calm_halted": calm["halted"],
                         "exchange_halt": sess.exchange_halt,
                         "calm_exchange_halts": calm["exchange_halts"]})
    return rows


@dataclass
class StressTask:
    """A picklable sweep task (hftlab.scale.sweep): params {"stress": name} and a seed
    give run_stress's rows for every strategy and breakers setting."""

    strategies: Mapping[str, Any]
    seconds: float = 1200.0
    limits: Any = None
    with_breakers: tuple[bool, ...] = (False, True)
    exchange_halt: tuple[bool, ...] = (False, True)

    def __call__(self, params: dict, seed: int) -> list[dict[str, Any]]:
        return run_stress(params["stress"], self.strategies, seed, self.seconds, self.limits,
                          self.with_breakers, self.exchange_halt)


def fingerprint(task: StressTask) -> str:
    """A short hash of what a stress run depends on besides stress and seed (strategies
    and their parameters, session length, limits): a table's rows are reused only for
    the same setup."""
    import hashlib
    import json

    what = {"strategies": {n: [type(s).__name__, s.describe() if hasattr(s, "describe")
                               else repr(s)] for n, s in task.strategies.items()},
            "seconds": task.seconds, "limits": repr(task.limits),
            "breakers": list(task.with_breakers), "exchange_halt": list(task.exchange_halt)}
    return hashlib.sha1(json.dumps(what, sort_keys=True, default=str).encode()).hexdigest()[:12]


@dataclass
class StressResult:
    """Every run's row (``rows``: one per strategy, stress, breakers setting and seed),
    the stress table (means over seeds), the tail risk per strategy, stress and breakers
    setting, and the sweep's bookkeeping (workers, seconds, failures)."""

    rows: pd.DataFrame
    table: pd.DataFrame
    tail: pd.DataFrame
    seconds: float
    session_seconds: float
    workers: int = 0
    failed: pd.DataFrame = field(default=None)  # type: ignore[assignment]


KEYS = ["strategy", "stress", "breakers", "exchange_halt"]  # one line of the stress table


def stress_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Means over seeds per (strategy, stress, breakers, exchange halt) of the headline
    numbers; halted is the share of seeds whose breakers halted trading, exchange_halts
    the mean number of the venue's pauses."""
    cols = ["calm_pnl", "pnl", "impact", "max_drawdown", "worst_inventory", "halted",
            "time_to_halt_s", "loss_after_halt", "exchange_halts", "time_to_exchange_halt_s",
            "max_move_bps"]
    g = rows.groupby(KEYS, sort=False)
    out = g[cols].mean()
    out["worst_inventory"] = g["worst_inventory"].max()
    out["seeds"] = g.size()
    return out.reset_index()


def run(strategies: Mapping[str, Any], stresses: Sequence[str] | None = None,
        seeds: int | Sequence[int] = 1, seconds: float = 1200.0,
        limits: RiskLimits | None = None, scheduler: Any = None, workers: int | None = None,
        table: Any = None, progress: Any = False, n_boot: int = 2000,
        exchange_halt: Sequence[bool] = (False, True)) -> StressResult:
    """Every strategy through every stress (default: DEFAULT_STRESSES) for each seed
    (a count N: seeds 1 .. N), with and without the breakers (``limits``, default
    ``breakers()``) and the exchange's halt (exchange_halt: the settings to run), one
    Dask task per (stress, seed) via hftlab.scale.sweep (scheduler,
    workers, table and progress as there). Returns the rows, the stress table and the
    tail risk of the session P&L over seeds (tail_risk, n_boot resamples)."""
    import pandas as pd

    from hftlab.scale.sweeper import sweep

    names = list(stresses) if stresses is not None else list(DEFAULT_STRESSES)
    for n in names:
        check(n in STRESSES, "stress", f"one of {sorted(STRESSES)}", n)
    check(len(strategies) > 0, "strategies", "at least one strategy", dict(strategies))
    check(isinstance(seconds, (int, float)) and 60 <= seconds <= 86_400, "seconds",
          "a session length in [60, 86400] s", seconds)
    seed_list = list(range(1, seeds + 1)) if isinstance(seeds, int) else list(seeds)
    halts = tuple(bool(h) for h in exchange_halt)
    check(len(halts) > 0, "exchange_halt", "one or both of false, true", exchange_halt)
    task = StressTask(dict(strategies), float(seconds), limits, exchange_halt=halts)
    warm = partial(run_stress, "news-jump", task.strategies, 1, 60.0, None, (True,), halts)
    setup = fingerprint(task)
    res = sweep(task, {"stress": names, "setup": [setup]}, seed_list, table=table,
                scheduler=scheduler, workers=workers, warm=warm, progress=progress,
                description="stress")
    t = res.table
    keys = {(p, s) for p in names for s in seed_list}
    t = t[(t["setup"] == setup).to_numpy() & np.array(
        [(st, int(sd)) in keys for st, sd in zip(t["stress"], t["seed"])], bool)]
    failed = t[t["error"].notna()]
    ok = t[t["error"].isna()].reset_index(drop=True)
    if not len(ok):
        raise ConfigError("every stress run failed: " + "; ".join(failed["error"].unique()))
    ok = ok.astype({"breakers": bool, "halted": bool, "seed": int, "exchange_halt": bool})
    tail = pd.concat([tail_risk(grp["pnl"].to_numpy(float), n_boot=n_boot, seed=0)
                      .assign(**dict(zip(KEYS, k)))
                      for k, grp in ok.groupby(KEYS, sort=False)], ignore_index=True)
    return StressResult(ok, stress_table(ok), tail, res.seconds, float(seconds), res.workers,
                        failed.reset_index(drop=True))
