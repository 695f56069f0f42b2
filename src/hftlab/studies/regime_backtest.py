"""Regime-switched spreads against fixed spreads, out of sample, on 'toxicity-regimes'.

``regime_switch_backtest(train_seed, test_seed, seconds, ...)`` simulates two sessions of
``hftlab.sim.market("toxicity-regimes")``. On the *training* session it computes the
per-bar features of ``toxicity_features`` (VPIN of Easley, López de Prado & O'Hara 2012
with the prints' aggressor sides, volatility, quoted spread, order-flow imbalance) and
fits a Gaussian HMM (hmmlearn, Baum-Welch) to them. On the *test* session it backtests
``RegimeSwitched``, which filters the regime online (Hamilton 1989: only bars already
closed) and quotes the half-spread and size of that regime, against the same quote rule
with fixed half-spreads (the tightest, the training-weighted average, the widest) on the
same market, venue and seed. Nothing of the test session enters the fit.

Units: P&L, drawdown and markouts in currency (markouts per lot, negative = adverse
selection); half-spreads in ticks; sharpe_run is the run's own Sharpe of 1-second P&L
changes (``report.run_metrics.metrics``); true regimes 0 normal, 1 elevated, 2 high,
3 crisis (``data.stats["regime"]``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from hftlab.analytics.regimes import toxicity_features
from hftlab.analytics.sources import events_tables
from hftlab.data.market import MarketData
from hftlab.engine.record import RunRecord
from hftlab.instruments import FeeSchedule, LatencyProfile, Venue
from hftlab.report.figures import plt, png
from hftlab.report.page import document, grid_table, img, kv_table
from hftlab.report.run_metrics import market_trades, markouts, metrics
from hftlab.strategies.regime import FEATURE_COLUMNS, RegimeModel, RegimeSwitched

NS = 1_000_000_000
TRUE_REGIMES = ("normal", "elevated", "high", "crisis")
FEES = FeeSchedule(maker=-0.0020, taker=0.0030, unit="per_unit")


def session_features(data: MarketData, bar_ns: int, bucket_volume: float,
                     window: int) -> pd.DataFrame:
    """``toxicity_features`` of one session: quotes = top-of-book changes
    (``events_tables``), trades = the TRADE prints with their aggressor side
    (``market_trades``), VPIN classified by that side. Causal per bar: a bar's row uses
    only events up to its end (bucket_volume is given, not estimated from the day)."""
    quotes = events_tables(data).quotes
    trades = market_trades(data)
    return toxicity_features(trades, quotes, interval=int(bar_ns), bucket_volume=bucket_volume,
                             window=window, classify="side")


def fit_regime_model(features: pd.DataFrame, n_regimes: int = 4, seed: int = 0,
                     n_iter: int = 200) -> RegimeModel:
    """Fit a diagonal Gaussian HMM (hmmlearn) on the z-scored finite rows of features and
    return its parameters as a RegimeModel, states ordered by mean VPIN (0 calmest)."""
    from hmmlearn.hmm import GaussianHMM

    X = features[list(FEATURE_COLUMNS)].to_numpy(np.float64)
    X = X[np.isfinite(X).all(axis=1)]
    if len(X) < 5 * n_regimes:
        raise ValueError(f"need at least {5 * n_regimes} bars with finite features to fit "
                         f"{n_regimes} regimes; got {len(X)} (longer session or shorter bars)")
    mu, sd = X.mean(axis=0), X.std(axis=0)
    if not (sd > 0).all():
        raise ValueError(f"constant feature(s) {[c for c, s in zip(FEATURE_COLUMNS, sd) if not s > 0]}")
    hmm = GaussianHMM(n_components=n_regimes, covariance_type="diag", n_iter=n_iter,
                      random_state=seed)
    hmm.fit((X - mu) / sd)
    order = np.argsort(hmm.means_[:, FEATURE_COLUMNS.index("vpin")], kind="stable")
    return RegimeModel(columns=FEATURE_COLUMNS, mu=mu, sd=sd,
                       startprob=hmm.startprob_[order].copy(),
                       transmat=hmm.transmat_[np.ix_(order, order)].copy(),
                       means=hmm.means_[order].copy(),
                       variances=np.diagonal(hmm.covars_, axis1=1, axis2=2)[order].copy())


def filtered_regimes(model: RegimeModel, features: pd.DataFrame) -> pd.DataFrame:
    """Hamilton-filtered probabilities p_0..p_{k-1} and the most probable regime per row,
    one row at a time in order (rows with a NaN feature: regime -1, the filter carries
    its last probabilities over them) - the offline path of RegimeSwitched."""
    X = features[list(FEATURE_COLUMNS)].to_numpy(np.float64)
    probs = np.full((len(X), model.n_regimes), np.nan)
    regime = np.full(len(X), -1, np.int64)
    p = None
    for i, x in enumerate(X):
        if np.isfinite(x).all():
            p = model.filter_step(p, x)
            probs[i], regime[i] = p, int(np.argmax(p))
    out = pd.DataFrame(probs, index=features.index, columns=[f"p{k}" for k in range(len(probs.T))])
    out["regime"] = regime
    return out


def true_regime_per_bar(data: MarketData, ends_ns: np.ndarray, bar_ns: int) -> np.ndarray:
    """The ground-truth regime most present in each bar [end - bar_ns, end) (the world's
    grid in data.stats), -1 for a bar outside the grid."""
    grid = data.stats["start_ns"] + np.round(np.asarray(data.stats["grid_s"]) * NS).astype(np.int64)
    reg = np.asarray(data.stats["regime"])
    out = np.full(len(ends_ns), -1, np.int64)
    for i, end in enumerate(np.asarray(ends_ns, np.int64)):
        r = reg[(grid >= end - bar_ns) & (grid < end)]
        if r.size:
            out[i] = int(np.bincount(r).argmax())
    return out


def agreement(pred: np.ndarray, true: np.ndarray) -> dict[str, float]:
    """How well regime labels agree with the truth (rows where both are >= 0): accuracy,
    the accuracy expected by chance from the two label frequencies, Cohen's kappa
    ((acc - chance) / (1 - chance); > 0 = better than chance) and Spearman's rank
    correlation (labels are ordered calm to toxic on both sides)."""
    from scipy.stats import spearmanr

    ok = (np.asarray(pred) >= 0) & (np.asarray(true) >= 0)
    p, t = np.asarray(pred)[ok], np.asarray(true)[ok]
    if p.size == 0:
        return {"bars": 0, "accuracy": np.nan, "chance": np.nan, "kappa": np.nan,
                "spearman": np.nan}
    k = int(max(p.max(), t.max())) + 1
    acc = float((p == t).mean())
    chance = float((np.bincount(p, minlength=k) / p.size) @ (np.bincount(t, minlength=k) / t.size))
    rho = spearmanr(p, t).statistic if np.unique(p).size > 1 and np.unique(t).size > 1 else np.nan
    return {"bars": int(p.size), "accuracy": acc, "chance": chance,
            "kappa": (acc - chance) / (1.0 - chance) if chance < 1 else np.nan,
            "spearman": float(rho)}


def pnl_by_true_regime(rec: RunRecord, data: MarketData) -> dict[str, float]:
    """Sum of the P&L changes between state samples, each given to the true regime at the
    sample that ends it (currency; the four add up to the total P&L after the first
    sample)."""
    st = rec.states[rec.states["instrument"] == 0]
    eq = st["equity"].to_numpy(np.float64)
    secs = (st["ts"].to_numpy() - data.stats["start_ns"]) / NS
    grid = np.asarray(data.stats["grid_s"])
    i = np.clip(np.searchsorted(grid, secs, side="right") - 1, 0, len(grid) - 1)
    reg = np.asarray(data.stats["regime"])[i]
    d = np.diff(eq, prepend=eq[0] if len(eq) else 0.0)
    return {f"pnl_{name}": float(d[reg == k].sum()) for k, name in enumerate(TRUE_REGIMES)}


class ShiftedSchedule(RegimeSwitched):
    """Placebo: the regime-switched maker's own regime path, moved circularly by half the
    session, so the spreads have the same occupancy and persistence but no relation to
    the market's state at the time. If regime switching helps through detection, the
    real path beats this one; if it only helps because P&L is convex in the spread
    (tight part of the time earns more than a constant average), both do alike."""

    def __init__(self, model: RegimeModel, half_spreads: Sequence[float],
                 sizes: Sequence[int], seen_ns: np.ndarray, regimes: np.ndarray, t0: int,
                 t1: int, **kwargs: Any) -> None:
        super().__init__(model, half_spreads, sizes, **kwargs)
        span = max(t1 - t0, 1)
        moved = t0 + (np.asarray(seen_ns, np.int64) - t0 + span // 2) % span
        order = np.argsort(moved, kind="stable")
        self.schedule_ns, self.schedule = moved[order], np.asarray(regimes, np.int64)[order]
        self.name = "ShiftedSchedule"

    def quoted_regime(self, now: int) -> int:
        i = int(np.searchsorted(self.schedule_ns, now, side="right")) - 1
        return int(self.schedule[i]) if i >= 0 else int(self.schedule[-1])


def _row(rec: RunRecord, data: MarketData, half: float) -> dict[str, float]:
    m = metrics(rec)
    mk = markouts(rec, (1, 10)).set_index("horizon_s")["markout_per_lot"]
    return {"avg_half_spread": half, "total_pnl": m["total_pnl"], "sharpe_run": m["sharpe_run"],
            "max_drawdown": m["max_drawdown"], "volume_lots": m["volume_lots"],
            "inventory_std": m["inventory_std"], "markout_1s": float(mk.get(1, np.nan)),
            "markout_10s": float(mk.get(10, np.nan)), **pnl_by_true_regime(rec, data)}


def regime_switch_backtest(train_seed: int, test_seed: int, seconds: float = 3600.0,
                           spreads_by_regime: Sequence[float] | None = None,
                           sizes_by_regime: Sequence[int] | None = None, *,
                           n_regimes: int = 4, bar_ns: int = 10 * NS,
                           bucket_volume: float = 500.0, window: int = 10, qty: int = 10,
                           capacity: int = 200, skew: float = 3.0, hmm_seed: int = 0,
                           venue: Venue | None = None, seed: int = 0,
                           market_overrides: Mapping[str, Any] | None = None,
                           out_dir: str | Path | None = None) -> pd.DataFrame:
    """Fit on the train_seed session, backtest on the test_seed session; one row per maker.

    spreads_by_regime: half-spread in ticks per fitted regime, calm to toxic (default
    1, 2, 3, 4 ticks for 4 regimes: 1 + k); sizes_by_regime: lots per regime (default
    qty in every regime, so only the spread differs from the fixed makers). Rows:
    "regime_switched", "fixed_tight" (min spread), "fixed_average" (spreads weighted by
    how often the filter was in each regime on the *training* session) and "fixed_wide"
    (max spread); "placebo_shifted" (ShiftedSchedule: the switched maker's regime path
    moved by half the session - same spreads, wrong times); every maker uses
    InventorySkew's rule with the same skew, capacity and size. venue: default maker -0.002 / taker +0.003 per share, colocated latency.
    market_overrides: MarketParams fields for both sessions (e.g. regime_minutes).
    out_dir: also write regime_backtest.html and regime_backtest.png there.

    The fitted model and the diagnostics are in ``table.attrs``: "model" (RegimeModel),
    "train_agreement" and "test_agreement" (``agreement`` of the filtered regime with the
    truth), "test_regime_share" (bars per filtered regime on the test session),
    "records" (RunRecord per row).
    """
    from hftlab import sim
    from hftlab.engine.backtest import backtest

    over = dict(market_overrides or {})
    if train_seed == test_seed:
        raise ValueError("train_seed and test_seed must differ (out-of-sample test)")
    spreads = tuple(float(s) for s in spreads_by_regime) if spreads_by_regime is not None \
        else tuple(1.0 + k for k in range(n_regimes))
    if len(spreads) != n_regimes:
        raise ValueError(f"spreads_by_regime needs {n_regimes} half-spreads; got {len(spreads)}")
    sizes = tuple(sizes_by_regime) if sizes_by_regime is not None else (qty,) * n_regimes
    train = sim.market("toxicity-regimes", seconds=seconds, seed=train_seed, **over)
    test = sim.market("toxicity-regimes", seconds=seconds, seed=test_seed, **over)
    f_train = session_features(train, bar_ns, bucket_volume, window)
    model = fit_regime_model(f_train, n_regimes, hmm_seed)
    filt = filtered_regimes(model, f_train)
    ends = f_train.index.asi8
    train_truth = true_regime_per_bar(train, ends, bar_ns)
    occupied = np.bincount(filt["regime"][filt["regime"] >= 0], minlength=n_regimes)
    average = float(occupied @ np.asarray(spreads) / max(occupied.sum(), 1))
    venue = venue or Venue(test.venues[0].name, FEES, LatencyProfile.named("colocated"))
    common = {"skew": skew, "capacity": capacity, "bar_ns": bar_ns,
              "bucket_volume": bucket_volume, "window": window}
    makers = {"regime_switched": (spreads, sizes), "fixed_tight": ((min(spreads),) * n_regimes, None),
              "fixed_average": ((average,) * n_regimes, None),
              "fixed_wide": ((max(spreads),) * n_regimes, None)}
    rows, records, switched = {}, {}, None
    for name, (hs, sz) in makers.items():
        strat = RegimeSwitched(model, hs, sz if sz is not None else (qty,) * n_regimes, **common)
        rec = backtest(test, strat, venues=[venue], seed=seed)
        rec.meta["strategy"] = name
        records[name] = rec
        if name == "regime_switched":
            switched = strat
            used = [spreads[b["regime"]] for b in strat.bars if b["regime"] >= 0]
            half = float(np.mean(used)) if used else spreads[int(np.argmax(model.startprob))]
        else:
            half = hs[0]
        rows[name] = _row(rec, test, half)
    bars = pd.DataFrame(switched.bars)
    if len(bars) and (bars["regime"] >= 0).any():
        known = bars[bars["regime"] >= 0]
        t0 = int(test.events["ts"][0])
        placebo = ShiftedSchedule(model, spreads, sizes, known["seen_ns"].to_numpy(),
                                  known["regime"].to_numpy(), t0, int(test.events["ts"][-1]),
                                  **common)
        rec = backtest(test, placebo, venues=[venue], seed=seed)
        rec.meta["strategy"] = "placebo_shifted"
        records["placebo_shifted"] = rec
        rows["placebo_shifted"] = _row(rec, test, float(np.mean(
            [spreads[r] for r in placebo.schedule])))
    table = pd.DataFrame(rows).T
    test_truth = true_regime_per_bar(test, bars["end_ns"].to_numpy(np.int64), bar_ns) \
        if len(bars) else np.zeros(0, np.int64)
    table.attrs.update({
        "model": model, "spreads_by_regime": spreads, "sizes_by_regime": sizes,
        "train_agreement": agreement(filt["regime"].to_numpy(), train_truth),
        "test_agreement": agreement(bars["regime"].to_numpy() if len(bars) else
                                    np.zeros(0, np.int64), test_truth),
        "test_regime_share": np.bincount(bars["regime"][bars["regime"] >= 0],
                                         minlength=n_regimes).tolist() if len(bars) else [],
        "records": records, "test_bars": bars, "train_seed": train_seed,
        "test_seed": test_seed, "seconds": seconds})
    if out_dir is not None:
        write_regime_summary(table, test, out_dir)
    return table


def write_regime_summary(table: pd.DataFrame, test: MarketData, out_dir: str | Path) -> Path:
    """regime_backtest.png (equity of each maker over the test session, the true regime
    shaded, the filtered regime below) and regime_backtest.html (the table, the model's
    regime means and the agreement numbers); returns the HTML path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    t0 = test.stats["start_ns"]
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(10, 6), sharex=True,
                                  gridspec_kw={"height_ratios": [3, 1]})
    grid = np.asarray(test.stats["grid_s"])
    reg = np.asarray(test.stats["regime"])
    for k, c in zip(range(1, 4), ("#fff3c4", "#ffd8a8", "#ffb3b3")):
        ax.fill_between(grid, 0, 1, where=reg == k, color=c, transform=ax.get_xaxis_transform(),
                        step="post", label=f"true {TRUE_REGIMES[k]}")
    for name, rec in table.attrs["records"].items():
        st = rec.states[rec.states["instrument"] == 0]
        ax.plot((st["ts"] - t0) / NS, st["equity"], lw=1, label=name)
    ax.set_ylabel("P&L (currency)")
    ax.legend(fontsize=7, ncol=3)
    bars = table.attrs["test_bars"]
    if len(bars):
        ax2.step((bars["end_ns"] - t0) / NS, bars["regime"], where="post", label="filtered")
    ax2.step(grid, reg, where="post", alpha=0.6, label="true")
    ax2.set_ylabel("regime")
    ax2.set_xlabel("seconds")
    ax2.legend(fontsize=7)
    pic = png(fig)
    (out / "regime_backtest.png").write_bytes(pic)
    model: RegimeModel = table.attrs["model"]
    means = pd.DataFrame(model.means * model.sd + model.mu, columns=list(model.columns))
    body = ["<h2>Out of sample: regime-switched against fixed spreads</h2>",
            grid_table({str(k): dict(v) for k, v in table.iterrows()}),
            ("<p>P&L, drawdown and pnl_* in currency; markouts per lot (negative = adverse "
             "selection); pnl_* = P&L earned while the true regime was that one.</p>"),
            "<h2>Fitted regimes (training session)</h2>",
            grid_table({f"regime {k}": dict(r) for k, r in means.iterrows()}),
            "<h3>Agreement with the true regime</h3>",
            kv_table({f"train {k}": v for k, v in table.attrs["train_agreement"].items()}
                     | {f"test {k}": v for k, v in table.attrs["test_agreement"].items()}),
            img(pic, "equity and regimes")]
    path = out / "regime_backtest.html"
    path.write_text(document("Toxicity regimes: regime-switched spreads", "".join(body)))
    return path
