"""IcebergFollower: trade beside a reserve (iceberg) order detected online (compiled).

The seed's "liquidity detection": a large hidden buyer refilling the bid at one price is
a floor under the price and a sign of demand (Frey & Sandås 2017, "The impact of iceberg
orders in limit order books", Quarterly Journal of Finance 7(3): detected icebergs
predict the direction of the next price move and absorb the flow that hits them).
"""

from __future__ import annotations

import inspect
from typing import Any

import numpy as np

from hftlab.analytics.inputs import nonneg_duration_ns
from hftlab.strategies.base import integer, number
from hftlab.strategies.iceberg_follower_nb import iceberg_follower
from hftlab.strategy import CompiledStrategy
from hftlab.surveillance.icebergs import detect_icebergs

# the offline detector's defaults: refill window, size tolerance, clips for a detection
DETECTOR = {k: v.default for k, v in inspect.signature(detect_icebergs).parameters.items()
            if k in ("refill_window", "size_tolerance", "min_clips")}
COUNTS = ("detections", "gone", "entries", "trades", "exits_target", "exits_gone",
          "exits_timeout")


class IcebergFollower(CompiledStrategy):
    """Detect an iceberg from the host's book and prints, and trade on its side.

    Detection (iceberg_follower_nb): the offline detector's refill rule read from level
    sizes, with its thresholds by default (`refill_window`, `size_tolerance`,
    `min_clips` of hftlab.surveillance.detect_icebergs: 1 ms, 0, 3 clips). Trading, one
    position at a time: with a live iceberg on side s at price P (the most recently
    refilled when both sides have one) and no position, rest a post-only order of
    `qty` lots on side s at P + s * improve (0 joins the iceberg's level, behind its
    current clip and ahead of its next; 1 tick steps in front of it), never crossing.
    Holding: rest the exit at the average entry price + s * take_profit ticks (not
    crossing) while the iceberg lives; when it is gone (its level empty for longer than
    the refill window: used up, withdrawn or traded through) or after `max_hold_ns`,
    cancel and leave with a market order. The iceberg is the stop.

    Counts in ``rec.strategy_state``: detections, gone (detected icebergs that went),
    entries, trades (round trips back to flat), exits_target, exits_gone,
    exits_timeout. Prices are ticks, sizes lots, times ns of host time.
    """

    def __init__(self, qty: int = 1, *, improve: int = 0, take_profit: int = 1,
                 max_hold_ns: int = 60_000_000_000, book: int = 0,
                 refill_window: Any = DETECTOR["refill_window"],
                 size_tolerance: float = DETECTOR["size_tolerance"],
                 min_clips: int = DETECTOR["min_clips"], timer_ns: int = 100_000_000) -> None:
        args = dict(qty=qty, improve=improve, take_profit=take_profit, max_hold_ns=max_hold_ns,
                    book=book, refill_window=refill_window, size_tolerance=size_tolerance,
                    min_clips=min_clips)
        two = np.zeros(2, np.int64)
        state: dict[str, Any] = dict(
            book=integer(book, "IcebergFollower.book", 0),
            qty=integer(qty, "IcebergFollower.qty", 1),
            improve=integer(improve, "IcebergFollower.improve", 0),
            take_profit=integer(take_profit, "IcebergFollower.take_profit", 1),
            max_hold_ns=integer(max_hold_ns, "IcebergFollower.max_hold_ns", 1),
            refill_ns=nonneg_duration_ns(refill_window, "IcebergFollower.refill_window"),
            tol=number(size_tolerance, "IcebergFollower.size_tolerance", 0.0),
            min_clips=integer(min_clips, "IcebergFollower.min_clips", 2),
            level=two, shown=two, executed=two, print_ts=two, refills=two, clip=two,
            live=two, empty_since=two - 1, refill_ts=two,
            side=0, entry_side=0, entry_level=0, entry_ts=0, exit_market=0,
            **{c: 0 for c in COUNTS})
        super().__init__(iceberg_follower, state, timer_ns=integer(timer_ns,
                         "IcebergFollower.timer_ns", 1), subscribe_book=True,
                         subscribe_trades=True, name="IcebergFollower", describe=args)


def counts(strategy_state: np.ndarray) -> dict[str, int]:
    """The follower's counts from ``rec.strategy_state``."""
    row = strategy_state[0] if strategy_state.shape else strategy_state
    return {c: int(row[c]) for c in COUNTS}
