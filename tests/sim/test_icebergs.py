"""The iceberg agent: one price, clips of at most the peak, each shown after the last one
traded away, labelled in the session."""

from __future__ import annotations

import numpy as np
import pytest

from hftlab import sim
from hftlab.instruments import ConfigError
from hftlab.schema import Kind


@pytest.fixture(scope="module")
def market():
    return sim.market("icebergs", seconds=300, seed=3, iceberg_count=4)


def test_labels_name_each_iceberg_and_what_it_did(market):
    lab = market.stats["icebergs"]
    p = market.stats["params"]
    owners = [o for k, _, o in market.stats["agents"] if k == "iceberg"]
    assert sorted(lab["owner"]) == sorted(owners) and len(lab) == 4
    assert (lab["executed"] <= lab["total"]).all()
    assert (lab["used_up"] == (lab["executed"] == lab["total"])).all()
    assert (lab["true_hidden"] == lab["total"] - p.iceberg_clip).all()
    assert (lab["end_ns"] - lab["start_ns"] <= p.iceberg_patience_s * 1e9 + 1e6).all()


def test_clips_at_one_price_refilled_right_after_the_last_one_traded(market):
    p = market.stats["params"]
    oo = market.stats["order_owner"]
    ev = market.events
    who = oo[ev["order_id"].astype(np.int64)]
    for r in market.stats["icebergs"].itertuples():
        mine = ev[who == r.owner]
        adds = mine[mine["kind"] == Kind.ADD]
        assert (adds["price"] == r.price).all() and (adds["side"] == r.side).all()
        assert (adds["qty"] <= p.iceberg_clip).all() and len(adds) == r.clips
        # every clip after the first comes within the refill delay of the previous
        # clip's last execution (one look of iceberg_refill_ms, plus nothing else)
        ex = mine[mine["kind"] == Kind.EXECUTE]
        for prev, nxt in zip(adds[:-1], adds[1:]):
            last = ex["ts"][ex["order_id"] == prev["order_id"]].max()
            assert 0 < nxt["ts"] - last <= p.iceberg_refill_ms * 1e6 + 1


def test_iceberg_parameters_are_checked():
    with pytest.raises(ConfigError, match="iceberg_patience_s"):
        sim.market("icebergs", seconds=30)
    with pytest.raises(ConfigError, match="iceberg_clip"):
        sim.market("icebergs", seconds=300, iceberg_clip=0)
