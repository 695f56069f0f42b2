"""Order flow imbalance (Cont, Kukanov & Stoikov 2014): hand cases and real quotes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hftlab.analytics import order_flow_imbalance


def _quotes():
    return pd.DataFrame({"ts": [0, 1, 2, 3, 4], "bid": [10.0, 10.0, 11.0, 11.0, 10.0],
                         "ask": [12.0, 12.0, 12.0, 11.5, 12.0],
                         "bid_qty": [5.0, 7.0, 3.0, 3.0, 8.0],
                         "ask_qty": [4.0, 4.0, 4.0, 2.0, 6.0]})


def test_ofi_per_event_hand_case():
    e = order_flow_imbalance(_quotes())
    # 1: bid size 5 -> 7 at the same price: +2; ask unchanged: 0
    # 2: bid improves to 11 with 3: +3; 3: ask improves to 11.5 with 2: -2
    # 4: bid drops to 10 (-3 for the old level), ask backs off to 12 (+2 old level): -1
    assert e.tolist() == [0.0, 2.0, 3.0, -2.0, -1.0]
    assert e.index[0] == pd.Timestamp(0, tz="UTC")


def test_ofi_interval_sums():
    s = order_flow_imbalance(_quotes(), interval=2)
    assert s.tolist() == [2.0, 1.0, -1.0]
    assert s.index.asi8.tolist() == [2, 4, 6]


def test_ofi_nan_quotes_give_nan_events_and_are_skipped_in_sums():
    q = _quotes()
    q.loc[2, "bid"] = np.nan
    e = order_flow_imbalance(q)
    assert np.isnan(e.iloc[2]) and np.isnan(e.iloc[3])
    s = order_flow_imbalance(q, interval=2)  # [0, 2): 0 + 2; [2, 4): NaN only; [4, 6): -1
    assert s.iloc[0] == 2.0 and np.isnan(s.iloc[1]) and s.iloc[2] == -1.0
    q.loc[4, "bid"] = np.nan  # now [4, 6) holds NaN only too, and [0, 2) is unaffected
    assert order_flow_imbalance(q, interval=2).iloc[0] == 2.0


def test_ofi_needs_sizes():
    with pytest.raises(ValueError, match="bid_qty"):
        order_flow_imbalance(_quotes().drop(columns="bid_qty"))


def test_real_binance_ofi_moves_with_the_mid(binance_usdm):
    _, quotes = binance_usdm
    ofi = order_flow_imbalance(quotes, interval="1s")
    mid = 0.5 * (quotes["bid"] + quotes["ask"])
    key = quotes["ts"].to_numpy() // 10**9
    dmid = mid.groupby(key).last().diff().fillna(mid.groupby(key).last().iloc[0] - mid.iloc[0])
    # CKS: price changes are explained by OFI with a positive slope
    assert np.corrcoef(ofi.to_numpy(), dmid.to_numpy())[0, 1] > 0.3
