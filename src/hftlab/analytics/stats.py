"""Weighted statistics shared by the studies and the surveillance detectors."""

from __future__ import annotations

import numpy as np


def weighted_median(x: np.ndarray, w: np.ndarray) -> float:
    """The w-weighted median of x: the smallest x with at least half the total weight at
    or below it (NaN when x is empty). With w = x it is the size-weighted median size:
    half the volume sits in items no larger."""
    if len(x) == 0:
        return float("nan")
    order = np.argsort(x, kind="stable")
    cw = np.cumsum(w[order])
    return float(x[order][np.searchsorted(cw, 0.5 * cw[-1])])
