"""Iceberg detection: hand-built L3 cases, its thresholds, precision / recall / size error
on synthetic icebergs (held-apart seeds), and the real LOBSTER AMZN day."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hftlab
from hftlab.instruments import Instrument
from hftlab.surveillance import detect_icebergs
from tests.surveillance.synthetic import market_with_icebergs, match

US = 1_000
MS = 1_000_000


def _events(extra: list[tuple] = ()) -> hftlab.data.MarketData:
    """A bid iceberg of 100-share clips at 100.00 refilled 200 us / 200 us after each
    clip is used up, with a hidden print at its price; a 150-share order there 0.5 ms
    after the third clip goes; hidden prints at 100.05 on the ask (one cluster) and one
    at 100.06; an ask order that trades 80 of its 50 shown."""
    rows = [
        (1 * MS, "ADD", 1, 100.00, 100, 1),
        (2 * MS, "EXECUTE", 1, 100.00, 100, 1),
        (2 * MS + 200 * US, "ADD", 1, 100.00, 100, 2),
        (3 * MS, "EXECUTE", 1, 100.00, 60, 2),
        (3 * MS + 100, "EXECUTE", 1, 100.00, 40, 2),
        (3 * MS + 300 * US, "ADD", 1, 100.00, 100, 3),
        (4 * MS, "TRADE", -1, 100.00, 50, 0),  # a sell hits hidden size at the bid
        (5 * MS, "EXECUTE", 1, 100.00, 100, 3),
        (5 * MS + 500 * US, "ADD", 1, 100.00, 150, 4),
        (10 * MS, "TRADE", 1, 100.05, 30, 0),
        (10 * MS + 500 * MS, "TRADE", 1, 100.05, 20, 0),
        (2_000 * MS, "TRADE", 1, 100.06, 10, 0),
        (2_100 * MS, "ADD", -1, 100.10, 50, 5),
        (2_200 * MS, "EXECUTE", -1, 100.10, 80, 5),
        *extra,
    ]
    df = pd.DataFrame(rows, columns=["ts", "kind", "side", "price", "size", "order_id"])
    return hftlab.data.from_frame(df, Instrument("X", 0.01, 1.0))


def test_refills_hidden_prints_and_fills_beyond_the_display():
    d = detect_icebergs(_events())
    assert d["evidence"].tolist() == ["refill+hidden", "hidden", "beyond_display"]
    ice = d.iloc[0]
    assert (ice["side"], ice["price"], ice["clips"], ice["display"]) == (1, 100.0, 3, 100.0)
    assert (ice["executed_visible"], ice["executed_hidden"], ice["rest"]) == (300.0, 50.0, 0.0)
    assert ice["hidden_prints"] == 1
    assert (ice["est_total"], ice["est_hidden"]) == (350.0, 250.0)
    assert ice["start"] == pd.Timestamp(1 * MS, tz="UTC")
    assert ice["end"] == pd.Timestamp(5 * MS, tz="UTC")
    hid = d.iloc[1]  # a hidden seller at 100.05, nothing shown there
    assert (hid["side"], hid["price"], hid["hidden_prints"], hid["display"]) == (-1, 100.05, 2, 0)
    assert hid["est_hidden"] == 50.0
    beyond = d.iloc[2]  # 80 traded against 50 shown
    assert (beyond["side"], beyond["executed_beyond"], beyond["est_hidden"]) == (-1, 30.0, 30.0)
    assert d.attrs["thresholds"]["min_clips"] == 3


def test_thresholds_decide():
    # a larger refill joins once the size tolerance allows it; it is still resting at the end
    d = detect_icebergs(_events(), size_tolerance=0.5)
    assert d.iloc[0]["clips"] == 4 and d.iloc[0]["rest"] == 150.0
    assert d.iloc[0]["est_hidden"] == 400.0
    # refills slower than the window break the chain; fewer prints than asked are no cluster
    d = detect_icebergs(_events(), refill_window=100 * US, min_hidden_prints=3)
    assert d["evidence"].tolist() == ["beyond_display"]
    # a withdrawn clip counts its rest in the estimate
    d = detect_icebergs(_events([(3_000 * MS, "DELETE", 1, 100.00, 150, 4)]),
                        size_tolerance=0.5)
    assert d.iloc[0]["rest"] == 150.0 and d.iloc[0]["end"] == pd.Timestamp(3_000 * MS, tz="UTC")


def test_needs_l3_data_and_sane_thresholds():
    l2 = pd.DataFrame({"ts": [1, 2], "kind": ["LEVEL", "TRADE"], "side": [1, 1],
                       "price": [100.0, 100.0], "size": [5, 1]})
    with pytest.raises(ValueError, match="needs L3"):
        detect_icebergs(hftlab.data.from_frame(l2, Instrument("X", 0.01, 1.0)))
    with pytest.raises(ValueError, match="size_tolerance"):
        detect_icebergs(_events(), size_tolerance=-0.1)
    with pytest.raises(ValueError, match="min_clips"):
        detect_icebergs(_events(), min_clips=1)


def _scores(sessions) -> tuple[float, float, list[float]]:
    """Precision, recall and the relative hidden-size errors of the icebergs used up, of
    detect_icebergs over (data, truth) pairs (truth: side, price in currency, start, end
    ns, used_up, true_hidden)."""
    tp = fp = 0
    found, errors = [], []
    for data, truth in sessions:
        hit, est = match(detect_icebergs(data), truth)
        tp, fp = tp + int((hit >= 0).sum()), fp + int((hit < 0).sum())
        found += list(np.isfinite(est))
        used = truth["used_up"].to_numpy() & np.isfinite(est)
        errors += list(np.abs(est[used] / truth["true_hidden"].to_numpy()[used] - 1.0))
    return tp / (tp + fp), float(np.mean(found)), errors


def test_precision_recall_and_size_error_on_synthetic_icebergs():
    """Seeds 200-207, never used to choose the thresholds (seeds 100-119 were). Default
    thresholds: refill window 1 ms, 3 clips, hidden prints 1 s apart, 2 prints."""
    precision, recall, errors = _scores(market_with_icebergs(seed, seconds=300, n_icebergs=10)
                                        for seed in range(200, 208))
    assert precision >= 0.9
    assert recall >= 0.85
    assert np.median(errors) <= 0.05 and np.percentile(errors, 75) <= 0.25


LOBSTER = ("lobster/AMZN_2012-06-21_level1_fullday/"
           "AMZN_2012-06-21_34200000_57600000_{}_1.csv")


def test_real_amzn_day(shared_data: Path):
    paths = [shared_data / LOBSTER.format(w) for w in ("message", "orderbook")]
    data = hftlab.data.read_lobster(*paths)
    d = detect_icebergs(data)
    kinds = d["evidence"].str.split("+").explode().value_counts()
    # measured 2026-12-07: 103 refill chains (40 with hidden prints), 426 hidden clusters
    assert kinds["refill"] >= 50 and kinds["hidden"] >= 300
    assert set(d["side"]) == {-1, 1}
    assert d["price"].between(220.0, 227.0).all() and (d["est_hidden"] >= 0).all()
    hidden_volume = int(data.events["qty"][data.events["kind"] == hftlab.schema.Kind.TRADE].sum())
    assert d["executed_hidden"].sum() <= hidden_volume


def test_precision_recall_and_size_error_on_simulated_icebergs():
    """The simulator's iceberg agents ("icebergs" scenario, 10 a session, 600 s), seeds
    11-15, held apart from seeds 1-5 used while building the agent; default thresholds,
    as chosen on the synthetic market. Thresholds stated: precision >= 0.9, recall >= 0.85
    (an iceberg that showed only two clips cannot make 3), hidden size within 5 %
    (median) for the icebergs used up. Measured on seeds 11-15: precision 1.00, recall
    0.96 (48 of 50), size error 0 for all 24 used up (seeds 1-5: 1.00, 0.94, 0).
    Precision is flattering: no other simulated agent re-posts at one price within 1 ms
    of an execution."""

    def session(seed):
        m = hftlab.sim.market("icebergs", seed=seed)
        lab = m.stats["icebergs"]
        return m, pd.DataFrame({"side": lab["side"],
                                "price": lab["price"] * m.instruments[0].tick_size,
                                "start": lab["start_ns"], "end": lab["end_ns"],
                                "used_up": lab["used_up"], "true_hidden": lab["true_hidden"]})

    precision, recall, errors = _scores(session(seed) for seed in range(11, 16))
    assert precision >= 0.9
    assert recall >= 0.85
    assert len(errors) >= 10 and np.median(errors) <= 0.05
