"""The seed's playbook of HFT subtypes, each run on its scenario and measured the same way.

One row per subtype: the entry signal it trades on, the median hold time, the P&L per
trade in bps, the worst drawdown and the main risk as observed, beside the ranges the
seed states (SEED). The measures come from the run records alone (studies/trade_stats.py).

Also here: `news_arbitrage_row` (NewsTrader, studies/news.py has its latency study),
`flow_skew_comparison` (FlowSkew against the same maker without the signal,
betas fitted out of sample) and `iceberg_run` (IcebergFollower's trades).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from hftlab.data.market import MarketData
from hftlab.engine.backtest import backtest
from hftlab.engine.record import RunRecord
from hftlab.instruments import FeeSchedule, LatencyProfile, Venue
from hftlab.schema import Kind
from hftlab.strategies.flow_skew import FlowFit, FlowSkew, fit_flow_skew
from hftlab.strategies.iceberg_follower import IcebergFollower, counts as iceberg_counts
from hftlab.studies.trade_stats import fill_quality, trade_stats

NS = 1_000_000_000
# the seed's table: entry signal, hold time, P&L per trade (bps, low, high), main risk
SEED: dict[str, tuple[str, str, tuple[float, float], str]] = {
    "market making": ("spread capture", "seconds", (0.1, 0.5), "inventory risk"),
    "latency arbitrage": ("stale quotes", "milliseconds", (0.1, 1.0), "latency race"),
    "momentum ignition": ("triggering momentum", "seconds to minutes", (1.0, 5.0),
                          "regulatory"),
    "statistical arbitrage": ("correlation breakdown", "seconds to hours", (0.5, 2.0),
                              "correlation spike"),
    "liquidity detection": ("large hidden orders", "seconds", (0.5, 2.0), "detection failure"),
    "order-flow prediction": ("order imbalance", "milliseconds to seconds", (0.2, 1.0),
                              "adverse selection"),
    "news arbitrage": ("news sentiment", "milliseconds", (1.0, 10.0), "false signals"),
}
LATENCY = LatencyProfile.constant(feed_ns="500us", entry_ns="1ms", response_ns="1ms")
SIM_FEES = FeeSchedule(maker=-0.0020, taker=0.0030, unit="per_unit")  # US equities, $ / share


# -- order-flow prediction: FlowSkew against the same maker without the signal ------------
@dataclass
class FlowComparison:
    """`flow_skew_comparison`'s result: rows 'without' / 'with' (trade_stats and
    fill_quality over the test window), the fit, and the test window's start."""

    table: pd.DataFrame
    fit: FlowFit
    test_from_ns: int


def flow_skew_comparison(data: MarketData, maker: Mapping[str, Any], *,
                         fit_data: MarketData | None = None, train_fraction: float = 0.5,
                         horizon: Any = "1s", window: Any = "1s",
                         signals: Sequence[str] = ("imbalance", "ofi", "trade_imbalance"),
                         venues: Sequence[Venue] | None = None, seed: int = 0,
                         scale: float = 1.0) -> FlowComparison:
    """FlowSkew (betas fitted by `fit_flow_skew`, times `scale`) and FlowSkew with betas
    0 (InventorySkew's rule exactly) with the same `maker` keywords, on `data`.

    Out of sample either way: with fit_data (another session, e.g. another seed of a
    simulated scenario) the betas come from all of it and both makers are measured on
    the whole of data; without it, they come from the first train_fraction of data
    and both makers run through the whole of it but are measured from the split on.
    """
    if fit_data is not None:
        fit = fit_flow_skew(fit_data, train_fraction=1.0, horizon=horizon, window=window,
                            signals=signals)
        since = None
    else:
        fit = fit_flow_skew(data, train_fraction=train_fraction, horizon=horizon,
                            window=window, signals=signals)
        since = fit.split_ns
    w_ns = int(pd.Timedelta(window).value)
    rows = {}
    for name, betas in (("without", {}), ("with", {k: v * scale for k, v in fit.betas.items()})):
        s = FlowSkew(**dict(maker), **betas, window_ns=w_ns)
        rec = backtest(data, s.compiled(), venues=venues, seed=seed)
        rows[name] = {**trade_stats(rec, since), **fill_quality(rec, since)}
    first = int(data.events["ts"][0]) if since is None else since
    return FlowComparison(pd.DataFrame.from_dict(rows, orient="index"), fit, first)


