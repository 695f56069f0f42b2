"""Manipulation detectors: hand-made L3 books for each rule, precision and recall on
labelled simulated sessions of held-apart seeds, and what they report on real data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hftlab
from hftlab import sim
from hftlab.data.market import MarketData
from hftlab.instruments import Instrument, Venue
from hftlab.schema import EVENT_DTYPE, Kind
from hftlab.surveillance import (
    IGNITION_NO_OWNERS,
    detect_momentum_ignition,
    detect_quote_stuffing,
    detect_spoofing,
    score_alerts,
)

MS = 1_000_000
SEC = 1_000_000_000
T0 = 1_700_000_000 * SEC


def _market(rows: list[tuple], owners: dict[int, int] | None = None) -> MarketData:
    """L3 events from (ms, kind, side, price ticks, lots, order id) rows, with an
    order-owner table when owners ({order id: owner}) is given."""
    ev = np.zeros(len(rows), EVENT_DTYPE)
    for j, (ms, kind, side, px, q, oid) in enumerate(sorted(rows, key=lambda r: r[0])):
        ev[j] = (T0 + int(ms * MS), 0, 0, 0, kind, side, px, q, oid)
    stats = {}
    if owners is not None:
        table = np.zeros(max(owners) + 1, np.int64)
        for oid, o in owners.items():
            table[oid] = o
        stats["order_owner"] = table
    return MarketData(ev, [Instrument("X", 0.01, 1.0)], [Venue("V")], source="test",
                      stats=stats)


def _background(n: int = 40) -> list[tuple]:
    """Orders of 100 lots resting 5 ticks out on both sides, each deleted 3 s later."""
    rows = []
    for k in range(n):
        side = 1 if k % 2 == 0 else -1
        rows += [(k * 100, Kind.ADD, side, 10_000 - 5 * side, 100, 1000 + k),
                 (k * 100 + 3000, Kind.DELETE, side, 10_000 - 5 * side, 100, 1000 + k)]
    return rows


def test_a_large_order_pulled_fast_while_the_other_side_trades_is_spoofing():
    rows = _background() + [
        (1000, Kind.ADD, 1, 9_999, 100, 1),  # the genuine bid
        (1100, Kind.ADD, -1, 10_002, 2000, 2),  # the layer: 20x the median
        (1300, Kind.EXECUTE, 1, 9_999, 100, 1),  # the bid trades
        (1400, Kind.DELETE, -1, 10_002, 2000, 2)]  # the layer is pulled
    a = detect_spoofing(_market(rows))
    assert len(a) == 1
    r = a.iloc[0]
    assert (r.owner, r.side, r.order_ids, r["size"], r.opposite) == (-1, -1, [2], 2000.0, 100.0)
    assert r.median_life_ms == pytest.approx(300.0) and r.score == pytest.approx(np.log(20))
    assert "cancelled after a median 300 ms" in r.evidence
    assert a.attrs["median_order_size"] == 100.0
    # the same layer living past max_life, or with nothing trading on the other side
    assert detect_spoofing(_market(rows), max_life="200ms").empty
    quiet = [r for r in rows if r[1] != Kind.EXECUTE]
    assert detect_spoofing(_market(quiet)).empty


def test_with_owners_the_same_owner_must_trade_the_other_side():
    rows = _background() + [
        (1000, Kind.ADD, 1, 9_999, 100, 1),
        (1100, Kind.ADD, -1, 10_002, 2000, 2), (1150, Kind.ADD, -1, 10_003, 2000, 3),
        (1300, Kind.EXECUTE, 1, 9_999, 100, 1),
        (1400, Kind.DELETE, -1, 10_002, 2000, 2), (1450, Kind.DELETE, -1, 10_003, 2000, 3)]
    a = detect_spoofing(_market(rows, {1: 7, 2: 7, 3: 7}), min_orders=2)
    assert list(a["owner"]) == [7] and a["orders"].iloc[0] == 2
    assert a["evidence"].iloc[0].endswith("by the same owner")
    # someone else's bid traded: not this owner's spoofing
    assert detect_spoofing(_market(rows, {1: 8, 2: 7, 3: 7}), min_orders=2).empty
    with pytest.raises(ValueError, match="carries no order owners"):
        detect_spoofing(_market(rows), owners=True)


def test_databento_fills_are_read_from_their_cancels_and_snapshots_are_not_orders():
    rows = _background() + [
        (0, Kind.CLEAR, 0, 0, 0, 0), (0, Kind.ADD, -1, 10_004, 5000, 9),  # a snapshot
        (1000, Kind.ADD, 1, 9_999, 100, 1), (1100, Kind.ADD, -1, 10_002, 2000, 2),
        (1300, Kind.TRADE, -1, 9_999, 100, 0), (1300, Kind.DELETE, 1, 9_999, 100, 1),
        (1400, Kind.DELETE, -1, 10_002, 2000, 2), (1500, Kind.DELETE, -1, 10_004, 5000, 9)]
    a = detect_spoofing(_market(rows))
    assert list(a["order_ids"]) == [[2]] and a["opposite"].iloc[0] == 100.0
    assert a.attrs["fills_from_cancels"] == 1


def test_a_flood_of_cancelled_orders_is_quote_stuffing():
    rows = _background(200)  # 20 s of 2 messages per 100 ms
    for k in range(300):  # 300 one-lot orders added and deleted within 1 s
        rows += [(5000 + 3 * k, Kind.ADD, 1, 9_990, 1, 5000 + k),
                 (5001 + 3 * k, Kind.DELETE, 1, 9_990, 1, 5000 + k)]
    a = detect_quote_stuffing(_market(rows), min_messages=100, rate_multiple=5.0)
    assert len(a) == 1
    r = a.iloc[0]
    assert (r.owner, r.adds, r.cancels, r.messages) == (-1, 310, 310, 620)  # book-wide
    assert r.start == pd.Timestamp(T0 + 5 * SEC, unit="ns", tz="UTC")
    assert a.attrs["median_messages_per_bucket"] == 20.0
    assert detect_quote_stuffing(_market(rows), min_cancel_ratio=1.01).empty


def test_a_burst_of_buys_that_pushes_and_gives_back_is_ignition():
    rows, px = [], 10_000
    for k in range(10):  # ten buys in 1 s, each lifting the ask a tick higher
        px += 1
        rows += [(10_000 + 100 * k, Kind.ADD, -1, px, 10, 100 + k),
                 (10_050 + 100 * k, Kind.EXECUTE, -1, px, 10, 100 + k)]
    for k in range(8):  # then sells bring it back over 5 s
        px -= 1
        rows += [(13_000 + 600 * k, Kind.ADD, 1, px, 10, 200 + k),
                 (13_050 + 600 * k, Kind.EXECUTE, 1, px, 10, 200 + k)]
    rows += [(0, Kind.ADD, 1, 9_999, 10, 1), (50, Kind.EXECUTE, 1, 9_999, 10, 1)]
    a = detect_momentum_ignition(_market(rows), min_orders=8, min_move=5, min_reversal=0.5)
    assert len(a) == 1
    r = a.iloc[0]
    assert (r.owner, r.side, r.orders, r.move_ticks) == (-1, 1, 10, 11)
    assert r.reversal == pytest.approx(8 / 11) and np.isnan(r.exit)
    assert detect_momentum_ignition(_market(rows), min_orders=8, min_reversal=0.9).empty


def test_bad_arguments_and_data_without_orders_raise():
    m = _market(_background())
    with pytest.raises(ValueError, match="max_fill"):
        detect_spoofing(m, max_fill=2.0)
    with pytest.raises(ValueError, match="min_share"):
        detect_momentum_ignition(m, min_share=1.5)
    with pytest.raises(ValueError, match="bucket"):
        detect_quote_stuffing(m, bucket="0s")
    l2 = np.zeros(1, EVENT_DTYPE)
    l2["kind"], l2["side"], l2["price"], l2["qty"] = Kind.LEVEL, 1, 100, 5
    with pytest.raises(ValueError, match="manipulation detection needs L3"):
        detect_spoofing(MarketData(l2, [Instrument("X", 0.01, 1.0)], [Venue("V")]))


HELD_APART = (11, 12, 13, 14, 15)  # the thresholds were chosen on seeds 1-5 (600 s each)


@pytest.fixture(scope="module")
def sessions() -> list[MarketData]:
    """Labelled momentum-ignition sessions of the held-apart seeds, 300 s each (three
    episodes of each kind but the last, cut by the session's end)."""
    return [sim.market("momentum-ignition", seconds=300, seed=s) for s in HELD_APART]


def _pooled(sessions, detect, kind, **kw) -> tuple[float, float]:
    tot = np.zeros(4, np.int64)
    for d in sessions:
        r = score_alerts(detect(d, **kw), d.stats["manipulation"], kind)
        tot += [r["alerts"], r["true_positives"], r["episodes"], r["found"]]
    return tot[1] / max(tot[0], 1), tot[3] / tot[2]


def test_precision_and_recall_on_held_apart_seeds_with_owners(sessions):
    # measured 2026-12-07 (default thresholds): spoofing 20/20 alerts true, 20/20
    # episodes found; ignition 14/14, 14/15; stuffing 15/15, 15/15
    p, r = _pooled(sessions, detect_spoofing, "spoofing")
    assert p >= 0.95 and r >= 0.9
    p, r = _pooled(sessions, detect_momentum_ignition, "ignition")
    assert p >= 0.95 and r >= 0.85
    p, r = _pooled(sessions, detect_quote_stuffing, "stuffing")
    assert p >= 0.95 and r >= 0.95


def test_without_owners_spoofing_and_stuffing_hold_and_ignition_is_noisy(sessions):
    # measured: spoofing 184/184 per-order alerts true, 20/20 found; stuffing 15/15,
    # 15/15; ignition with IGNITION_NO_OWNERS 13/47 true, 10/15 found: the momentum
    # traders' own cascades look like ignition when nobody's exit can be checked
    p, r = _pooled(sessions, detect_spoofing, "spoofing", owners=False)
    assert p >= 0.95 and r >= 0.9
    p, r = _pooled(sessions, detect_quote_stuffing, "stuffing", owners=False)
    assert p >= 0.95 and r >= 0.95
    p_no, r_no = _pooled(sessions, detect_momentum_ignition, "ignition", owners=False,
                         **IGNITION_NO_OWNERS)
    p_own, _ = _pooled(sessions, detect_momentum_ignition, "ignition")
    assert 0.15 <= p_no <= 0.5 and r_no >= 0.5 and p_own - p_no >= 0.4


def test_alerts_name_the_manipulator_and_the_windows(sessions):
    d = sessions[0]
    lab = d.stats["manipulation"]
    owner = int(lab["owner"].iloc[0])
    for detect, kind in ((detect_spoofing, "spoofing"), (detect_momentum_ignition, "ignition"),
                         (detect_quote_stuffing, "stuffing")):
        a = detect(d)
        assert list(a.columns[:6]) == ["owner", "start", "end", "side", "score", "evidence"]
        assert (a["owner"] == owner).all() and (a["end"] >= a["start"]).all()
        ep = lab[lab["kind"] == kind]
        assert (a["start"].astype("int64").min() >= ep["start_ns"].min() - 2 * SEC)
    sp = detect_spoofing(d)
    assert (sp["side"] == -lab.set_index("kind").loc["spoofing", "side"].iloc[0]).iloc[0]


LOBSTER = ("lobster/AMZN_2012-06-21_level1_fullday/"
           "AMZN_2012-06-21_34200000_57600000_{}_1.csv")
DBN_MBO = ("databento_dbn/nautilus_glbx/"
           "orderbooks_mbo_2024-05-08T00-00-00_2024-05-08T00-00-02.dbn.zst")


def test_real_amzn_day_without_owners(shared_data: Path):
    data = hftlab.data.read_lobster(*[shared_data / LOBSTER.format(w)
                                      for w in ("message", "orderbook")])
    # measured 2026-12-07: 18 single-order spoofing alerts (15 of them 2550-share asks
    # pulled within 10-50 ms between 15:50 and 15:53 New York), 21 ignition-like bursts
    # of 36 (IGNITION_NO_OWNERS), no stuffing at 200 messages a second (4 one-second
    # bursts of 108-161 messages, 94-100% cancelled, at 100 / 5x)
    sp = detect_spoofing(data)
    assert 10 <= len(sp) <= 30 and (sp["owner"] == -1).all() and (sp["orders"] == 1).all()
    assert sp.attrs["median_order_size"] == 100.0 and (sp["size_ratio"] >= 5).all()
    ig = detect_momentum_ignition(data, **IGNITION_NO_OWNERS)
    assert 10 <= len(ig) <= 40 and ig["exit"].isna().all() and (ig["move_ticks"] >= 15).all()
    assert ig.attrs["price_step"] == pytest.approx(0.01)
    assert detect_quote_stuffing(data).empty
    st = detect_quote_stuffing(data, min_messages=100, rate_multiple=5.0)
    assert 2 <= len(st) <= 8 and (st["cancel_ratio"] >= 0.9).all()


def test_real_dbn_mbo_sample(shared_data: Path):
    data = hftlab.data.read_dbn(shared_data / DBN_MBO)
    # 2 s of ESM4 after a 13,601-order snapshot: the snapshot is not messages, six fills
    # come as Databento's trade + cancel, and nothing in 2 s looks like manipulation
    sp = detect_spoofing(data)
    assert sp.empty and sp.attrs["fills_from_cancels"] == 6
    ig = detect_momentum_ignition(data, **IGNITION_NO_OWNERS)
    assert ig.empty and ig.attrs["aggressive_orders"] == 5
    st = detect_quote_stuffing(data)
    assert st.empty and st.attrs["median_messages_per_bucket"] < 200
