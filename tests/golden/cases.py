"""The golden record's cases: the five built-in market makers on a short simulated market
(traded live) and on a short LOBSTER replay, and what of each record is compared.

``python -m tests.golden.cases`` (from the repository root) writes the stored records.
The simulated-market records were made before the strategy-API change (stop 10); the
LOBSTER records were made again when replay fills were capped by what traded (issue 12:
fill_model "partial"), and the records of before that cap are kept for the static maker
under the all-or-nothing model (case "lobster_full", fill_model "full"). All were made
again at stop 25, when the makers began to send both sides' cancels before any new order
(api_nb.requote_both): on the LOBSTER day 11-38 post-only quotes per maker had been
rejected for meeting our own stale opposite quote after a jump (now none; fills 468 ->
475 static, 547 -> 551 inventory skew, 580 -> 561 Avellaneda-Stoikov, 510 -> 525 GLFT,
519 toxicity-aware, 320 -> 322 static all-or-nothing); in the simulated market only the
order of the order rows within a wake-up changed (the same orders and fills). Every later
engine must reproduce them field by field.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import hftlab
from hftlab.data.market import MarketData
from hftlab.strategies import GLFT, AvellanedaStoikov, InventorySkew, Static, ToxicityAware

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[2] / "shared" / "data" / "lobster" / "AMZN_2012-06-21_level1_fullday"
AMZN = "AMZN_2012-06-21_34200000_57600000_{}_1.csv"
MS = 1_000_000
LOBSTER_EVENTS = 8_000  # the first hour or so of the day
TABLES = ("orders", "fills", "states", "risk_events")


def sim_makers() -> dict:
    """Makers scaled to the simulated market's $0.01 ticks."""
    return {
        "static": Static(half_spread=2, qty=5, capacity=50, requote_ns=200 * MS),
        "inventory_skew": InventorySkew(half_spread=2, skew=3, capacity=50, qty=5,
                                        requote_ns=200 * MS),
        "avellaneda_stoikov": AvellanedaStoikov(gamma=0.05, sigma=2.0, k=1.0, horizon_s=60.0,
                                                rolling=True, capacity=50, qty=5,
                                                sigma_halflife_s=5.0, requote_ns=200 * MS),
        "glft": GLFT(gamma=0.05, sigma=2.0, A=5.0, k=1.0, min_trades=20, fit_halflife_s=10.0,
                     capacity=50, qty=5, sigma_halflife_s=5.0, requote_ns=200 * MS),
        "toxicity_aware": ToxicityAware(half_spread=2, skew=3, qty=5, capacity=50,
                                        bucket_volume=500, window=10, vol_coef=0.2,
                                        sigma_halflife_s=5.0, depth_ref=200, depth_coef=0.5,
                                        requote_ns=200 * MS),
    }


def lobster_makers() -> dict:
    """Makers scaled to LOBSTER's $0.0001 ticks (AMZN near $220, spreads of ~10 cents)."""
    return {
        "static": Static(half_spread=300, qty=100, capacity=500, requote_ns=250 * MS),
        "inventory_skew": InventorySkew(half_spread=300, skew=400, capacity=500, qty=100,
                                        requote_ns=250 * MS),
        "avellaneda_stoikov": AvellanedaStoikov(gamma=0.0005, sigma=300.0, k=0.01,
                                                horizon_s=60.0, rolling=True, capacity=500,
                                                qty=100, sigma_halflife_s=5.0,
                                                requote_ns=250 * MS),
        "glft": GLFT(gamma=0.0005, sigma=300.0, A=5.0, k=0.01, min_trades=20,
                     fit_halflife_s=10.0, capacity=500, qty=100, sigma_halflife_s=5.0,
                     requote_ns=250 * MS),
        "toxicity_aware": ToxicityAware(half_spread=300, skew=400, qty=100, capacity=500,
                                        bucket_volume=20_000, window=10, vol_coef=0.2,
                                        sigma_halflife_s=5.0, depth_ref=2000, depth_coef=0.5,
                                        requote_ns=250 * MS),
    }


def sim_market():
    return hftlab.sim.market("informed-episode", seconds=120, seed=11)


def lobster_market():
    day = hftlab.data.read_lobster(SHARED / AMZN.format("message"),
                                   SHARED / AMZN.format("orderbook"))
    n = LOBSTER_EVENTS
    return MarketData(day.events[:n].copy(), day.instruments, day.venues, day.record[:n].copy(),
                      source=day.source)


def full_makers() -> dict:
    """The static maker, replayed with the all-or-nothing fill model."""
    return {"static": lobster_makers()["static"]}


FILL_MODEL = {"lobster_full": "full"}  # the case's fill model when not the default


def run(market, strategy, fill_model: str = "partial") -> dict[str, pd.DataFrame]:
    rec = hftlab.backtest(market, strategy.compiled(), seed=3, sample_ns=1_000 * MS,
                          fill_model=fill_model)
    return {t: getattr(rec, t).reset_index(drop=True) for t in TABLES}


def path(case: str, name: str, table: str) -> Path:
    return HERE / f"{case}-{name}-{table}.parquet"


def write() -> None:
    for case, market, makers in (("sim", sim_market, sim_makers),
                                 ("lobster", lobster_market, lobster_makers),
                                 ("lobster_full", lobster_market, full_makers)):
        m = market()
        for name, strat in makers().items():
            tables = run(m, strat, FILL_MODEL.get(case, "partial"))
            for t, df in tables.items():
                df.to_parquet(path(case, name, t), compression="zstd")
            print(case, name, {t: len(df) for t, df in tables.items()})


if __name__ == "__main__":
    write()