# -- liquidity detection: IcebergFollower -------------------------------------------------
def iceberg_run(data: MarketData, *, venues: Sequence[Venue] | None = None, seed: int = 0,
                **follower: Any) -> tuple[RunRecord, dict[str, float]]:
    """IcebergFollower (keywords `follower`) on L3 data: the record and trade_stats plus
    the follower's counts (detections, gone, entries, round trips, exits by reason)."""
    rec = backtest(data, IcebergFollower(**follower), venues=venues, seed=seed)
    return rec, {**trade_stats(rec), **iceberg_counts(rec.strategy_state)}


# -- the playbook ---------------------------------------------------------------------------
@dataclass
class Row:
    """One measured subtype: the seed's columns are added by `table`."""

    subtype: str
    strategy: str
    scenario: str
    entry_signal: str
    stats: dict
    risk: str


def _sim_venues(data: MarketData, fees: FeeSchedule = SIM_FEES) -> list[Venue]:
    return [Venue(v.name, fees, LATENCY) for v in data.venues]


def market_making_rows(seconds: float, seed: int) -> list[Row]:
    """The built-in makers (InventorySkew, Static, AvellanedaStoikov, GLFT,
    ToxicityAware) live in "informed-episode" (10 lots a quote, 200 lots of capacity)."""
    from hftlab.report.run_metrics import pnl_decomposition
    from hftlab.sim import market
    from hftlab.strategies import GLFT, AvellanedaStoikov, InventorySkew, Static, ToxicityAware

    m = market("informed-episode", seconds=seconds, seed=seed)
    kw = dict(qty=10, capacity=200)
    makers = {"InventorySkew": InventorySkew(half_spread=1.0, skew=3.0, **kw),
              "Static": Static(half_spread=1.0, **kw),
              "AvellanedaStoikov": AvellanedaStoikov(gamma=1e-4, sigma=1.75, k=1.0,
                                                     horizon_s=60.0, rolling=True, **kw),
              "GLFT": GLFT(gamma=0.01, sigma=1.75, A=20.0, k=1.0, **kw),
              "ToxicityAware": ToxicityAware(half_spread=0.75, skew=3.0, bucket_volume=500.0,
                                             window=10, **kw)}
    rows = []
    for name, mm in makers.items():
        rec = backtest(m, mm.compiled(), venues=_sim_venues(m), seed=seed)
        q = fill_quality(rec)
        dec = pnl_decomposition(rec)
        pos = rec.states["position"].abs().max() if len(rec.states) else 0
        rows.append(Row("market making", name, f"informed-episode {seconds:g} s, seed {seed}",
                        f"quotes around the mid; earned {q.get('effective_earned_bps', np.nan):.2f}"
                        " bps of spread per fill",
                        trade_stats(rec),
                        f"inventory: max |position| {int(pos)} lots, inventory P&L "
                        f"{dec['inventory_pnl']:,.0f} against spread capture "
                        f"{dec['spread_capture']:,.0f}"))
    return rows


