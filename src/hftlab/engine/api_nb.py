"""The compiled-strategy API: a read-only view of what the host knows, a bounded command
sink with njit helpers, and the request area for kill and pause.

A compiled strategy is a numba function ``fn(reason, book, view, orders, state)``
called in place by the engine's loop at every wake-up (reason: hftlab.Wake, book: the
book index of a book / trade wake-up, else -1):

- ``view`` (a View of read-only arrays): ``view.books[b]`` the host's top of book b
  (bid, ask, bid_qty, ask_qty, last trade, status; prices in ticks, sizes in lots),
  ``view.orders`` our orders as the host knows them (after the response latency, never
  the venue's truth), ``view.account[i]`` per instrument, ``view.clock[0]`` host time,
  open orders and trading state, and the host's ladders for ``depth``. Writing to any
  of it is an error: numba's for the arrays (``setitem(readonly array ...)``), and a
  check of the strategy's typed code for fields of their records.
- ``orders`` (an Orders sink): write commands with ``submit``, ``market``, ``cancel``,
  ``modify``; past its capacity the run stops with an error naming the strategy and the
  capacity (nothing is dropped). ``request_kill`` / ``request_pause`` / ``request_resume``
  ask the risk gate; nothing a strategy writes can clear a halt or a kill.
- ``state``: one record of the dtype the strategy declared (named int64 / float64
  fields, arrays allowed); it persists across wake-ups and comes back in the RunRecord.

Everything here compiles with ``cache=True``: the strategy's own function is the only
thing compiled for a new strategy. The helpers that allocate nothing (all but ``depth``)
compile without numba's reference counting (``_nrt=False``): called at every wake-up, each
call would otherwise count references to every array of the view on its way in and out.
"""

from __future__ import annotations

from collections import namedtuple

import numba as nb
import numpy as np

from hftlab.core import book_nb
from hftlab.core.commands_nb import write_command
from hftlab.core.layout import (ACCOUNT_DTYPE, ACT_CANCEL, ACT_MODIFY, ACT_SUBMIT, BOOK_DTYPE,
                                OWN_ORDER_DTYPE)
from hftlab.core.specialise import plain_args
from hftlab.schema import OrderStatus

_I8 = np.int64
# The host's top of book, one row per book: the engine's market view itself.
BOOK_VIEW_DTYPE = BOOK_DTYPE
# Our orders as the host knows them: only the host's fields of the engine's own-orders
# table (same memory; the venue's truth is not in it).
_HOST_FIELDS = {"order_id": "order_id", "book": "book", "side": "side", "price": "local_price",
                "leaves": "local_leaves", "status": "local_status", "pending": "pending",
                "tif": "tif"}
ORDER_VIEW_DTYPE = np.dtype({
    "names": list(_HOST_FIELDS),
    "formats": [OWN_ORDER_DTYPE.fields[f][0] for f in _HOST_FIELDS.values()],
    "offsets": [OWN_ORDER_DTYPE.fields[f][1] for f in _HOST_FIELDS.values()],
    "itemsize": OWN_ORDER_DTYPE.itemsize})
# The host's account per instrument (position in lots, money in currency, prices in ticks).
ACCOUNT_VIEW_DTYPE = ACCOUNT_DTYPE
# Host time (ns), open-order slots listed in view.active, trading state (a
# schema.TradingState) and the id the next accepted submit gets.
CLOCK_DTYPE = np.dtype([("now", _I8), ("n_active", _I8), ("trading_state", _I8),
                        ("next_id", _I8)])
VIEW_DTYPES = (BOOK_VIEW_DTYPE, ORDER_VIEW_DTYPE, ACCOUNT_VIEW_DTYPE, CLOCK_DTYPE)

class View(namedtuple("View", "books orders active account clock ladder top base")):
    """What a compiled strategy reads (module doc); no __slots__, so that engine.state can
    keep its numba type on it."""


class Orders(namedtuple("Orders", "commands counts")):
    """The command sink of a compiled strategy (module doc)."""


