"""A time-limited latency spike on our order entry: orders sent inside its window reach
the venue `extra` later, those sent before and after it do not."""

from __future__ import annotations

import numpy as np
import pytest

import hftlab
from hftlab import sim
from hftlab.instruments import ConfigError, LatencyProfile, LatencySpike, Venue

MS = 1_000_000
SEC = 1_000_000_000


class Pinger(hftlab.Strategy):
    """Every 100 ms: cancel the last order and place a one-lot bid far below the market."""

    timer_ns = 100 * MS

    def __init__(self) -> None:
        self.last = None

    def on_timer(self, ctx) -> None:
        if ctx.best_bid() <= 0:
            return
        if self.last is not None:
            ctx.cancel(self.last)
        self.last = ctx.buy(ctx.best_bid() - 20, 1)


@pytest.mark.parametrize("mode", ["replay", "simulate"])
def test_orders_sent_inside_the_spike_arrive_later(mode):
    data = sim.market("calm", seconds=30, seed=2)
    spike = LatencySpike(start="10s", duration="5s", extra="30ms")
    lat = LatencyProfile.constant(feed_ns="100us", entry_ns="1ms")
    venue = Venue("SIMX", latency=LatencyProfile(lat.feed, lat.entry, lat.response,
                                                 entry_spike=spike))
    rec = hftlab.backtest(data, Pinger(), venues=[venue], mode=mode)
    o = rec.orders
    o = o[(o["ts_exchange"] > 0) & (o["action"] == 0)]  # submits that reached the venue
    t0 = int(data.events["ts"][0])
    sent = o["ts_sent"].to_numpy(np.int64) - t0
    delay = o["ts_exchange"].to_numpy(np.int64) - o["ts_sent"].to_numpy(np.int64)
    inside = (sent >= 10 * SEC) & (sent < 15 * SEC)
    assert inside.sum() >= 40 and (~inside).sum() >= 100
    assert (delay[inside] == 31 * MS).all()
    assert (delay[~inside] == 1 * MS).all()


def test_a_spike_from_a_table_and_its_errors():
    p = LatencyProfile.from_mapping({"entry": "1ms", "entry_spike": {
        "start": "60s", "duration": "10s", "extra": "50ms"}})
    assert p.entry_spike == LatencySpike(60 * SEC, 10 * SEC, 50 * MS)
    with pytest.raises(ConfigError, match="LatencySpike.extra"):
        LatencySpike(0, SEC, "2min")
    with pytest.raises(ConfigError, match="latency.entry_spike.when"):
        LatencyProfile.from_mapping({"entry_spike": {"when": 1}})
