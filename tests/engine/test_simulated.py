"""A backtest in a simulated market: our orders go into the agents' matching engine."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hftlab
from hftlab import sim
from hftlab.data.market import MarketData
from hftlab.instruments import ConfigError
from hftlab.risk import RiskLimits
from hftlab.schema import Kind, OrderStatus, Reason

SEC = 1_000_000_000


@pytest.fixture(scope="module")
def calm():
    return sim.market("calm", seconds=30, seed=3)


class Script(hftlab.Strategy):
    """Runs a list of (second, action, args) on a 100 ms timer."""

    timer_ns = 100_000_000

    def __init__(self, steps):
        self.steps = sorted(steps, key=lambda s: s[0])
        self.k = 0
        self.ids: list[int] = []

    def on_timer(self, ctx):
        t = (ctx.now - self.t0) / SEC
        while self.k < len(self.steps) and self.steps[self.k][0] <= t:
            _, action, args = self.steps[self.k]
            self.k += 1
            getattr(self, action)(ctx, *args)

    def on_start(self, ctx):
        self.t0 = ctx.now

    def buy_at(self, ctx, offset, qty, tif="GTC"):
        self.ids.append(ctx.buy(ctx.best_bid() + offset, qty, tif=tif))

    def sell_at(self, ctx, offset, qty, tif="GTC"):
        self.ids.append(ctx.sell(ctx.best_ask() + offset, qty, tif=tif))

    def sweep(self, ctx, side, qty):
        self.ids.append(ctx.market_order(side, qty))

    def cancel_last(self, ctx):
        if self.ids:
            ctx.cancel(self.ids[-1])

    def modify_last(self, ctx, offset, qty):
        if self.ids:
            ctx.modify(self.ids[-1], ctx.best_bid() + offset, qty)


def _events_equal(a: np.ndarray, b: np.ndarray) -> bool:
    return len(a) == len(b) and all(np.array_equal(a[n], b[n]) for n in a.dtype.names)


def _executions(market: np.ndarray) -> list[tuple[int, int, int, int]]:
    ex = market[market["kind"] == Kind.EXECUTE]
    return sorted(zip(ex["ts"].tolist(), ex["side"].tolist(), ex["price"].tolist(),
                      ex["qty"].tolist()))


def _check_fills_are_executions(rec) -> None:
    """Every fill of ours is one EXECUTE in the session: on our resting order (maker, the
    execution's side is ours) or on an agent's (taker, the opposite side)."""
    ex = _executions(rec.market.events)
    for f in rec.fills.itertuples():
        side = int(f.side) if f.maker else -int(f.side)
        key = (int(f.ts_exchange), side, int(f.price), int(f.qty))
        assert key in ex, f"fill {key} has no execution in the session"
        ex.remove(key)


def test_without_orders_the_session_is_the_scenario_bit_for_bit(calm):
    rec = hftlab.backtest(calm, hftlab.Strategy())
    assert rec.meta["mode"] == "simulate"
    assert _events_equal(rec.market.events, calm.events)
    assert rec.meta["events"] == len(calm)


def test_a_market_order_walks_the_book_and_the_agents_react(calm):
    rec = hftlab.backtest(calm, Script([(10.0, "sweep", (1, 800))]))
    f = rec.fills
    assert len(f) > 1 and (f["maker"] == 0).all()
    assert f["price"].max() > f["price"].min()  # several levels taken: impact
    assert rec.meta["final_position"][0] == int(f["qty"].sum())
    t = int(f["ts_exchange"].iloc[0])
    background = hftlab.backtest(calm, hftlab.Strategy(), mode="replay")
    after = int(rec.states.loc[rec.states["ts"] > t, "best_ask"].iloc[0])
    before = int(background.states.loc[background.states["ts"] > t, "best_ask"].iloc[0])
    assert after > before  # the liquidity we took is gone from the book
    m, b = rec.market.events, calm.events
    assert _events_equal(m[m["ts"] < t], b[b["ts"] < t])  # nothing changes before us
    agents_after = m[m["ts"] > t]
    assert not _events_equal(agents_after, b[b["ts"] > t])  # the agents answered the new book
    _check_fills_are_executions(rec)


def test_a_resting_order_is_filled_by_an_agent_as_maker(calm):
    rec = hftlab.backtest(calm, Script([(1.0, "buy_at", (0, 5)), (1.0, "sell_at", (0, 5))]))
    f = rec.fills
    assert len(f) > 0 and (f["maker"] == 1).all()
    _check_fills_are_executions(rec)
    ours = rec.orders[rec.orders["action"] == 0]
    assert (ours["status"] == OrderStatus.ACCEPTED).all()


def test_same_seed_same_record(calm):
    steps = [(1.0, "buy_at", (0, 5)), (2.0, "sweep", (-1, 50)), (3.0, "sell_at", (1, 5))]
    a = hftlab.backtest(calm, Script(steps), seed=5)
    b = hftlab.backtest(calm, Script(steps), seed=5)
    assert a.fills.equals(b.fills) and a.orders.equals(b.orders)
    assert _events_equal(a.market.events, b.market.events)


def test_post_only_cancel_and_modify_at_the_simulated_venue(calm):
    steps = [(1.0, "buy_at", (1_000, 5, "POST_ONLY")),  # would cross: rejected
             (2.0, "buy_at", (-5, 5)), (3.0, "modify_last", (-3, 7)), (4.0, "cancel_last", ())]
    rec = hftlab.backtest(calm, Script(steps))
    o = rec.orders
    assert o.iloc[0]["status"] == OrderStatus.REJECTED
    assert o.iloc[0]["reason"] == Reason.POST_ONLY_WOULD_CROSS
    mod = o[o["action"] == 2].iloc[0]
    assert mod["qty"] == 7 and mod["status"] == OrderStatus.ACCEPTED
    assert o[o["action"] == 1].iloc[0]["status"] == OrderStatus.CANCELLED
    m = rec.market.events
    ts_mod, px = int(mod["ts_exchange"]), int(mod["price"])
    at = m[m["ts"] == ts_mod]
    assert Kind.DELETE in at["kind"] and ((at["kind"] == Kind.ADD) & (at["price"] == px)
                                          & (at["qty"] == 7)).any()


def test_the_risk_gate_stops_an_order_before_the_venue(calm):
    rec = hftlab.backtest(calm, Script([(10.0, "sweep", (1, 800))]),
                          risk=RiskLimits(max_order_qty=100))
    assert len(rec.fills) == 0
    assert rec.orders.iloc[0]["status"] == OrderStatus.DENIED
    assert _events_equal(rec.market.events, calm.events)


def test_a_compiled_market_maker_runs_in_the_simulated_market(calm):
    from hftlab.strategies import InventorySkew

    strat = InventorySkew(half_spread=1, skew=2, capacity=20).compiled()
    rec = hftlab.backtest(calm, strat, seed=1)
    assert rec.meta["events"] == len(rec.market) > len(calm)
    assert len(rec.fills) > 0
    _check_fills_are_executions(rec)
    signed = (rec.fills["side"] * rec.fills["qty"]).sum()
    assert rec.meta["final_position"][0] == signed
    replay = hftlab.backtest(calm, strat, seed=1, mode="replay")
    assert replay.meta["mode"] == "replay" and replay.market is None


def test_simulate_mode_needs_a_simulated_market(calm):
    loaded = MarketData(calm.events, calm.instruments, calm.venues)
    with pytest.raises(ConfigError, match="mode"):
        hftlab.backtest(loaded, hftlab.Strategy(), mode="simulate")
    with pytest.raises(ConfigError, match="mode"):
        hftlab.backtest(calm, hftlab.Strategy(), mode="live")


_action = st.one_of(
    st.tuples(st.floats(0.5, 25), st.just("buy_at"),
              st.tuples(st.integers(-3, 2), st.integers(1, 30),
                        st.sampled_from(["GTC", "IOC", "POST_ONLY", "FOK"]))),
    st.tuples(st.floats(0.5, 25), st.just("sell_at"),
              st.tuples(st.integers(-2, 3), st.integers(1, 30),
                        st.sampled_from(["GTC", "IOC", "POST_ONLY", "FOK"]))),
    st.tuples(st.floats(0.5, 25), st.just("sweep"),
              st.tuples(st.sampled_from([-1, 1]), st.integers(1, 300))),
    st.tuples(st.floats(0.5, 25), st.just("cancel_last"), st.just(())),
    st.tuples(st.floats(0.5, 25), st.just("modify_last"),
              st.tuples(st.integers(-3, 1), st.integers(1, 30))),
)


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(_action, min_size=1, max_size=12))
def test_any_order_flow_keeps_the_books_straight(calm, steps):
    rec = hftlab.backtest(calm, Script(steps))
    _check_fills_are_executions(rec)
    f = rec.fills
    assert rec.meta["final_position"][0] == int((f["side"] * f["qty"]).sum())
    s = rec.states
    both = (s["best_bid"] > 0) & (s["best_ask"] > 0)
    assert (s.loc[both, "best_bid"] < s.loc[both, "best_ask"]).all()  # never crossed
    o = rec.orders
    assert not o["status"].isin([OrderStatus.NEW]).any()


def test_a_market_made_from_a_simulated_one_replays(calm):
    import dataclasses

    ev = calm.events.copy()
    changed = dataclasses.replace(calm, events=ev)
    assert changed.simulation is None
    assert hftlab.backtest(changed, hftlab.Strategy()).meta["mode"] == "replay"


def test_a_stale_quote_on_the_lagging_venue_is_picked_off():
    """Our ask on the lagging venue below the primary's bid: the arbitrageur (Budish,
    Cramton & Shim 2015) buys it within its reaction latency and sells on the primary."""
    m = sim.market("lagging-venue", seconds=10, seed=4)
    lag = m.book_index(1, 0)

    class Stale(Script):
        def stale_ask(self, ctx):
            self.ids.append(ctx.sell(ctx.best_bid(0) - 1, 5, book=lag, tif="POST_ONLY"))

    rec = hftlab.backtest(m, Stale([(5.0, "stale_ask", ())]))
    o, f = rec.orders.iloc[0], rec.fills
    assert o["status"] == OrderStatus.ACCEPTED and o["venue"] == 1
    assert len(f) == 1 and f.iloc[0]["maker"] == 1 and f.iloc[0]["qty"] == 5
    picked_after = int(f.iloc[0]["ts_exchange"]) - int(o["ts_exchange"])
    assert 0 < picked_after <= 1_000_000  # within a millisecond: sniped, not a random fill
    assert f.iloc[0]["price"] < f.iloc[0]["mid"]  # sold below the primary's mid: adverse


def test_tiny_buffers_give_the_same_record(calm, monkeypatch):
    """Every buffer the compiled driver hands back to Python to grow or empty (the
    matching engine's order pool, the session's event buffer, the loop's event columns)
    resumes exactly where it stopped: the record is the same as with roomy buffers."""
    from hftlab.engine import simulated
    from hftlab.sim import simulator
    from hftlab.strategies import InventorySkew

    strat = InventorySkew(half_spread=1, skew=2, capacity=20).compiled()
    roomy = hftlab.backtest(calm, strat, seed=2)
    monkeypatch.setattr(simulator, "OUT_ROWS", 2 * 8192 + 64)
    monkeypatch.setattr(simulator, "expected_orders", lambda setup: 64)
    monkeypatch.setattr(simulated, "COLUMNS", 16)
    tiny = hftlab.backtest(calm, strat, seed=2)
    assert roomy.fills.equals(tiny.fills) and roomy.orders.equals(tiny.orders)
    assert _events_equal(roomy.market.events, tiny.market.events)


def test_progress_reaches_the_total(calm):
    seen = []
    hftlab.backtest(calm, hftlab.Strategy(), progress=lambda d, total: seen.append((d, total)))
    assert len(seen) > 2 and seen[-1] == (len(calm), len(calm))
    assert all(a[0] <= b[0] for a, b in zip(seen, seen[1:]))


def test_the_session_is_saved_with_the_run_and_analytics_read_it(calm, tmp_path):
    from hftlab.analytics.sources import events_tables, run_tables
    from hftlab.engine.record import RunRecord

    rec = hftlab.backtest(calm, Script([(2.0, "sweep", (1, 300)), (4.0, "buy_at", (0, 5))]))
    rec.save(tmp_path / "run")
    back = RunRecord.load(tmp_path / "run")
    assert _events_equal(back.market.load().events, rec.market.events)
    assert len(run_tables(back).trades) == len(events_tables(rec.market).trades)
    hftlab.backtest(calm, hftlab.Strategy(), mode="replay").save(tmp_path / "run")
    assert RunRecord.load(tmp_path / "run").market is None  # no stale session left behind


@pytest.mark.parametrize("mode", ["simulate", "replay"])
def test_more_commands_in_one_wake_up_than_the_buffer_holds_all_reach_the_venue(calm, mode):
    """A Python strategy's command buffer grows (64 rows, then 128): every order of both
    waves is recorded and accepted, in the live run and in the replay alike."""

    class Wall(hftlab.Strategy):
        timer_ns = 1_000_000_000

        def __init__(self):
            self.waves = [100, 250]

        def on_timer(self, ctx):
            if self.waves:
                bid = ctx.best_bid()
                for i in range(self.waves.pop(0)):
                    ctx.buy(bid - 20 - i % 50, 1)

    rec = hftlab.backtest(calm, Wall(), mode=mode)
    o = rec.orders
    assert len(o) == 350
    assert (o["status"] == OrderStatus.ACCEPTED).all()


class _FreshMemory:
    """numpy for a module that allocates with np.empty, except that np.empty hands out
    memory full of garbage (every byte `fill`, or random bytes when fill is None), as
    memory fresh from the system may be: a row read before it is written then reads
    garbage instead of the zeros an unused page happens to hold."""

    def __init__(self, fill: int | None) -> None:
        self.fill = fill
        self.rng = np.random.default_rng(17)

    def __getattr__(self, name: str):
        return getattr(np, name)

    def empty(self, shape, dtype=float):
        a = np.zeros(shape, dtype)
        raw = a.reshape(-1).view(np.uint8)
        raw[:] = self.fill if self.fill is not None else self.rng.integers(0, 256, raw.size)
        return a


@pytest.mark.parametrize("fill", [0xFF, None], ids=["0xFF", "random"])
def test_the_session_and_order_pool_are_written_before_they_are_read(calm, monkeypatch, fill):
    """The session's event table and columns (engine/simulated.py) and the matching
    engine's order pool (sim/simulator.py) are allocated with np.empty, not zeroed, on
    the promise that every row is written before it is read. Filled with garbage first,
    they give the same market and the same records, for a compiled maker and a Python
    strategy, with buffers small enough to grow (a grown session copies only its rows)."""
    from hftlab.engine import simulated
    from hftlab.sim import simulator
    from hftlab.strategies import InventorySkew

    maker = InventorySkew(half_spread=1, skew=2, capacity=20).compiled()
    steps = [(1.0, "buy_at", (0, 5)), (2.0, "sweep", (-1, 50)), (3.0, "sell_at", (1, 5))]
    monkeypatch.setattr(simulated, "COLUMNS", 1 << 10)
    clean = [hftlab.backtest(calm, s, seed=2) for s in (maker, Script(steps))]
    clean_market = sim.market("calm", seconds=30, seed=3)
    monkeypatch.setattr(simulated, "np", _FreshMemory(fill))
    monkeypatch.setattr(simulator, "np", _FreshMemory(fill))
    dirty = [hftlab.backtest(calm, s, seed=2) for s in (maker, Script(steps))]
    dirty_market = sim.market("calm", seconds=30, seed=3)
    for a, b in zip(clean, dirty):
        for name in ("orders", "fills", "states", "risk_events"):
            assert getattr(a, name).equals(getattr(b, name)), name
        assert _events_equal(a.market.events, b.market.events)
        assert np.array_equal(a.market.record, b.market.record)
    assert _events_equal(clean_market.events, dirty_market.events)
    assert np.array_equal(clean_market.record, dirty_market.record)
