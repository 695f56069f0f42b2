"""stale_quotes: a known stale window with its exact bounds, fees, and the $195 example."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hftlab
from hftlab.analytics import book_quotes, stale_quotes
from hftlab.analytics.stale_quotes import merged_timeline
from tests.analytics.latency_samples import MS, T0, two_venues

# FAST moves up 3 ticks at 10 ms; SLOW follows at 12 ms; FAST moves again at 20 ms.
ROWS = [(T0, 0, 100.00, 500, 100.01, 500), (T0, 1, 100.00, 300, 100.01, 400),
        (T0 + 10 * MS, 0, 100.03, 500, 100.04, 500), (T0 + 12 * MS, 1, 100.03, 300, 100.04, 400),
        (T0 + 30 * MS, 0, 100.03, 500, 100.04, 500)]


def test_known_window_has_its_exact_bounds():
    sq = stale_quotes(two_venues(ROWS), "FAST", "SLOW")
    w = sq.windows
    assert len(w) == 1
    r = w.iloc[0]
    assert (r.start, r.end, r.duration_ns, r.side) == (T0 + 10 * MS, T0 + 12 * MS, 2 * MS, 1)
    # buy SLOW's stale ask 100.01, sell FAST's bid 100.03: 2 ticks on min(400, 500) lots
    assert r.edge_ticks == 2 and r.lots == 400 and r.net == pytest.approx(8.0)
    assert r.edge_bps == pytest.approx(2 / 10000.5 * 1e4)
    assert not r.open
    reach = sq.reachable([MS, 2 * MS])
    assert list(reach["windows"]) == [1, 0]


def test_fees_close_the_window():
    data = two_venues(ROWS)
    cheap = (hftlab.FeeSchedule(taker=0.5), hftlab.FeeSchedule(taker=0.5))  # 1 bp round trip
    dear = (hftlab.FeeSchedule(taker=1.0), hftlab.FeeSchedule(taker=1.0))  # 2 bps > 2 ticks
    assert len(stale_quotes(data, 0, 1, cheap).windows) == 1
    assert stale_quotes(data, 0, 1, dear).windows.empty


def test_basis_and_join_hedge():
    data = two_venues(ROWS)
    # with a fair basis of 3 ticks the move to 10 ms is no window, but SLOW was rich before
    w = stale_quotes(data, 0, 1, basis=3.0).windows
    assert (w.start.iloc[0], w.end.iloc[0], w.side.iloc[0]) == (T0, T0 + 10 * MS, -1)
    assert (w.start != T0 + 10 * MS).all()
    join = stale_quotes(data, 0, 1, hedge="join").windows  # sell FAST at its ask
    assert join.iloc[0].edge_ticks == 3


def test_worked_example_195_dollars():
    """The seed's example: NYSE fresh 100.00 / 100.01, NASDAQ stale 100.02 / 100.03 for
    2 ms; sell NASDAQ's bid 100.02, buy NYSE at 100.00, 10,000 shares, $5 cost."""
    rows = [(T0, 0, 100.02, 10_000, 100.03, 10_000), (T0, 1, 100.02, 10_000, 100.03, 10_000),
            (T0 + MS, 0, 100.00, 10_000, 100.01, 10_000),
            (T0 + 3 * MS, 1, 100.00, 10_000, 100.01, 10_000)]
    sq = stale_quotes(two_venues(rows, names=("NYSE", "NASDAQ")), "NYSE", "NASDAQ",
                      hedge="join", cost=5.0)
    (r,) = sq.windows.itertuples()
    assert (r.side, r.edge_ticks, r.lots, r.duration_ns) == (-1, 2, 10_000, 2 * MS)
    assert r.net == pytest.approx(195.0, abs=1e-9)


def test_bad_arguments_are_named():
    data = two_venues(ROWS)
    with pytest.raises(ValueError, match="hedge must be"):
        stale_quotes(data, 0, 1, hedge="both")
    with pytest.raises(ValueError, match="same book"):
        stale_quotes(data, 0, 0)
    with pytest.raises(ValueError, match="no venue named"):
        stale_quotes(data, "FAST", "NASDAQ")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 1), st.integers(-3, 3), st.integers(1, 3),
                          st.integers(1, 5)), min_size=2, max_size=30))
def test_windows_are_exactly_the_rows_that_pay(moves):
    """Random quote paths: every timeline row inside a window pays, every row outside
    none does (a brute-force oracle over merged_timeline), windows of one side never
    overlap."""
    mid = {0: 10_000, 1: 10_000}
    rows = [(T0, v, 100.00, 5, 100.02, 5) for v in (0, 1)]
    for k, (v, step, spread, size) in enumerate(moves):
        mid[v] += step
        rows.append((T0 + (k + 1) * MS, v, mid[v] / 100, size, (mid[v] + spread) / 100, size))
    data = two_venues(rows)
    w = stale_quotes(data, 0, 1).windows
    tl = merged_timeline(book_quotes(data, 0), book_quotes(data, 1))
    for side in (-1, 1):
        ws = w[w.side == side]
        assert (ws.start.to_numpy()[1:] >= ws.end.to_numpy()[:-1]).all()
        edge = tl["bs"] - tl["af"] if side < 0 else tl["bf"] - tl["as"]
        pays = edge > 0
        inside = np.zeros(len(tl["t"]), bool)
        for r in ws.itertuples():
            inside |= (tl["t"] >= r.start) & ((tl["t"] < r.end) | (r.open & (tl["t"] == r.end)))
        assert (pays == inside).all()
