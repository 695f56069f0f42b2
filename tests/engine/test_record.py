"""RunRecord.summary reads the state samples once per time and instrument."""

import pandas as pd

from hftlab.engine.record import summarize


class _Rec:
    def __init__(self, states):
        self.states = states
        self.orders = pd.DataFrame({"action": [], "status": []})
        self.fills = pd.DataFrame({"qty": [], "maker": [], "fee": []})
        self.risk_events = pd.DataFrame()
        self.meta = {}


def test_a_closing_sample_at_the_last_sampling_time_is_not_counted_twice():
    """Two instruments sampled at 1 and 2 s; the closing sample repeats t = 2 s for
    instrument 0 (written before instrument 1's last row): total P&L is the sum of each
    instrument's latest equity, -1.0 + 0.5, not -1.0 counted twice."""
    states = pd.DataFrame({
        "ts": [1, 1, 2, 2, 2],
        "instrument": [0, 1, 0, 0, 1],
        "equity": [0.0, 0.0, -1.0, -1.0, 0.5],
        "position": [0, 0, 3, 3, -1],
    })
    out = summarize(_Rec(states))
    assert out["total_pnl"] == -0.5
    assert out["final_position"] == {0: 3, 1: -1}


def test_samples_out_of_time_order_are_read_in_time_order():
    states = pd.DataFrame({"ts": [1, 3, 2], "instrument": [0, 0, 0],
                           "equity": [0.0, 2.0, 1.0], "position": [0, 2, 1]})
    out = summarize(_Rec(states))
    assert out["total_pnl"] == 2.0 and out["final_position"] == {0: 2}
    assert out["max_drawdown"] == 0.0
