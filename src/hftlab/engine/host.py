"""The host side of a run as Python sees it: Strategy and its Context (the host's delayed
view and the command buffer), the typed order events and the book handles. Users import
them from hftlab.strategy (CompiledStrategy lives in engine/compiled.py)."""

from __future__ import annotations

from typing import Any, NamedTuple, Union

import numpy as np

from hftlab.core import book_nb
from hftlab.core.layout import (ACT_CANCEL, ACT_MODIFY, ACT_SUBMIT, COMMAND_DTYPE, MAX_LOTS,
                                MAX_TICKS)
from hftlab.instruments import Instrument, check
from hftlab.risk.layout import KILL_STRATEGY
from hftlab.schema import Kind, OrderStatus, OrderType, Reason, TimeInForce, TradingState

BookLike = Union[int, "BookId"]


class Order(NamedTuple):
    """Our order as the host knows it (after the response latency)."""

    order_id: int
    book: "Book"
    side: int
    price: int  # ticks
    leaves: int  # lots not yet filled
    status: OrderStatus
    pending: int  # cancel / modify commands in flight
    tif: TimeInForce
    reason: Reason = Reason.NONE  # why it was denied, rejected or closed by the venue


class BookId(NamedTuple):
    """A book by name: (venue index, instrument index) of the run's tables. Every
    Context method taking a book accepts a BookId or the book's index
    (venue * n_instruments + instrument)."""

    venue: int
    instrument: int

    def __str__(self) -> str:
        return f"book(venue={self.venue}, instrument={self.instrument})"


class Book(int):
    """The book a callback, an Order or a Fill names: the run's book index (an int, so
    code that indexes, compares or stores books by number keeps working) that knows its
    ``venue`` and ``instrument``, prints as its BookId and compares equal to it."""

    def __new__(cls, index: int, n_instruments: int) -> "Book":
        self = super().__new__(cls, index)
        self.venue, self.instrument = divmod(int(index), int(n_instruments))
        self._n = int(n_instruments)
        return self

    def __getnewargs__(self) -> tuple[int, int]:
        return int(self), self._n

    @property
    def id(self) -> BookId:
        return BookId(self.venue, self.instrument)

    def __str__(self) -> str:
        return str(self.id)

    __repr__ = __str__

    def __eq__(self, other: object) -> bool:
        if isinstance(other, BookId):
            return self.id == other
        return int.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        eq = self.__eq__(other)
        return eq if eq is NotImplemented else not eq

    __hash__ = int.__hash__


class Fill(NamedTuple):
    """A fill as the host learns of it."""

    order_id: int
    book: Book
    side: int
    price: int
    qty: int
    maker: bool
    ts_exchange: int


class Strategy:
    """Base class of Python strategies: override the callbacks you need.

    timer_ns: interval of on_timer in host time (None: no timer).
    subscribe_book / subscribe_trades: wake on every local book update / trade print.
    """

    timer_ns: int | None = None
    subscribe_book: bool = False
    subscribe_trades: bool = False

    def on_start(self, ctx: "Context") -> None:
        """Called once, at the first event."""

    def on_book(self, ctx: "Context", book: Book) -> None:
        """A book update reached the host (only with subscribe_book)."""

    def on_trade(self, ctx: "Context", book: Book) -> None:
        """A trade print reached the host (only with subscribe_trades)."""

    def on_fill(self, ctx: "Context", fill: Fill) -> None:
        """One of our orders was (partly) filled; the account already counts it."""

    def on_order(self, ctx: "Context", order: Order) -> None:
        """Catch-all: every on_order_* event below calls it unless overridden."""

    def on_order_accepted(self, ctx: "Context", order: Order) -> None:
        """The venue accepted the order (it rests, or traded at once)."""
        self.on_order(ctx, order)

    def on_order_denied(self, ctx: "Context", order: Order) -> None:
        """The risk gate stopped a command before it left the host; order.reason says why
        (a Reason: RISK_* for the risk checks, BAD_QTY and the like for validation)."""
        self.on_order(ctx, order)

    def on_order_rejected(self, ctx: "Context", order: Order) -> None:
        """The venue refused the order (post-only would cross, FOK not fillable, halted)
        or a cancel / modify of it (the order was no longer there); order.reason says why."""
        self.on_order(ctx, order)

    def on_order_cancelled(self, ctx: "Context", order: Order) -> None:
        """The order left the book: cancelled on our request or by self-trade prevention."""
        self.on_order(ctx, order)

    def on_order_modified(self, ctx: "Context", order: Order) -> None:
        """A modify took effect; order holds the new price and remaining size."""
        self.on_order(ctx, order)

    def on_order_expired(self, ctx: "Context", order: Order) -> None:
        """The venue cancelled an IOC / FOK / market remainder."""
        self.on_order(ctx, order)

    def on_timer(self, ctx: "Context") -> None:
        """The timer fired."""

    def on_end(self, ctx: "Context") -> None:
        """The data ended."""


