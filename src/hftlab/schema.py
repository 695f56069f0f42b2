"""The one place that defines hftlab's tables: market events and run records.

Prices are integer ticks of the instrument's tick size and quantities integer lots of
its lot size; timestamps are int64 nanoseconds since the Unix epoch, UTC. Currency
appears only at the edges (readers, reports), converted with the instrument spec.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class Kind(IntEnum):
    """What a market event does to the book (ARCHITECTURE.md, "canonical event schema")."""

    ADD = 1  # a new resting order (L3) at price with qty
    CANCEL = 2  # partial cancel: qty leaves a resting order (L3)
    DELETE = 3  # a resting order leaves the book entirely (L3)
    EXECUTE = 4  # a resting order traded for qty (L3); side is the resting order's side
    TRADE = 5  # a print with aggressor side (L2, hidden or cross); does not touch the book
    LEVEL = 6  # L2: the aggregate qty at price on side is now qty (0 removes the level)
    CLEAR = 7  # the book of (venue, instrument) is reset, e.g. before a snapshot
    STATUS = 8  # trading status: qty 1 = trading, 0 = halted


class Side(IntEnum):
    BUY = 1
    SELL = -1
    UNKNOWN = 0


BID = 1
ASK = -1

EVENT_DTYPE = np.dtype(
    [
        ("ts", "i8"),
        ("ts_local", "i8"),
        ("venue", "u2"),
        ("instrument", "u4"),
        ("kind", "u1"),
        ("side", "i1"),
        ("price", "i8"),
        ("qty", "i8"),
        ("order_id", "u8"),
    ]
)
EVENT_FIELDS: tuple[str, ...] = tuple(EVENT_DTYPE.names)


def reason_name(code: int) -> str:
    """The Reason's name, or the code itself when it names none."""
    try:
        return Reason(code).name
    except ValueError:
        return str(code)


class TradingState(IntEnum):
    """The risk engine's trading state: a risk event's ``state``, the view's
    ``clock.trading_state``, ``Context.trading_state()`` and the desk's snapshot."""

    ACTIVE = 0  # every order the limits allow
    REDUCING = 1  # only orders that reduce a position (soft loss / drawdown limit)
    HALTED = 2  # orders denied, open orders cancelled, positions flattened (hard limit, kill)


class Wake(IntEnum):
    """Why a strategy is woken: the `reason` a compiled strategy receives."""

    START = 1  # the first event
    BOOK = 2  # a book update reached the host (subscribe_book)
    TRADE = 3  # a trade print reached the host (subscribe_trades)
    FILL = 4  # one of our orders filled (the view's account counts it)
    ORDER = 5  # one of our orders changed state (accepted, cancelled, rejected, ...)
    TIMER = 6  # the strategy's timer
    END = 7
    DENIED = 8  # the risk gate denied a command (Python strategies: on_order_denied)


class OrderType(IntEnum):
    LIMIT = 0
    MARKET = 1


class TimeInForce(IntEnum):
    GTC = 0  # rests until cancelled
    IOC = 1  # fill what can be filled now, cancel the rest
    FOK = 2  # fill all now or nothing
    POST_ONLY = 3  # rest only; rejected if it would take liquidity


class OrderStatus(IntEnum):
    """Order lifecycle; also the `status` of a row in the orders record."""

    NEW = 0  # sent by the strategy, not yet at the venue
    ACCEPTED = 1  # resting at the venue
    PARTIALLY_FILLED = 2
    FILLED = 3
    CANCELLED = 4
    REJECTED = 5  # refused by the venue (reason says why)
    DENIED = 6  # stopped by the risk gate before reaching the venue (reason says why)
    EXPIRED = 7  # IOC/FOK remainder cancelled by the venue


