"""News and earnings in the simulated "news-shock" market: the VPIN spike at a release and
its reversion, NewsTrader's P&L against our news latency, and the seed's counterexample
(a maker that widens on the earnings VPIN spike against one that knows the calendar).

Money in the instrument's currency; VPIN a fraction (Easley, López de Prado & O'Hara
2012, buckets of `bucket_volume` lots, the prints' own aggressor sides); times ns.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

from hftlab.analytics.sources import events_tables
from hftlab.analytics.vpin import vpin
from hftlab.data.market import MarketData
from hftlab.engine.backtest import backtest
from hftlab.instruments import MS
from hftlab.report.run_metrics import pnl_decomposition
from hftlab.studies.playbook import _sim_venues
from hftlab.studies.trade_stats import trade_stats
from hftlab.strategies.inventory_skew import InventorySkew
from hftlab.strategies.news import NewsTrader, counts, pull_on_news
from hftlab.strategies.toxicity import ToxicityAware

SEC = 1_000_000_000
MAKER = dict(half_spread=1.0, skew=3.0, qty=10, capacity=200)  # the playbook's maker size
# ToxicityAware as the paper alerts: tiers on the CDF of VPIN (50 buckets of 500 lots,
# about a second of volume each), widening in its top 10 %
TOXICITY = dict(bucket_volume=500.0, window=50, score="cdf", tiers=(0.9, 0.95, 0.99))


def release_vpin(data: MarketData, at_ns: int, *, bucket_volume: float = 500.0,
                 window: int = 10, before_s: float = 120.0, spike_s: float = 30.0,
                 after_s: tuple[float, float] = (60.0, 180.0)) -> dict[str, Any]:
    """VPIN around a release at at_ns: the mean of the buckets completed in the before_s
    before it (baseline), the largest completed within spike_s after it (peak), and the
    mean of those completed after_s[0] .. after_s[1] after it (later). Also the series
    ('vpin': ts, vpin of every full-window bucket)."""
    tr = events_tables(data).trades
    v = vpin(tr, bucket_volume=bucket_volume, window=window, classify="side").dropna()
    ts = pd.DatetimeIndex(pd.to_datetime(v["ts"], utc=True)).as_unit("ns").asi8
    x = v["vpin"].to_numpy(np.float64)

    def part(a: float, b: float) -> np.ndarray:
        return x[(ts >= at_ns + round(a * SEC)) & (ts < at_ns + round(b * SEC))]

    base, spike, later = part(-before_s, 0.0), part(0.0, spike_s), part(*after_s)
    return {"baseline": float(base.mean()) if len(base) else np.nan,
            "peak": float(spike.max()) if len(spike) else np.nan,
            "later": float(later.mean()) if len(later) else np.nan,
            "vpin": pd.DataFrame({"ts": ts, "vpin": x})}


def news_latency_study(latencies_ns: Sequence[int], seeds: Sequence[int], *,
                       seconds: float = 600.0, market_overrides: dict | None = None,
                       **trader: Any) -> pd.DataFrame:
    """NewsTrader (keywords `trader`) in "news-shock" sessions (one per seed, the same
    for every latency) at each of our news latencies: one row per (latency_ns, seed)
    with trade_stats and the trader's counts, trading inside the simulated market
    (the playbook's venues: 1 ms order entry, equity fees)."""
    from hftlab.sim import market

    rows = []
    for seed in seeds:
        m = market("news-shock", seconds=seconds, seed=seed, **dict(market_overrides or {}))
        for lat in latencies_ns:
            rec = backtest(m, NewsTrader(m.stats["news"], latency_ns=int(lat), **trader)
                           .compiled(), venues=_sim_venues(m), seed=seed)
            rows.append({"latency_ns": int(lat), "seed": seed, **trade_stats(rec),
                         **counts(rec.strategy_state)})
    return pd.DataFrame(rows)


def earnings_makers(seed: int, *, seconds: float = 600.0, maker: dict | None = None,
                    toxicity: dict | None = None, before_s: float = 1.0,
                    after_s: float = 5.0, until_s: float = 120.0,
                    market_overrides: dict | None = None) -> pd.DataFrame:
    """The seed's counterexample on one "news-shock" session with its scheduled release
    only (no unscheduled headlines, unless market_overrides says so): the same
    InventorySkew quotes (`maker`) run as they are ("plain"), as ToxicityAware widening
    on VPIN (`toxicity`, default TOXICITY) and as the
    regime-aware maker that knows the release time and stays out from before_s before
    it to after_s after (pull_on_news, kind "scheduled"). Rows: P&L and its parts
    (pnl_decomposition), fills, and spread_after: the spread capture from after_s to
    until_s after the release, while VPIN is still high but the news is priced in."""
    from hftlab.sim import market

    over = {"news_rate": 0.0, **dict(market_overrides or {})}
    m = market("news-shock", seconds=seconds, seed=seed, **over)
    news = m.stats["news"]
    at = int(news.loc[news["scheduled"], "ts_ns"].iloc[0])
    kw = {**MAKER, **dict(maker or {})}
    makers = {"plain": InventorySkew(**kw).compiled(),
              "toxicity-aware": ToxicityAware(**kw, **{**TOXICITY, **dict(toxicity or {})})
              .compiled(),
              "regime-aware": pull_on_news(InventorySkew(**kw), news, latency_ns=MS,
                                           before_s=before_s, after_s=after_s,
                                           kind="scheduled")}
    rows = {}
    for name, s in makers.items():
        rec = backtest(m, s, venues=_sim_venues(m), seed=seed)
        f = rec.fills
        late = f[(f["ts_exchange"] >= at + round(after_s * SEC))
                 & (f["ts_exchange"] < at + round(until_s * SEC))]
        rows[name] = {**pnl_decomposition(rec), "fills": len(f),
                      "spread_after": float((late["side"] * (late["mid"] - late["price"])
                                             * late["qty"]).sum()) * m.instruments[0].tick_size
                      * m.instruments[0].lot_size}
    return pd.DataFrame.from_dict(rows, orient="index")
