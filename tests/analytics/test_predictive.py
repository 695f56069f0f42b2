"""Walk-forward predictive power: targets, a predictable series, a shuffled future that
must score nothing, and predictions that never see a target not yet known."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hftlab.analytics import flow_signals, future_mid_change, predictive_power
from hftlab.analytics.predictive import walk_forward_predict
from hftlab.data import read_binance


def _index(ts) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(np.asarray(ts), unit="ns", utc=True), name="ts")


def test_future_mid_change_by_rows_and_by_clock():
    mid = pd.Series([10.0, 11.0, 13.0, 12.0], index=_index([0, 5, 10, 20]))
    f = future_mid_change(mid, [1, 6])
    assert f[1].tolist()[:3] == [1.0, 2.0, -1.0] and np.isnan(f[1].iloc[3])
    # t + 6 ns: the last mid at or before it (0 -> 5, 5 -> 10, 10 -> 10); 20 + 6 is past the end
    g = future_mid_change(mid, [pd.Timedelta(6, "ns")])
    assert g.iloc[:3, 0].tolist() == [1.0, 2.0, 0.0] and np.isnan(g.iloc[3, 0])


def _predictable(n: int = 2000, seed: int = 0, horizons=(1, "5ms")
                 ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A signal that drives the next mid move: mid[t+1] - mid[t] = x[t] + noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    mid = np.concatenate([[100.0], 100.0 + np.cumsum(x[:-1] + 0.5 * rng.normal(size=n - 1))])
    idx = _index(np.arange(n) * 1_000_000)
    signals = pd.DataFrame({"mid": mid, "signal": x, "noise": rng.normal(size=n)}, index=idx)
    return signals, future_mid_change(signals["mid"], list(horizons))


def test_a_predictive_signal_scores_out_of_sample():
    signals, fut = _predictable()
    p = predictive_power(signals, fut, [1])
    assert p.loc[(1, "signal"), "r2_oos"] > 0.7 and p.loc[(1, "signal"), "hit_rate"] > 0.8
    assert p.loc[(1, "signal"), "slope"] == pytest.approx(1.0, abs=0.05)
    assert abs(p.loc[(1, "noise"), "r2_oos"]) < 0.02
    assert p.loc[(1, "all"), "r2_oos"] > 0.7
    # 5 folds after the first block of 2000 / 6 rows
    assert p.loc[(1, "signal"), "n_test"] == 2000 - 333 - 1


def test_shuffling_the_future_breaks_it():
    signals, fut = _predictable()
    rng = np.random.default_rng(1)
    shuffled = fut.copy()
    shuffled[:] = rng.permutation(fut.to_numpy())
    p = predictive_power(signals, shuffled, [1, "5ms"])
    assert (p["r2_oos"] < 0.01).all()
    assert p["hit_rate"].between(0.45, 0.55).all()


@pytest.mark.parametrize("horizon, purge", [(5, 5), ("5ms", 5)])
def test_predictions_never_use_a_target_unknown_at_the_block_start(horizon, purge):
    """Changing every target not yet known when a test block starts (those of the block
    and later, and those of the last `purge` training rows whose t + h reaches into it)
    leaves that block's predictions unchanged."""
    signals, fut = _predictable(600, horizons=[horizon])
    ts = signals.index.asi8
    X = signals[["signal"]].to_numpy()
    y = fut[horizon].to_numpy()
    base = walk_forward_predict(X, y, ts, horizon, folds=3)
    start = 300  # the third block of 600 / 4 rows
    hidden = y.copy()
    hidden[start - purge:] = np.random.default_rng(2).normal(size=y.size - start + purge) * 100
    moved = walk_forward_predict(X, hidden, ts, horizon, folds=3)
    block = slice(start, 450)
    assert np.array_equal(base.prediction[block], moved.prediction[block], equal_nan=True)
    assert np.array_equal(base.prediction[:start], moved.prediction[:start], equal_nan=True)
    assert not np.allclose(base.prediction[450:], moved.prediction[450:], equal_nan=True)
    # one row more of the future and the block's predictions do change: the purge is tight
    leak = y.copy()
    leak[start - purge - 1] += 100.0
    assert not np.array_equal(base.prediction[block],
                              walk_forward_predict(X, leak, ts, horizon, 3).prediction[block])


def test_inputs_are_checked():
    signals, fut = _predictable(50)
    with pytest.raises(ValueError, match="same|signals' index"):
        predictive_power(signals.iloc[1:], fut)
    with pytest.raises(ValueError, match="no target column"):
        predictive_power(signals, fut, ["1s"])
    with pytest.raises(ValueError, match="DatetimeIndex"):
        predictive_power(signals.reset_index(drop=True), fut.reset_index(drop=True))


def test_real_binance_queue_imbalance_calls_the_next_move(shared_data: Path):
    data = read_binance(shared_data / "hftbacktest_crypto_feed/usdm/btcusdt_20240808.gz")
    s = flow_signals(data, levels=5, every="100ms")
    p = predictive_power(s, future_mid_change(s["mid"], ["100ms"]),
                         columns=["imbalance_1", "ofi_10ev"])
    # measured 2026-12-07: queue imbalance hits 82% of next-100-ms moves, R^2 1.1%
    assert p.loc[("100ms", "imbalance_1"), "hit_rate"] > 0.7
    assert p.loc[("100ms", "imbalance_1"), "r2_oos"] > 0
