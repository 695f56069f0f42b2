"""Replay as a whole: L3 FIFO, queue models, determinism, chunking and invariants."""

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hftlab
from hftlab.data import load
from hftlab.data.synthetic import l2_stream
from hftlab.engine.queue import PowerProbability, QueueModel
from hftlab.instruments import FeeSchedule, Latency, LatencyProfile, Venue
from hftlab.schema import Kind
from hftlab.strategies import InventorySkew
from tests.engine.conftest import INST, L, T, events, run

A, D, E = Kind.ADD, Kind.DELETE, Kind.EXECUTE
END = [(50, L, 1, 98, 1)]


def test_l3_queue_position_is_exact_fifo():
    rows = [(0, A, 1, 100, 5, 1), (0, A, -1, 102, 5, 2),
            (3, A, 1, 100, 4, 3),  # arrives behind us
            (4, D, 1, 100, 4, 3),  # a cancel behind us does not move us
            (5, E, 1, 100, 5, 1),  # the order ahead of us trades away
            (6, A, 1, 100, 2, 4),  # behind us
            (7, E, 1, 100, 2, 4)]  # an execution behind us: we would have traded first
    ev = events(rows)
    strat_rec, _ = run(rows, {1: lambda c: c.buy(100, 3)})
    assert strat_rec.fills["qty"].tolist() == [2]
    assert strat_rec.fills["ts_exchange"].tolist() == [7_000]
    assert len(ev.events) == 7


def test_queue_models_on_cancels_conservative_power_and_a_user_model():
    rows = [(0, L, 1, 100, 10), (0, L, -1, 102, 5), (3, L, 1, 100, 12),  # 2 join behind us
            (4, L, 1, 100, 4),  # 8 cancelled somewhere in the queue
            (6, T, -1, 100, 4)] + END
    buy = {1: lambda c: c.buy(100, 1)}
    cons, _ = run(rows, buy)  # ahead min(10, 4) = 4; the 4-lot trade leaves 0: no fill
    assert len(cons.fills) == 0
    # power n=2: ahead 10, behind 2 -> 8 * 100/104 of the cancels came from ahead: ~2.3 left
    prob, _ = run(rows, buy, queue=PowerProbability(2.0))
    assert prob.fills["ts_exchange"].tolist() == [6_000]
    # a user's model in plain Python (compiled by QueueModel): every cancel was ahead of us
    front = QueueModel(lambda ahead, old, new, traded, params: max(ahead - max(old - new, 0.0), 0.0))
    fr, _ = run(rows, buy, queue=front)
    assert fr.fills["ts_exchange"].tolist() == [6_000]


def _mm_run(data, seed=7, **kw):
    venue = Venue("SYNX", FeeSchedule(maker=-0.1, taker=0.3, unit="bps"),
                  LatencyProfile(Latency(50_000, 20_000), Latency(500_000, 500_000),
                                 Latency(500_000, 500_000)))
    strat = InventorySkew(half_spread=1, skew=2, capacity=5, qty=2, requote_ns=20_000_000)
    return hftlab.backtest(data, strat.compiled(), venues=[venue], seed=seed, **kw)