def latency_arbitrage_row(seconds: float, seed: int) -> Row:
    """LatencyArbitrage at 100 us one way in "lagging-venue" (the latency study's market
    and fees), trading inside the simulated market: alone (the scenario's rival made too
    slow to race), and against the scenario's 20 us rival for the risk column."""
    from hftlab.sim import market
    from hftlab.strategies import LatencyArbitrage
    from hftlab.studies.latency_arb import NO_RIVAL_US, SIM_MARKET, run_row
    from hftlab.studies.latency_arb import SIM_FEES as ARB_FEES

    prof = LatencyProfile.constant(100_000, 100_000, 100_000)
    out = {}
    for name, over in (("alone", {"arbitrage_latency_us": NO_RIVAL_US}), ("rival", {})):
        m = market("lagging-venue", seconds=seconds, seed=seed, **SIM_MARKET, **over)
        venues = [Venue(v.name, ARB_FEES, prof) for v in m.venues]
        arb = LatencyArbitrage(0, 1, m.instruments[0], qty=100, fees=(ARB_FEES, ARB_FEES))
        rec = backtest(m, arb, venues=venues, seed=seed)
        out[name] = (run_row(rec, m, 1), trade_stats(rec))
    (r, stats), (rr, rs) = out["alone"], out["rival"]
    return Row("latency arbitrage", "LatencyArbitrage (100 us)",
               f"lagging-venue {seconds:g} s, seed {seed}, no rival",
               f"{r['takes']:,} stale quotes taken", stats,
               f"latency race: alone {1 - r['hit_rate']:.0%} of takes missed; against the "
               f"scenario's 20 us rival {1 - rr['hit_rate']:.0%} missed, {rr['adverse']:,} of "
               f"{rr['fills']:,} fills adverse, {rs['bps_per_trade']:.2f} bps per trade")


def statistical_arbitrage_row(seconds: float, seed: int) -> Row:
    """PairsTrader (taker, correlation guard 0.2) on two cointegrated stocks whose
    correlation collapses half-way (studies.multi_asset.breakdown_pair)."""
    from hftlab.studies.multi_asset import breakdown_pair, pairs_breakdown

    m = breakdown_pair(seed, seconds=seconds, breakdown_at=0.5)
    rec, _ = pairs_breakdown(seed, 0.2, data=m)
    at = int(m.stats["breakdown_ns"])
    after = trade_stats(rec, at)
    whole = trade_stats(rec)
    return Row("statistical arbitrage", "PairsTrader (guard 0.2)",
               f"correlated-assets pair {seconds:g} s, collapse at 50 %, seed {seed}",
               "spread z-score beyond 1.5", whole,
               f"correlation breakdown: P&L {whole['pnl'] - after['pnl']:,.0f} before it, "
               f"{after['pnl']:,.0f} after")


def order_flow_row(seconds: float, seed: int) -> tuple[Row, FlowComparison]:
    """FlowSkew in "toxicity-regimes" with betas fitted on another seed's session
    (seed + 100), against the same maker without the signal."""
    from hftlab.sim import market

    m = market("toxicity-regimes", seconds=seconds, seed=seed)
    fit = market("toxicity-regimes", seconds=seconds, seed=seed + 100)
    c = flow_skew_comparison(m, dict(half_spread=1.0, skew=3.0, capacity=200, qty=10),
                             fit_data=fit, venues=_sim_venues(m), seed=seed)
    w, wo = c.table.loc["with"], c.table.loc["without"]
    return Row("order-flow prediction", "FlowSkew", f"toxicity-regimes {seconds:g} s, seed "
               f"{seed} (fitted on seed {seed + 100})",
               "queue imbalance, 1 s OFI and trade imbalance (hit rate "
               f"{c.fit.power.xs('all', level='model')['hit_rate'].iloc[0]:.0%} at 1 s)",
               dict(w), f"adverse selection at 1 s: {w['adverse_1s_bps']:.2f} bps "
               f"(without the signal {wo['adverse_1s_bps']:.2f}); P&L {w['pnl']:,.0f} "
               f"against {wo['pnl']:,.0f}"), c


def price_step(data: MarketData) -> int:
    """The price grid of an L3 book in ticks: the gcd of the gaps between the prices its
    orders were added at (100 on LOBSTER's AMZN day: $0.0001 ticks, cent prices)."""
    ev = data.load().events
    prices = np.unique(ev["price"][ev["kind"] == Kind.ADD])
    return int(np.gcd.reduce(np.diff(prices))) if len(prices) > 1 else 1


