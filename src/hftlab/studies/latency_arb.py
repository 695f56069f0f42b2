"""What our own latency is worth to a latency arbitrageur: curves and the Binance pair.

- ``latency_curve(latencies)`` / ``venue_lag_curve(lags_ms)``: ``LatencyArbitrage``
  backtested on ``hftlab.sim.market("lagging-venue")`` (its second venue's makers
  follow the first venue's mid lag_min_ms .. lag_max_ms late; a rival arbitrageur with
  ``arbitrage_latency_us`` takes stale quotes too), once per latency of ours (the same
  one-way latency on feed, entry and response, at both venues) or per venue lag. By
  default the backtest runs inside the simulated market (``mode="simulate"``: our
  orders enter the agents' matching engine, race the rival and move the book, and the
  agents react); ``mode="replay"`` replays the agents' session without us (a quote
  the rival took is gone when we arrive, our orders move nothing).
  Each row: P&L (currency, net of fees), arbitrages tried, hit rate (takes with any
  fill / takes sent), misses (nothing filled: the quote was gone when our order
  arrived), adverse fills, P&L per trade in bps (P&L over the taken notional x 1e4).
- ``binance_pair(spot, usdm)``: the Binance spot and USD-M BTCUSDT captures of the same
  minutes as one MarketData: venue 0 spot, venue 1 USD-M, each the bookTicker's one
  level book with that venue's trades, on a common 0.01 / 1e-6 grid. Clock: the
  capture host's clock runs about 1.27 s behind Binance's; its offset is taken as the
  smallest (local - exchange) gap over every message that carries an exchange time
  (so the fastest message had zero one-way delay), and ts_local is shifted by it.
  Exchange times: spot bookTicker messages carry none, and USD-M's lag their local
  times by up to 200 ms in bursts; the engine's host queue delivers events in
  exchange-time order, so such gaps would hold back the other venue's events (head of
  line). ts is therefore the recorded local time less a per-venue constant (the
  venue's median one-way delay, or zero). A single instrument: spot and perpetual are
  netted in one position; the basis is the strategy's and the detector's EWMA.
- ``binance_study(spot, usdm)``: lead-lag, stale windows per fee tier, and backtests of
  the strategy on both feeds replayed together with their recorded local times.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hftlab import backtest
from hftlab.analytics.lead_lag import lead_lag
from hftlab.analytics.stale_quotes import stale_quotes
from hftlab.data.binance import read_binance
from hftlab.data.market import MarketData
from hftlab.instruments import MS, US, FeeSchedule, Instrument, LatencyProfile, Venue
from hftlab.schema import Kind
from hftlab.sim import market as sim_market
from hftlab.strategies.latency_arb import LatencyArbitrage, counts

SPOT_TICK, SPOT_LOT = 0.01, 1e-6  # the spot grid; USD-M's 0.1 / 0.001 lie on it


# -- the Binance spot / USD-M pair ---------------------------------------------------
# Binance's published fee rates (2024, bps of notional, no BNB discount): (spot, USD-M).
BINANCE_FEES: dict[str, tuple[FeeSchedule, FeeSchedule]] = {
    "zero fees": (FeeSchedule(), FeeSchedule()),
    "VIP 9": (FeeSchedule(maker=1.1, taker=2.3), FeeSchedule(maker=0.0, taker=1.7)),
    "VIP 0": (FeeSchedule(maker=10.0, taker=10.0), FeeSchedule(maker=2.0, taker=5.0)),
}


def _read(path: str | Path) -> MarketData:
    return read_binance(path, tick_size=SPOT_TICK, lot_size=SPOT_LOT)


def binance_pair(spot: str | Path, usdm: str | Path, feed_delay: str = "median") -> MarketData:
    """Spot (venue 0) and USD-M (venue 1) bookTicker books and trades as one MarketData
    (module doc: the host clock's offset).

    feed_delay: how the exchange time of every message is set from its recorded local
    time: "median" -- ts = ts_local - the venue's median one-way delay over its messages
    that carry an exchange time (each venue's messages keep their recorded order, and the
    merged stream's exchange-time order differs from its local-time order by at most the
    difference of the two medians); "zero" -- ts = ts_local (a host next to both
    matching engines: the venue state is what the capture saw, when it saw it)."""
    if feed_delay not in ("median", "zero"):
        raise ValueError(f"feed_delay must be 'median' or 'zero', got {feed_delay!r}")
    parts = []
    for path in (spot, usdm):
        d = _read(path)
        if len(d.instruments) != 1:
            raise ValueError(f"{path}: expected one symbol, got {d.instruments}")
        ev, rec = d.events, d.record
        keep = ((ev["venue"] == 1) & (ev["kind"] == Kind.LEVEL)) | (ev["kind"] == Kind.TRADE)
        e = ev[keep].copy()
        has_ts = ~((e["kind"] == Kind.LEVEL) & (e["ts"] == e["ts_local"]))
        parts.append((e, rec[keep], has_ts))
    gaps = [p[0]["ts_local"][p[2]] - p[0]["ts"][p[2]] for p in parts]
    offset = -int(min(g.min() for g in gaps))
    evs, recs, delays = [], [], []
    for v, ((e, rec, _), gap) in enumerate(zip(parts, gaps)):
        e["ts_local"] += offset
        e["venue"] = v
        e["instrument"] = 0
        delay = int(np.median(gap)) + offset
        delays.append(delay / MS)
        e["ts"] = e["ts_local"] - (delay if feed_delay == "median" else 0)
        evs.append(e)
        recs.append(rec + v * 10**9)  # records of the two files kept apart
    ev = np.concatenate(evs)
    rec = np.concatenate(recs)
    order = np.argsort(ev["ts"], kind="stable")
    venues = [Venue("binance-spot", BINANCE_FEES["VIP 0"][0]),
              Venue("binance-usdm", BINANCE_FEES["VIP 0"][1])]
    data = MarketData(ev[order], [Instrument("BTCUSDT", SPOT_TICK, SPOT_LOT)], venues,
                      record=rec[order], source=f"binance-pair:{Path(spot).name}+{Path(usdm).name}",
                      stats={"clock_offset_ns": offset, "median_delay_ms": delays,
                             "feed_delay": feed_delay})
    return data.validate()


# -- the curves on the simulated lagging venue -----------------------------------------
# A lagging venue with room to be stale: one-tick lagging quotes, a moving value and
# informed flow (MarketParams knobs of "lagging-venue"; the rival arbitrageur's latency
# is arbitrage_latency_us, 20 us by default).
SIM_MARKET = dict(maker_half_spread=1.0, fv_vol=1e-3, informed_rate=10.0)
SIM_FEES = FeeSchedule(maker=-0.0020, taker=0.0030, unit="per_unit")  # US equities, $ / share
LATENCIES_NS = (10 * US, 30 * US, 100 * US, 300 * US, 1 * MS, 3 * MS, 10 * MS)
PROFILES = ("colocated", "same-city")
NO_RIVAL_US = 1e7  # a rival 10 s slow never wins a race: the arbitrage is ours alone


def run_row(rec: Any, data: MarketData, slow_venue: int) -> dict[str, float]:
    """P&L (currency, net of fees), takes, hit rate (takes with a fill / takes), misses,
    adverse fills, P&L per filled take (currency) and per trade in bps (P&L over the
    notional taken on the slow venue x 1e4) of one LatencyArbitrage run."""
    c = counts(rec.strategy_state)
    f = rec.fills
    taken = f[f["venue"] == slow_venue]
    inst = data.instruments[0]
    notional = float((taken["price"] * taken["qty"]).sum()) * inst.tick_value
    s = rec.summary()
    pnl = float(s["total_pnl"])
    return {"pnl": pnl, "takes": c["takes"], "fills": c["fills"], "misses": c["misses"],
            "adverse": c["adverse"],
            "hit_rate": c["fills"] / c["takes"] if c["takes"] else float("nan"),
            "pnl_per_trade": pnl / c["fills"] if c["fills"] else float("nan"),
            "bps_per_trade": pnl / notional * 1e4 if notional > 0 else float("nan"),
            "fees": float(s["fees"]), "final_position": int(s["final_position"].get(0, 0))}


def _arb(data: MarketData, qty: int, fees: FeeSchedule, **kw: Any) -> Any:
    return LatencyArbitrage(0, 1, data.instruments[0], qty=qty, fees=(fees, fees), **kw)


def _profile(latency: int | str) -> LatencyProfile:
    """A named profile, or the same constant one-way latency (ns) on every leg."""
    if isinstance(latency, str):
        return LatencyProfile.named(latency)
    return LatencyProfile.constant(latency, latency, latency)


def latency_curve(latencies: Sequence[int | str] = (*LATENCIES_NS, *PROFILES), *,
                  seconds: float = 600.0, seed: int = 1, qty: int = 100,
                  rival_us: float | None = None, fees: FeeSchedule = SIM_FEES,
                  market: dict | None = None, mode: str = "simulate") -> pd.DataFrame:
    """LatencyArbitrage live in "lagging-venue" (module doc) per latency of ours: an int
    (ns, the same on feed, entry and response at both venues) or a LatencyProfile name.
    rival_us: the rival arbitrageur's latency (None: the scenario's; NO_RIVAL_US: none).
    mode: "simulate" (our orders in the agents' matching engine) or "replay" (the
    session as the agents played it without us). One row per latency (run_row's
    columns, latency_us: the one-way base)."""
    over = dict(SIM_MARKET if market is None else market)
    if rival_us is not None:
        over["arbitrage_latency_us"] = float(rival_us)
    m = sim_market("lagging-venue", seconds=seconds, seed=seed, **over)
    rows = {}
    for lat in latencies:
        prof = _profile(lat)
        venues = [Venue(v.name, fees, prof) for v in m.venues]
        rec = backtest(m, _arb(m, qty, fees), venues=venues, seed=seed, mode=mode)
        label = lat if isinstance(lat, str) else f"{lat / US:g} us"
        rows[label] = {"latency_us": prof.entry.base_ns / US, **run_row(rec, m, 1)}
    return pd.DataFrame.from_dict(rows, orient="index")


def venue_lag_curve(lags_ms: Sequence[tuple[float, float]] = ((0.1, 0.2), (0.5, 1.0),
                                                               (1.0, 2.0), (2.0, 4.0),
                                                               (5.0, 10.0)), *,
                    latency: int | str = 100 * US, seconds: float = 600.0, seed: int = 1,
                    qty: int = 100, rival_us: float | None = None,
                    fees: FeeSchedule = SIM_FEES, mode: str = "simulate") -> pd.DataFrame:
    """LatencyArbitrage at one latency of ours against the lagging venue's lag
    (lag_min_ms, lag_max_ms of "lagging-venue"), one row per lag range; mode as in
    latency_curve."""
    rows = {}
    prof = _profile(latency)
    for lo, hi in lags_ms:
        over = dict(SIM_MARKET, lag_min_ms=float(lo), lag_max_ms=float(hi))
        if rival_us is not None:
            over["arbitrage_latency_us"] = float(rival_us)
        m = sim_market("lagging-venue", seconds=seconds, seed=seed, **over)
        venues = [Venue(v.name, fees, prof) for v in m.venues]
        rec = backtest(m, _arb(m, qty, fees), venues=venues, seed=seed, mode=mode)
        rows[f"{lo:g}-{hi:g} ms"] = {"lag_min_ms": lo, "lag_max_ms": hi, **run_row(rec, m, 1)}
    return pd.DataFrame.from_dict(rows, orient="index")


BASIS_HALFLIFE_NS = 1_000_000_000  # the perpetual's premium over spot, 1 s EWMA


def host_delays(data: MarketData) -> dict[str, float]:
    """How the engine's one host queue (events in exchange-time order, each delivered no
    earlier than the one before) delays the recorded ts_local of a merged capture: the
    share of events delivered later than recorded and the 99th percentile / max delay
    (ms)."""
    ev = data.load().events
    delivered = np.maximum.accumulate(np.maximum(ev["ts_local"], ev["ts"]))
    late = delivered - ev["ts_local"]
    return {"late_share": float((late > 0).mean()), "p99_ms": float(np.percentile(late, 99)) / MS,
            "max_ms": float(late.max()) / MS}


def binance_backtests(data: MarketData, entry_ns: Sequence[int] = (100 * US, 1 * MS, 5 * MS),
                      tiers: Sequence[str] = ("zero fees", "VIP 9"), qty: int = 10_000,
                      seed: int = 0) -> pd.DataFrame:
    """LatencyArbitrage (fast USD-M, slow spot, crossing hedge, 1 s EWMA basis) replayed
    on both feeds with their recorded local times (recorded_feed=True) and our order
    entry / response latency entry_ns, per fee tier. qty: lots (1e-6 BTC)."""
    rows = {}
    for tier in tiers:
        f_spot, f_usdm = BINANCE_FEES[tier]
        for x in entry_ns:
            lat = LatencyProfile(entry=x, response=x, recorded_feed=True)
            venues = [Venue(data.venues[0].name, f_spot, lat),
                      Venue(data.venues[1].name, f_usdm, lat)]
            s = LatencyArbitrage(1, 0, data.instruments[0], qty=qty, fees=(f_usdm, f_spot),
                                 basis_halflife_ns=BASIS_HALFLIFE_NS)
            rec = backtest(data, s, venues=venues, seed=seed, mode="replay")
            rows[f"{tier}, {x / US:g} us"] = {"tier": tier, "entry_us": x / US,
                                               **run_row(rec, data, 0)}
    return pd.DataFrame.from_dict(rows, orient="index")


def binance_study(spot: str | Path, usdm: str | Path, *, n_boot: int = 500,
                  seed: int = 0) -> dict[str, Any]:
    """Lead-lag of USD-M against spot on the host clock (1 ms and 5 ms grids; log and
    sign returns), the
    stale windows of spot against USD-M per fee tier (crossing hedge, 1 s EWMA basis)
    with the share reachable at 0.1 / 1 / 5 / 10 ms, the engine's host-queue delays, and
    binance_backtests on the pair with each feed_delay ("median": the capture host's own
    feed delays; "zero": a host beside both venues)."""
    data = binance_pair(spot, usdm)
    colocated = binance_pair(spot, usdm, feed_delay="zero")
    ll = {f"{step} ms, {ret} returns": lead_lag(
        data, "binance-usdm", "binance-spot", np.arange(-40, 41) * step * MS, step_ns=step * MS,
        clock="ts_local", n_boot=n_boot, seed=seed, returns=ret)
        for step in (1, 5) for ret in ("log", "sign")}
    stale, reach = {}, {}
    for tier, (f_spot, f_usdm) in BINANCE_FEES.items():
        sq = stale_quotes(data, 1, 0, (f_usdm, f_spot), hedge="cross",
                          basis_halflife_ns=BASIS_HALFLIFE_NS, clock="ts_local")
        stale[tier] = {**sq.summary(), **{f"p{int(q * 100)}_ms": v / MS
                                          for q, v in sq.durations((0.5, 0.9)).items()}}
        reach[tier] = sq.reachable([100 * US, 1 * MS, 5 * MS, 10 * MS])["share"]
    return {"data": data, "lead_lag": ll, "stale": pd.DataFrame(stale).T,
            "reachable": pd.DataFrame(reach).T, "host_delays": host_delays(data),
            "backtests": pd.concat({"median": binance_backtests(data, seed=seed),
                                    "zero": binance_backtests(colocated, seed=seed)},
                                   names=["feed_delay", "run"])}


def latency_study(*, seconds: float = 600.0, seed: int = 1,
                  binance: tuple[str | Path, str | Path] | None = None,
                  out_dir: str | Path | None = None) -> dict[str, Any]:
    """The curves alone on the lagging venue (no rival) and against the scenario's 20 us
    rival arbitrageur, the venue-lag curve at 100 us, and (binance: the spot and USD-M
    capture paths) binance_study; written as out_dir/latency.html when out_dir is given."""
    notes = [f"lagging-venue, {seconds:g} s, seed {seed}, knobs {SIM_MARKET}; fees {SIM_FEES} on "
             "both venues; LatencyArbitrage: 100 lots, crossing hedge (market order on the "
             "fast venue); run inside the simulated market (our orders in the agents' matching "
             "engine); latency: the same one-way constant on feed, entry and response."]
    result: dict[str, Any] = {
        "latency": {"alone (no rival)": latency_curve(seconds=seconds, seed=seed,
                                                      rival_us=NO_RIVAL_US),
                    "rival at 20 us": latency_curve(seconds=seconds, seed=seed)},
        "venue_lag": {"alone, our latency 100 us": venue_lag_curve(seconds=seconds, seed=seed,
                                                            rival_us=NO_RIVAL_US)},
        "notes": notes}
    if binance is not None:
        result["binance"] = binance_study(*binance, seed=seed)
    if out_dir is not None:
        from hftlab.report.latency import write_latency_report

        result["path"] = write_latency_report(result, out_dir)
    return result
