"""The demo job: five market makers side by side on one simulated informed-episode session.

``run_demo(out_dir, seconds, seed)`` simulates ``hftlab.sim.market("informed-episode")``
(informed buying for 10 minutes from 30% into the session), backtests Static,
InventorySkew, AvellanedaStoikov (rolling horizon), GLFT (intensity fitted online) and
ToxicityAware in it with the same venue, latency and seed -- live: each strategy's orders
go into the agents' matching engine and the agents react to them (``hftlab.backtest``'s
simulate mode), so each strategy has its own session -- prints the teaching
example's summary per strategy and one comparison table, and writes the run folder:
report.html, summary.json, comparison.png and one sub-folder of records and PNGs per
strategy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console
from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn,
                           TimeElapsedColumn)
from rich.table import Table

import hftlab
from hftlab.data.market import MarketData
from hftlab.instruments import MS, FeeSchedule, LatencyProfile, Venue, check
from hftlab.report.compare import comparison_table, pnl_over, write_comparison
from hftlab.report.page import fmt, jsonable
from hftlab.report.run_metrics import LARGE_MOVE_SIGMAS, large_moves, market_trades
from hftlab.report.run_report import analyse, move_text
from hftlab.strategies import (GLFT, AvellanedaStoikov, InventorySkew, Static, ToxicityAware,
                               fit_intensity)
from hftlab.warmup import compile_notices

QTY, CAPACITY = 10, 200  # lots per quote and the inventory bound every strategy shares
CURRENCY = "USD"  # the simulated instrument: $100 start, $0.01 ticks
VPIN_BUCKET, VPIN_WINDOW = 500.0, 10  # lots per bucket (about 1 s of this market), buckets
FEES = FeeSchedule(maker=-0.0020, taker=0.0030, unit="per_unit")


def strategies() -> dict[str, Any]:
    """The five strategies with the demo's parameters (ticks, lots, seconds)."""
    common = dict(qty=QTY, capacity=CAPACITY, requote_ns=100 * MS)
    return {
        "static": Static(half_spread=1.0, **common),
        "inventory_skew": InventorySkew(half_spread=1.0, skew=3.0, **common),
        "avellaneda_stoikov": AvellanedaStoikov(gamma=1e-4, sigma=1.75, k=1.0, horizon_s=60.0,
                                                rolling=True, sigma_halflife_s=60.0, **common),
        "glft": GLFT(gamma=0.01, sigma=1.75, A=20.0, k=1.0, fit=True, min_trades=200,
                     sigma_halflife_s=60.0, **common),
        # tight-tier half-spread 0.75 + 0.15 sigma = 1 tick at this market's usual sigma of
        # about 1.75 ticks / sqrt(s) (InventorySkew's), wider when volatile; depth below
        # 1,500 lots on 5 levels a side (the median is about 2,000) widens it too
        "toxicity_aware": ToxicityAware(half_spread=0.75, skew=3.0, bucket_volume=VPIN_BUCKET,
                                        window=VPIN_WINDOW, vol_coef=0.15, sigma=1.75,
                                        sigma_halflife_s=60.0, depth_levels=5,
                                        depth_ref=1500.0, depth_coef=1.0, **common),
    }


def make_market(seconds: float, seed: int) -> tuple[MarketData, tuple[float, float] | None, str]:
    """(data, informed episode span in seconds or None, description)."""
    try:
        from hftlab.sim import market
    except ImportError:  # the simulator is not installed: a synthetic stream instead
        from hftlab.data.synthetic import l2_stream
        data = l2_stream(int(seconds * 1000), seed=seed, dt_ns=MS)
        return data, None, (f"synthetic L2 stream ({len(data):,} events, seed {seed}); "
                            "hftlab.sim is not available, so there is no informed episode")
    data = market("informed-episode", seconds=seconds, seed=seed)
    span = data.stats.get("episode_s")
    span = (float(span[0]), float(span[1])) if span is not None else None
    desc = (f"hftlab.sim.market('informed-episode', seconds={seconds:g}, seed={seed}): "
            f"{len(data):,} L3 events; informed buying from {span[0]:g} s to {span[1]:g} s"
            if span else f"hftlab.sim informed-episode, {len(data):,} events")
    return data, span, desc