# the sink's counts, one record (1,) of SINK_DTYPE, zeroed before each call of the strategy
SINK_DTYPE = np.dtype([
    ("written", _I8),  # commands written
    ("overflow", _I8),  # commands refused for want of room
    ("kill", _I8),  # 1: kill requested
    ("pause", _I8),  # +1 pause or -1 resume requested
    ("submits", _I8),  # submits written (for the ids they will get)
], align=True)


def readonly(a: np.ndarray) -> np.ndarray:
    """A read-only view of a (the engine keeps writing the original)."""
    v = a.view()
    v.setflags(write=False)
    return v


def make_view(market: np.ndarray, orders: np.ndarray, active: np.ndarray, lacct: np.ndarray,
              clock: np.ndarray, lqty: np.ndarray, ltop: np.ndarray, base: np.ndarray) -> View:
    """The strategy's View over the engine's host-side arrays (no copies)."""
    return View(readonly(market), readonly(orders.view(ORDER_VIEW_DTYPE)), readonly(active),
                readonly(lacct),
                readonly(clock), readonly(lqty), readonly(ltop),
                readonly(base))


def make_sink(cmds: np.ndarray, counts: np.ndarray) -> Orders:
    """The strategy's Orders sink over the engine's command buffer."""
    return Orders(cmds, counts)


# -- the view ---------------------------------------------------------------------------
@nb.njit(cache=True, _nrt=False)
def now(view):
    """Host time, ns since the epoch."""
    return view.clock[0].now


@plain_args
@nb.njit(cache=True, _nrt=False)
def best_bid(view, book):
    """Best bid in ticks as the host sees it, 0 when the side is empty."""
    return view.books[book].bid


@plain_args
@nb.njit(cache=True, _nrt=False)
def best_ask(view, book):
    """Best ask in ticks as the host sees it, 0 when the side is empty."""
    return view.books[book].ask


@plain_args
@nb.njit(cache=True, _nrt=False)
def mid(view, book):
    """Mid in ticks, NaN when a side is empty."""
    b = view.books[book]
    if b.bid > 0 and b.ask > 0:
        return 0.5 * (b.bid + b.ask)
    return np.nan


@plain_args
@nb.njit(cache=True, _nrt=False)
def instrument_of(view, book):
    return view.books[book].instrument


@plain_args
@nb.njit(cache=True, _nrt=False)
def position(view, instrument):
    """Signed position in lots, from the fills the host has received."""
    return np.int64(view.account[instrument].position)


@nb.njit(cache=True, _nrt=False)
def trading_state(view):
    """The risk engine's TradingState: ACTIVE, REDUCING (only reducing orders pass) or
    HALTED (compare with hftlab.strategy.TradingState's members)."""
    return view.clock[0].trading_state


@nb.njit(cache=True, _nrt=False)
def n_orders(view):
    """How many of our orders the host lists (open, in flight, or closed this wake-up)."""
    return view.clock[0].n_active


@plain_args
@nb.njit(cache=True, _nrt=False)
def order(view, k):
    """Our k-th listed order (0 <= k < n_orders(view)) as the host knows it."""
    return view.orders[view.active[k]]


@nb.njit(cache=True, _nrt=False)
def is_open(o):
    """True while the host believes the order open or in flight (NEW, ACCEPTED or
    PARTIALLY_FILLED)."""
    return o.status <= OrderStatus.PARTIALLY_FILLED


@plain_args
@nb.njit(cache=True)
def depth(view, book, levels):
    """(prices, sizes), each (2, levels): the host's best levels, bids in row 0, asks in
    row 1; missing levels are 0."""
    px = np.zeros((2, levels), np.int64)
    qty = np.zeros((2, levels), np.int64)
    book_nb.depth(view.ladder, view.top, view.base, book, levels, px, qty)
    return px, qty


# -- the sink ---------------------------------------------------------------------------
@plain_args
@nb.njit(cache=True, _nrt=False)
def _command(orders, action, book, side, price, qty, tif, order_type, order_id):
    """Write one command (every field); False, and counted, when the sink is full."""
    c = orders.counts[0]
    n = c.written
    if n >= orders.commands.shape[0]:
        c.overflow += 1
        return False
    c.written = n + 1
    write_command(orders.commands, n, action, book, side, price, qty, tif, order_type, order_id)
    return True


