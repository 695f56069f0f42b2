"""Zeroed arrays whose memory the OS maps in small pages, only where written.

A book's ladder spans the data's whole price range, but only the levels near the
traded prices are written; a capture's stray far-off quotes (Binance spot BTCUSDT: 0 to
200,000 USDT, a 30 M-tick ladder) write a few levels far apart. numpy asks the kernel
for transparent huge pages on arrays over 4 MB, so each such write maps and zeroes 2 MB:
on that capture 107 MB of a replay's peak memory, and its first run took 2.5 times the
CPU of the next (measured 2026-12-08). An anonymous mapping advised against huge pages
maps 4 kB per page written; its pages read as zero, as np.zeros' do. A read of a page
never written maps the shared zero page, and a write to it then faults a second time, so
writers that can tell an element is still zero should not read it first (book_nb.set_level
does not, through its occupancy index).
"""

from __future__ import annotations

import mmap

import numpy as np

_HUGE = 4 << 20  # numpy's threshold for asking for huge pages


def lazy_zeros(shape: tuple[int, ...], dtype: np.dtype | type) -> np.ndarray:
    """np.zeros(shape, dtype), its pages mapped one small page at a time when written
    (module docstring); small arrays are plain np.zeros."""
    dtype = np.dtype(dtype)
    count = int(np.prod(shape))
    nbytes = count * dtype.itemsize
    if nbytes < _HUGE:
        return np.zeros(shape, dtype)
    m = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    if hasattr(mmap, "MADV_NOHUGEPAGE"):  # Linux; elsewhere no huge pages are asked for
        m.madvise(mmap.MADV_NOHUGEPAGE)
    return np.frombuffer(m, dtype, count).reshape(shape)
