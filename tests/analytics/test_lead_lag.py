"""lead_lag: a synthetic pair with a known lag recovers it within one clock step."""

import numpy as np
import pytest

from hftlab.analytics import lead_lag
from tests.analytics.latency_samples import MS, lagged_pair, two_venues, T0


@pytest.mark.parametrize("lag_ms", [3, 7])
def test_known_lag_is_recovered_within_one_step(lag_ms):
    ll = lead_lag(lagged_pair(lag_ms * MS, noise=0.2), "a", "b", np.arange(-15, 16) * MS,
                  n_boot=100)
    assert abs(ll.lag_ns - lag_ms * MS) <= MS
    assert ll.leader == "a"
    assert ll.lag_ci[0] <= ll.lag_ns <= ll.lag_ci[1]
    assert ll.corr > 0.5 and ll.corr_ci[0] > ll.table.loc[0, "corr"]
    assert ll.follow.loc["a", "follow_rate"] > 0.9  # b follows a's moves
    assert ll.ratio > 10 and ll.ratio_ci[0] > 1


def test_sign_returns_find_the_same_lag():
    ll = lead_lag(lagged_pair(4 * MS, noise=0.2), "a", "b", np.arange(-10, 11) * MS,
                  n_boot=50, returns="sign")
    assert abs(ll.lag_ns - 4 * MS) <= MS and "sign returns" in ll.notes[0]
    with pytest.raises(ValueError, match="returns must be"):
        lead_lag(lagged_pair(MS), "a", "b", [0], returns="pct")


def test_swapping_the_books_flips_the_sign():
    pair = lagged_pair(5 * MS, noise=0.1)
    ab = lead_lag(pair, "a", "b", np.arange(-10, 11) * MS, n_boot=50)
    ba = lead_lag(pair, "b", "a", np.arange(-10, 11) * MS, n_boot=50)
    assert ab.lag_ns == -ba.lag_ns and ba.leader == "a"
    assert ab.ratio == pytest.approx(1 / ba.ratio)


def test_market_data_books_on_both_clocks():
    rows = []
    for k in range(300):  # venue 0 moves, venue 1 copies it 4 ms later
        px = 100.0 + 0.01 * ((k * 7) % 11)
        rows += [(T0 + k * 20 * MS, 0, px, 10, px + 0.01, 10),
                 (T0 + k * 20 * MS + 4 * MS, 1, px, 10, px + 0.01, 10)]
    data = two_venues(sorted(rows))
    ll = lead_lag(data, "FAST", "SLOW", np.arange(-8, 9) * MS, n_boot=50)
    assert ll.lag_ns == 4 * MS and ll.leader == "FAST"
    with pytest.raises(ValueError, match="ts_local"):
        lead_lag(data, 0, 1, np.arange(-8, 9) * MS, clock="ts_local")


def test_bad_lags_name_the_problem():
    with pytest.raises(ValueError, match="multiple of step_ns"):
        lead_lag(lagged_pair(MS), "a", "b", [0, 1500])
    with pytest.raises(ValueError, match="no quotes named"):
        lead_lag(lagged_pair(MS), "a", "c", [0])
