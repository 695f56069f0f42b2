"""Seeded latency draws: base + uniform jitter, from a splitmix64 stream kept in state.

The random state lives in the loop's cursor array, so a run is reproducible bit for bit
from its seed and independent of numba's global generator.
"""

from __future__ import annotations

import numba as nb
import numpy as np


_MASK = (1 << 64) - 1


@nb.njit(cache=True)
def splitmix64(x):
    """One splitmix64 step (Steele, Lea & Flood 2014): returns (new_state, output)."""
    x = (x + np.uint64(0x9E3779B97F4A7C15)) & np.uint64(_MASK)
    z = x
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return x, z


@nb.njit(cache=True)
def uniform(cur):
    """A uniform float in [0, 1) from the run's random stream (advances it)."""
    s, z = splitmix64(np.uint64(cur[0].rng))
    cur[0].rng = np.int64(s)
    return (z >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@nb.njit(cache=True)
def keyed_draw(key, n, base, jitter):
    """Latency for the n-th item of a stream keyed by key: base + U[0, jitter].

    Counter-based (splitmix64 of key + n), so the value does not depend on the order in
    which the engine happens to ask for it.
    """
    if jitter <= 0:
        return np.int64(base)
    _, z = splitmix64(np.uint64(key) + np.uint64(n) * np.uint64(0xD1B54A32D192ED03))
    u = (z >> np.uint64(11)) * (1.0 / 9007199254740992.0)
    return np.int64(base) + np.int64(u * (jitter + 1))


@nb.njit(cache=True)
def draw(cur, base, jitter):
    """Latency in ns: base + U[0, jitter]; no random draw at all when jitter is 0."""
    if jitter <= 0:
        return np.int64(base)
    return np.int64(base) + np.int64(uniform(cur) * (jitter + 1))


@nb.njit(cache=True)
def entry_delay(cur, venues, v, now):
    """Entry latency (ns) of an order the host sends to venue v at now: the entry leg's
    draw, plus the venue's latency spike when now is inside its window."""
    lat = draw(cur, venues[v].entry, venues[v].entry_jitter)
    if venues[v].spike_start <= now < venues[v].spike_end:
        lat += venues[v].spike_extra
    return lat
