"""monitor_nb.may_send: when a state sample can send, and what that means in a simulated market.

A state sample runs the intraday monitor, which sends commands (cancel all, flatten) only
under a limit that acts by sending. In a simulated market the agents act up to the
earliest time one of our commands could reach the venue (sim_venue_nb.horizon); a sample
bounds that horizon exactly when may_send is true. So: with such a limit a control fires
at the sample time and its orders meet the book as it is then; without one, samples
only read and do not change the session.
"""

from __future__ import annotations

import numpy as np
import pytest

import hftlab
from hftlab import LatencyProfile, Venue, sim
from hftlab.risk import RiskLimits
from hftlab.risk.layout import new_state, no_limits
from hftlab.risk.monitor_nb import may_send
from hftlab.schema import Reason, TradingState

SEC = 1_000_000_000
ENTRY = 50_000  # ns from our host to the venue
LIMIT = 6.5  # hard loss: first sample past it at 4 s (simulated) and 14 s (replay), seed 3


def _params(lim: RiskLimits | None, n: int = 1):
    return no_limits(n) if lim is None else lim.to_params(n, [f"S{i}" for i in range(n)])


@pytest.mark.parametrize("lim, n, expected", [
    (None, 1, False),
    (RiskLimits(max_position=100, max_order_qty=10, price_band_ticks=5), 1, False),  # pre-trade
    (RiskLimits(hard_loss=5.0), 1, True),
    (RiskLimits(hard_drawdown=5.0), 1, True),
    (RiskLimits(soft_loss=5.0), 1, True),
    (RiskLimits(soft_drawdown=5.0), 1, True),
    (RiskLimits(max_holding_ns=SEC), 1, True),
    (RiskLimits(kill_at_ns=10 * SEC), 1, True),
    (RiskLimits(correlation_threshold=0.9, correlation_action="reducing"), 2, True),
    (RiskLimits(correlation_threshold=0.9, correlation_action="pause"), 2, False),  # a pause only
    (RiskLimits(correlation_threshold=0.9, correlation_action="reducing"), 1, False),  # no pairs
])
def test_may_send_is_true_exactly_under_a_limit_that_acts_by_sending(lim, n, expected):
    assert may_send(_params(lim, n), new_state(n), n) is expected


def test_may_send_follows_the_trading_state_and_the_kill():
    soft = _params(RiskLimits(soft_loss=5.0))
    rs = new_state(1)
    rs.glob[0]["state"] = TradingState.REDUCING  # soft limits have acted already
    assert not may_send(soft, rs, 1)
    rs.glob[0]["state"] = TradingState.HALTED  # flattening goes on at every call
    assert may_send(_params(None), rs, 1)
    rs = new_state(1)
    rs.glob[0]["kill"] = 1  # a kill waiting for the monitor
    assert may_send(_params(None), rs, 1)
    rs = new_state(1)
    rs.glob[0]["kill_at_done"] = 1  # the configured kill time has fired
    assert not may_send(_params(RiskLimits(kill_at_ns=10 * SEC)), rs, 1)


class Hold(hftlab.Strategy):
    """Buys 200 lots at market at the start, then only holds: no timer and no fill of ours
    later, so nothing but a state sample can see the loss the market's moves make (and
    nothing else bounds the agents' horizon there)."""

    def on_start(self, ctx):
        ctx.market_order(1, 200)


@pytest.fixture(scope="module")
def calm():
    return sim.market("calm", seconds=20, seed=3)


def _run(data, mode, risk=None, sample_ns=SEC):
    venue = Venue(data.venues[0].name, latency=LatencyProfile.constant(20_000, ENTRY, ENTRY))
    return hftlab.backtest(data, Hold(), venues=[venue], mode=mode, risk=risk,
                           sample_ns=sample_ns)


def _first_breach(rec) -> int:
    """The first sample time at which the run's equity is at or below -LIMIT."""
    st = rec.states
    return int(st.loc[st["equity"] <= -LIMIT, "ts"].iloc[0])


def _events_equal(a: np.ndarray, b: np.ndarray) -> bool:
    return len(a) == len(b) and all(np.array_equal(a[n], b[n]) for n in a.dtype.names)


@pytest.mark.parametrize("mode", ["simulate", "replay"])
def test_a_loss_between_samples_is_stopped_at_the_first_sample_after_it(calm, mode):
    free = _run(calm, mode)
    t = _first_breach(free)
    start = calm.simulation.params.start_ns
    assert (t - start) % SEC == 0 and t - start >= 3 * SEC  # a sample, well after our buy
    assert (free.fills["ts_exchange"] < start + SEC).all()  # no fill of ours near it
    rec = _run(calm, mode, RiskLimits(hard_loss=LIMIT))
    halt = rec.risk_events[rec.risk_events["rule"] == Reason.RISK_HARD_LOSS]
    assert halt["ts"].tolist() == [t]
    flat = rec.orders[(rec.orders["action"] == 0) & (rec.orders["side"] == -1)]
    assert flat["ts_sent"].tolist() == [t] and flat["ts_exchange"].tolist() == [t + ENTRY]
    sold = rec.fills[rec.fills["side"] == -1]
    assert sold["qty"].sum() == 200 and (sold["ts_exchange"] == t + ENTRY).all()
    assert rec.meta["final_position"] == {0: 0}
    before = free.fills["ts_exchange"] < t
    assert rec.fills[rec.fills["side"] == 1].reset_index(drop=True).equals(
        free.fills[before].reset_index(drop=True))
    if mode == "simulate":  # the agents waited at the sample: our flatten met the book then
        m, f = rec.market.events, free.market.events
        assert (np.diff(m["ts"]) >= 0).all()
        assert _events_equal(m[m["ts"] < t + ENTRY], f[f["ts"] < t + ENTRY])
        assert not _events_equal(m[m["ts"] >= t + ENTRY], f[f["ts"] >= t + ENTRY])


@pytest.mark.parametrize("risk", [None, RiskLimits(max_position=10_000, max_order_qty=500)])
def test_without_a_limit_that_sends_samples_do_not_change_the_session(calm, risk):
    a = _run(calm, "simulate", risk, sample_ns=SEC)
    b = _run(calm, "simulate", risk, sample_ns=7_000_000)
    assert len(b.states) > 100 * len(a.states) // 2
    assert a.orders.equals(b.orders) and a.fills.equals(b.fills)
    assert _events_equal(a.market.events, b.market.events)
