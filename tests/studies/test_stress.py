"""The stress study: the stresses' sessions, circuit breakers that cut the flash-crash
loss of every maker, the exchange-halt axis, and the same rows for the same seed."""

import math

import pandas as pd
import pytest

from hftlab.instruments import ConfigError
from hftlab.studies.stress import feed_outage, run_stress, sessions
from hftlab.studies.stresses import STRESSES, breakers


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
