"""The stress study: VaR / ES against closed forms and a hand computation, bootstrap
intervals, the stresses' sessions, circuit breakers that cut the flash-crash loss of
every maker, and the same rows for the same seed."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from hftlab.instruments import ConfigError
from hftlab.studies.stress import (STRESSES, breakers, feed_outage, run_stress, sessions,
                                   tail_risk, var_es)


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


def test_every_stress_builds_its_two_sessions():
    for name, s in STRESSES.items():
        calm, shock = s.calm(600.0), {**s.calm(600.0), **s.shock(600.0)}
        assert s.description and s.scenario
        if s.entry_spike is None and not s.feed_outage_s:
            assert calm != shock, name  # a market-side stress changes the market
    assert breakers(2.0).hard_loss == 2 * breakers().hard_loss
    with pytest.raises(ConfigError, match="breakers scale"):
        breakers(0)


@pytest.fixture(scope="module")
def crash_rows():
    """The five built-in makers (the demo's parameters) through a 20-minute flash crash,
    seed 1, with and without the study's breakers."""
    from hftlab.demo import strategies

    return pd.DataFrame(run_stress("flash-crash", strategies(), seed=1, seconds=1200.0,
                                   exchange_halt=(False,)))


def test_circuit_breakers_cut_the_flash_crash_loss_on_every_maker(crash_rows):
    limits = breakers()
    assert set(crash_rows["strategy"]) == {"static", "inventory_skew", "avellaneda_stoikov",
                                           "glft", "toxicity_aware"}
    for name, g in crash_rows.groupby("strategy"):
        off, on = g[~g["breakers"]].iloc[0], g[g["breakers"]].iloc[0]
        assert off["pnl"] < 0 and off["impact"] < 0, name  # the crash costs every maker
        assert not off["halted"] and math.isnan(off["time_to_halt_s"])
        assert on["halted"], name
        assert on["pnl"] > off["pnl"], name  # the breakers cut the loss ...
        assert on["max_drawdown"] < off["max_drawdown"], name  # ... and the deepest fall
        assert on["time_to_halt_s"] > 0, name  # halted after the crash began
        # flattening and what followed the halt cost little against the hard limit
        assert abs(on["loss_after_halt"]) < 0.1 * limits.hard_drawdown, name
        assert on["worst_inventory"] <= off["worst_inventory"] + 10, name
        for r in (on, off):
            assert r["impact"] == pytest.approx(r["pnl"] - r["calm_pnl"])
            assert len(r["path"]) == len(r["calm_path"]) == 121
            assert r["path"][-1] == pytest.approx(r["pnl"])
            assert not r["exchange_halt"]


def test_same_seed_and_strategy_give_the_same_rows():
    from hftlab.strategies import InventorySkew

    mm = {"skew": InventorySkew(half_spread=1.0, skew=3.0, qty=10, capacity=200)}
    a, b = (run_stress("news-jump", mm, seed=3, seconds=240.0) for _ in range(2))
    drop = ("run_seconds",)
    assert [{k: v for k, v in r.items() if k not in drop} for r in a] == \
        [{k: v for k, v in r.items() if k not in drop} for r in b]
    c = run_stress("news-jump", mm, seed=4, seconds=240.0)
    assert c[0]["pnl"] != a[0]["pnl"]


def test_feed_outage_holds_the_events_back_to_the_window_end():
    from hftlab.sim import market

    m = market("calm", seconds=60, seed=1)
    out = feed_outage(m, 20.0, 5.0)
    t0 = int(m.events["ts"][0])
    inside = (m.events["ts"] >= t0 + 20 * 10**9) & (m.events["ts"] < t0 + 25 * 10**9)
    assert inside.any() and (~inside).any()
    assert (out.events["ts_local"][inside] == t0 + 25 * 10**9).all()
    assert (out.events["ts_local"][~inside] == m.events["ts_local"][~inside]).all()
    assert (out.events["ts"] == m.events["ts"]).all() and out.simulation is None
    s = sessions(STRESSES["feed-outage"], 120.0, 2)
    assert s.shocked.simulation is None and s.calm.simulation is not None
    assert all(v.latency.recorded_feed for v in s.shocked_venues)
    lat = sessions(STRESSES["latency-spike"], 60.0, 2)
    spike = lat.shocked_venues[0].latency.entry_spike
    assert (spike.start, spike.duration, spike.extra) == (15 * 10**9, 9 * 10**9, 50_000_000)
    assert lat.calm_venues[0].latency.entry_spike is None
    assert lat.calm_venues[0].latency.entry == lat.shocked_venues[0].latency.entry


def test_the_exchange_halt_axis_fires_in_the_crash_and_cuts_the_move():
    from hftlab.strategies import InventorySkew

    mm = {"skew": InventorySkew(half_spread=1.0, skew=3.0, qty=10, capacity=200)}
    off, on = run_stress("flash-crash", mm, seed=1, seconds=240.0, with_breakers=(False,))
    assert (off["exchange_halt"], on["exchange_halt"]) == (False, True)
    assert off["exchange_halts"] == 0 and math.isnan(off["time_to_exchange_halt_s"])
    assert on["exchange_halts"] >= 1 and on["time_to_exchange_halt_s"] > 0
    assert on["max_move_bps"] < off["max_move_bps"]
    assert on["calm_exchange_halts"] == 0  # the calm session never reaches the band
    assert on["impact"] == pytest.approx(on["pnl"] - on["calm_pnl"])


def test_every_book_quotes_each_instrument_of_the_correlated_market():
    from hftlab.studies.stress import EveryBook
    from hftlab.strategies import InventorySkew

    import hftlab

    m = hftlab.sim.market("correlated-assets", seconds=60, seed=1)
    n = len(m.instruments)
    assert n >= 3
    rec = hftlab.backtest(m, EveryBook(InventorySkew(qty=5, capacity=50), m.n_books))
    assert set(rec.orders["instrument"]) == set(range(n))
