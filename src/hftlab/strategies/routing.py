"""RoutedMaker: a built-in market maker whose passive quotes go to the venue with the best
rebate net of its queue (the seed's "rebate maximization"), on multi-venue runs."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from hftlab.analytics.stale_quotes import fee_per_lot
from hftlab.instruments import FeeSchedule, Instrument, check
from hftlab.strategies.base import QuotingStrategy, integer, number
from hftlab.strategies.routing_nb import routed_maker
from hftlab.strategy import CompiledStrategy


class RoutedMaker(CompiledStrategy):
    """A built-in maker (Static, InventorySkew, ...) quoting across venues (compiled).

    Every requote, the maker's rule prices both sides on the consolidated touch (best
    bid and ask over ``books``), and each side rests on the one book that maximises the
    expected rebate per lot, EV = rebate(p) x P(fill), in ticks:

    - rebate(p) = -(maker fee of one lot at price p) / tick value, from the venue's
      ``FeeSchedule`` (its sign: positive paid, negative rebate), so a fee counts as a
      negative rebate;
    - P(fill) = min(1, lambda T / (Q + q)), a fluid queue-depletion model (the share of
      the order that the expected volume traded on that side during the quote's life
      reaches under price-time priority): lambda the venue's lots/s traded against that
      side (prints decayed with ``halflife_s``, plus ``prior_rate``), T = ``horizon_s``
      (default: the maker's requote interval), Q the visible lots at p or better on
      that side of the venue less our own order there, q our size.

    The price p is the rule's on the consolidated touch, the same whichever book gets it
    (never a worse price for a rebate); books whose opposite best p would cross are not
    candidates; ties go to the earlier book. With the consolidated touch crossed (a stale venue) the quotes stay as
    they are. The first book is the maker's home: its prints and book feed the rule.
    Counts per book and side routed to are in ``rec.strategy_state["routed"]`` (n, 2).
    books: book indices (venue * n_instruments + instrument) of one instrument; fees:
    one FeeSchedule per book (the same as the run's venues'). Prices ticks, sizes lots.
    """

    def __init__(self, maker: QuotingStrategy, books: Sequence[int],
                 fees: Sequence[FeeSchedule], instrument: Instrument, *,
                 halflife_s: float = 5.0, prior_rate: float = 1.0,
                 horizon_s: float | None = None) -> None:
        check(isinstance(maker, QuotingStrategy), "RoutedMaker.maker",
              "a built-in market maker (QuotingStrategy)", maker)
        check(isinstance(instrument, Instrument), "RoutedMaker.instrument", "an Instrument",
              instrument)
        books = [integer(b, "RoutedMaker.books[]", 0) for b in books]
        check(len(books) >= 1 and len(set(books)) == len(books), "RoutedMaker.books",
              "one or more distinct book indices", books)
        check(len(fees) == len(books) and all(isinstance(f, FeeSchedule) for f in fees),
              "RoutedMaker.fees", f"{len(books)} FeeSchedule (one per book)", fees)
        horizon = maker.timer_ns / 1e9 if horizon_s is None else horizon_s
        own = maker.record()
        n = len(books)
        fee = np.array([fee_per_lot(f, True, instrument) for f in fees])
        dtype = np.dtype([("params", own.dtype["params"]), ("mstate", own.dtype["state"]),
                          ("ring", own.dtype["ring"]),
                          ("books", "i8", (n,)), ("fee_a", "f8", (n,)), ("fee_b", "f8", (n,)),
                          ("tick_value", "f8"), ("halflife_s", "f8"), ("prior_rate", "f8"),
                          ("horizon_s", "f8"), ("hits", "f8", (n, 2)), ("hits_t", "i8", (n,)),
                          ("routed", "i8", (n, 2))])
        rec = np.zeros(1, dtype)
        rec["params"], rec["mstate"], rec["ring"] = own["params"], own["state"], own["ring"]
        rec["books"][0], rec["fee_a"][0], rec["fee_b"][0] = books, fee[:, 0], fee[:, 1]
        rec["tick_value"] = instrument.tick_value
        rec["halflife_s"] = number(halflife_s, "RoutedMaker.halflife_s", 0.0, 86_400.0,
                                   low_open=True)
        rec["prior_rate"] = number(prior_rate, "RoutedMaker.prior_rate", 0.0, 1e9)
        rec["horizon_s"] = number(horizon, "RoutedMaker.horizon_s", 0.0, 86_400.0,
                                  low_open=True)
        self.books = books
        super().__init__(routed_maker, rec, timer_ns=maker.timer_ns,
                         subscribe_book=maker.subscribe_book, subscribe_trades=True,
                         name=f"Routed{maker.name}",
                         describe=dict(maker.describe(), books=books, halflife_s=halflife_s,
                                       prior_rate=prior_rate, horizon_s=horizon))