def findings(table: pd.DataFrame, vp: pd.DataFrame | None, span: tuple[float, float] | None,
             t0: int) -> list[str]:
    """Plain statements of what the comparison shows, whichever way it comes out.
    t0: the run's start (ns), from which span counts seconds."""
    out = []
    st = table.loc["static"]
    ctrl = table.drop(index="static")
    lower = ctrl[ctrl["inventory_std"] < st["inventory_std"]].index.tolist()
    out.append(f"Inventory standard deviation: static {st['inventory_std']:.1f} lots; "
               + ", ".join(f"{n} {v:.1f}" for n, v in ctrl["inventory_std"].items())
               + f". Inventory control lowered inventory variance for {len(lower)} of "
               f"{len(ctrl)} inventory-aware strategies"
               + (f" (not for {', '.join(sorted(set(ctrl.index) - set(lower)))})."
                  if len(lower) < len(ctrl) else "."))
    better = ctrl[ctrl["sharpe_run"] > st["sharpe_run"]].index.tolist()
    out.append(f"Risk-adjusted P&L (the Sharpe ratio of the session from its 1-s P&L changes, "
               f"not annualised): static "
               f"{st['sharpe_run']:.2f}; " + ", ".join(f"{n} {v:.2f}" for n, v in
                                                       ctrl["sharpe_run"].items())
               + f". {len(better)} of {len(ctrl)} beat static quoting; total P&L static "
               f"{st['total_pnl']:.2f} vs " + ", ".join(
                   f"{n} {v:.2f}" for n, v in ctrl["total_pnl"].items()) + ".")
    if span is not None and "episode_pnl" in table:
        tox, skew = table.loc["toxicity_aware"], table.loc["inventory_skew"]
        less = tox["episode_pnl"] > st["episode_pnl"]
        diff = tox["episode_pnl"] - skew["episode_pnl"]
        out.append(f"In the informed episode ({span[0]:g}-{span[1]:g} s) toxicity_aware's "
                   f"P&L changed by {tox['episode_pnl']:.2f}, static's by "
                   f"{st['episode_pnl']:.2f}: toxicity-aware quoting "
                   f"{'lost less than' if less else 'did not lose less than'} static quoting. "
                   f"Against inventory_skew, the same skew without the toxicity adjustments "
                   f"(VPIN tiers, volatility and depth widening; {skew['episode_pnl']:.2f}), "
                   f"the adjustments {'added' if diff > 0 else 'cost'} {abs(diff):.2f} in "
                   "the episode.")
    mk = table["markout_10s"]
    sign = ("positive for every strategy: on average the mid did not move against our fills "
            "within 10 s" if (mk > 0).all() else "negative for " + ", ".join(
                mk[mk <= 0].index) + ": the mid moved against those fills within 10 s")
    out.append(f"10-second markouts per lot ranged from {mk.min():.4f} ({mk.idxmin()}) to "
               f"{mk.max():.4f} ({mk.idxmax()}), {sign}.")
    if "episode_markout_10s" in table:
        em = table["episode_markout_10s"]
        neg = em[em < 0].index.tolist()
        if (em < mk).all():
            tail = (": lower than over the whole session for every strategy - fills inside the "
                    "episode earned less against the later mid" + (
                        f", and lost for {', '.join(neg)} (adverse selection)." if neg
                        else ", though still positive."))
        else:
            tail = ": not lower than over the whole session for every strategy."
        out.append("Inside the episode the 10-second markouts per lot were " + ", ".join(
            f"{n} {v:.4f}" for n, v in em.items()) + tail)
    if vp is not None and len(vp) and span is not None:
        s = (vp["ts"].to_numpy() - t0) / 1e9
        inside = (s >= span[0]) & (s < span[1])
        v = vp["vpin"].to_numpy()
        ok = np.isfinite(v)
        if (inside & ok).any() and (~inside & ok).any():
            out.append(f"VPIN ({VPIN_BUCKET:g}-lot buckets, {VPIN_WINDOW} buckets) averaged "
                       f"{v[inside & ok].mean():.2f} in the episode and "
                       f"{v[~inside & ok].mean():.2f} outside it; it was >= 0.5 (the medium "
                       f"tier) in {100 * (v[inside & ok] >= 0.5).mean():.0f}% of the episode's "
                       f"buckets and {100 * (v[~inside & ok] >= 0.5).mean():.0f}% of the "
                       "others'.")
    return out


