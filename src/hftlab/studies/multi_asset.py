"""Multi-asset studies: DollarNeutralMM and PairsTrader on the correlated-assets scenario
through a correlation breakdown, and PairsTrader on Binance spot against USD-M BTCUSDT
(basis trading) with both venues' fees.

Amounts are in the scenario's currency (USD for the simulated stocks, USDT for Binance);
turnover is the traded notional (sum of price x size over fills); exposure is in
report.portfolio's sense.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

import hftlab
from hftlab.data.market import MarketData
from hftlab.engine.record import RunRecord
from hftlab.instruments import FeeSchedule, LatencyProfile, Venue, check
from hftlab.report.portfolio import exposure, turnover
from hftlab.strategies.dollar_neutral import DollarNeutralMM
from hftlab.strategies.pairs import PairsTrader

# Binance's regular-user (VIP 0) rates, in bps of notional: spot 0.1 % maker and taker,
# USD-M futures 0.02 % maker and 0.05 % taker (binance.com fee schedule, 2024).
SPOT_FEES = FeeSchedule(maker=10.0, taker=10.0)
USDM_FEES = FeeSchedule(maker=2.0, taker=5.0)
LATENCY = LatencyProfile.constant(feed_ns="500us", entry_ns="1ms", response_ns="1ms")
SCENARIO_FEES = FeeSchedule(maker=-0.2, taker=0.3)  # bps: a maker rebate, a taker fee


def run_metrics(rec: RunRecord) -> dict[str, float]:
    """P&L, max drawdown, fills, turnover, max |net| and mean gross exposure of a run."""
    s = rec.summary()
    ex = exposure(rec)
    return {"pnl": float(s["total_pnl"]), "max_drawdown": float(s["max_drawdown"]),
            "fills": int(s["fills"]), "turnover": turnover(rec),
            "max_abs_net": float(ex["net"].abs().max()), "mean_gross": float(ex["gross"].mean()),
            "max_gross": float(ex["gross"].max())}


def scenario_venues(data: MarketData) -> list[Venue]:
    """The scenario's venues with the study's fees and a 1 ms order latency."""
    return [replace(v, fees=SCENARIO_FEES, latency=LATENCY) for v in data.venues]


def dollar_neutral_run(seed: int, seconds: float = 600.0, breakdown_at: float = 0.5,
                       **strategy: Any) -> tuple[RunRecord, DollarNeutralMM, MarketData]:
    """DollarNeutralMM on the ten correlated stocks (collapse at breakdown_at); returns
    the record, the strategy and the market (its stats hold breakdown_ns)."""
    m = hftlab.sim.market("correlated-assets", seconds=seconds, seed=seed,
                          breakdown_at=breakdown_at)
    kw = dict(band=10_000.0, hard_band=15_000.0, quote_notional=1_500.0,
              max_position_notional=8_000.0, skew_bps=5.0, taker_fee_bps=0.3)
    mm = DollarNeutralMM(m.instruments, **{**kw, **strategy})
    return hftlab.backtest(m, mm.compiled(), venues=scenario_venues(m)), mm, m


def breakdown_pair(seed: int, seconds: float = 1200.0, breakdown_at: float = 0.5) -> MarketData:
    """Two cointegrated stocks of one sector (values correlate 0.95, own components revert
    in 20 s) whose correlation collapses at breakdown_at."""
    return hftlab.sim.market("correlated-assets", seconds=seconds, seed=seed, instruments=2,
                             sectors=1, factor_correlation=0.45, sector_correlation=10 / 11,
                             instrument_vols=(1e-3, 8e-4), informed_rate=10.0,
                             idio_reversion=0.05, breakdown_at=breakdown_at)


PAIR_PARAMS = dict(method="rolling_ols", window=120, sample_ns=5_000_000_000, z_halflife=24.0,
                   warmup=24, entry_z=1.5, exit_z=0.3, stop_z=3.5, notional=20_000.0,
                   taker_fee_bps=0.3, correlation_halflife=12.0, correlation_min_updates=24)


def pairs_breakdown(seed: int, threshold: float | None, data: MarketData | None = None,
                    **strategy: Any) -> tuple[RunRecord, PairsTrader]:
    """PairsTrader (taker) on breakdown_pair(seed), with the correlation guard at
    threshold (None: without it)."""
    m = data if data is not None else breakdown_pair(seed)
    pt = PairsTrader(m.instruments, [0, 1], correlation_threshold=threshold,
                     **{**PAIR_PARAMS, **strategy})
    return hftlab.backtest(m, pt.compiled(), venues=scenario_venues(m)), pt


def binance_basis_data(spot: str | Path, usdm: str | Path, stream: str = "bookTicker"
                       ) -> MarketData:
    """Binance spot and USD-M BTCUSDT captures as one MarketData: the spot instrument
    (instrument 0, venue 0 "spot:...") and the perpetual ("BTCUSDT-PERP", instrument 1,
    venue 1 "usdm:...") with each venue's fees (SPOT_FEES, USDM_FEES); book 0 is spot's,
    book 3 the perpetual's.

    stream: which of each capture's venues to keep, "bookTicker" (the top of book; default)
    or "depth" (the diff-depth book). The depth streams hold stray levels far from the
    touch (USD-M 560 .. 621,369 USDT), and one run's books share one ladder width, so the
    two depth books together would need 29 M price levels each (7.5 GB)."""
    check(stream in ("bookTicker", "depth"), "stream", "'bookTicker' or 'depth'", stream)
    parts, venues, instruments = [], [], []
    for k, (path, tag, fees) in enumerate(((spot, "spot", SPOT_FEES), (usdm, "usdm", USDM_FEES))):
        d = hftlab.data.read_binance(path)
        want = [j for j, v in enumerate(d.venues) if v.name.endswith(":bookTicker")
                == (stream == "bookTicker")]
        check(len(want) == 1, f"{path}: venues", f"one {stream} venue",
              [v.name for v in d.venues])
        keep = d.events["venue"] == want[0]
        ev = d.events[keep].copy()
        ev["venue"], ev["instrument"] = k, k
        parts.append((ev, d.record[keep]))
        venues.append(replace(d.venues[want[0]], name=f"{tag}:{d.venues[want[0]].name}",
                              fees=fees))
        spec = d.instruments[0]
        instruments.append(replace(spec, symbol=spec.symbol + ("-PERP" if k else "")))
    events = np.concatenate([p[0] for p in parts])
    record = np.concatenate([p[1] for p in parts])
    order = np.argsort(events["ts"], kind="stable")
    return MarketData(events[order], instruments, venues, record=record[order],
                      source=f"binance spot {spot} + usdm {usdm} ({stream})")


def binance_basis(spot: str | Path, usdm: str | Path, data: MarketData | None = None,
                  **strategy: Any) -> tuple[RunRecord, PairsTrader, MarketData]:
    """PairsTrader on spot (leg 0) against the perpetual (leg 1), taker, both venues'
    taker fees in its cost test; data: binance_basis_data(spot, usdm) read before."""
    data = data if data is not None else binance_basis_data(spot, usdm)
    books = [data.book_index(0, 0), data.book_index(1, 1)]
    kw = dict(method="kalman", delta=1e-9, sample_ns=1_000_000_000, z_halflife=30.0,
              warmup=30, entry_z=2.0, exit_z=0.5, stop_z=4.0, notional=10_000.0,
              taker_fee_bps=[SPOT_FEES.taker, USDM_FEES.taker], max_hold_ns=120 * 10**9)
    pt = PairsTrader(data.instruments, books, **{**kw, **strategy})
    venues = [replace(v, latency=LATENCY) for v in data.venues]
    return hftlab.backtest(data, pt.compiled(), venues=venues), pt, data
