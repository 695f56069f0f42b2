"""VaR / ES against closed forms and a hand computation; bootstrap intervals that cover
the truth and shrink with the sample."""

import math

import numpy as np
import pytest
from scipy import stats

from hftlab.analytics.tail_risk import tail_risk, var_es
from hftlab.instruments import ConfigError


def test_var_es_by_hand_on_a_small_sample():
    pnl = -np.arange(1.0, 101.0)  # losses 1 .. 100
    var, es = var_es(pnl, 0.95)
    # linear interpolation at position 0.95 * 99 = 94.05 between the 95th and 96th loss
    assert var == pytest.approx(95.05)
    assert es == pytest.approx(np.mean([96, 97, 98, 99, 100]))
    var99, es99 = var_es(pnl, 0.99)
    assert var99 == pytest.approx(99.01) and es99 == pytest.approx(100.0)
    # a P&L that never loses has a negative VaR (the 95 % worst case is a gain)
    assert var_es(np.arange(1.0, 101.0), 0.95)[0] == pytest.approx(-5.95)


@pytest.mark.parametrize("level", [0.95, 0.99])
def test_var_es_match_the_normal_closed_form(level):
    mu, sigma = 1.0, 2.0
    pnl = np.random.default_rng(1).normal(mu, sigma, 400_000)
    z = stats.norm.ppf(level)
    var_ref = -mu + sigma * z
    es_ref = -mu + sigma * stats.norm.pdf(z) / (1 - level)
    var, es = var_es(pnl, level)
    assert var == pytest.approx(var_ref, rel=0.01)
    assert es == pytest.approx(es_ref, rel=0.01)


@pytest.mark.parametrize("level", [0.95, 0.99])
def test_var_es_match_the_exponential_closed_form(level):
    scale = 3.0  # losses ~ Exp(scale): VaR = scale ln(1 / (1 - a)), ES = VaR + scale
    pnl = -np.random.default_rng(2).exponential(scale, 400_000)
    var, es = var_es(pnl, level)
    assert var == pytest.approx(scale * math.log(1 / (1 - level)), rel=0.01)
    assert es == pytest.approx(scale * math.log(1 / (1 - level)) + scale, rel=0.01)


def test_bootstrap_intervals_cover_the_truth_and_shrink_with_n():
    mu, sigma, level = 0.0, 1.0, 0.95
    z = stats.norm.ppf(level)
    true_var, true_es = sigma * z, sigma * stats.norm.pdf(z) / (1 - level)
    rng = np.random.default_rng(3)
    widths = []
    for n in (200, 2000):
        t = tail_risk(rng.normal(mu, sigma, n), levels=(level,), n_boot=1000, ci=0.99, seed=4)
        r = t.iloc[0]
        assert r["var_lo"] <= true_var <= r["var_hi"]
        assert r["es_lo"] <= true_es <= r["es_hi"]
        assert r["var_lo"] <= r["var"] <= r["var_hi"] and r["es"] >= r["var"]
        widths.append(r["es_hi"] - r["es_lo"])
    assert widths[1] < widths[0] / 2
    again = tail_risk(np.arange(10.0), n_boot=50, seed=4)
    assert again.equals(tail_risk(np.arange(10.0), n_boot=50, seed=4))
    assert list(again["level"]) == [0.95, 0.99] and (again["n"] == 10).all()


@pytest.mark.parametrize("bad, field", [(np.array([]), "pnl"), (np.array([1.0, np.nan]), "pnl")])
def test_bad_samples_are_named(bad, field):
    with pytest.raises(ConfigError, match=field):
        var_es(bad, 0.95)
    with pytest.raises(ConfigError, match="level"):
        var_es(np.ones(3), 1.0)