PARTS = {"spread_capture": "spread capture", "inventory_pnl": "inventory P&L",
         "fees_and_rebates": "fees and rebates"}


def winner_finding(table: pd.DataFrame, currency: str = "USD") -> str:
    """Which strategy made the most and why: its total P&L and session Sharpe against the
    others', and the part of the P&L (spread capture, inventory, fees and rebates) that put
    it ahead of the runner-up, with the inventory and fill numbers behind that part."""
    order = table["total_pnl"].sort_values(ascending=False, kind="stable")
    w, r = order.index[0], order.index[1]
    W, R = table.loc[w], table.loc[r]
    text = (f"The winner is {w}: the highest total P&L, {W['total_pnl']:,.2f} {currency} "
            f"(runner-up {r} {R['total_pnl']:,.2f}, {W['total_pnl'] - R['total_pnl']:,.2f} "
            f"behind; last {order.index[-1]} {order.iloc[-1]:,.2f})")
    best = table["sharpe_run"].idxmax()
    text += (", and the highest session Sharpe, " if best == w else
             f"; the highest session Sharpe was {best}'s, {table.loc[best, 'sharpe_run']:.2f}, "
             f"against {w}'s ") + f"{W['sharpe_run']:.2f}."
    diff = {k: float(W[k] - R[k]) for k in PARTS}
    lead = max(diff, key=diff.get)
    why = {
        "inventory_pnl": f"it lost less on the inventory it carried (inventory std "
                         f"{W['inventory_std']:.1f} against {R['inventory_std']:.1f} lots, "
                         f"max drawdown {W['max_drawdown']:,.2f} against "
                         f"{R['max_drawdown']:,.2f} {currency})",
        "spread_capture": f"its quotes earned more against the mid ({int(W['volume_lots']):,} "
                          f"against {int(R['volume_lots']):,} lots at a mean quoted spread of "
                          f"{W['avg_spread_cents']:.2f} against {R['avg_spread_cents']:.2f} "
                          f"cents; 10-s markout {W['markout_10s']:.4f} against "
                          f"{R['markout_10s']:.4f} {currency} per lot)",
        "fees_and_rebates": f"it collected more maker rebates ({int(W['volume_lots']):,} "
                            f"against {int(R['volume_lots']):,} lots)",
    }[lead]
    parts = ", ".join(f"{PARTS[k]} {v:+,.2f}" for k, v in diff.items())
    return (f"{text} Why: against {r} ({parts} {currency}), {PARTS[lead]} made the "
            f"difference: {why}.")