def lobster_day(message: str | Path) -> tuple[MarketData, dict[str, Any]]:
    """A LOBSTER day (the orderbook file beside the message file, by name) and the
    follower's keywords for it: 100 shares, exit one price step (price_step) away."""
    from hftlab.data.lobster import read_lobster

    message = Path(message)
    book = message.with_name(message.name.replace("_message_", "_orderbook_"))
    data = read_lobster(message, book)
    return data, {"qty": 100, "take_profit": price_step(data)}


def liquidity_row(data: MarketData, name: str, **follower: Any) -> Row:
    """IcebergFollower on L3 data (the name says which), with the equity venue's fees
    (maker rebate $0.0020, taker $0.0030 a share) and 1 ms order latency."""
    rec, s = iceberg_run(data, venues=_sim_venues(data), **follower)
    lost = s["exits_gone"] + s["exits_timeout"]
    return Row("liquidity detection", "IcebergFollower", name,
               f"{s['detections']:,} icebergs detected online, {s['entries']:,} entries",
               s, f"detection failure: {lost:,} of {s['trades']:,} round trips left at market "
               f"({s['exits_gone']:,} iceberg gone, {s['exits_timeout']:,} held too long)")


def momentum_ignition_row(seconds: float, seed: int) -> Row:
    """The manipulator of "momentum-ignition" (an agent, not our strategy): its P&L and
    notional from the simulator's accounts (data.stats["agent_accounts"]: every fill
    credited to both owners, so its aggressive fills count), and how many of its labelled
    episodes the detectors (owners known) flag. Hold times and drawdown are not kept for
    agents (NaN)."""
    from hftlab.sim import market
    from hftlab.surveillance import (detect_momentum_ignition, detect_quote_stuffing,
                                     detect_spoofing)

    m = market("momentum-ignition", seconds=seconds, seed=seed)
    lab = m.stats["manipulation"]
    owner = int(lab["owner"].iloc[0])
    acct = m.stats["agent_accounts"]
    me = acct[acct["owner"] == owner].iloc[0]
    inst = m.instruments[0]
    notional = float(me["notional"]) * inst.tick_value
    pnl = float(me["pnl"])
    caught = 0
    alerts = {"spoofing": detect_spoofing(m), "ignition": detect_momentum_ignition(m),
              "stuffing": detect_quote_stuffing(m)}
    for r in lab.itertuples():
        a = alerts[r.kind]
        a = a[a["owner"] == owner]
        s0, s1 = (pd.Timestamp(r.start_ns, unit="ns", tz="UTC"),
                  pd.Timestamp(r.end_ns, unit="ns", tz="UTC"))
        caught += bool(((a["start"] <= s1) & (a["end"] >= s0)).any())
    stats = {"pnl": pnl, "fills": float("nan"), "notional": notional,
             "bps_per_trade": 1e4 * pnl / (notional / 2) if notional > 0 else float("nan"),
             "median_hold_s": float("nan"), "max_drawdown": float("nan")}
    kinds = ", ".join(f"{k} {int((lab['kind'] == k).sum())}" for k in alerts)
    return Row("momentum ignition", "the simulated manipulator (an agent)",
               f"momentum-ignition {seconds:g} s, seed {seed}",
               f"{len(lab)} episodes ({kinds})", stats,
               f"regulatory: the detectors flag {caught} of its {len(lab)} episodes; "
               f"{pnl:,.0f} on {notional:,.0f} traded")


