"""Ladder kernels: the best price and depth stay right through any sequence of level
changes, with the occupancy index and with a plain (n, 2) top, an emptying side costs
the same whatever the ladder's width, and a level written on a wide ladder maps its page
once."""

import resource
import time

import pytest

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from hftlab.core import book_nb
from hftlab.core.book_nb import ASK_ROW, BID_ROW
from hftlab.schema import Kind

WIDTH = 300  # several level-1 words and two level-2 words per side (64 * 64 = 4096 > 300)


def plain_books(n_books: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    qty = np.zeros((n_books, 2, width), dtype=np.int64)
    top = np.array([[-1, width]] * n_books, dtype=np.int64)
    return qty, top


def expected_top(qty: np.ndarray, b: int) -> tuple[int, int]:
    bids = np.flatnonzero(qty[b, BID_ROW])
    asks = np.flatnonzero(qty[b, ASK_ROW])
    return (int(bids[-1]) if len(bids) else -1,
            int(asks[0]) if len(asks) else qty.shape[2])


def expected_depth(qty: np.ndarray, b: int, levels: int) -> tuple[np.ndarray, np.ndarray]:
    px = np.full((2, levels), -1, dtype=np.int64)
    sz = np.zeros((2, levels), dtype=np.int64)
    for row, idx in ((0, np.flatnonzero(qty[b, BID_ROW])[::-1]),
                     (1, np.flatnonzero(qty[b, ASK_ROW]))):
        idx = idx[:levels]
        px[row, :len(idx)] = idx
        sz[row, :len(idx)] = qty[b, row, idx]
    return px, sz


levels_ops = st.lists(st.tuples(st.integers(0, 1), st.sampled_from([1, -1]),
                                st.one_of(st.integers(0, WIDTH - 1),
                                          st.sampled_from([0, 63, 64, 127, 128, 255, 256,
                                                           WIDTH - 1])),
                                st.sampled_from([0, 0, 1, 5])),
                      min_size=1, max_size=200)


@settings(max_examples=200, deadline=None)
@given(ops=levels_ops, indexed=st.booleans())
def test_top_and_depth_match_a_full_scan_after_every_change(ops, indexed):
    """depth and depth_lots (its sizes summed) too."""
    qty, top = book_nb.new_books(2, WIDTH) if indexed else plain_books(2, WIDTH)
    base = np.array([1000, 5000], dtype=np.int64)
    omap = book_nb.new_order_map()
    px = np.empty((2, 4), dtype=np.int64)
    sz = np.empty((2, 4), dtype=np.int64)
    for n, (b, side, i, q) in enumerate(ops):
        was = int(qty[b, BID_ROW if side > 0 else ASK_ROW, i])
        err, idx, old, new, _ = book_nb.apply_event(qty, top, base, omap, b, Kind.LEVEL, side,
                                                    base[b] + i, q, 0, n)
        assert (err, idx, old, new) == (0, i, was, q)
        for bb in range(2):
            assert tuple(top[bb, :2]) == expected_top(qty, bb)
        book_nb.depth(qty, top, base, b, 4, px, sz)
        want_px, want_sz = expected_depth(qty, b, 4)
        assert np.array_equal(np.where(px >= 0, px - base[b], -1), want_px)
        assert np.array_equal(sz, want_sz)
        assert book_nb.depth_lots(qty, top, b, 4) == want_sz.sum()
    book_nb.apply_event(qty, top, base, omap, 0, Kind.CLEAR, 0, 0, 0, 0, len(ops))
    assert tuple(top[0, :2]) == (-1, WIDTH) and not qty[0].any()
    if indexed:
        assert not top[0, 2:].any()  # the index is empty again
        assert tuple(top[1, :2]) == expected_top(qty, 1)


def test_index_spans_three_levels_on_a_wide_ladder():
    width = 64 ** 3 * 3 + 17  # three level-3 words per side
    qty, top = book_nb.new_books(1, width)
    assert top.shape == (1, 2 + book_nb.index_columns(width))
    for i in (5, 64 ** 3 + 1, width - 1):
        book_nb.set_level(qty, top, 0, BID_ROW, i, 3)
        book_nb.set_level(qty, top, 0, ASK_ROW, i, 3)
    assert tuple(top[0, :2]) == (width - 1, 5)
    book_nb.set_level(qty, top, 0, BID_ROW, width - 1, 0)
    book_nb.set_level(qty, top, 0, ASK_ROW, 5, 0)
    assert tuple(top[0, :2]) == (64 ** 3 + 1, 64 ** 3 + 1)
    book_nb.set_level(qty, top, 0, BID_ROW, 64 ** 3 + 1, 0)
    book_nb.set_level(qty, top, 0, ASK_ROW, 64 ** 3 + 1, 0)
    assert tuple(top[0, :2]) == (5, width - 1)
    book_nb.set_level(qty, top, 0, BID_ROW, 5, 0)
    book_nb.set_level(qty, top, 0, ASK_ROW, width - 1, 0)
    assert tuple(top[0, :2]) == (-1, width)


def flip_seconds(width: int, flips: int) -> float:
    """A one-level book whose bid and ask move by one tick per update, removing the old
    level first (as the bookTicker feed does): each side empties at every update."""
    qty, top = book_nb.new_books(1, width)
    mid = width // 2
    book_nb.set_level(qty, top, 0, BID_ROW, mid, 1)
    book_nb.set_level(qty, top, 0, ASK_ROW, mid + 1, 1)
    t0 = time.perf_counter()
    for k in range(flips):
        book_nb.set_level(qty, top, 0, BID_ROW, mid + k % 2, 0)
        book_nb.set_level(qty, top, 0, BID_ROW, mid + (k + 1) % 2, 1)
        book_nb.set_level(qty, top, 0, ASK_ROW, mid + 1 + k % 2, 0)
        book_nb.set_level(qty, top, 0, ASK_ROW, mid + 1 + (k + 1) % 2, 1)
    return time.perf_counter() - t0


def test_an_emptying_side_costs_the_same_on_a_12_million_tick_ladder():
    flip_seconds(1000, 10)  # compiled
    narrow = min(flip_seconds(1000, 2000) for _ in range(3))
    wide = min(flip_seconds(12_400_000, 2000) for _ in range(3))
    # a tick-by-tick search would walk ~6 M empty ticks per side per update here (minutes)
    assert wide < 20 * narrow + 0.05, (narrow, wide)


@pytest.mark.skipif(not hasattr(resource, "RUSAGE_THREAD"), reason="Linux thread rusage")
def test_a_new_level_faults_its_ladder_page_once():
    # an empty level is known empty from the occupancy index and not read: a read of a
    # page never written maps the zero page, and the write then faulted a second time
    width = 20_000_000
    qty, top = book_nb.new_books(1, width)
    idx = np.arange(256) * 512 + 10_000_000  # one level in each of 256 small pages
    book_nb.set_level(qty, top, 0, BID_ROW, 0, 1)  # compiled before counting
    before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
    for i in idx:
        assert book_nb.set_level(qty, top, 0, BID_ROW, int(i), 2) == 0
    faults = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before
    assert faults < 1.5 * len(idx)  # was 2 per page: the read's and the write's
    assert top[0, 0] == idx[-1] and qty[0, BID_ROW, idx].sum() == 2 * len(idx)