def moves_finding(records: dict[str, hftlab.RunRecord], analyses: dict[str, dict],
                  currency: str = "USD") -> str:
    """The large moves of each strategy's live session (run_metrics.large_moves), what
    swept the book and what the second of the move did to that strategy's P&L; for the
    sessions without one, their largest 1-second move."""
    hits, quiet = [], []
    for name, rec in records.items():
        mv = analyses[name]["moves"]
        for row in mv.itertuples():
            pnl = pnl_over(rec, (row.t_s - 1.0, row.t_s + 1.0))
            hits.append(f"in {name}'s session {move_text(row, currency)}; {name}'s P&L "
                        f"changed by {pnl:+,.2f} {currency} from 1 s before to 1 s after")
        if len(mv) == 0:
            top = large_moves(rec, None, k=0.0, top=1)
            if len(top):
                quiet.append(f"{name} {1e4 * top['move'].iloc[0]:+.1f} bps at "
                             f"{top['t_s'].iloc[0]:,.0f} s")
    head = (f"Large moves (a 1-second change of the mid of at least {LARGE_MOVE_SIGMAS:g} "
            "robust sigma of its session's 1-second changes): ")
    if not hits:
        return head + "none in any session; the largest 1-second moves were " + \
            ", ".join(quiet) + "."
    return (head + "; ".join(hits) + "." + (
        " None in the other sessions (their largest 1-second moves: " + ", ".join(quiet)
        + ")." if quiet else ""))


def intensity_finding(data: MarketData, rec: hftlab.RunRecord, glft: GLFT) -> str:
    """fit_intensity on the session's prints: distance in ticks from the mid sampled just
    before each print (the state samples, 100 ms apart), over the session's length."""
    tr = market_trades(data)
    st = rec.states
    tick = data.instruments[0].tick_size
    i = np.searchsorted(st["ts"].to_numpy(), tr["ts"].to_numpy(), side="left") - 1
    ok = i >= 0
    mid = st["mid"].to_numpy()[i[ok]]
    d = np.abs(tr["price"].to_numpy()[ok] / tick - mid)
    d = d[np.isfinite(d)]
    seconds = (int(st["ts"].iloc[-1]) - int(st["ts"].iloc[0])) / 1e9
    try:
        A, k = fit_intensity(d, seconds, bin_width=0.5, n_bins=24)
    except ValueError as e:
        return f"The fill intensity could not be fitted from the session's prints ({e})."
    return (f"fit_intensity on the session's {len(d):,} prints (distance from the mid sampled "
            f"before each): A = {A:.1f} per second, k = {k:.2f} per tick; GLFT started from "
            f"A = {glft.A:g}, k = {glft.k:g} and refitted online from the prints it saw.")


def _tables(console: Console, summaries: dict, table) -> None:
    names = list(summaries)
    t = Table(title="Teaching-example summary per strategy")
    t.add_column("")
    for n in names:
        t.add_column(n, justify="right")
    for key in next(iter(summaries.values())):
        t.add_row(key, *[fmt(summaries[n][key]) for n in names])
    console.print(t)
    c = Table(title="Comparison")
    c.add_column("strategy")
    cols = ["total_pnl", "episode_pnl", "sharpe_run", "max_drawdown", "inventory_std",
            "volume_lots", "avg_spread_cents", "markout_10s", "episode_markout_10s"]
    cols = [k for k in cols if k in table.columns]
    for k in cols:
        c.add_column(k, justify="right")
    for n, row in table.iterrows():
        c.add_row(n, *[fmt(int(row[k]) if k == "volume_lots" else float(row[k])) for k in cols])
    console.print(c)


def live_vs_replay(live: dict[str, Any], replayed: dict[str, Any]) -> str:
    """What trading live costs against replaying the same background (our orders move
    nothing, passive fills from the recorded orders' FIFO): fills and P&L per strategy."""
    def pnl(rec: Any) -> str:
        return fmt(float(rec.summary()["total_pnl"]))

    parts = [f"{n} {live[n].meta['fills']:,} fills / P&L {pnl(live[n])} live against "
             f"{replayed[n].meta['fills']:,} / {pnl(replayed[n])} replayed" for n in live]
    return ("Live against a replay of the same background, where our orders move nothing and "
            "queue behind the recorded orders only: " + "; ".join(parts) + ". The difference "
            "is what the agents' reaction to our quotes (impact, a queue among their orders, "
            "being picked off) does to each strategy.")


