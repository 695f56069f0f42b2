"""Out-of-sample predictive power of signals for future mid-price changes, walk-forward.

Targets: ``future_mid_change(mid, horizons)`` gives, for each horizon h, mid(t + h) -
mid(t) in the mid's own units (currency from `flow_signals`; divide by the tick for
ticks), with mid(t + h) the last mid at or before t + h (a clock horizon) or h rows
ahead (an integer horizon). NaN where t + h runs past the data.

Evaluation: the rows (in time order) are cut into ``folds + 1`` contiguous blocks; each
block after the first is predicted by an OLS fit on every earlier row whose target was
already known when the block starts (t + h before the block's first time, or row + h
before its first row), so no training target overlaps the test block (purged
walk-forward, López de Prado 2018, "Advances in Financial Machine Learning", ch. 7).

- ``r2_oos``: 1 - SSE / SST over all test rows, SST against the training mean of the
  target (the prevailing-mean benchmark of Campbell & Thompson 2008, "Predicting excess
  stock returns out of sample", RFS 21(4)); <= 0 means no better than that mean.
- ``hit_rate``: share of test rows with a non-zero move where the predicted sign is
  right (0.5 = a coin).
"""

from __future__ import annotations

from typing import Any, NamedTuple, Sequence

import numpy as np
import pandas as pd

from hftlab.analytics.inputs import as_ns_array, duration_ns, positive_int

STATE_COLUMNS = ("mid", "spread")  # flow_signals' book state, not predictors


def _horizon(h: Any) -> tuple[str, int]:
    """('rows', n) for an integer horizon, ('ns', duration) for a clock one."""
    if isinstance(h, (int, np.integer)) and not isinstance(h, bool):
        return "rows", positive_int(h, "horizon")
    return "ns", duration_ns(h, "horizon")


def _times(index: pd.Index) -> np.ndarray:
    if not isinstance(index, pd.DatetimeIndex):
        raise ValueError("signals and mids must be indexed by time (a DatetimeIndex, as "
                         f"flow_signals gives); got {type(index).__name__}")
    ts = as_ns_array(index, "index")
    if ts.size > 1 and (np.diff(ts) < 0).any():
        raise ValueError("the index must be in time order")
    return ts


def future_mid_change(mid: pd.Series, horizons: Sequence[Any]) -> pd.DataFrame:
    """mid(t + h) - mid(t) for each horizon h (see the module doc), one column per
    horizon labelled as given (e.g. '1s' or 10), on mid's DatetimeIndex."""
    ts = _times(mid.index)
    m = mid.to_numpy(dtype=np.float64)
    out = {}
    for h in horizons:
        how, n = _horizon(h)
        if how == "rows":
            j = np.arange(m.size) + n
        else:
            j = np.searchsorted(ts, ts + n, side="right") - 1
            j[ts + n > ts[-1]] = m.size  # past the data's end: unknown
        fut = np.full(m.size, np.nan)
        inside = j < m.size
        fut[inside] = m[j[inside]]
        out[h] = fut - m
    return pd.DataFrame(out, index=mid.index)


class WalkForward(NamedTuple):
    """Predictions of `walk_forward_predict`: per row, the fitted value and the training
    mean of y (NaN outside test rows); per fitted fold, the OLS coefficients (intercept
    first)."""

    prediction: np.ndarray
    benchmark: np.ndarray
    coefs: np.ndarray


