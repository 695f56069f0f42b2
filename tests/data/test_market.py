"""MarketData's recorded local clock (data/market.py): a capture whose host clock ran
behind the venue's is detected per venue and shifted so its fastest message took base_ns."""

import numpy as np
import pytest

from hftlab.data.market import DataError, MarketData
from hftlab.instruments import Instrument, Venue
from hftlab.schema import EVENT_DTYPE, Kind

S = 1_000_000_000


def capture() -> MarketData:
    """Venue A's host clock 1.27 s behind (latencies 2-9 ms), venue B's on time (1-4 ms)."""
    rng = np.random.default_rng(0)
    ev = np.zeros(40, EVENT_DTYPE)
    ev["ts"] = 1_700_000_000 * S + np.arange(40) * 1_000_000
    ev["venue"] = np.arange(40) % 2
    lat = np.where(ev["venue"] == 0, rng.integers(2, 10, 40), rng.integers(1, 5, 40)) * 1_000_000
    ev["ts_local"] = ev["ts"] + lat - np.where(ev["venue"] == 0, 1_270_000_000, 0)
    ev["kind"], ev["side"], ev["price"], ev["qty"] = int(Kind.LEVEL), 1, 100, 1
    return MarketData(ev, [Instrument("Z", 0.01)], [Venue("A"), Venue("B")])


def test_a_clock_behind_the_venue_is_detected_and_shifted_per_venue():
    data = capture()
    ev = data.events
    lat = ev["ts_local"] - ev["ts"]
    a, b = ev["venue"] == 0, ev["venue"] == 1
    assert data.local_clock_offsets() == {"A": int(lat[a].min()), "B": int(lat[b].min())}
    assert data.local_clock_offsets()["A"] < -S  # 1.27 s behind, less the fastest message
    fixed = data.correct_local_clock(base_ns=500_000)
    shift = 500_000 - int(lat[a].min())
    assert fixed.stats["local_clock_shift_ns"] == {"A": shift}
    assert np.array_equal(fixed.events["ts_local"][a], ev["ts_local"][a] + shift)
    assert np.array_equal(fixed.events["ts_local"][b], ev["ts_local"][b])  # B was on time
    assert fixed.local_clock_offsets() == {"A": 500_000, "B": int(lat[b].min())}
    assert data.events["ts_local"][0] == ev["ts_local"][0]  # the original is untouched


def test_unrecorded_times_are_left_alone_and_base_ns_is_checked():
    data = capture()
    data.events["ts_local"][data.events["venue"] == 1] = 0  # B: not recorded
    assert set(data.local_clock_offsets()) == {"A"}
    fixed = data.correct_local_clock()
    assert (fixed.events["ts_local"][fixed.events["venue"] == 1] == 0).all()
    with pytest.raises(DataError, match="base_ns"):
        data.correct_local_clock(base_ns=-1)