def run_demo(out_dir: str | Path = "runs/demo", seconds: float = 3600.0, seed: int = 7,
             console: Console | None = None) -> dict:
    """Run the demo (module docstring) into out_dir; returns what summary.json holds."""
    check(isinstance(seconds, (int, float)) and 60 <= seconds <= 86_400, "seconds",
          "a number of seconds in [60, 86400]", seconds)
    check(isinstance(seed, int) and seed >= 0, "seed", "an integer >= 0", seed)
    console = console or Console()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    strats = strategies()
    records, replayed, analyses = {}, {}, {}
    cols = (SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(),
            MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*cols, console=console, transient=True) as bar, \
            compile_notices(lambda text: console.print(text, highlight=False)):
        task = bar.add_task("simulating the market", total=None)
        data, span, desc = make_market(seconds, seed)
        bar.update(task, total=1, completed=1)
        venue = Venue(data.venues[0].name, FEES, LatencyProfile.named("colocated"))
        for name, strat in strats.items():
            task = bar.add_task(f"backtest {name}", total=len(data))
            rec = hftlab.backtest(data, strat.compiled(), venues=[venue], seed=seed,
                                  progress=lambda done, _, t=task: bar.update(t, completed=done))
            rec.meta["strategy"] = name
            rec.meta["parameters"] = strat.describe()
            rec.meta["currency"] = CURRENCY
            rec.save(out / name)
            records[name] = rec
            replayed[name] = hftlab.backtest(data, strat.compiled(), venues=[venue], seed=seed,
                                             mode="replay")
        task = bar.add_task("report", total=len(strats) + 1)
        first = None
        for name, rec in records.items():
            a = analyse(rec, data, VPIN_BUCKET, VPIN_WINDOW, CAPACITY)
            first = first or a
            analyses[name] = a
            bar.advance(task)
        intro = (f"Market: {desc}. Venue: maker {FEES.maker:+.4f} / taker {FEES.taker:+.4f} "
                 f"per share, colocated latency, seed {seed}. Each strategy trades live in its own "
                 f"run of the session (same agents and seed; they react to its orders). "
                 f"Every strategy quotes {QTY} lots "
                 f"a side with an inventory bound of {CAPACITY} lots, requoting every 100 ms; "
                 f"prices in {CURRENCY}, ticks of {data.instruments[0].tick_size:g}.")
        table = comparison_table(records, analyses, span)
        first_ts = int(next(iter(records.values())).states["ts"].iloc[0])
        facts = [winner_finding(table, CURRENCY), *findings(table, first["vpin"], span, first_ts),
                 moves_finding(records, analyses, CURRENCY)]
        glft = records["glft"]
        facts.append(intensity_finding(glft.market if glft.market is not None else data, glft,
                                       strats["glft"]))
        facts.append(live_vs_replay(records, replayed))
        path = write_comparison(records, analyses, out, "hftlab demo: five market makers on "
                                "an informed-episode session", intro, facts, span,
                                "informed episode")
        bar.advance(task)
    summaries = {n: a["summary"] for n, a in analyses.items()}
    _tables(console, summaries, table)
    for f in facts:
        console.print(f"- {f}")
    result = {
        "market": desc, "seconds": seconds, "seed": seed, "episode_s": span,
        "venue": {"maker": FEES.maker, "taker": FEES.taker, "unit": FEES.unit,
                  "latency": "colocated"},
        "vpin": {"bucket_volume": VPIN_BUCKET, "window": VPIN_WINDOW},
        "strategies": {n: {"parameters": strats[n].describe(), "summary": a["summary"],
                           "metrics": a["metrics"], "decomposition": a["decomposition"],
                           "markouts": a["markouts"].to_dict(orient="records")}
                       for n, a in analyses.items()},
        "comparison": {n: {k: float(v) for k, v in row.items()} for n, row in table.iterrows()},
        "findings": facts,
        "report": str(path),
    }
    (out / "summary.json").write_text(json.dumps(jsonable(result), indent=2, allow_nan=False))
    console.print(f"report: {path}")
    return result

