"""RegimeSwitched: the online feature bars, the Hamilton filter and causality."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hmmlearn.hmm import GaussianHMM

import hftlab
from hftlab.studies.regime_backtest import NS, fit_regime_model, session_features
from hftlab.analytics.sources import events_tables
from hftlab.data.market import MarketData
from hftlab.report.run_metrics import market_trades
from hftlab.schema import Kind
from hftlab.strategies.regime import FEATURE_COLUMNS, RegimeModel, RegimeSwitched, ToxicityBars

BAR, BUCKET, WINDOW = 5 * NS, 300.0, 10
OVER = {"regime_minutes": 0.5}


@pytest.fixture(scope="module")
def model() -> RegimeModel:
    """A 3-regime model fitted on a 4-minute training session (seed 21)."""
    train = hftlab.sim.market("toxicity-regimes", seconds=240, seed=21, **OVER)
    return fit_regime_model(session_features(train, BAR, BUCKET, WINDOW), 3, seed=0)


@pytest.fixture(scope="module")
def test_session() -> MarketData:
    return hftlab.sim.market("toxicity-regimes", seconds=150, seed=22, **OVER)


def run(data: MarketData, model: RegimeModel) -> RegimeSwitched:
    s = RegimeSwitched(model, (1.0, 2.0, 3.0), (5, 5, 2), skew=2.0, capacity=50, bar_ns=BAR,
                       bucket_volume=BUCKET, window=WINDOW)
    hftlab.backtest(data, s, seed=3, mode="replay")  # the altered prints must count
    return s


def hmm_of(m: RegimeModel) -> GaussianHMM:
    """hmmlearn's own model with the RegimeModel's parameters (z units)."""
    h = GaussianHMM(n_components=m.n_regimes, covariance_type="diag")
    h.n_features = len(m.columns)
    h.startprob_, h.transmat_, h.means_, h.covars_ = m.startprob, m.transmat, m.means, m.variances
    return h


def test_toxicity_bars_equal_toxicity_features(test_session):
    """Fed the session's quotes and prints in time order, the online bars reproduce
    toxicity_features bar for bar; the one row more offline is the unfinished bar at the
    data's end, which the online side never closes."""
    q, tr = events_tables(test_session).quotes, market_trades(test_session)
    tick = test_session.instruments[0].tick_size
    stream = [(int(r.ts), 0, (r.bid / tick, r.ask / tick, r.bid_qty, r.ask_qty))
              for r in q.itertuples()] + [(int(r.ts), 1, (r.qty, r.side)) for r in tr.itertuples()]
    stream.sort(key=lambda e: (e[0], e[1]))
    bars = ToxicityBars(BAR, BUCKET, WINDOW)
    out: list = []
    for ts, kind, args in stream:
        out += bars.quote(ts, *args) if kind == 0 else bars.trade(ts, *args)
    out += bars.close(stream[-1][0] + 1)
    online = pd.DataFrame(out, columns=["end", *FEATURE_COLUMNS])
    offline = session_features(test_session, BAR, BUCKET, WINDOW)
    assert len(online) == len(offline) - 1 > 20
    assert offline.index.asi8[-1] > stream[-1][0]
    np.testing.assert_array_equal(online["end"].to_numpy(), offline.index.asi8[:-1])
    np.testing.assert_allclose(online[list(FEATURE_COLUMNS)].to_numpy(),
                               offline.to_numpy()[:-1], rtol=1e-9, atol=0, equal_nan=True)
    assert online["vpin"].notna().sum() > 20


def test_filter_step_equals_hmmlearn_on_prefixes():
    """p_t of the Hamilton recursion equals hmmlearn's posterior of the last sample of
    x_1..x_t (forward-backward on a prefix ends in the filtered probability)."""
    rng = np.random.default_rng(5)
    k, d = 3, 4
    t = rng.random((k, k)) + np.eye(k) * 3
    m = RegimeModel(FEATURE_COLUMNS, rng.normal(size=d), rng.random(d) + 0.5,
                    rng.dirichlet(np.ones(k)), t / t.sum(axis=1, keepdims=True),
                    rng.normal(size=(k, d)), rng.random((k, d)) + 0.3)
    X = rng.normal(size=(40, d)) * 2
    h = hmm_of(m)
    p = None
    for i, x in enumerate(X):
        p = m.filter_step(p, x)
        ref = h.predict_proba((X[: i + 1] - m.mu) / m.sd)[-1]
        np.testing.assert_allclose(p, ref, rtol=1e-7, atol=1e-12)


