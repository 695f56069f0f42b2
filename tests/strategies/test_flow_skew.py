"""FlowSkew: the online signals against their offline definitions, InventorySkew's record
with the betas at 0, the two forms alike, and the out-of-sample fit of the betas."""

import numpy as np
import pandas as pd
import pytest

import hftlab
from hftlab.analytics.ofi import ofi_events
from hftlab.instruments import ConfigError
from hftlab.strategies import FlowSkew, InventorySkew, fit_flow_skew
from hftlab.strategies import flow_skew_nb as k
from hftlab.strategies import quoting_nb

MAKER = dict(half_spread=1.0, skew=2.0, capacity=50, qty=5)
SEC = 1_000_000_000


@pytest.fixture(scope="module")
def session():
    return hftlab.sim.market("informed-episode", seconds=60, seed=1)


def records(window_ns=SEC, buckets=10, **betas):
    """A FlowSkew's params record and a fresh state record."""
    s = FlowSkew(window_ns=window_ns, buckets=buckets, **betas)
    return s.params()[0], s.initial_state()[0]


def test_online_ofi_is_the_cks_sum_over_the_window():
    """flow_book adds CKS's e_n per top update (analytics.ofi.ofi_events on the same
    quotes), and the window forgets updates older than window (to a bucket)."""
    rng = np.random.default_rng(3)
    n = 40
    bid = 100 + np.cumsum(rng.integers(-1, 2, n))
    ask = bid + rng.integers(1, 3, n)
    bq, aq = rng.integers(1, 50, n), rng.integers(1, 50, n)
    ts = np.arange(n) * 10_000_000  # every 10 ms: 0.4 s in all, inside a 1 s window
    p, st = records(beta_ofi=1.0)
    k.flow_start(p, st, 0)
    for i in range(n):
        k.flow_book(p, st, ts[i], bid[i], ask[i], bq[i], aq[i])
    e = ofi_events(bid.astype(float), bq.astype(float), ask.astype(float), aq.astype(float))
    assert k.flow_shift(p, st, ts[-1], 0, 0) == pytest.approx(e.sum())
    assert k.flow_shift(p, st, ts[-1] + 2 * SEC, 0, 0) == 0.0  # all of it out of the window


def test_online_imbalances():
    """Queue imbalance of the top sizes; trade imbalance = signed over total print volume."""
    p, st = records(beta_imbalance=1.0)
    k.flow_start(p, st, 0)
    assert k.flow_shift(p, st, 0, 30, 10) == pytest.approx(0.5)
    p, _ = records(beta_trade_imbalance=2.0)
    k.flow_start(p, st, 0)
    k.flow_trade(p, st, 1, 30, 1)
    k.flow_trade(p, st, 2, 10, -1)
    assert k.flow_shift(p, st, 3, 0, 0) == pytest.approx(2.0 * 20 / 40)


def test_zero_betas_leave_inventory_skews_record(session):
    """With every beta 0 the rule is InventorySkew's: the same orders and fills, although
    FlowSkew is also woken by every book update and print."""
    a = hftlab.backtest(session, InventorySkew(**MAKER).compiled(), mode="replay")
    b = hftlab.backtest(session, FlowSkew(**MAKER).compiled(), mode="replay")
    assert len(a.fills) > 20
    cols = ["ts_exchange", "side", "price", "qty"]
    pd.testing.assert_frame_equal(a.fills[cols], b.fills[cols])


def test_forms_leave_the_same_record_and_the_signal_moves_quotes(session):
    s = FlowSkew(**MAKER, beta_imbalance=1.5, beta_ofi=0.01, beta_trade_imbalance=0.5)
    c = hftlab.backtest(session, s.compiled(), mode="replay")
    py = hftlab.backtest(session, s, mode="replay")
    pd.testing.assert_frame_equal(c.orders, py.orders)
    pd.testing.assert_frame_equal(c.fills, py.fills)
    base = hftlab.backtest(session, InventorySkew(**MAKER).compiled(), mode="replay")
    assert not c.orders["price"].equals(base.orders["price"])


def _frame(n=4000, seed=0):
    """A flow_signals-like frame on a 100 ms grid whose mid moves 0.02 x imbalance over
    the next second (plus noise)."""
    rng = np.random.default_rng(seed)
    ts = pd.date_range("2024-01-01", periods=n, freq="100ms", tz="UTC")
    imb = rng.uniform(-1, 1, n)
    step = np.zeros(n)
    step[10:] = 0.02 * imb[:-10]  # the move arrives 10 rows (1 s) later
    mid = 100 + np.cumsum(step + rng.normal(0, 1e-4, n))
    return pd.DataFrame({"mid": mid, "imbalance_1": imb, "ofi_1s": rng.normal(0, 5, n),
                         "trade_imbalance_1s": rng.uniform(-1, 1, n)}, index=ts)


def test_fit_recovers_the_slope_in_ticks_without_look_ahead():
    """The mid rises 0.02 x imbalance (currency) over 1 s: 2 ticks of $0.01 per unit
    (the nine other imbalances inside each 1 s target are noise to the fit: 20 %).
    Rows after the split (and targets reaching past it) are not used: scrambling them
    leaves the fit unchanged."""
    f = _frame()
    fit = fit_flow_skew(f, train_fraction=0.5, horizon="1s", tick_size=0.01, lot_size=1.0)
    assert fit.betas["beta_imbalance"] == pytest.approx(2.0, rel=0.2)
    assert abs(fit.betas["beta_ofi"]) < 0.01
    assert fit.power.loc[("1s", "imbalance_1"), "r2_oos"] > 0.05
    g = f.copy()
    late = g.index.asi8 >= fit.split_ns
    g.loc[late, ["mid", "imbalance_1"]] = np.random.default_rng(9).permutation(
        g.loc[late, ["mid", "imbalance_1"]].to_numpy())
    again = fit_flow_skew(g, split_ns=fit.split_ns, horizon="1s", tick_size=0.01, lot_size=1.0)
    assert again.betas == fit.betas


def test_bad_settings_name_the_field():
    with pytest.raises(ConfigError, match="FlowSkew.buckets"):
        FlowSkew(buckets=quoting_nb.MAX_BUCKETS + 1)
    with pytest.raises(ConfigError, match="signals"):
        fit_flow_skew(_frame(200), signals=("vpin",), tick_size=0.01, lot_size=1.0)