def news_arbitrage_row(seconds: float, seed: int) -> Row:
    """NewsTrader in "news-shock" at 1 ms of news latency (100 lots on each headline with
    |sentiment| >= 0.5, held 20 s), and at 1 s for the risk column, with the
    playbook's venues (1 ms order entry, equity fees)."""
    from hftlab.sim import market
    from hftlab.strategies.news import NewsTrader, counts

    m = market("news-shock", seconds=seconds, seed=seed)
    news = m.stats["news"]
    out = {}
    for lat in (1_000_000, NS):
        trader = NewsTrader(news, latency_ns=lat)
        rec = backtest(m, trader.compiled(), venues=_sim_venues(m), seed=seed)
        out[lat] = (trade_stats(rec), counts(rec.strategy_state))
    traded = trader.sides() != 0
    wrong = int((np.sign(news["sentiment"]) != np.sign(news["jump"]))[traded].sum())
    (fast, c), (slow, _) = out[1_000_000], out[NS]
    return Row("news arbitrage", "NewsTrader (1 ms news latency)",
               f"news-shock {seconds:g} s, seed {seed}",
               f"headline sentiment: {c['entries']} of {len(news)} headlines traded",
               fast, f"false signals: {wrong} of {int(traded.sum())} tradable headlines "
               f"against the jump; latency: P&L {slow['pnl']:,.0f} at 1 s of news latency "
               f"against {fast['pnl']:,.0f} at 1 ms")


def run(*, seconds: float = 600.0, seed: int = 1, iceberg_data: MarketData | None = None,
        iceberg_name: str = "", follower: Mapping[str, Any] | None = None,
        subtypes: Sequence[str] | None = None) -> tuple[pd.DataFrame, dict[str, str]]:
    """Run each subtype that exists on its scenario (`seconds` of simulated time, `seed`):
    the built-in makers, LatencyArbitrage, PairsTrader, FlowSkew, NewsTrader, the
    simulated manipulator, and IcebergFollower on `iceberg_data` (L3 data; none: not
    measured). subtypes: a subset of SEED's names.

    Returns the table (`table`) and {subtype: reason} for the rows not measured.
    """
    want = list(SEED) if subtypes is None else list(subtypes)
    bad = [s for s in want if s not in SEED]
    if bad:
        raise ValueError(f"unknown subtypes {bad}; choose from {list(SEED)}")
    rows: list[Row] = []
    missing: dict[str, str] = {}
    jobs: dict[str, Callable[[], list[Row]]] = {
        "market making": lambda: market_making_rows(seconds, seed),
        "latency arbitrage": lambda: [latency_arbitrage_row(seconds, seed)],
        "statistical arbitrage": lambda: [statistical_arbitrage_row(2 * seconds, seed)],
        "order-flow prediction": lambda: [order_flow_row(seconds, seed)[0]],
        "news arbitrage": lambda: [news_arbitrage_row(seconds, seed)],
        "momentum ignition": lambda: [momentum_ignition_row(seconds, seed)],
    }
    for sub in want:
        if sub in jobs:
            rows += jobs[sub]()
        elif iceberg_data is None:  # liquidity detection
            missing[sub] = "no L3 data given for the iceberg follower"
        else:
            rows.append(liquidity_row(iceberg_data, iceberg_name or iceberg_data.source,
                                      **dict(follower or {})))
    return table(rows), missing


def table(rows: Sequence[Row]) -> pd.DataFrame:
    """The comparative table: measured columns beside the seed's (SEED)."""
    out = []
    for r in rows:
        signal, hold, (lo, hi), risk = SEED[r.subtype]
        s = r.stats
        out.append({"subtype": r.subtype, "strategy": r.strategy, "scenario": r.scenario,
                    "entry_signal": r.entry_signal, "median_hold_s": s["median_hold_s"],
                    "bps_per_trade": s["bps_per_trade"], "pnl": s["pnl"],
                    "worst_drawdown": s["max_drawdown"], "fills": s["fills"],
                    "main_risk": r.risk, "seed_signal": signal, "seed_hold": hold,
                    "seed_bps": f"+{lo:g} to +{hi:g}", "seed_risk": risk,
                    "in_seed_range": lo <= s["bps_per_trade"] <= hi})
    return pd.DataFrame(out)


def write(tab: pd.DataFrame, missing: Mapping[str, str], out: str | Path) -> Path:
    """The playbook page (report.playbook) into `out` (a folder: index.html)."""
    from hftlab.report.playbook import playbook_page

    d = Path(out)
    d.mkdir(parents=True, exist_ok=True)
    path = d / "index.html"
    path.write_text(playbook_page(tab, missing))
    tab.to_csv(d / "playbook.csv", index=False)
    return path
