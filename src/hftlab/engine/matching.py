"""The venue's price-time matching engine: a small typed face over matching_nb.

``MatchingEngine`` owns the state arrays (order pool, FIFO queues, aggregate ladders)
of several books, validates commands, calls the compiled kernels, grows the pool and
the output buffers when they run out, and returns each command's outcome with the
fills and canonical market events it caused. Prices are integer ticks, sizes lots. A
batch (``process``) is an array of MESSAGE_DTYPE records; results, fills and the pool
are RESULT_DTYPE, MATCH_FILL_DTYPE and MATCH_ORDER_DTYPE records (core/layout.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from hftlab.core import book_nb
from hftlab.core import matching_nb as mk
from hftlab.core.layout import (ACT_MODIFY, ACT_SUBMIT, MATCH_EVENT_DTYPE, MATCH_FILL_DTYPE,
                                MATCH_ORDER_DTYPE, MESSAGE_DTYPE, RESULT_DTYPE, copy_records,
                                grow_records)
from hftlab.schema import EVENT_DTYPE, OrderStatus, OrderType, Reason, TimeInForce

__all__ = ["MATCH_FILL_DTYPE", "MESSAGE_DTYPE", "RESULT_DTYPE", "BatchResult", "MatchingEngine",
           "OrderResult", "ReplaceResult", "StpMode"]


class StpMode:
    """Self-trade prevention modes (same non-zero owner on both sides of a match)."""

    CANCEL_NEWEST = mk.STP_CANCEL_NEWEST
    CANCEL_OLDEST = mk.STP_CANCEL_OLDEST
    CANCEL_BOTH = mk.STP_CANCEL_BOTH


@dataclass(frozen=True)
class OrderResult:
    """The outcome of one command and everything it caused at the venue."""

    order_id: int
    status: OrderStatus
    reason: Reason
    filled: int
    resting: int
    removed: int
    fills: np.ndarray  # MATCH_FILL_DTYPE rows caused by this command
    events: np.ndarray  # EVENT_DTYPE rows caused by this command


@dataclass(frozen=True)
class ReplaceResult:
    """A replace: the old order's cancel and the new order (None when the cancel failed)."""

    cancelled: OrderResult
    new: OrderResult | None


@dataclass(frozen=True)
class BatchResult:
    """Per-message results (RESULT_DTYPE) with all fills and events of a batch."""

    results: np.ndarray
    fills: np.ndarray
    events: np.ndarray


_ORDER_TYPES = tuple(int(t) for t in OrderType)
_TIFS = tuple(int(t) for t in TimeInForce)


def _int_enum(value: int, allowed: tuple[int, ...], name: str) -> int:
    if int(value) not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value}")
    return int(value)


