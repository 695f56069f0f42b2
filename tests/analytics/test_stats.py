"""weighted_median: the weighted median's definition on hand-checked inputs."""

import math

import numpy as np

from hftlab.analytics.stats import weighted_median


def test_weighted_median_takes_the_value_reaching_half_the_weight():
    x = np.array([3.0, 1.0, 2.0])
    assert weighted_median(x, np.array([1.0, 1.0, 1.0])) == 2.0
    assert weighted_median(x, np.array([5.0, 1.0, 1.0])) == 3.0  # 3 holds 5 of 7
    assert weighted_median(x, np.array([1.0, 1.0, 0.0])) == 1.0  # half reached at 1


def test_size_weighted_median_resists_a_flood_of_small_orders():
    """Ten 1-lot orders and two of 100: the count median is 1, the size-weighted 100."""
    size = np.array([1.0] * 10 + [100.0, 100.0])
    assert np.median(size) == 1.0
    assert weighted_median(size, size) == 100.0


def test_weighted_median_of_nothing_is_nan():
    assert math.isnan(weighted_median(np.zeros(0), np.zeros(0)))