@plain_args
@nb.njit(cache=True, _nrt=False)
def submit(view, orders, book, side, price, qty, tif=0, order_type=0):
    """Send a new order (side +1 buy / -1 sell, price ticks, qty lots, tif a TimeInForce);
    returns the id it gets if it passes the gate, or -1 when the sink is full."""
    if not _command(orders, ACT_SUBMIT, book, side, price, qty, tif, order_type, 0):
        return -1
    c = orders.counts[0]
    oid = view.clock[0].next_id + c.submits
    c.submits += 1
    return oid


@plain_args
@nb.njit(cache=True, _nrt=False)
def market(view, orders, book, side, qty):
    """A market order (IOC): fills what the book holds now, the rest expires."""
    return submit(view, orders, book, side, 0, qty, 1, 1)


@plain_args
@nb.njit(cache=True, _nrt=False)
def cancel(orders, order_id):
    """Cancel one of our orders; False when the sink is full."""
    return _command(orders, ACT_CANCEL, 0, 0, 0, 0, 0, 0, order_id)


@plain_args
@nb.njit(cache=True, _nrt=False)
def modify(orders, order_id, price, qty):
    """New price and new total quantity of one of our orders (the venue subtracts what
    filled when the modify arrives; at or below that it cancels the rest); False when the
    sink is full."""
    return _command(orders, ACT_MODIFY, 0, 0, price, qty, 0, 0, order_id)


@nb.njit(cache=True, _nrt=False)
def request_kill(orders):
    """Ask the risk gate to fire the kill switch (cancel all, flatten, deny new orders).
    Only the risk desk or the configuration resets it."""
    orders.counts[0].kill = 1


@nb.njit(cache=True, _nrt=False)
def request_pause(orders):
    """Ask the gate to deny new orders (open ones stay) until request_resume."""
    orders.counts[0].pause = 1


@nb.njit(cache=True, _nrt=False)
def request_resume(orders):
    """End a pause this strategy asked for (a kill or a loss halt stays)."""
    orders.counts[0].pause = -1


@plain_args
@nb.njit(cache=True, _nrt=False)
def withdraw(view, orders, book, side, price, qty):
    """Cancel our orders on that side of book that have no command in flight, except one
    at price while qty > 0 (kept, with its queue place); True when one is kept."""
    have = False
    for k in range(view.clock[0].n_active):
        o = view.orders[view.active[k]]
        if o.book != book or o.side != side or o.status > 2:
            continue
        if o.price == price and qty > 0 and not have:
            have = True
        elif o.pending == 0:
            cancel(orders, o.order_id)
    return have


@plain_args
@nb.njit(cache=True, _nrt=False)
def requote(view, orders, book, side, price, qty, tif):
    """Keep one order at (side, price) on book, keeping its queue place; cancel our other
    orders on that side that have no command in flight. qty 0 withdraws the side."""
    if not withdraw(view, orders, book, side, price, qty) and qty > 0 and price > 0:
        submit(view, orders, book, side, price, qty, tif, 0)


@plain_args
@nb.njit(cache=True, _nrt=False)
def requote_both(view, orders, book, bid, bid_qty, ask, ask_qty, tif):
    """requote both sides (prices in ticks, quantities in lots; 0 lots withdraws a side),
    every cancel before any new order. Two requote calls would send the new bid before
    the old ask's cancel: after a jump of more than the spread the new bid meets our own
    old ask at the venue (a post-only bid is rejected, a GTC one trades with it), where a
    market maker pulls its stale quotes first."""
    keep_bid = withdraw(view, orders, book, 1, bid, bid_qty)
    keep_ask = withdraw(view, orders, book, -1, ask, ask_qty)
    if not keep_bid and bid_qty > 0 and bid > 0:
        submit(view, orders, book, 1, bid, bid_qty, tif, 0)
    if not keep_ask and ask_qty > 0 and ask > 0:
        submit(view, orders, book, -1, ask, ask_qty, tif, 0)
