"""fit_intensity recovers A and k from simulated trade arrivals by distance."""

import numpy as np
import pytest

from hftlab.instruments import ConfigError
from hftlab.strategies import fit_intensity


def arrivals(A, k, seconds, seed):
    """Trades arrive at rate A; each reaches an Exp(k) distance from the mid, so quotes at
    distance d are reached at rate A exp(-k d) (the model's intensity)."""
    rng = np.random.default_rng(seed)
    n = rng.poisson(A * seconds)
    return rng.exponential(1.0 / k, n)


@pytest.mark.parametrize("A, k, seed", [(5.0, 0.8, 1), (40.0, 3.0, 2), (0.7, 12.0, 3)])
def test_recovers_known_A_and_k(A, k, seed):
    d = arrivals(A, k, 3_000.0, seed)
    A_hat, k_hat = fit_intensity(d, elapsed=3_000.0)
    assert A_hat == pytest.approx(A, rel=0.05)
    assert k_hat == pytest.approx(k, rel=0.05)


def test_explicit_bins_and_units_scale():
    d = arrivals(10.0, 2.0, 2_000.0, 4)
    A1, k1 = fit_intensity(d, 2_000.0, bin_width=0.1, n_bins=30)
    # the same trades in cents (distance x 100) and minutes (elapsed / 60)
    A2, k2 = fit_intensity(d * 100, 2_000.0 / 60, bin_width=10.0, n_bins=30)
    assert A2 == pytest.approx(A1 * 60, rel=1e-9) and k2 == pytest.approx(k1 / 100, rel=1e-9)
    assert k1 == pytest.approx(2.0, rel=0.05)


def test_unidentifiable_and_bad_input():
    with pytest.raises(ValueError, match="do not identify"):
        fit_intensity(np.full(50, 0.3), 10.0, bin_width=1.0)  # one bin only
    with pytest.raises(ConfigError, match="^distances must be"):
        fit_intensity([0.1, -0.2], 10.0)
    with pytest.raises(ConfigError, match="^elapsed must be"):
        fit_intensity([0.1, 0.2], 0)
