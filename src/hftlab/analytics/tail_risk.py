"""Value at risk and expected shortfall of a P&L sample, with bootstrap intervals.

Convention: losses are L = -P&L (currency, positive = a loss); VaR_a is the a-quantile
of L (linear interpolation between order statistics, numpy's default); ES_a is the mean
of the losses at or beyond VaR_a (Acerbi & Tasche 2002's tail mean on the sample).
Confidence intervals are percentile-bootstrap intervals (Efron 1979) over resamples of
the sample with replacement.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from hftlab.instruments import check


def var_es(pnl: np.ndarray, level: float) -> tuple[float, float]:
    """(VaR, ES) of a P&L sample at a confidence level (module docstring's convention:
    losses positive; VaR the level-quantile of losses, ES the mean loss at or beyond it)."""
    x = np.asarray(pnl, float)
    check(x.ndim == 1 and len(x) > 0 and np.isfinite(x).all(), "pnl",
          "a non-empty 1-d array of finite P&L values", x.shape)
    check(0 < level < 1, "level", "a confidence level in (0, 1)", level)
    loss = -x
    var = float(np.quantile(loss, level))
    return var, float(loss[loss >= var].mean())


def _var_es_rows(losses: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """VaR and ES of each row of a (resamples, n) loss matrix."""
    var = np.quantile(losses, level, axis=1)
    tail = losses >= var[:, None]
    es = (losses * tail).sum(axis=1) / tail.sum(axis=1)
    return var, es


def tail_risk(pnl: np.ndarray, levels: Sequence[float] = (0.95, 0.99), n_boot: int = 2000,
              ci: float = 0.90, seed: int = 0) -> pd.DataFrame:
    """VaR and ES of a P&L sample at each level, with percentile-bootstrap confidence
    intervals (n_boot resamples of the sample with replacement, the central ci share of
    their estimates; seeded). Columns: level, n, var, var_lo, var_hi, es, es_lo, es_hi,
    mean, worst."""
    x = np.asarray(pnl, float)
    check(isinstance(n_boot, int) and n_boot >= 1, "n_boot", "an integer >= 1", n_boot)
    check(0 < ci < 1, "ci", "a coverage in (0, 1)", ci)
    rng = np.random.default_rng(seed)
    boot = -x[rng.integers(0, len(x), size=(n_boot, len(x)))]
    lo, hi = (1 - ci) / 2, 1 - (1 - ci) / 2
    rows = []
    for level in levels:
        var, es = var_es(x, level)
        bv, be = _var_es_rows(boot, level)
        rows.append({"level": level, "n": len(x), "var": var,
                     "var_lo": float(np.quantile(bv, lo)), "var_hi": float(np.quantile(bv, hi)),
                     "es": es, "es_lo": float(np.quantile(be, lo)),
                     "es_hi": float(np.quantile(be, hi)), "mean": float(x.mean()),
                     "worst": float(x.min())})
    return pd.DataFrame(rows)
