"""core.pages.lazy_zeros: zeros like np.zeros, memory mapped only where written."""

import resource

import numpy as np

from hftlab.core.pages import lazy_zeros


def test_small_arrays_are_plain_zeros():
    a = lazy_zeros((3, 4), np.int64)
    assert a.dtype == np.int64 and a.shape == (3, 4) and not a.any()
    assert a.base is None  # np.zeros' own buffer


def test_a_wide_array_reads_zero_writes_and_maps_only_the_pages_written():
    width = 30_000_000  # a 240 MB ladder per side, as a capture's far-off quotes need
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    a = lazy_zeros((1, 2, width), np.int64)
    assert a.shape == (1, 2, width) and a.flags.writeable and a.flags.c_contiguous
    idx = np.arange(0, width, width // 500)  # 500 levels far apart, on both sides
    a[0, 0, idx] = 7
    a[0, 1, idx] = -3
    assert a[0, 0, idx].sum() == 7 * len(idx) and a[0, 1, 1] == 0
    assert int(a[0, 0].sum()) == 7 * len(idx)
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 60  # 1,000 small pages written and a sum's pass read (zero pages)