def _same(a, b):
    for name in ("orders", "fills", "states", "risk_events"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


def test_same_seed_same_record_bit_for_bit_and_seed_matters():
    data = l2_stream(60_000, seed=3)
    a, b, c = _mm_run(data), _mm_run(data), _mm_run(data, seed=8)
    _same(a, b)
    assert not a.orders["ts_exchange"].equals(c.orders["ts_exchange"])


def test_python_and_compiled_forms_give_the_same_record():
    data = l2_stream(40_000, seed=5)
    strat = InventorySkew(half_spread=1, skew=3, capacity=4, qty=1, requote_ns=10_000_000)
    a = hftlab.backtest(data, strat, seed=1)
    b = hftlab.backtest(data, strat.compiled(), seed=1)
    _same(a, b)
    assert len(a.fills) > 10


def test_chunked_parquet_replay_equals_in_memory(tmp_path):
    data = l2_stream(50_000, seed=9)
    path = data.save(tmp_path / "m.parquet")
    a = _mm_run(data)
    b = _mm_run(load(path, lazy=True), chunk_size=4_096)
    _same(a, b)


def test_chunks_carry_the_events_in_flight_within_and_beyond_their_free_rows(tmp_path):
    """The events still on their way to the host at a chunk's end go into the free rows in
    front of the next chunk (engine/window.py), or, when more are in flight than those
    rows hold (an 800 ms feed: ~8,000 events), are joined to it by a copy; the record is
    the one-chunk replay's either way."""
    data = l2_stream(30_000, seed=4)
    path = data.save(tmp_path / "m.parquet")
    strat = InventorySkew(half_spread=1, skew=2, capacity=5, qty=2, requote_ns=20_000_000)
    for feed in (Latency(300_000, 200_000), Latency(800_000_000)):
        venue = Venue("SYNX", FeeSchedule(maker=-0.1, taker=0.3, unit="bps"),
                      LatencyProfile(feed, Latency(500_000), Latency(500_000)))
        a, b = (hftlab.backtest(d, strat.compiled(), venues=[venue], seed=3, chunk_size=size)
                for d, size in ((data, 1 << 20), (load(path, lazy=True), 2_000)))
        _same(a, b)
        assert len(a.fills) > 0


def test_record_round_trip(tmp_path):
    rec = _mm_run(l2_stream(20_000, seed=2))
    rec.save(tmp_path / "run")
    back = hftlab.RunRecord.load(tmp_path / "run")
    _same(rec, back)
    assert back.summary()["total_pnl"] == rec.summary()["total_pnl"]


def reconcile(rec):
    """Position, cash and P&L follow from the fill list alone."""
    f = rec.fills
    last = rec.states.iloc[-1]
    signed = (f["side"] * f["qty"]).sum()
    assert last["position"] == signed
    value = INST.tick_size * INST.lot_size
    cash = -(f["side"] * f["price"] * f["qty"]).sum() * value - f["fee"].sum()
    assert np.isclose(last["cash"], cash, rtol=0, atol=1e-9)
    assert np.isclose(last["realized_pnl"] + last["unrealized_pnl"], last["equity"])
    if last["mid"] == last["mid"]:
        assert np.isclose(last["equity"], last["cash"] + last["position"] * last["mid"] * value,
                          atol=1e-9)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), half=st.integers(0, 3), qty=st.integers(1, 3),
       every=st.sampled_from([1_000_000, 5_000_000]), model=st.sampled_from(["conservative", "power:2"]))
def test_invariants_on_random_streams(seed, half, qty, every, model):
    data = l2_stream(8_000, seed=seed, dt_ns=50_000)
    strat = InventorySkew(half_spread=half, skew=1.5, capacity=3 * qty, qty=qty,
                          requote_ns=every, post_only=False)
    rec = hftlab.backtest(data, strat.compiled(), queue=model, seed=seed,
                          venues=[Venue("SYNX", FeeSchedule(-0.2, 0.3, "bps"),
                                        LatencyProfile.named("colocated"))])
    reconcile(rec)
    # no order ever fills beyond its size, and every fill belongs to a submitted order
    per_order = rec.fills.groupby("order_id")["qty"].sum()
    sub = rec.orders[rec.orders["action"] == 0].set_index("order_id")["qty"]
    assert (per_order <= sub.reindex(per_order.index)).all()
    # the market view we sampled is never crossed
    s = rec.states
    both = (s["best_bid"] > 0) & (s["best_ask"] > 0)
    assert (s.loc[both, "best_bid"] < s.loc[both, "best_ask"]).all()
    # the capacity bound of the strategy holds (sizes cut near capacity)
    assert s["position"].abs().max() <= 3 * qty + qty


def test_out_of_order_events_are_an_error():
    import pytest

    from hftlab.data import DataError
    with pytest.raises(DataError, match="time order"):
        events([(5, L, 1, 100, 1), (4, L, 1, 100, 2)])


def test_l3_events_that_cannot_apply_are_counted_warned_or_raised():
    """An EXECUTE of 7 lots against a 5-lot order cannot apply: it used to vanish with
    warnings 0; it is counted with its event and source record, warned, or raised."""
    import warnings as w

    import pytest

    from hftlab.engine.backtest import EngineError
    from hftlab.schema import Kind
    from tests.engine.conftest import Script, events, venue

    rows = [(0, Kind.ADD, 1, 100, 5, 1), (0, Kind.ADD, -1, 101, 5, 2),
            (3, Kind.EXECUTE, 1, 100, 7, 1), (9, Kind.ADD, 1, 99, 1, 3)]
    data = events(rows)
    with w.catch_warnings(record=True) as caught:
        w.simplefilter("always")
        rec = hftlab.backtest(data, Script({}), venues=[venue()])
    err = rec.meta["apply_errors"]["l3_removal_larger_than_order"]
    assert err == {"count": 1, "first_event": 2, "first_record": 3}
    assert rec.summary()["warnings"] == 1 and "apply_errors" in rec.summary()
    assert any("could not apply" in str(c.message) for c in caught)
    with pytest.raises(EngineError, match="l3_removal_larger_than_order: 1 .first: event 2"):
        hftlab.backtest(data, Script({}), venues=[venue()], strict=True)
