"""Unit helpers: analytics return fractions of the midpoint; these convert to and from bps."""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import pandas as pd

BPS_PER_UNIT = 10_000.0

T = TypeVar("T", float, np.ndarray, pd.Series, pd.DataFrame)


def to_bps(x: T) -> T:
    """A fraction of the midpoint in basis points (1 bp = 0.0001 of mid); NaN stays NaN."""
    return x * BPS_PER_UNIT


def from_bps(x: T) -> T:
    """Basis points as a fraction of the midpoint; NaN stays NaN."""
    return x / BPS_PER_UNIT
