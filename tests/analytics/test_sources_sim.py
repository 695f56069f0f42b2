"""A simulated fill is one EXECUTE event (the resting order hit), as in ITCH: one trade."""

from hftlab.analytics.sources import events_tables
from hftlab.schema import Kind
from hftlab.sim import market


def test_a_simulated_fill_is_one_trade():
    data = market("calm", seconds=30, seed=2)
    ev = data.events
    n_exec = int((ev["kind"] == Kind.EXECUTE).sum())
    assert n_exec > 0 and int((ev["kind"] == Kind.TRADE).sum()) == 0
    tables = events_tables(data)
    assert len(tables.trades) == n_exec