_TIF = {t.name: t for t in TimeInForce}


def _whole(price: float, qty: float) -> tuple[int, int, int]:
    """(price ticks, qty lots, denial reason or 0) from what a strategy passed: integral
    numbers pass as they are; a fractional price is OFF_TICK, a fractional size BAD_QTY,
    a value past the engine's range BAD_PRICE / BAD_QTY (recorded as 0)."""
    p, bad_p = _integral(price, Reason.OFF_TICK, Reason.BAD_PRICE, MAX_TICKS)
    q, bad_q = _integral(qty, Reason.BAD_QTY, Reason.BAD_QTY, MAX_LOTS)
    return p, q, int(bad_p or bad_q)


def _integral(value: Any, fractional: Reason, too_large: Reason, limit: int) -> tuple[int, int]:
    """(value, 0) for a whole number within +-limit, else (0, the reason)."""
    try:
        f = float(value)
    except (TypeError, ValueError, OverflowError):
        return 0, fractional
    if not f.is_integer():  # a fraction, NaN or infinity
        return 0, fractional
    v = int(value) if isinstance(value, (int, np.integer)) else int(f)
    return (v, 0) if abs(v) <= limit else (0, too_large)


def _tif(tif: TimeInForce | str) -> int:
    if isinstance(tif, str):
        check(tif.upper() in _TIF, "tif", f"one of {sorted(_TIF)}", tif)
        return int(_TIF[tif.upper()])
    return int(tif)


