"""Trade classification: hand cases, invariants, and accuracy against Binance's aggressor flag."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from hftlab.analytics import (
    bulk_volume_classification, lee_ready, prevailing_quotes, quote_rule, tick_rule,
)

NAN = float("nan")


def test_tick_rule_hand_case():
    price = [10.0, 11.0, 11.0, 10.0, 10.0, NAN, 12.0, 12.0]
    assert tick_rule(price).tolist() == [0, 1, 1, -1, -1, 0, 1, 1]


def test_tick_rule_keeps_series_index():
    s = pd.Series([1.0, 2.0, 1.5], index=[7, 8, 9])
    out = tick_rule(s)
    assert out.index.tolist() == [7, 8, 9] and out.tolist() == [0, 1, -1]


def test_quote_rule_hand_case():
    out = quote_rule([101.0, 99.0, 100.0, 100.5, NAN], [99.0] * 5, [101.0, 101.0, 101.0,
                                                                      101.0, 101.0])
    assert out.tolist() == [1, -1, 0, 1, 0]


def test_quote_rule_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="same length"):
        quote_rule([1.0, 2.0], [1.0], [2.0])


def test_lee_ready_uses_tick_rule_at_the_midpoint():
    trades = pd.DataFrame({"price": [100.0, 100.5, 100.5, 101.0, 100.0],
                           "bid": [99.0, 100.0, 100.0, 100.0, 99.0],
                           "ask": [101.0, 101.0, 101.0, 101.0, 101.0]})
    # at mid 100 -> tick rule 0 (first trade); 100.5 at mid -> uptick +1; zero tick keeps +1;
    # 101 above mid -> +1; 100 at mid 100 -> downtick -1
    assert lee_ready(trades).tolist() == [0, 1, 1, 1, -1]


def test_lee_ready_matches_strictly_earlier_quotes_and_honours_the_lag():
    quotes = pd.DataFrame({"ts": [0, 100, 200], "bid": [99.0, 101.0, 97.0],
                           "ask": [101.0, 103.0, 99.0]})
    trades = pd.DataFrame({"ts": [50, 100, 150, 250], "price": [100.5, 101.5, 101.5, 98.5]})
    # no lag: quotes 0, 0 (the ts=100 quote is not strictly before), 100, 200
    assert lee_ready(trades, quotes).tolist() == [1, 1, -1, 1]
    # lag 60 ns: quotes strictly before -10 (none: tick rule, 0 for the first trade),
    # 40 and 90 (ts 0, mid 100), 190 (ts 100, mid 102)
    assert lee_ready(trades, quotes, quote_lag=60).tolist() == [0, 1, 1, -1]


def test_prevailing_quotes_nan_before_first_quote():
    quotes = pd.DataFrame({"ts": [10, 20], "bid": [1.0, 2.0], "ask": [3.0, 4.0]})
    pq = prevailing_quotes(np.array([5, 15, 25]), quotes)
    assert np.isnan(pq["mid"].iloc[0]) and pq["mid"].iloc[1:].tolist() == [2.0, 3.0]


def test_lee_ready_rejects_unsorted_trades():
    quotes = pd.DataFrame({"ts": [0], "bid": [1.0], "ask": [2.0]})
    with pytest.raises(ValueError, match="time order"):
        lee_ready(pd.DataFrame({"ts": [5, 3], "price": [1.0, 1.0]}), quotes)


def test_bvc_hand_case_normal_and_t():
    trades = pd.DataFrame({"ts": [0, 10, 60_000_000_000, 120_000_000_000],
                           "price": [100.0, 101.0, 103.0, 102.0], "qty": [1.0, 3.0, 2.0, 5.0]})
    b = bulk_volume_classification(trades, bar="1min", sigma=2.0)
    assert b["volume"].tolist() == [4.0, 2.0, 5.0]
    assert b["dp"].tolist() == [1.0, 2.0, -1.0]  # first bar: last - first
    expected = stats.norm.cdf([0.5, 1.0, -0.5])
    np.testing.assert_allclose(b["buy_fraction"], expected, rtol=1e-14)
    np.testing.assert_allclose(b["buy_volume"], b["volume"] * expected, rtol=1e-14)
    t = bulk_volume_classification(trades, bar="1min", sigma=2.0, distribution="t", df=0.25)
    np.testing.assert_allclose(t["buy_fraction"], stats.t.cdf([0.5, 1.0, -0.5], 0.25),
                               rtol=1e-12)


def test_bvc_sigma_defaults_to_sample_std_of_bar_changes():
    trades = pd.DataFrame({"ts": np.arange(5) * 60_000_000_000,
                           "price": [100.0, 102.0, 101.0, 104.0, 104.0], "qty": 1.0})
    b = bulk_volume_classification(trades)
    sd = np.std([0.0, 2.0, -1.0, 3.0, 0.0], ddof=1)
    np.testing.assert_allclose(b["buy_fraction"], stats.norm.cdf(b["dp"] / sd), rtol=1e-14)


def test_bvc_rejects_bad_arguments():
    trades = pd.DataFrame({"ts": [0, 1], "price": [1.0, 2.0], "qty": [1.0, 1.0]})
    with pytest.raises(ValueError, match="distribution"):
        bulk_volume_classification(trades, distribution="cauchy")
    with pytest.raises(ValueError, match="df"):
        bulk_volume_classification(trades, distribution="t", df=-1.0)
    with pytest.raises(ValueError, match="bar"):
        bulk_volume_classification(trades, bar="-1s")
    with pytest.raises(ValueError, match="volume must be >= 0"):
        bulk_volume_classification(trades.assign(qty=[1.0, -2.0]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**6), st.floats(1.0, 2.0), st.floats(0.0, 50.0)),
                min_size=1, max_size=200),
       st.sampled_from(["normal", "t"]))
def test_bvc_splits_every_bar_into_buy_and_sell(rows, dist):
    rows = sorted(rows)
    trades = pd.DataFrame(rows, columns=["ts", "price", "qty"])
    b = bulk_volume_classification(trades, bar=1000, distribution=dist, df=2.0)
    assert ((b["buy_fraction"] >= 0) & (b["buy_fraction"] <= 1)).all()
    np.testing.assert_allclose(b["buy_volume"] + b["sell_volume"], b["volume"], rtol=1e-12,
                               atol=1e-12)
    assert b["volume"].sum() == pytest.approx(trades["qty"].sum())


def test_binance_usdm_classification_accuracy(binance_usdm):
    trades, quotes = binance_usdm
    truth = trades["side"].to_numpy()
    acc_tick = (tick_rule(trades["price"]).to_numpy() == truth).mean()
    acc_lr = (lee_ready(trades, quotes).to_numpy() == truth).mean()
    # USD-M futures: a 0.1 tick book where most trades are in same-side runs
    assert acc_tick > 0.9
    assert acc_lr > 0.8


def test_binance_spot_quote_lag_fixes_a_quote_feed_that_runs_ahead(binance_spot):
    trades, quotes = binance_spot
    truth = trades["side"].to_numpy()
    no_lag = (lee_ready(trades, quotes).to_numpy() == truth).mean()
    lagged = (lee_ready(trades, quotes, quote_lag="50ms").to_numpy() == truth).mean()
    # the spot trade stream arrives tens of ms after bookTicker shows the post-trade book
    assert lagged > 0.9 > no_lag


def test_bvc_buy_share_tracks_the_true_aggressor_share(binance_usdm):
    trades, _ = binance_usdm
    b = bulk_volume_classification(trades, bar="5s")
    true_buy = (trades["qty"] * (trades["side"] == 1)).groupby(
        trades["ts"] // 5_000_000_000).sum().to_numpy()
    share_true = true_buy / b["volume"].to_numpy()
    corr = np.corrcoef(share_true, b["buy_fraction"].to_numpy())[0, 1]
    assert corr > 0.5


def test_nautilus_binance_spot_classification_accuracy(nautilus_binance):
    trades, quotes = nautilus_binance
    truth = trades["side"].to_numpy()
    assert (lee_ready(trades, quotes).to_numpy() == truth).mean() > 0.85
    assert (tick_rule(trades["price"]).to_numpy() == truth).mean() > 0.85


def test_lobster_lee_ready_accuracy(lobster_amzn):
    trades, quotes = lobster_amzn
    acc = (lee_ready(trades, quotes).to_numpy() == trades["side"].to_numpy()).mean()
    assert acc > 0.95


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1000), st.sampled_from([99.0, 99.5, 100.0, 100.5,
                                                                   101.0, NAN])),
                min_size=1, max_size=80),
       st.lists(st.tuples(st.integers(0, 1000), st.integers(97, 101), st.integers(1, 3)),
                min_size=1, max_size=40),
       st.integers(0, 50))
def test_fused_lee_ready_equals_aligned_quotes_then_rule(trade_rows, quote_rows, lag):
    trades = pd.DataFrame(sorted(trade_rows, key=lambda r: r[0]), columns=["ts", "price"])
    q = sorted(quote_rows)
    quotes = pd.DataFrame({"ts": [r[0] for r in q], "bid": [float(r[1]) for r in q],
                           "ask": [float(r[1] + r[2]) for r in q]})
    pq = prevailing_quotes(trades["ts"], quotes, quote_lag=lag)
    aligned = lee_ready(trades.assign(bid=pq["bid"], ask=pq["ask"]))
    assert lee_ready(trades, quotes, quote_lag=lag).tolist() == aligned.tolist()
