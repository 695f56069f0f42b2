"""Agents and the simulator loop: seeds, configuration errors, TOML, the engine's book
rebuilt from the events, each agent's rule, and replay of a simulated market."""

from __future__ import annotations

import numpy as np
import pytest

import hftlab
from hftlab import sim
from hftlab.book import snapshots
from hftlab.core import book_nb
from hftlab.instruments import ConfigError
from hftlab.schema import Kind, OrderType
from hftlab.sim import layout as L
from hftlab.sim import simulator as S
from hftlab.sim.params import MarketParams
from hftlab.sim.scenarios import build

QUIET = {"activity_vol": 0.0, "noise_buy_rate": 0.0, "noise_sell_rate": 0.0, "makers": 0,
         "momentum_rate": 0.0}


def test_same_seed_same_events_bit_for_bit_and_another_seed_differs():
    a = sim.market("informed-episode", seconds=120, seed=5)
    b = sim.market("informed-episode", seconds=120, seed=5)
    c = sim.market("informed-episode", seconds=120, seed=6)
    assert np.array_equal(a.events, b.events) and np.array_equal(a.record, b.record)
    assert not np.array_equal(a.events[:2000], c.events[:2000])
    assert a.record[0] == 1 and np.all(np.diff(a.record) >= 0)  # record = message number


def test_bad_fields_raise_config_errors_naming_the_field_and_range(tmp_path):
    with pytest.raises(ConfigError, match=r"MarketParams.noise_buy_rate must be a number in "
                                          r"\[0.0, 1000000.0\]"):
        sim.market("calm", seconds=10, noise_buy_rate=-1.0)
    with pytest.raises(ConfigError, match="unknown field MarketParams.noise_rate"):
        sim.market("calm", seconds=10, noise_rate=3.0)
    with pytest.raises(ConfigError, match="scenario must be one of"):
        sim.market("quiet-day")
    with pytest.raises(ConfigError, match="regime_shares"):
        MarketParams(regime_shares=(0.1, 0.2))
    with pytest.raises(ConfigError, match="zi_levels"):
        MarketParams(zi_levels=L.K_MAX + 1)
    bad = tmp_path / "bad.toml"
    bad.write_text('scenario = "calm"\nseconds = "long"\n')
    with pytest.raises(ConfigError, match="MarketParams.seconds"):
        sim.market(str(bad))


def test_scenario_from_toml_equals_the_same_call_in_python(tmp_path):
    f = tmp_path / "episode.toml"
    f.write_text('scenario = "informed-episode"\nseconds = 90.0\nseed = 4\n'
                 'informed_rate = 8.0\nzi_theta = [0.7, 0.8, 0.6]\n')
    a = sim.market(str(f))
    b = sim.market("informed-episode", seconds=90, seed=4, informed_rate=8.0,
                   zi_theta=(0.7, 0.8, 0.6))
    assert np.array_equal(a.events, b.events)
    assert a.stats["params"].informed_rate == 8.0


def test_the_events_rebuild_the_matching_engines_book_exactly():
    s = build("calm", seconds=120, seed=2)
    st = S.new_state(s)
    parts: list = []
    S.seed_book(s, st, parts)
    S.run_state(st, parts)
    data = S.simulate(build("calm", seconds=120, seed=2))
    last = snapshots(data, levels=5).iloc[-1]
    px, q = np.empty((2, 5), np.int64), np.empty((2, 5), np.int64)
    book_nb.depth(st.qty, st.top, st.base, 0, 5, px, q)
    for k in range(5):
        assert round(last[f"bid_price_{k + 1}"] / 0.01) == px[0, k]
        assert last[f"bid_size_{k + 1}"] == q[0, k]
        assert round(last[f"ask_price_{k + 1}"] / 0.01) == px[1, k]
        assert last[f"ask_size_{k + 1}"] == q[1, k]
    assert int(st.cur["msgs"][0]) == data.stats["messages"] == int(data.record[-1])


def test_zero_intelligence_rates_are_those_asked_for():
    lam = (2.0, 1.5, 1.0, 0.5)
    m = sim.market("calibrated", seconds=1200, seed=3, zi_lambda=lam, zi_levels=4,
                   zi_market_rate=0.5, zi_theta=(0.4,), zi_market_size=30.0,
                   zi_market_size_sigma=0.0, **QUIET)
    ev = m.events[m.events["ts"] > m.events["ts"][0]]  # after the seeded book
    adds = (ev["kind"] == Kind.ADD).sum() / 1200 / 2  # per side per second
    assert adds == pytest.approx(sum(lam), rel=0.06)
    ex = ev[ev["kind"] == Kind.EXECUTE]
    orders = len(np.unique(ex["ts"]))
    assert orders / 1200 / 2 == pytest.approx(0.5, rel=0.12)  # market orders per side
    dels = (ev["kind"] == Kind.DELETE).sum()
    assert dels > 0.5 * (ev["kind"] == Kind.ADD).sum()  # cancels balance the inflow


def test_noise_takers_send_5_buys_and_5_sells_per_second():
    m = sim.market("calm", seconds=600, seed=4, zi_market_rate=0.0, makers=0,
                   momentum_rate=0.0, activity_vol=0.0, noise_size=10.0,
                   noise_size_sigma=0.0)
    tr = m.events[m.events["kind"] == Kind.EXECUTE]
    first = np.r_[True, np.diff(tr["ts"]) != 0]  # one aggressive order per timestamp
    for side in (1, -1):  # the aggressor is the side opposite the resting order hit
        n = (first & (tr["side"] == -side)).sum() / 600
        assert n == pytest.approx(5.0, rel=0.1)