def walk_forward_predict(X: np.ndarray, y: np.ndarray, ts: np.ndarray, horizon: Any,
                         folds: int = 5) -> WalkForward:
    """Purged walk-forward OLS predictions of y from X (n, k) with an intercept (module
    doc). NaN in the first block, in rows with NaN inputs, and in blocks with fewer than
    k + 2 training rows whose target was known."""
    folds = positive_int(folds, "folds")
    how, h = _horizon(horizon)
    n = y.size
    pred, bench, coefs = np.full(n, np.nan), np.full(n, np.nan), []
    good = np.isfinite(y) & np.all(np.isfinite(X), axis=1)
    bounds = np.linspace(0, n, folds + 2).astype(np.int64)
    for a, b in zip(bounds[1:-1], bounds[2:]):
        if a >= b:
            continue
        known = np.arange(a) + h < a if how == "rows" else ts[:a] + h < ts[a]
        train = np.flatnonzero(good[:a] & known)
        if train.size < X.shape[1] + 2:
            continue
        A = np.column_stack([np.ones(train.size), X[train]])
        coef, *_ = np.linalg.lstsq(A, y[train], rcond=None)
        test = np.arange(a, b)[good[a:b]]
        pred[test] = coef[0] + X[test] @ coef[1:]
        bench[test] = y[train].mean()
        coefs.append(coef)
    return WalkForward(pred, bench, np.array(coefs).reshape(len(coefs), X.shape[1] + 1))


def predictive_power(signals: pd.DataFrame, future_mid_change: pd.DataFrame,
                     horizons: Sequence[Any] | None = None, *,
                     columns: Sequence[str] | None = None, folds: int = 5) -> pd.DataFrame:
    """Out-of-sample R^2 and hit rate of each signal alone and of all together, by horizon.

    signals: DataFrame of predictors on a DatetimeIndex in time order (`flow_signals`;
    its `mid` and `spread` are left out unless named in `columns`). future_mid_change:
    the targets on the same index, one column per horizon (`future_mid_change`).
    horizons: the horizons to evaluate, each the label of a target column and the
    horizon the purge uses (an int = rows, else a duration); default: every column.
    folds: test blocks of the walk-forward (module doc).

    Returns a DataFrame indexed by (horizon, model), model = a signal name or 'all':
    r2_oos, hit_rate, n_test (rows predicted), slope (mean over folds' fits, for a
    single signal; NaN for 'all').
    """
    ts = _times(signals.index)
    if not future_mid_change.index.equals(signals.index):
        raise ValueError("future_mid_change must be on the signals' index "
                         "(build it with future_mid_change(signals['mid'], horizons))")
    cols = [c for c in signals.columns if c not in STATE_COLUMNS] if columns is None \
        else list(columns)
    missing = [c for c in cols if c not in signals.columns]
    if missing or not cols:
        raise ValueError(f"signal columns {missing or cols} not usable; signals have "
                         f"{list(signals.columns)}")
    horizons = list(future_mid_change.columns) if horizons is None else list(horizons)
    rows = []
    for h in horizons:
        if h not in future_mid_change.columns:
            raise ValueError(f"no target column {h!r}; future_mid_change has "
                             f"{list(future_mid_change.columns)}")
        y = future_mid_change[h].to_numpy(dtype=np.float64)
        for model in [*cols, "all"]:
            use = cols if model == "all" else [model]
            X = signals[use].to_numpy(dtype=np.float64)
            wf = walk_forward_predict(X, y, ts, h, folds)
            slope = float(wf.coefs[:, 1].mean()) if model != "all" and len(wf.coefs) \
                else np.nan
            rows.append({"horizon": h, "model": model,
                         **_scores(y, wf.prediction, wf.benchmark), "slope": slope})
    return pd.DataFrame(rows).set_index(["horizon", "model"])


def _scores(y: np.ndarray, pred: np.ndarray, bench: np.ndarray) -> dict:
    t = np.isfinite(pred)
    if not t.any():
        return {"r2_oos": np.nan, "hit_rate": np.nan, "n_test": 0}
    sse = float(((y[t] - pred[t]) ** 2).sum())
    sst = float(((y[t] - bench[t]) ** 2).sum())
    moved = t & (y != 0)
    hit = float((np.sign(pred[moved]) == np.sign(y[moved])).mean()) if moved.any() else np.nan
    return {"r2_oos": 1.0 - sse / sst if sst > 0 else np.nan, "hit_rate": hit,
            "n_test": int(t.sum())}