def test_online_filter_equals_offline_forward_pass(model, test_session):
    """The strategy's filtered probabilities, bar by bar, equal an independent offline
    forward pass (hmmlearn on prefixes) over the features it logged; each bar is used
    only after it ended, and the quoted regime is the most probable one."""
    s = run(test_session, model)
    bars = pd.DataFrame(s.bars)
    used = bars[bars["regime"] >= 0]
    assert len(used) > 15
    assert (bars["seen_ns"] > bars["end_ns"]).all()
    Z = (used[list(FEATURE_COLUMNS)].to_numpy(np.float64) - model.mu) / model.sd
    h = hmm_of(model)
    for i, probs in enumerate(used["probs"]):
        np.testing.assert_allclose(probs, h.predict_proba(Z[: i + 1])[-1], rtol=1e-7, atol=1e-12)
        assert used["regime"].iloc[i] == int(np.argmax(probs))
    assert (bars.loc[bars["regime"] < 0, list(FEATURE_COLUMNS)].isna().any(axis=1)).all()


def test_regime_at_t_ignores_data_after_t(model, test_session):
    """No look-ahead: a hidden print of 6 times its size beside every execution after T
    (prints do not touch the book, so the altered data is valid) leaves every bar that
    ended before T unchanged, features, probabilities and regime, and does change bars
    after T."""
    ev, rec = test_session.events, test_session.record
    cut = int(ev["ts"][0]) + 90 * NS
    later = np.flatnonzero((ev["ts"] > cut) & (ev["kind"] == Kind.EXECUTE))
    hidden = ev[later].copy()
    hidden["kind"], hidden["side"], hidden["order_id"] = Kind.TRADE, -hidden["side"], 0
    hidden["qty"] *= 6
    altered = dataclasses.replace(
        test_session, events=np.insert(ev, later + 1, hidden),
        record=np.insert(rec, later + 1, rec.max() + 1 + np.arange(len(later))))
    a = pd.DataFrame(run(test_session, model).bars)
    b = pd.DataFrame(run(altered, model).bars)
    before_a, before_b = a[a["end_ns"] <= cut], b[b["end_ns"] <= cut]
    assert len(before_a) == len(before_b) >= 15
    pd.testing.assert_frame_equal(before_a.drop(columns="probs"), before_b.drop(columns="probs"))
    for pa, pb in zip(before_a["probs"], before_b["probs"]):
        assert (pa is None and pb is None) or np.array_equal(pa, pb)
    after_a, after_b = a[a["end_ns"] > cut + 20 * NS], b[b["end_ns"] > cut + 20 * NS]
    n = min(len(after_a), len(after_b))
    assert n >= 5
    assert not np.allclose(after_a["vpin"].to_numpy()[:n], after_b["vpin"].to_numpy()[:n],
                           equal_nan=True)


def test_spreads_follow_the_regime(model, test_session):
    """Each requote uses the half-spread and size of the regime filtered so far: the
    quoted spread (ask - bid, ticks) is at least twice the regime's half-spread, rounded
    away from the reservation price."""
    s = RegimeSwitched(model, (1.0, 3.0, 6.0), (5, 5, 5), skew=0.0, capacity=50, bar_ns=BAR,
                       bucket_volume=BUCKET, window=WINDOW)
    rec = hftlab.backtest(test_session, s, seed=3)
    bars = pd.DataFrame(s.bars)
    known = bars[bars["regime"] >= 0]
    st = rec.states[(rec.states["bid"] > 0) & (rec.states["ask"] > 0)]
    ends = known["seen_ns"].to_numpy()
    i = np.searchsorted(ends, st["ts"].to_numpy(), side="right") - 1
    ok = i >= 0
    half = np.asarray(s.half_spreads)[known["regime"].to_numpy()[i[ok]]]
    quoted = (st["ask"] - st["bid"]).to_numpy()[ok]
    assert ok.sum() > 100
    assert (quoted >= np.floor(2 * half)).mean() > 0.95


def test_rejects_wrong_regime_lists(model):
    with pytest.raises(ValueError, match="3 values"):
        RegimeSwitched(model, (1.0, 2.0))
    with pytest.raises(ValueError, match="exceed capacity"):
        RegimeSwitched(model, (1.0, 2.0, 3.0), (5, 5, 50), capacity=20)
    with pytest.raises(ValueError, match="RegimeModel"):
        RegimeSwitched("not a model")