class MatchingEngine:
    """Price-time priority matching for n_books books with price windows of `width` ticks.

    Book b accepts limit prices base[b] .. base[b] + width - 1 (ticks); prices outside are
    rejected with OUT_OF_BOOK_RANGE, never clipped. stp_mode is a StpMode value.
    ``venues`` / ``instruments`` label each book in the events written out.
    """

    def __init__(self, base: np.ndarray | list[int], width: int,
                 stp_mode: int = StpMode.CANCEL_NEWEST, capacity: int = 1024,
                 buffer_rows: int = 4096, venues: np.ndarray | None = None,
                 instruments: np.ndarray | None = None) -> None:
        base_arr = np.asarray(base, dtype=np.int64).reshape(-1)
        if base_arr.size == 0:
            raise ValueError("base must name at least one book")
        if np.any(base_arr < 1):
            raise ValueError("base prices must be >= 1 tick")
        if width < 1:
            raise ValueError(f"width must be >= 1 tick, got {width}")
        if capacity < 2 or buffer_rows < 1:
            raise ValueError("capacity must be >= 2 and buffer_rows >= 1")
        self.stp_mode = _int_enum(stp_mode, (0, 1, 2), "stp_mode")
        n = base_arr.size
        self.base = base_arr
        self.width = int(width)
        self.qty, self.top = book_nb.new_books(n, self.width)
        self.head = np.full((n, 2, self.width), mk.NIL, dtype=np.int64)
        self.tail = np.full((n, 2, self.width), mk.NIL, dtype=np.int64)
        self.n_resting = np.zeros((n, 2), dtype=np.int64)
        self.orders = np.zeros(capacity, dtype=MATCH_ORDER_DTYPE)
        self.ctr = np.ones(1, dtype=np.int64)  # next order id
        self.fills = np.zeros(buffer_rows, dtype=MATCH_FILL_DTYPE)
        self.events = np.zeros(buffer_rows, dtype=MATCH_EVENT_DTYPE)
        self.venues = (np.zeros(n, dtype=np.uint16) if venues is None
                       else np.asarray(venues, dtype=np.uint16).reshape(-1))
        self.instruments = (np.arange(n, dtype=np.uint32) if instruments is None
                            else np.asarray(instruments, dtype=np.uint32).reshape(-1))
        if self.venues.size != n or self.instruments.size != n:
            raise ValueError(f"venues and instruments need one entry per book ({n}), got "
                             f"{self.venues.size} and {self.instruments.size}")

    # ---- state ------------------------------------------------------------------
    @property
    def n_books(self) -> int:
        """Number of books in the engine."""
        return self.base.size

    def _state(self) -> tuple:
        return (self.orders, self.head, self.tail, self.qty, self.top, self.base,
                self.n_resting, self.ctr)

    def _grow_pool(self) -> None:
        """Double the order pool (new rows are zero pages until an order uses them)."""
        self.orders = grow_records(self.orders, 2 * self.orders.shape[0])

    def _grow_buffers(self, nf: int = 0, ne: int = 0) -> None:
        """Larger output buffers (rows [:nf] / [:ne] kept) that can take the worst case
        of the largest book side after the rows already written."""
        worst = int(self.n_resting.max(initial=0))
        nf_rows = max(2 * self.fills.shape[0], nf + worst + 1)
        ne_rows = max(2 * self.events.shape[0], ne + 2 * worst + 4)
        self.fills = grow_records(self.fills[:nf], nf_rows)
        self.events = grow_records(self.events[:ne], ne_rows)

    def _run(self, kernel, *args) -> OrderResult:
        while True:
            r = kernel(*self._state(), *args, self.fills, 0, self.events, 0)
            if r[0] == mk.RETRY_CAPACITY:
                self._grow_pool()
            elif r[0] == mk.RETRY_BUFFER:
                self._grow_buffers()
            else:
                return OrderResult(int(r[2]), OrderStatus(r[0]), Reason(r[1]), int(r[3]),
                                   int(r[4]), int(r[5]), self._fills_out(0, r[6]),
                                   self._events_out(0, r[7]))

    def _fills_out(self, lo: int, hi: int) -> np.ndarray:
        return copy_records(self.fills[lo:hi])

    def _events_out(self, lo: int, hi: int) -> np.ndarray:
        rows = self.events[lo:hi]
        out = np.zeros(hi - lo, dtype=EVENT_DTYPE)
        for name in ("ts", "kind", "side", "price", "qty", "order_id"):
            out[name] = rows[name]
        if self.n_books == 1:
            out["venue"] = self.venues[0]
            out["instrument"] = self.instruments[0]
        else:
            out["venue"] = self.venues.take(rows["book"])
            out["instrument"] = self.instruments.take(rows["book"])
        return out

    # ---- commands ---------------------------------------------------------------
    def submit(self, owner: int, side: int, price: int, qty: int,
               order_type: int = OrderType.LIMIT, tif: int = TimeInForce.GTC,
               book: int = 0, ts: int = 0) -> OrderResult:
        """Send a new order: side +1 buy / -1 sell, price in ticks (ignored for market),
        qty in lots; owner 0 is anonymous (no self-trade prevention)."""
        _int_enum(side, (1, -1), "side")
        _int_enum(order_type, _ORDER_TYPES, "order_type")
        _int_enum(tif, _TIFS, "tif")
        self._check_book(book)
        return self._run(mk.submit, int(book), int(owner), int(side), int(price), int(qty),
                         int(order_type), int(tif), self.stp_mode, int(ts))

    def cancel(self, order_id: int, ts: int = 0) -> OrderResult:
        """Cancel a resting order; UNKNOWN_ORDER when it is not open."""
        return self._run(mk.cancel, int(order_id), int(ts))

    def modify(self, order_id: int, price: int | None = None, qty: int | None = None,
               ts: int = 0) -> OrderResult:
        """Change a resting order's price (ticks) and / or resting qty (lots).

        A size decrease keeps time priority; a size increase or price change sends the
        order to the back of the queue, and a new price may cross and trade.
        """
        p = mk.KEEP if price is None else int(price)
        q = mk.KEEP if qty is None else int(qty)
        return self._run(mk.modify, int(order_id), p, q, self.stp_mode, int(ts))

    def replace(self, order_id: int, price: int, qty: int, tif: int = TimeInForce.GTC,
                ts: int = 0) -> ReplaceResult:
        """Cancel an order and send a new limit order (new id, same book, side, owner)."""
        _int_enum(tif, _TIFS, "tif")
        oid = int(order_id)
        row = self.orders[oid].copy() if 0 < oid < self.ctr[0] else None
        cancelled = self.cancel(oid, ts)
        if cancelled.status != OrderStatus.CANCELLED or row is None:
            return ReplaceResult(cancelled, None)
        new = self.submit(int(row["owner"]), int(row["side"]), price, qty, OrderType.LIMIT,
                          tif, int(row["book"]), ts)
        return ReplaceResult(cancelled, new)

    def process(self, messages: np.ndarray) -> BatchResult:
        """Run a batch of messages (a MESSAGE_DTYPE array) without Python in the loop;
        returns per-message results and all fills and events, in order."""
        if not isinstance(messages, np.ndarray) or messages.dtype != MESSAGE_DTYPE:
            raise ValueError("messages must be an array of MESSAGE_DTYPE (hftlab.core.layout), "
                             f"got {getattr(messages, 'dtype', type(messages))}")
        msgs = np.ascontiguousarray(messages).reshape(-1)
        self._check_messages(msgs)
        results = np.zeros(msgs.shape[0], dtype=RESULT_DTYPE)
        k = nf = ne = 0
        while True:  # outputs stay in the engine's buffers, grown as needed, until the end
            k, code, nf, ne = mk.process(msgs, k, results, *self._state(), self.stp_mode,
                                         self.fills, nf, self.events, ne)
            if code == 0:
                break
            if code == mk.RETRY_CAPACITY:
                self._grow_pool()
            else:
                self._grow_buffers(nf, ne)
        return BatchResult(results, self._fills_out(0, nf), self._events_out(0, ne))

    def _check_book(self, book: int) -> None:
        if not 0 <= int(book) < self.n_books:
            raise ValueError(f"book must be in 0..{self.n_books - 1}, got {book}")

    def _check_messages(self, msgs: np.ndarray) -> None:
        act = msgs["action"]
        sub = act == ACT_SUBMIT
        side, otype, tif = msgs["side"], msgs["order_type"], msgs["tif"]
        book = msgs["book"]
        checks = (
            ((act < ACT_SUBMIT) | (act > ACT_MODIFY), "action must be 0, 1 or 2"),
            (sub & (side != 1) & (side != -1), "side must be +1 or -1"),
            (sub & ~np.isin(otype, _ORDER_TYPES), "order_type must be 0 or 1"),
            (sub & ~np.isin(tif, _TIFS), "tif must be 0..3"),
            (sub & ((book < 0) | (book >= self.n_books)),
             f"book must be in 0..{self.n_books - 1}"),
        )
        for bad, what in checks:
            if bad.any():
                k = int(np.argmax(bad))
                raise ValueError(f"message {k}: {what}, got {msgs[k]}")

    # ---- reading the book -------------------------------------------------------
    def best_bid(self, book: int = 0) -> int | None:
        """Best bid price in ticks, None when the bid side is empty."""
        i = int(self.top[book, 0])
        return None if i < 0 else int(self.base[book]) + i

    def best_ask(self, book: int = 0) -> int | None:
        """Best ask price in ticks, None when the ask side is empty."""
        i = int(self.top[book, 1])
        return None if i >= self.width else int(self.base[book]) + i

    def depth(self, book: int = 0, levels: int = 5) -> tuple[np.ndarray, np.ndarray]:
        """(prices, qtys) of shape (2, levels): bids in row 0, asks in row 1; -1 / 0 pad."""
        px = np.empty((2, levels), dtype=np.int64)
        q = np.empty((2, levels), dtype=np.int64)
        book_nb.depth(self.qty, self.top, self.base, int(book), int(levels), px, q)
        return px, q

    def order(self, order_id: int) -> dict[str, int] | None:
        """The pool record of an order id (price, qty resting, side, owner, book, state)."""
        oid = int(order_id)
        if not 0 < oid < self.ctr[0]:
            return None
        r = self.orders[oid]
        return {name: int(r[name]) for name in ("price", "qty", "side", "owner", "book", "state")}

    def queue(self, book: int, side: int, price: int) -> list[int]:
        """Order ids resting at a price, front of the queue first."""
        i = int(price) - int(self.base[book])
        if not 0 <= i < self.width:
            return []
        out = np.empty(int(self.n_resting[book, 0 if side > 0 else 1]), dtype=np.int64)
        n = mk.level_orders(self.orders, self.head, int(book), 0 if side > 0 else 1, i, out)
        return out[:n].tolist()
