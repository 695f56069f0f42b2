"""The simulator's driver (sim/simulator.py): a session does not depend on the sizes of the
buffers it runs in, nor on how often the compiled kernels hand back to Python to grow
the order pool or take the event rows away (the opening book included)."""

from __future__ import annotations

import numpy as np

from hftlab.core.layout import MATCH_EVENT_DTYPE, concat_records
from hftlab.sim import simulator as S
from hftlab.sim.scenarios import build


def _session(capacity: int, out_rows: int, monkeypatch) -> tuple:
    monkeypatch.setattr(S, "OUT_ROWS", out_rows)
    setup = build("lagging-venue", seconds=20, seed=3)
    st = S.new_state(setup, capacity=capacity)
    parts: list = []
    S.seed_book(setup, st, parts)
    S.run_state(st, parts)
    rows = concat_records([p[0] for p in parts], MATCH_EVENT_DTYPE)
    rec = np.concatenate([p[1] for p in parts])
    return rows, rec, st, len(parts)


def test_a_session_is_the_same_whatever_its_buffers_and_returns_to_python(monkeypatch):
    roomy = _session(1 << 20, 1 << 20, monkeypatch)
    # a pool of 16 orders (grown while the opening book is placed and later) and an
    # event buffer just over one command's room (flushed every hundred rows)
    tight = _session(16, 8192 + 100, monkeypatch)
    assert tight[3] > 10 * roomy[3]
    assert len(roomy[0]) > 1000 and roomy[1][0] == 1
    assert np.array_equal(roomy[0], tight[0]) and np.array_equal(roomy[1], tight[1])
    for name in ("ast", "asf", "mkt", "qty", "top", "wake", "cur"):
        assert np.array_equal(getattr(roomy[2], name), getattr(tight[2], name)), name
    n = int(roomy[2].ctr[0])
    assert np.array_equal(roomy[2].orders[:n], tight[2].orders[:n])