class Context:
    """What a Python strategy sees and does: the host's view and the command buffer."""

    def __init__(self, engine: Any) -> None:
        self._e = engine
        self._cmds: list[tuple[int, ...]] = []
        self._next_id = 0

    # -- time, instruments, state ------------------------------------------------------
    @property
    def now(self) -> int:
        """Host time in ns since the epoch."""
        return int(self._e.cur[0]["now_local"])

    @property
    def trading_state(self) -> str:
        """ACTIVE, REDUCING (only position-reducing orders pass) or HALTED."""
        return TradingState(int(self._e.rstate.glob[0]["state"])).name

    def kill(self) -> None:
        """Fire the kill switch: cancel all open orders, flatten, deny every new order.
        Only the risk desk or the configuration resets it; a strategy cannot. New orders are denied at once; the cancels and the flatten go
        out with this wake-up's commands (or at the next fill or state sample)."""
        self._e.rstate.glob[0]["kill"] = KILL_STRATEGY

    def pause(self) -> None:
        """Deny new orders (and size increases) until resume(); open orders stay, unlike kill."""
        self._e.rstate.glob[0]["pause_req"] = 1

    def resume(self) -> None:
        """End a pause."""
        self._e.rstate.glob[0]["pause_req"] = -1

    def instrument(self, i: int = 0) -> Instrument:
        return self._e.instruments[i]

    def instrument_of(self, book: BookLike) -> int:
        """The instrument index a book trades."""
        return int(self._e.market[self._b(book)]["instrument"])

    def book_index(self, venue: int = 0, instrument: int = 0) -> int:
        """Books are numbered venue * n_instruments + instrument."""
        return venue * len(self._e.instruments) + instrument

    def book_id(self, book: BookLike) -> BookId:
        """The (venue, instrument) name of a book index."""
        return self.book(book).id

    def book(self, book: BookLike) -> Book:
        """The run's handle of a book given by index or BookId."""
        return Book(self._b(book), len(self._e.instruments))

    def _b(self, book: BookLike) -> int:
        """A book's index from a BookId or an index; a BookId the run lacks is an error."""
        n, n_venues = len(self._e.instruments), len(self._e.venues)
        if isinstance(book, BookId):
            if not (0 <= book.instrument < n and 0 <= book.venue < n_venues):
                raise ValueError(f"{book}: the run has {n_venues} venue(s) and "
                                 f"{n} instrument(s)")
            return book.venue * n + book.instrument
        return int(book)  # an unknown index reaches the gate, which denies it with a reason

    # -- the local book -------------------------------------------------------------------
    def best_bid(self, book: BookLike = 0) -> int:
        """Best bid in ticks as the host sees it, 0 when the bid side is empty."""
        return int(self._e.market[self._b(book)]["bid"])

    def best_ask(self, book: BookLike = 0) -> int:
        """Best ask in ticks as the host sees it, 0 when the ask side is empty."""
        return int(self._e.market[self._b(book)]["ask"])

    def best_sizes(self, book: BookLike = 0) -> tuple[int, int]:
        m = self._e.market[self._b(book)]
        return int(m["bid_qty"]), int(m["ask_qty"])

    def mid(self, book: BookLike = 0) -> float:
        """Mid in ticks, NaN when a side is empty."""
        b, a = self.best_bid(book), self.best_ask(book)
        return 0.5 * (b + a) if b > 0 and a > 0 else float("nan")

    def halted(self, book: BookLike = 0) -> bool:
        return int(self._e.market[self._b(book)]["status"]) == 0

    def last_trade(self, book: BookLike = 0) -> tuple[int, int, int, int]:
        """(price ticks, qty lots, aggressor side, exchange ts) of the last print seen."""
        m = self._e.market[self._b(book)]
        return int(m["last_price"]), int(m["last_qty"]), int(m["last_side"]), int(m["last_ts"])

    def last_trade_kind(self, book: BookLike = 0) -> Kind:
        """Kind of the last print seen: EXECUTE (a resting order hit, L3 data) or TRADE."""
        return Kind(int(self._e.market[self._b(book)]["last_kind"]))

    def depth(self, book: BookLike = 0, levels: int = 5) -> dict[str, np.ndarray]:
        """The best `levels` levels per side: bid_price, bid_qty, ask_price, ask_qty (ticks, lots)."""
        px = np.empty((2, levels), np.int64)
        qty = np.empty((2, levels), np.int64)
        e = self._e
        book_nb.depth(e.local_qty, e.local_top, e.base, self._b(book), levels, px, qty)
        return {"bid_price": px[0], "bid_qty": qty[0], "ask_price": px[1], "ask_qty": qty[1]}

    # -- account ---------------------------------------------------------------------
    def position(self, instrument: int = 0) -> int:
        """Signed position in lots, as known from the fills received."""
        return int(self._e.local_acct[instrument]["position"])

    def pnl(self, instrument: int | None = None) -> float:
        """Total P&L in currency (realized net of fees + marked to the local mid)."""
        acct = self._e.local_acct
        return float(acct["equity"].sum() if instrument is None else acct[instrument]["equity"])

    def account(self, instrument: int = 0) -> dict[str, float]:
        a = self._e.local_acct[instrument]
        return {k: a[k] for k in ("position", "cash", "fees", "realized", "unrealized", "equity",
                                  "avg_price")}

    def open_orders(self, book: BookLike | None = None) -> list[Order]:
        """Our orders the host believes open or in flight, oldest first."""
        e = self._e
        out = []
        book = None if book is None else self._b(book)
        for s in e.active[: e.cur[0]["n_active"]]:
            o = e.orders[s]
            st = OrderStatus(int(o["local_status"]))
            if st in (OrderStatus.NEW, OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED) and (
                    book is None or o["book"] == book):
                out.append(Order(int(o["order_id"]), self.book(int(o["book"])), int(o["side"]),
                                 int(o["local_price"]), int(o["local_leaves"]), st,
                                 int(o["pending"]), TimeInForce(int(o["tif"]))))
        return sorted(out, key=lambda o: o.order_id)

    # -- commands ------------------------------------------------------------------------
    def submit(self, side: int, price: int, qty: int, book: BookLike = 0,
               tif: TimeInForce | str = TimeInForce.GTC,
               order_type: OrderType = OrderType.LIMIT) -> int:
        """Send a new order (through the risk gate); returns its order id. Prices are
        whole ticks and sizes whole lots: a float that is not integral is denied
        (OFF_TICK, BAD_QTY), never rounded."""
        oid = int(self._e.cur[0]["next_id"]) + self._next_id
        self._next_id += 1
        p, q, deny = _whole(price, qty)
        self._cmds.append((ACT_SUBMIT, self._b(book), int(side), p, q, _tif(tif),
                           int(order_type), 0, deny))
        return oid

    def buy(self, price: int, qty: int, book: BookLike = 0, tif: TimeInForce | str = "GTC") -> int:
        return self.submit(1, price, qty, book, tif)

    def sell(self, price: int, qty: int, book: BookLike = 0, tif: TimeInForce | str = "GTC") -> int:
        return self.submit(-1, price, qty, book, tif)

    def market_order(self, side: int, qty: int, book: BookLike = 0) -> int:
        return self.submit(side, 0, qty, book, TimeInForce.IOC, OrderType.MARKET)

    def cancel(self, order_id: int) -> None:
        self._cmds.append((ACT_CANCEL, 0, 0, 0, 0, 0, 0, int(order_id), 0))

    def modify(self, order_id: int, price: int, qty: int) -> None:
        """New price and new *total* quantity (what filled by the time the modify reaches the
        venue is subtracted; a total at or below it cancels the rest): a smaller size at the
        same price keeps queue priority, anything else loses it."""
        p, q, deny = _whole(price, qty)
        self._cmds.append((ACT_MODIFY, 0, 0, p, q, 0, 0, int(order_id), deny))

    def replace(self, order_id: int, price: int, qty: int) -> int:
        """Cancel an order and send a new one on the same book and side; returns the new id.

        Unlike modify, the new order has its own id and the two commands travel apart:
        if the cancel arrives too late, both orders may trade.
        """
        old = next((o for o in self.open_orders() if o.order_id == order_id), None)
        if old is None:
            raise ValueError(f"replace: order {order_id} is not open")
        self.cancel(order_id)
        return self.submit(old.side, price, qty, old.book, old.tif)

    def cancel_all(self, book: BookLike | None = None) -> None:
        for o in self.open_orders(book):
            if o.pending == 0:
                self.cancel(o.order_id)

    def _drain(self, cmds: np.ndarray, start: int = 0) -> tuple[np.ndarray, int]:
        """Write buffered commands into the engine's command array after its first
        `start` rows (grown when needed); returns the array and the rows written."""
        n = len(self._cmds)
        if start + n > len(cmds):
            grown = np.zeros(max(start + n, 2 * len(cmds)), COMMAND_DTYPE)
            grown[:start] = cmds[:start]
            cmds = grown
        if n:
            cmds[start:start + n] = np.array(self._cmds, dtype=COMMAND_DTYPE)
        self._cmds.clear()
        self._next_id = 0
        return cmds, n

