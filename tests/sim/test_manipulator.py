"""The manipulator agent and the momentum-ignition scenario: its orders fall in the
labelled windows and do what each kind of episode says."""

from __future__ import annotations

import numpy as np
import pytest

from hftlab import sim
from hftlab.instruments import ConfigError
from hftlab.schema import Kind

SEC = 1_000_000_000


@pytest.fixture(scope="module")
def market():
    """Four episodes (spoofing +1, ignition +1, stuffing +1, spoofing -1) in 130 s."""
    return sim.market("momentum-ignition", seconds=130, seed=3)


def _mine(data):
    lab = data.stats["manipulation"]
    owner = int(lab["owner"].iloc[0])
    oo = data.stats["order_owner"]
    ev = data.events
    return lab, ev[oo[ev["order_id"].astype(np.int64)] == owner]


def test_labels_follow_the_schedule_and_name_the_agent(market):
    lab = market.stats["manipulation"]
    assert list(lab["kind"]) == ["spoofing", "ignition", "stuffing", "spoofing"]
    assert list(lab["side"]) == [1, 1, 1, -1]
    start = market.stats["start_ns"]
    assert list((lab["start_ns"] - start) // SEC) == [20, 50, 80, 110]
    assert list((lab["end_ns"] - lab["start_ns"]) // SEC) == [10, 10, 10, 10]
    owner = [o for k, _, o in market.stats["agents"] if k == "manipulator"][0]
    assert (lab["owner"] == owner).all()


def test_its_orders_fall_inside_the_labelled_episodes(market):
    lab, ev = _mine(market)
    assert len(ev) > 1000
    inside = np.zeros(len(ev), bool)
    for s, e in zip(lab["start_ns"], lab["end_ns"]):
        inside |= (ev["ts"] >= s) & (ev["ts"] <= e + SEC)  # clean-up right after the end
    assert inside.all()


def test_each_episode_does_what_its_kind_says(market):
    lab, ev = _mine(market)
    layer = market.stats["params"].manip_layer_size
    for _, r in lab.iterrows():
        w = ev[(ev["ts"] >= r.start_ns) & (ev["ts"] <= r.end_ns + SEC)]
        adds = w[w["kind"] == Kind.ADD]
        if r.kind == "spoofing":  # big layers on the other side, deleted unfilled
            big = adds[adds["qty"] == layer]
            assert len(big) >= 3 and (big["side"] == -r.side).all()
            gone = np.isin(big["order_id"], w["order_id"][w["kind"] == Kind.DELETE])
            assert gone.all()
            assert not np.isin(big["order_id"], w["order_id"][w["kind"] == Kind.EXECUTE]).any()
        elif r.kind == "ignition":  # sweeps' remainders on its side, exits on the other
            early = adds[adds["ts"] < r.start_ns + 3 * SEC]
            assert len(early) >= 5 and (early["side"] == r.side).all()
            assert (adds["side"] == -r.side).any()
        else:  # stuffing: hundreds of one-lot orders a second, all cancelled
            assert len(adds) >= 1000 and (adds["qty"] == 1).all()
            assert (w["kind"] == Kind.DELETE).sum() >= len(adds) - 8


def test_an_ignition_pushes_the_price_its_way(market):
    lab = market.stats["manipulation"]
    r = lab.iloc[1]
    ex = market.events[market.events["kind"] == Kind.EXECUTE]
    before = ex["price"][ex["ts"] < r.start_ns][-20:].mean()
    push = ex["price"][(ex["ts"] >= r.start_ns) & (ex["ts"] < r.start_ns + 3 * SEC)].max()
    assert r.side * (push - before) >= 5  # ticks


def test_other_scenarios_have_no_manipulator_and_bad_windows_raise():
    s = sim.build("calm", seconds=10, seed=1)
    assert all(i.kind != "manipulator" for i in s.table.info)
    assert "manipulation" not in s.truth
    with pytest.raises(ConfigError, match="manip_episode_s"):
        sim.market("momentum-ignition", seconds=10, manip_episode_s=40.0)


def test_agent_accounts_count_both_sides_of_every_fill(market):
    """The maker posts only (post-only quotes): its account is exactly what its orders'
    executions say. The manipulator also takes, so its notional exceeds what its resting
    orders traded: the aggressive fills the events cannot attribute are in the account."""
    acct = market.stats["agent_accounts"]
    oo = market.stats["order_owner"]
    ev = market.events
    ex = ev[ev["kind"] == Kind.EXECUTE]
    who = oo[ex["order_id"].astype(np.int64)]
    maker = acct[acct["kind"] == "maker"].iloc[0]
    mine = ex[who == maker["owner"]]
    px, q, side = (mine["price"].astype(float), mine["qty"].astype(float),
                   mine["side"].astype(float))
    assert maker["notional"] == pytest.approx((px * q).sum())
    assert maker["cash"] == pytest.approx(-(side * px * q).sum())
    assert maker["position"] == int((side * q).sum())
    manip = acct[acct["kind"] == "manipulator"].iloc[0]
    passive = ex[who == manip["owner"]]
    assert manip["notional"] > (passive["price"].astype(float) * passive["qty"]).sum()
    assert abs(manip["cash"]) <= manip["notional"]
    tick = market.instruments[0].tick_size
    assert manip["pnl"] == pytest.approx((manip["cash"] + manip["position"] * manip["mid"]) * tick)
    assert market.stats["agent_positions"][int(manip.name)] == manip["position"]
