"""A wake-up of the compiled loop as a Python strategy's typed callback: the loop stops
at a wake-up (engine/loop_nb.py, cursor fields wake / wake_book) and hands Python the
order table, the last response and the record rows of what the gate denied."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hftlab.core.layout import R_ACK, R_MODIFIED, R_REFUSED
from hftlab.engine.host import Context, Fill, Order, Strategy
from hftlab.schema import OrderStatus, Reason, TimeInForce, Wake

if TYPE_CHECKING:
    from hftlab.engine.backtest import Engine


def dispatch(strategy: Strategy, ctx: Context, e: Engine) -> None:
    """Call the strategy's callback for the wake-up the loop stopped at (e.cur's wake and
    wake_book): on_start / on_timer / on_book / on_trade, on_fill, and for an order event
    the typed one its response and the host's status name (on_order catches the rest)."""
    reason = int(e.cur[0]["wake"])
    evented = reason in (Wake.BOOK, Wake.TRADE, Wake.FILL, Wake.ORDER)
    book = ctx.book(int(e.cur[0]["wake_book"])) if evented else -1
    if reason == Wake.START:
        strategy.on_start(ctx)
    elif reason == Wake.TIMER:
        strategy.on_timer(ctx)
    elif reason == Wake.BOOK:
        strategy.on_book(ctx, book)
    elif reason == Wake.TRADE:
        strategy.on_trade(ctx, book)
    elif reason == Wake.DENIED:
        denials(strategy, ctx, e)
    elif reason in (Wake.FILL, Wake.ORDER):
        r = e.resp[(int(e.resp_ends[0]["head"]) - 1) % len(e.resp)]
        o = e.orders[r["slot"]]
        if reason == Wake.FILL:
            strategy.on_fill(ctx, Fill(int(o["order_id"]), book, int(o["side"]), int(r["price"]),
                                       int(r["qty"]), bool(r["maker"]), int(r["ts_exchange"])))
            return
        status = OrderStatus(int(o["local_status"]))
        order = Order(int(o["order_id"]), book, int(o["side"]), int(o["local_price"]),
                      int(o["local_leaves"]), status, int(o["pending"]), TimeInForce(int(o["tif"])),
                      Reason(int(r["reason"])))
        kind = int(r["kind"])
        if kind == R_ACK:
            strategy.on_order_accepted(ctx, order)
        elif kind == R_MODIFIED:
            strategy.on_order_modified(ctx, order)
        elif kind == R_REFUSED or status == OrderStatus.REJECTED:
            strategy.on_order_rejected(ctx, order)
        elif status == OrderStatus.EXPIRED:
            strategy.on_order_expired(ctx, order)
        elif status == OrderStatus.CANCELLED:
            strategy.on_order_cancelled(ctx, order)
        else:
            strategy.on_order(ctx, order)


def denials(strategy: Strategy, ctx: Context, e: Engine) -> None:
    """on_order_denied for each command the gate denied in the last batch."""
    rows = e.rec_orders[int(e.cur[0]["deny_lo"]):int(e.cur[0]["deny_hi"])]
    n_instr = len(e.instruments)
    for row in rows:
        if row["status"] != OrderStatus.DENIED:
            continue
        book = ctx.book(int(row["venue"]) * n_instr + int(row["instrument"]))
        strategy.on_order_denied(ctx, Order(
            int(row["order_id"]), book, int(row["side"]), int(row["price"]), int(row["qty"]),
            OrderStatus.DENIED, 0, TimeInForce(int(row["tif"])), Reason(int(row["reason"]))))
