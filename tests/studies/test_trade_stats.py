"""The measures of a record: first-in first-out hold times and their weighted median."""

import numpy as np
import pandas as pd

from hftlab.analytics.stats import weighted_median
from hftlab.studies.trade_stats import hold_times

NS = 1_000_000_000


def test_hold_times_match_first_in_first_out():
    """Buy 3 at 0 s, buy 2 at 1 s, sell 4 at 5 s (closes 3 held 5 s, 1 held 4 s), sell 3
    at 6 s (closes 1 held 5 s, opens a short of 2), buy 2 at 8 s (held 2 s)."""
    f = pd.DataFrame({"ts_exchange": np.array([0, 1, 5, 6, 8]) * NS,
                      "side": [1, 1, -1, -1, 1], "qty": [3, 2, 4, 3, 2]})
    h, w = hold_times(f)
    assert list(zip(h // NS, w)) == [(5, 3), (4, 1), (5, 1), (2, 2)]
    assert weighted_median(h / NS, w) == 5.0
