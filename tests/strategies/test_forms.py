"""Each built-in market maker: the Python and compiled forms leave the same record."""

import numpy as np
import pandas as pd
import pytest

import hftlab
from hftlab.data.synthetic import l2_stream
from hftlab.strategies import GLFT, AvellanedaStoikov, InventorySkew, Static, ToxicityAware

MS = 1_000_000


def _same(a, b):
    for name in ("orders", "fills", "states", "risk_events"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))


STRATEGIES = {
    "static": lambda: Static(half_spread=1, qty=1, capacity=5, requote_ns=10 * MS),
    "inventory_skew": lambda: InventorySkew(half_spread=1, skew=3, capacity=6, qty=2,
                                            requote_ns=10 * MS),
    "avellaneda_stoikov_finite": lambda: AvellanedaStoikov(
        gamma=0.1, sigma=1.0, k=1.5, horizon_s=1.5, rolling=False, capacity=4,
        sigma_halflife_s=1.0, requote_ns=10 * MS),
    "avellaneda_stoikov_rolling": lambda: AvellanedaStoikov(
        gamma=0.2, sigma=1.0, k=1.0, horizon_s=2.0, rolling=True, capacity=4, requote_ns=10 * MS),
    "glft": lambda: GLFT(gamma=0.1, sigma=1.0, A=5.0, k=1.0, min_trades=20, fit_halflife_s=2.0,
                         capacity=4, sigma_halflife_s=1.0, requote_ns=10 * MS),
    "toxicity_aware": lambda: ToxicityAware(
        half_spread=1, skew=2, qty=2, capacity=6, bucket_volume=40, window=10, vol_coef=0.2,
        sigma_halflife_s=1.0, depth_ref=100, depth_coef=0.5, requote_ns=10 * MS),
}


@pytest.fixture(scope="module")
def data():
    return l2_stream(30_000, seed=5)


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_python_and_compiled_forms_give_the_same_record(name, data):
    strat = STRATEGIES[name]()
    a = hftlab.backtest(data, strat, seed=1)
    b = hftlab.backtest(data, strat.compiled(), seed=1)
    _same(a, b)
    assert len(a.fills) > 5
    assert a.states["position"].abs().max() <= strat.capacity


def test_glft_fits_its_intensity_online_in_both_forms(data):
    strat = GLFT(gamma=0.1, sigma=1.0, A=5.0, k=1.0, min_trades=20, fit_halflife_s=2.0,
                 capacity=4, requote_ns=10 * MS)
    hftlab.backtest(data, strat, seed=1)
    A, k = strat.fitted()
    assert (A, k) != (5.0, 1.0) and A > 0 and 0.05 <= k <= 20.0
    comp = strat.compiled()
    rec = hftlab.backtest(data, comp, seed=1)  # the engine copies the state: the input is untouched
    assert comp.state.tobytes() == strat.record().tobytes()
    fitted = rec.strategy_state["state"][0]  # the run's final state comes back in its record
    assert (fitted["A"], fitted["k"]) == (A, k) and fitted["fits"] == strat.s["fits"] > 0


def test_compiled_makers_final_state_reads_by_name(data, tmp_path):
    """rec.strategy_state of a built-in maker: its params, state and ring by field name,
    integers as int64, equal to the Python form's records after the same run."""
    strat = STRATEGIES["toxicity_aware"]()
    hftlab.backtest(data, strat, seed=1)
    rec = hftlab.backtest(data, strat.compiled(), seed=1)
    st = rec.strategy_state
    assert st.dtype.names == ("params", "state", "ring") and st.shape == (1,)
    assert st["params"]["window"][0] == 10 and st["params"]["capacity"][0] == 6
    for name in ("qty", "capacity", "book", "tif", "window", "depth_levels"):
        assert st.dtype["params"][name] == np.int64
    for name in ("t0", "prev_t", "done", "tier"):
        assert st.dtype["state"][name] == np.int64
    assert st["state"]["done"][0] > 0 and 0.0 < st["state"]["vpin"][0] == strat.vpin()
    assert st["state"][0].tobytes() == strat.state[0].tobytes()
    np.testing.assert_array_equal(st["ring"][0], strat.ring)
    rec.save(tmp_path / "run")  # and it survives a save as the same named record
    back = hftlab.RunRecord.load(tmp_path / "run").strategy_state
    assert back.dtype == st.dtype and back.tobytes() == st.tobytes()


def test_toxicity_aware_tracks_vpin_of_the_prints(data):
    strat = ToxicityAware(bucket_volume=40, window=10, requote_ns=10 * MS)
    hftlab.backtest(data, strat, seed=1)
    assert 0.0 < strat.vpin() <= 1.0


@pytest.mark.parametrize("name", ["glft", "toxicity_aware"])
def test_forms_agree_on_simulated_l3_data_with_execute_and_trade_prints(name):
    from hftlab.sim import market

    data = market("informed-episode", seconds=120, seed=2)
    strat = STRATEGIES[name]()
    a = hftlab.backtest(data, strat, seed=1)
    b = hftlab.backtest(data, strat.compiled(), seed=1)
    _same(a, b)
    assert len(a.fills) > 5
