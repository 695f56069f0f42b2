"""Parity of the replay venue and the simulated matching engine on the order rules.

Both venues call hftlab.core.rules_nb. Here seeded random commands (limit orders of
either side, any of GTC / IOC / FOK / POST_ONLY, prices around and through the touch)
go to the same starting book -- bid 100 x 5, 99 x 5; ask 101 x 5, 102 x 5 -- built as
recorded L2 levels for the replay venue (hftlab.backtest with a scripted strategy) and
as anonymous resting orders in the matching engine. Every command's outcome is compared:
status, reason, fills (price, qty) and the resting remainder.

Each command starts from a fresh book: in replay our orders do not move the recorded
book, so a stream of commands against one book is not comparable event by event (after
a take, replay still shows the liquidity the matching engine has consumed). STP and
modify are therefore covered by the shared rules' unit tests (test_rules.py) and by each
venue's own tests, not event-by-event here.
"""

from __future__ import annotations

import numpy as np
import pytest

from hftlab.engine.matching import MatchingEngine
from hftlab.schema import TimeInForce
from tests.engine.conftest import L, book_rows, run

END = [(50, L, 1, 98, 1)]
TIFS = [TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK, TimeInForce.POST_ONLY]


def matching_outcome(side, price, qty, tif):
    e = MatchingEngine([90], 30)
    for s, p, q in [(1, 100, 5), (1, 99, 5), (-1, 101, 5), (-1, 102, 5)]:
        e.submit(0, s, p, q)
    res = e.submit(1, side, price, qty, tif=tif)
    fills = [(int(f["price"]), int(f["qty"])) for f in res.fills]
    return int(res.status), int(res.reason), fills, int(res.resting)


def replay_outcome(side, price, qty, tif):
    rec, _ = run(book_rows() + END, {2: lambda c: c.submit(side, price, qty, tif=tif)})
    sub = rec.orders[rec.orders["action"] == 0].iloc[0]
    f = rec.fills
    fills = [(int(p), int(q)) for p, q in zip(f["price"], f["qty"], strict=True)]
    status = int(sub["status"])
    resting = qty - sum(q for _, q in fills) if status in (1, 2) else 0
    return status, int(sub["reason"]), fills, resting


def commands(n, seed):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(n):
        side = int(rng.choice([1, -1]))
        price = int(rng.integers(97, 105))
        qty = int(rng.integers(1, 13))
        tif = TIFS[int(rng.integers(0, 4))]
        out.append((side, price, qty, tif))
    return out


@pytest.mark.parametrize("cmd", commands(24, seed=11))
def test_same_outcome_on_the_same_book(cmd):
    assert replay_outcome(*cmd) == matching_outcome(*cmd), cmd


def test_fok_under_cancel_oldest_counts_past_our_own_order():
    """Was a disagreement: replay stopped FOK's count at our own resting order in every STP
    mode; under cancel-oldest matching cancels it and goes on, as the engine does."""
    from hftlab.engine.matching import StpMode

    e = MatchingEngine([90], 30, stp_mode=StpMode.CANCEL_OLDEST)
    for s, p, q in [(1, 100, 5), (1, 99, 5), (-1, 101, 5), (-1, 102, 5)]:
        e.submit(0, s, p, q)
    e.submit(1, -1, 101, 2)
    m = e.submit(1, 1, 102, 10, tif=TimeInForce.FOK)
    rec, _ = run(book_rows() + END, {1: lambda c: c.sell(101, 2),
                                     2: lambda c: c.buy(102, 10, tif="FOK")},
                 stp="cancel-oldest")
    sub = rec.orders[rec.orders["action"] == 0].iloc[1]
    assert (int(sub["status"]), int(sub["reason"])) == (int(m.status), int(m.reason))
    assert rec.fills["qty"].tolist() == [int(f["qty"]) for f in m.fills] == [5, 5]