def test_maker_quotes_both_sides_and_the_informed_trade_toward_value():
    m = sim.market("informed-episode", seconds=900, seed=1)
    agents = m.stats["agents"]
    kinds = [k for k, _, _ in agents]
    assert kinds == ["zero-intelligence", "noise", "informed", "momentum", "maker"]
    maker_owner = agents[4][2]
    e0, _ = m.stats["episode_ns"]
    assert m.stats["agent_positions"][agents[2][2] - 1] > 0  # the informed bought
    before = m.events[m.events["ts"] < e0]
    assert (before["kind"] == Kind.EXECUTE).sum() > 0
    assert maker_owner == 5


def test_momentum_trader_follows_the_trend_of_its_moving_averages():
    from hftlab.sim import agents_nb

    setup = build("calm", seconds=60, seed=1)
    st = S.new_state(setup)
    S.seed_book(setup, st, [])
    a = [r.kind for r in setup.table.info].index("momentum")
    now = setup.params.start_ns + 10**9
    mid = 0.5 * (st.base[0] + st.top[0, 0] + st.base[0] + st.top[0, 1])
    for trend, side in ((+10.0, 1), (-10.0, -1), (0.0, 0)):
        st.asf["init"][a] = now / 1e9 - 0.1
        st.asf["fast"][a], st.asf["slow"][a] = mid + trend, mid - trend
        _, n = agents_nb.momentum(a, now, st.ap, st.ast, st.asf, st.own, st.pcount,
                                  st.sched[0], st.orders, st.qty, st.top, st.base, st.mkt,
                                  st.cmds)
        assert n == (1 if side else 0)
        if side:
            assert st.cmds[0]["side"] == side and st.cmds[0]["order_type"] == OrderType.MARKET


def test_forced_seller_sells_and_its_position_matches_the_trades():
    m = sim.market("flash-crash", seconds=1200, seed=2, crash_start=0.25, seller_minutes=5.0)
    kinds = [k for k, _, _ in m.stats["agents"]]
    row = kinds.index("seller")
    sold = -m.stats["agent_positions"][row]
    assert sold >= 0.8 * 60 * 300  # at least the floor rate over 5 minutes
    assert m.stats["seller_ns"][1] - m.stats["seller_ns"][0] == 300 * 10**9


def test_a_simulated_market_replays_in_the_backtester():
    from hftlab.strategies import InventorySkew

    m = sim.market("informed-episode", seconds=300, seed=7)
    rec = hftlab.backtest(m, InventorySkew(half_spread=1, skew=2, capacity=20).compiled(),
                          seed=1, mode="replay")
    assert rec.meta["events"] == len(m)
    assert len(rec.fills) > 0


def test_our_order_meets_the_agents_in_the_same_engine_through_execute():
    """The interface of simulator_nb's docstring: run the agents to t, send our order
    with execute (owner OWN_OWNER), find our fills, then let the agents go on."""
    from hftlab.core.layout import ACT_SUBMIT, MESSAGE_DTYPE
    from hftlab.schema import OrderStatus, TimeInForce
    from hftlab.sim import simulator_nb

    setup = build("calm", seconds=120, seed=3)
    st = S.new_state(setup)
    parts: list = []
    S.seed_book(setup, st, parts)
    end = int(st.cur["t_end"][0])
    t = setup.params.start_ns + 60 * 10**9
    st.cur["t_end"][0] = t
    S.run_state(st, parts)
    ask_before = int(st.base[0] + st.top[0, 1])
    row = np.zeros(1, MESSAGE_DTYPE)[0]
    row["action"], row["ts"], row["owner"], row["side"] = ACT_SUBMIT, t, L.OWN_OWNER, 1
    row["qty"], row["order_type"], row["tif"] = 2000, OrderType.MARKET, TimeInForce.IOC
    status, _, oid, nf, ne = simulator_nb.execute(
        row, -1, st.ap, st.ast, st.asf, st.own, st.wake, st.subs, st.nsubs, st.orders,
        st.head, st.tail, st.qty, st.top, st.base, st.n_resting, st.ctr, 0, st.fills,
        st.events, st.mkt, st.halt, st.out, st.out_rec, int(st.cur["n_out"][0]),
        int(st.cur["msgs"][0]) + 1)
    assert status in (OrderStatus.FILLED, OrderStatus.EXPIRED) and oid > 0
    ours = st.fills[:nf]
    assert nf > 0 and np.all(ours["taker_owner"] == L.OWN_OWNER)
    assert ours["qty"].sum() == min(2000, ours["qty"].sum())
    assert ours["price"].max() > ask_before  # we walked the book: impact
    assert int(st.base[0] + st.top[0, 1]) > ask_before
    st.cur["n_out"][0] = ne
    st.cur["msgs"][0] += 1
    st.cur["t_end"][0] = end
    S.run_state(st, parts)  # the agents carry on from the book we left
    assert int(st.cur["now"][0]) == end
    ev = np.concatenate([p[0] for p in parts])
    assert np.all(np.diff(ev["ts"]) >= 0)
    after = ev[ev["ts"] > t]
    assert (after["kind"] == Kind.ADD).sum() > 100  # the book refills
