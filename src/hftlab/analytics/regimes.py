"""Toxicity regimes: a Gaussian hidden Markov model on VPIN, volatility, spread and OFI,
and a pure spread policy that quotes wider in more toxic regimes.

The HMM is hmmlearn's GaussianHMM (Baum-Welch; regimes decoded by Viterbi), fitted on
z-scored features so no one unit dominates. Regimes are renumbered so that regime 0 has
the lowest mean of `order_by` (default VPIN) and regime n-1 the highest: 0 = calm,
n-1 = most toxic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

from hftlab.analytics.inputs import duration_ns, positive_int, quote_arrays, ts_index
from hftlab.analytics.ofi import ofi_events
from hftlab.analytics.vpin import vpin as vpin_fn

FEATURES = ("vpin", "volatility", "spread", "ofi")


def toxicity_features(trades: Any, quotes: Any, interval: Any = "1min",
                      **vpin_kwargs: Any) -> pd.DataFrame:
    """Per-interval features for regime classification, indexed by interval end (UTC).

    vpin: the latest VPIN (`vpin(trades, **vpin_kwargs)`) completed by the interval's
    end, NaN before the first; volatility: sqrt of the sum of squared mid log-returns
    over the quote updates in the interval (fraction); spread: mean quoted spread of
    those updates (fraction of mid); ofi: |sum of the Cont-Kukanov-Stoikov e_n| divided
    by the mean top-of-book depth in the interval (needs bid_qty/ask_qty; NaN columns
    otherwise). Intervals without quote updates are absent.
    """
    step = duration_ns(interval, "interval")
    q = quote_arrays(quotes)
    mid = 0.5 * (q["bid"] + q["ask"])
    with np.errstate(invalid="ignore", divide="ignore"):
        lr = np.concatenate([[np.nan], np.diff(np.log(mid))])
        spread = np.where(mid > 0, (q["ask"] - q["bid"]) / mid, np.nan)
    key = q["ts"] // step
    frame = pd.DataFrame({"k": key, "lr2": lr * lr, "spread": spread})
    if "bid_qty" in q and "ask_qty" in q:
        frame["e"] = ofi_events(q["bid"], q["bid_qty"], q["ask"], q["ask_qty"])
        frame["depth"] = 0.5 * (q["bid_qty"] + q["ask_qty"])
    g = frame.groupby("k")
    out = pd.DataFrame({"volatility": np.sqrt(g["lr2"].sum(min_count=1)),
                        "spread": g["spread"].mean()})
    if "e" in frame:
        with np.errstate(invalid="ignore", divide="ignore"):
            out["ofi"] = np.abs(g["e"].sum(min_count=1)) / g["depth"].mean()
    else:
        out["ofi"] = np.nan
    ends = (out.index.to_numpy() + 1) * step
    v = vpin_fn(trades, **vpin_kwargs)
    vv = v["vpin"].to_numpy()
    vts = pd.DatetimeIndex(v["ts"]).asi8
    pos = np.searchsorted(vts, ends, side="right") - 1  # buckets completed by the end
    vals = np.where(pos >= 0, vv[np.clip(pos, 0, None)] if vv.size else np.nan, np.nan)
    out.insert(0, "vpin", vals)
    out.index = ts_index(ends)
    return out


@dataclass(frozen=True)
class RegimeFit:
    """Result of `toxicity_regimes`.

    regimes: int Series on the features' index (0 = calmest ... n-1 = most toxic;
    -1 where a feature was NaN). probabilities: posterior probability of each regime
    (NaN rows where a feature was NaN). means: per-regime feature means in the
    features' own units. transmat: regime transition matrix (rows sum to 1).
    """

    regimes: pd.Series
    probabilities: pd.DataFrame
    means: pd.DataFrame
    transmat: pd.DataFrame
    log_likelihood: float


def toxicity_regimes(features: pd.DataFrame, n_regimes: int = 3,
                     columns: Sequence[str] | None = None, order_by: str = "vpin",
                     seed: int = 0, n_iter: int = 200) -> RegimeFit:
    """Classify time into toxicity regimes with a Gaussian HMM (hmmlearn) on the features.

    features: one row per interval (e.g. `toxicity_features`), numeric columns.
    columns: which to use (default: those of vpin, volatility, spread, ofi present and
    not all-NaN). Rows with NaN in a used column are left out of the fit and get regime
    -1. Features are z-scored; a constant column is rejected. Same seed, same result.
    """
    from hmmlearn.hmm import GaussianHMM

    k = positive_int(n_regimes, "n_regimes", minimum=2)
    if columns is None:
        columns = [c for c in FEATURES if c in features.columns and features[c].notna().any()]
    missing = [c for c in columns if c not in features.columns]
    if missing or not columns:
        raise ValueError(f"features lack column(s) {missing or list(FEATURES)}; "
                         f"has {list(features.columns)}")
    if order_by not in columns:
        raise ValueError(f"order_by must be one of the used columns {list(columns)}; "
                         f"got {order_by!r}")
    X = features[list(columns)].to_numpy(dtype=np.float64)
    ok = np.isfinite(X).all(axis=1)
    if ok.sum() < 5 * k:
        raise ValueError(f"need at least {5 * k} rows without NaN to fit {k} regimes; "
                         f"got {int(ok.sum())}")
    mu, sd = X[ok].mean(axis=0), X[ok].std(axis=0)
    flat = [c for c, s in zip(columns, sd) if not s > 0]
    if flat:
        raise ValueError(f"feature column(s) {flat} are constant; drop them via `columns`")
    Z = (X[ok] - mu) / sd
    model = GaussianHMM(n_components=k, covariance_type="diag", n_iter=n_iter,
                        random_state=seed)
    model.fit(Z)
    states = model.predict(Z)
    post = model.predict_proba(Z)
    raw_means = model.means_ * sd + mu
    order = np.argsort(raw_means[:, list(columns).index(order_by)], kind="stable")
    relabel = np.empty(k, dtype=np.int64)
    relabel[order] = np.arange(k)
    regimes = np.full(len(features), -1, dtype=np.int64)
    regimes[ok] = relabel[states]
    probs = np.full((len(features), k), np.nan)
    probs[ok] = post[:, order]
    trans = model.transmat_[np.ix_(order, order)]
    return RegimeFit(
        regimes=pd.Series(regimes, index=features.index, name="regime"),
        probabilities=pd.DataFrame(probs, index=features.index, columns=range(k)),
        means=pd.DataFrame(raw_means[order], columns=list(columns),
                           index=pd.RangeIndex(k, name="regime")),
        transmat=pd.DataFrame(trans, index=range(k), columns=range(k)),
        log_likelihood=float(model.score(Z)))


def regime_spread_policy(regimes: Any, spreads_by_regime: Mapping[int, float],
                         default: float | None = None) -> pd.Series:
    """The quoted spread to use at each time: spreads_by_regime[regime] (pure function).

    regimes: int Series or array of regime labels (e.g. `toxicity_regimes(...).regimes`).
    spreads_by_regime: regime -> full quoted spread as a fraction of mid (>= 0, finite;
    ``units.from_bps`` converts from bps). default: used for labels not in the mapping
    (e.g. -1, unknown); without it an unmapped label is an error naming it.
    Returns a float Series on the regimes' index.
    """
    for r, s in spreads_by_regime.items():
        if not (np.isfinite(s) and s >= 0):
            raise ValueError(f"spreads_by_regime[{r!r}] must be a finite spread >= 0; got {s!r}")
    if default is not None and not (np.isfinite(default) and default >= 0):
        raise ValueError(f"default must be a finite spread >= 0; got {default!r}")
    s = regimes if isinstance(regimes, pd.Series) else pd.Series(np.asarray(regimes))
    labels = s.to_numpy()
    known = np.isin(labels, list(spreads_by_regime))
    if not known.all() and default is None:
        unknown = sorted(set(labels[~known].tolist()))
        raise ValueError(f"regimes {unknown} have no spread in spreads_by_regime "
                         f"(keys {sorted(spreads_by_regime)}) and no default was given")
    out = s.map(lambda r: spreads_by_regime.get(r, default)).astype(np.float64)
    return out.rename("spread")