class Reason(IntEnum):
    """Reason codes carried by rejected orders and risk events."""

    NONE = 0
    OFF_TICK = 1  # price is not a whole number of ticks (raised at the Python edge)
    BAD_PRICE = 2  # price <= 0 for a limit order
    BAD_QTY = 3  # qty <= 0
    UNKNOWN_VENUE = 4
    UNKNOWN_INSTRUMENT = 5
    POST_ONLY_WOULD_CROSS = 6
    FOK_NOT_FILLABLE = 7
    NO_LIQUIDITY = 8  # market / IOC order met an empty book
    UNKNOWN_ORDER = 9  # cancel or modify of an order that is not open
    SELF_TRADE = 10  # self-trade prevention cancelled the incoming order's remainder
    HALTED = 11  # the instrument is halted at the venue
    OUT_OF_BOOK_RANGE = 12  # price outside the engine's price window for the book
    TOO_MANY_ORDERS = 13  # the engine's open-order capacity is exhausted
    BAD_SIDE = 14  # side is not +1 (buy) or -1 (sell)
    UNKNOWN_BOOK = 15  # the command names a (venue, instrument) book the run does not have
    # risk gate reasons (issue "risk controls") start at 32
    RISK_PRICE_BAND = 32
    RISK_MAX_ORDER_QTY = 33
    RISK_MAX_ORDER_NOTIONAL = 34
    RISK_POSITION_LIMIT = 35
    RISK_POSITION_NOTIONAL = 36
    RISK_GROSS_NOTIONAL = 37
    RISK_NET_NOTIONAL = 38
    RISK_CONCENTRATION = 39
    RISK_THROTTLE = 40
    RISK_CANCEL_RATIO = 41
    RISK_DUPLICATE = 42
    RISK_STATE_REDUCING = 43
    RISK_STATE_HALTED = 44
    RISK_KILL_SWITCH = 45  # the kill switch fired (value: 1 strategy, 2 engine, 3 time, 4 denials)
    RISK_SOFT_LOSS = 46  # soft loss limit: state REDUCING
    RISK_HARD_LOSS = 47  # hard loss limit: state HALTED, cancel all, flatten
    RISK_SOFT_DRAWDOWN = 48  # fall from peak P&L: state REDUCING
    RISK_HARD_DRAWDOWN = 49  # fall from peak P&L: state HALTED
    RISK_HOLDING_TIME = 50  # a position stayed open too long: flattened
    RISK_CORRELATION = 51  # mean pairwise return correlation spiked (alert)
    RISK_NO_REFERENCE = 52  # no reference price to check the order against
    RISK_INSTRUMENT_HALTED = 53  # instrument halted at the venue or by configuration
    RISK_PAUSED = 54  # trading paused: new orders denied, open orders kept
    RISK_RESUMED = 55  # trading resumed after a pause
    RISK_RESET = 56  # explicit reset: state back to ACTIVE
    RISK_CANCEL_ALL = 57  # the risk engine cancelled open orders (value: how many)
    RISK_FLATTEN = 58  # the risk engine sent an order that flattens a position
    RISK_CANCEL_TO_ORDER = 59  # cancels sent per new order sent above max_cancel_to_order


ORDER_RECORD_DTYPE = np.dtype(
    [
        ("order_id", "i8"),  # engine-assigned id of our order
        ("ts_sent", "i8"),  # local time the strategy sent it
        ("ts_exchange", "i8"),  # time the venue processed the command (0 if denied)
        ("ts_ack", "i8"),  # local time the strategy learned the outcome
        ("venue", "u2"),
        ("instrument", "u4"),
        ("action", "u1"),  # 0 submit, 1 cancel, 2 modify
        ("side", "i1"),
        ("order_type", "u1"),
        ("tif", "u1"),
        ("price", "i8"),  # ticks
        ("qty", "i8"),  # lots
        ("status", "u1"),  # OrderStatus after the venue processed the command
        ("reason", "u2"),  # Reason
    ]
)

FILL_RECORD_DTYPE = np.dtype(
    [
        ("order_id", "i8"),
        ("ts_exchange", "i8"),  # when the fill happened at the venue
        ("ts_local", "i8"),  # when the strategy learned of it
        ("venue", "u2"),
        ("instrument", "u4"),
        ("side", "i1"),  # our side: +1 bought, -1 sold
        ("price", "i8"),  # ticks
        ("qty", "i8"),  # lots
        ("maker", "u1"),  # 1 passive (provided liquidity), 0 aggressive
        ("fee", "f8"),  # currency; negative = rebate received
        ("mid", "f8"),  # exchange mid in ticks at the fill (NaN if one side empty)
    ]
)

STATE_RECORD_DTYPE = np.dtype(
    [
        ("ts", "i8"),  # exchange time of the sample
        ("instrument", "u4"),
        ("position", "i8"),  # lots, signed
        ("cash", "f8"),  # currency
        ("fees", "f8"),  # cumulative fees paid (negative = net rebates)
        ("realized_pnl", "f8"),  # currency, average-cost method, net of fees
        ("unrealized_pnl", "f8"),  # mark-to-mid, currency
        ("equity", "f8"),  # realized + unrealized = total P&L since start
        ("mid", "f8"),  # ticks
        ("bid", "i8"),  # our best open bid price (ticks), 0 if none
        ("ask", "i8"),  # our best open ask price (ticks), 0 if none
        ("best_bid", "i8"),  # market best bid (ticks), 0 if none
        ("best_ask", "i8"),  # market best ask (ticks), 0 if none
    ]
)

RISK_EVENT_DTYPE = np.dtype(
    [
        ("ts", "i8"),
        ("rule", "u2"),  # Reason code of the rule that acted
        ("order_id", "i8"),  # the order concerned, -1 if none
        ("instrument", "u4"),
        ("value", "f8"),  # the measured value that triggered the rule
        ("limit", "f8"),  # the configured limit
        ("state", "u1"),  # trading state after the decision (0 ACTIVE, 1 REDUCING, 2 HALTED)
    ]
)


def empty_events(n: int = 0) -> np.ndarray:
    """A zeroed event table of n rows."""
    return np.zeros(n, dtype=EVENT_DTYPE)
