"""LatencyArbitrage: take stale quotes on a slow venue, hedge on the fast one (compiled).

The trade of Budish, Cramton & Shim (2015): when the fast venue's price moves and the
slow venue's quote has not followed yet, pick off the slow quote and lay the risk off
on the fast venue. The edge rule is the one of ``hftlab.analytics.stale_quotes``,
applied to what the host sees (each venue's book after its feed latency).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hftlab.analytics.stale_quotes import HEDGES, fee_per_lot
from hftlab.instruments import FeeSchedule, Instrument, check
from hftlab.strategies.base import integer, number
from hftlab.strategies.latency_arb_nb import latency_arb
from hftlab.strategy import CompiledStrategy

COUNTS = ("takes", "fills", "misses", "partial", "adverse", "hedges", "filled_lots", "unsettled")


class LatencyArbitrage(CompiledStrategy):
    """Latency arbitrage between two books of one instrument (a compiled strategy).

    On every book update the host sees, with no take in flight and a flat position:
    if the slow book's bid exceeds the fast book's hedge price (its ask when hedge is
    "cross", its bid when "join"; less ``basis`` ticks, the fair fast-minus-slow
    difference) by more than both legs' fees and ``cost`` (currency per arbitrage) at
    the size shown, send an IOC sell at the slow bid (symmetrically an IOC buy at a stale
    slow ask), at most ``qty`` lots. When the position is not flat, hedge on the fast
    book: a market order ("cross") or one order resting at its touch ("join"); "none"
    only takes, up to ``max_position`` lots. With ``basis_halflife_ns`` the basis is a
    time-decayed EWMA of the fast-minus-slow mid difference as the host sees it.

    Counts in ``rec.strategy_state``: takes (IOCs sent), fills (takes with any fill),
    misses (takes that filled nothing: the quote was gone when the order arrived),
    partial, adverse (filled takes whose hedge no longer paid when the host learned of
    the fill: the fast venue had moved against us), hedges (market hedges sent),
    filled_lots, expected (currency the edge promised when the takes were sent),
    unsettled (takes whose close the host never listed; 0 unless the engine changes).

    fast, slow: book indices (venue * n_instruments + instrument) of one instrument;
    fees: (fast venue's, slow venue's) FeeSchedule; instrument: its spec (tick, lot).
    Prices are ticks, sizes lots, fees currency (FeeSchedule's units).
    """

    def __init__(self, fast: int, slow: int, instrument: Instrument, *, qty: int = 1,
                 fees: tuple[FeeSchedule, FeeSchedule] = (FeeSchedule(), FeeSchedule()),
                 hedge: str = "cross", cost: float = 0.0, basis: float = 0.0,
                 basis_halflife_ns: int | None = None, min_edge: float = 0.0,
                 max_position: int | None = None, cooldown_ns: int = 0,
                 instrument_index: int = 0) -> None:
        check(hedge in HEDGES, "LatencyArbitrage.hedge", f"one of {sorted(HEDGES)}", hedge)
        check(isinstance(instrument, Instrument), "LatencyArbitrage.instrument",
              "an Instrument", instrument)
        check(fast != slow, "LatencyArbitrage.slow", f"a book other than fast ({fast})", slow)
        check(len(fees) == 2 and all(isinstance(f, FeeSchedule) for f in fees),
              "LatencyArbitrage.fees", "a (fast, slow) pair of FeeSchedule", fees)
        qty = integer(qty, "LatencyArbitrage.qty", 1)
        halflife = 0 if basis_halflife_ns is None else integer(
            basis_halflife_ns, "LatencyArbitrage.basis_halflife_ns", 1)
        state: dict[str, Any] = dict(
            fast=integer(fast, "LatencyArbitrage.fast", 0),
            slow=integer(slow, "LatencyArbitrage.slow", 0),
            instrument=integer(instrument_index, "LatencyArbitrage.instrument_index", 0),
            qty=qty, hedge=HEDGES[hedge],
            max_position=integer(max_position if max_position is not None else qty,
                                 "LatencyArbitrage.max_position", 1),
            cooldown_ns=integer(cooldown_ns, "LatencyArbitrage.cooldown_ns", 0),
            min_edge=number(min_edge, "LatencyArbitrage.min_edge", 0.0),
            basis=number(basis, "LatencyArbitrage.basis"), halflife=float(halflife), basis_t=0,
            value=instrument.tick_value, cost=number(cost, "LatencyArbitrage.cost", 0.0),
            fee_fast=fee_per_lot(fees[0], hedge == "join", instrument),
            fee_slow=fee_per_lot(fees[1], False, instrument),
            take_id=-1, take_side=0, take_price=0, take_qty=0, hedge_id=-1, last_take=0,
            expected=0.0, **{c: 0 for c in COUNTS})
        super().__init__(latency_arb, state, subscribe_book=True, name="LatencyArbitrage",
                         describe=dict(fast=fast, slow=slow, qty=qty, hedge=hedge, cost=cost,
                                       basis=basis, basis_halflife_ns=basis_halflife_ns,
                                       min_edge=min_edge))


def counts(strategy_state: np.ndarray) -> dict[str, float]:
    """The strategy's counts from ``rec.strategy_state`` (COUNTS plus expected)."""
    row = strategy_state[0] if strategy_state.shape else strategy_state
    out = {c: int(row[c]) for c in COUNTS}
    out["expected"] = float(row["expected"])
    return out
