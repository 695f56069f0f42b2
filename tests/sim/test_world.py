"""The correlated-assets world: sector blocks, cointegration, and each breakdown kind,
measured on the hidden values alone (no simulation: fast and exact in law)."""

from __future__ import annotations

import numpy as np
import pytest

from hftlab.instruments import ConfigError
from hftlab.sim.params import MarketParams
from hftlab.sim.scenarios import params_for
from hftlab.sim.world import fundamental_values


def values(**over):
    _, p = params_for("correlated-assets", seconds=20_000, seed=1, **over)
    t = np.arange(int(p.seconds / 0.1) + 1) * 0.1
    return p, fundamental_values(p, t, np.random.default_rng(5)), t


def corr(fv, lo, hi, step=10):
    r = np.diff(np.log(fv[lo:hi:step]), axis=0)
    return np.corrcoef(r.T)


def test_sector_blocks_have_their_correlations_and_each_instrument_its_price_and_vol():
    p, fv, _ = values(idio_reversion=0.0)
    assert p.instruments == 10 and p.sector_of() == [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
    np.testing.assert_allclose(fv[0], p.p0_ticks_of())
    assert len(set(p.tick_sizes())) > 3 and len(set(p.prices())) == 10
    c = corr(fv, 0, len(fv))
    sec = np.asarray(p.sector_of())
    same = sec[:, None] == sec[None, :]
    off = ~np.eye(10, dtype=bool)
    assert abs(c[same & off].mean() - 0.70) < 0.03  # factor 0.25 + sector 0.6 x 0.75
    assert abs(c[~same].mean() - 0.25) < 0.03
    r = np.diff(np.log(fv), axis=0)
    np.testing.assert_allclose(r.std(axis=0) / np.sqrt(0.1), p.vols(), rtol=0.03)


def test_own_components_revert_so_a_sector_is_cointegrated():
    p, fv, _ = values()
    x = np.log(fv / fv[0])
    vols = np.asarray(p.vols())
    spread = x[:, 0] - vols[0] / vols[1] * x[:, 1]  # same sector
    cross = x[:, 0] - vols[0] / vols[4] * x[:, 4]  # different sectors
    half = len(x) // 2
    # a stationary spread: its spread over the second half is no wider than the first's
    assert spread[half:].std() < 1.5 * spread[:half].std()
    assert spread.std() < 0.3 * cross.std()
    k = p.idio_reversion
    sd = vols[0] * np.sqrt(1 - 0.7) / np.sqrt(2 * k)  # stationary sd of one own component
    assert spread.std() < 3 * sd


@pytest.mark.parametrize("kind", ["collapse", "flip", "spike"])
def test_breakdown_kinds(kind):
    p, fv, t = values(breakdown_at=0.5, breakdown_kind=kind, breakdown_sector=2,
                      idio_reversion=0.0)
    mid = int(np.searchsorted(t, 0.5 * p.seconds))
    before, after = corr(fv, 0, mid), corr(fv, mid, len(fv))
    sec = np.asarray(p.sector_of())
    same = (sec[:, None] == sec[None, :]) & ~np.eye(10, dtype=bool)
    assert before[same].mean() > 0.6
    if kind == "collapse":
        assert abs(after[np.triu_indices(10, 1)].mean()) < 0.05
    elif kind == "flip":
        flipped = (sec[:, None] == 2) ^ (sec[None, :] == 2)
        assert before[flipped].mean() > 0.2 and after[flipped].mean() < -0.2
        assert after[same].mean() > 0.6  # within the block it still moves together
    else:
        assert after[np.triu_indices(10, 1)].mean() > 0.9


def test_other_scenarios_keep_their_values():
    """A world without sectors or reversion draws exactly what it drew before."""
    p = MarketParams(seconds=100, fv_vol=2e-4, seed=3)
    t = np.arange(1001) * 0.1
    rng = np.random.default_rng(1)
    common, own = rng.standard_normal((1001, 1)), rng.standard_normal((1001, 1))
    shock = 2e-4 * np.sqrt(np.diff(t, prepend=t[0]))[:, None] * (0.0 * common + 1.0 * own)
    shock[0] = 0.0
    want = p.p0_ticks * np.exp(np.cumsum(shock, axis=0))
    np.testing.assert_array_equal(fundamental_values(p, t, np.random.default_rng(1)), want)


def test_bad_factor_structures_are_refused():
    with pytest.raises(ConfigError, match="sector_correlation"):
        MarketParams(instruments=4, sectors=2, sector_correlation=1.5)
    with pytest.raises(ConfigError, match="breakdown_kind"):
        MarketParams(instruments=4, breakdown_kind="melt")
    with pytest.raises(ConfigError, match="breakdown_sector"):
        MarketParams(instruments=4, sectors=2, breakdown_sector=2)
    with pytest.raises(ConfigError, match="instrument_prices"):
        MarketParams(instruments=3, instrument_prices=(10.0, 20.0))
    with pytest.raises(ConfigError, match=r"instrument_prices\[1\]"):
        MarketParams(instruments=2, instrument_prices=(10.0, 0.5))
    with pytest.raises(ConfigError, match="sectors"):
        MarketParams(instruments=2, sectors=3)
