"""The one gate between strategies and venues (compiled).

Every command a strategy writes, compiled or Python, passes here on the trading host:
it is validated (known book, positive size, a side, a positive limit price), checked by
the pre-trade risk engine (new orders, and modifies that raise the size or move the
price), and then sent to its venue after the order-entry latency. A denied command is
recorded with its reason and never reaches the venue. Cancels are never denied by risk:
they only reduce it. Kill, reset and pause requests a strategy left in the risk state
are carried out here too: reset / pause / resume before the strategy's commands, the
kill switch after them (its cancel-all and flatten orders pass exempt from the checks).
"""

from __future__ import annotations

import numba as nb

from hftlab.core.latency_nb import entry_delay
from hftlab.core.layout import ACT_CANCEL, ACT_MODIFY, ACT_SUBMIT, MAX_LOTS, MAX_TICKS
from hftlab.core.specialise import plain_args
from hftlab.engine.venue_nb import is_open, order_row, push, record_order
from hftlab.risk.monitor_nb import monitor
from hftlab.risk.events_nb import on_requests
from hftlab.risk.pretrade_nb import collar, count_cancel, has_requests, pre_trade
from hftlab.schema import OrderStatus, OrderType, Reason, TimeInForce



@nb.njit(cache=True)
def find_order(orders, active, cur, oid):
    """Slot of our order with id oid, or -1."""
    for k in range(cur[0].n_active):
        if orders[active[k]].order_id == oid:
            return active[k]
    return -1


@plain_args
@nb.njit(cache=True)
def deny(s, now, reason, orders, rec_o, cur, market):
    """Record a denied submit and close its slot at both ends."""
    orders[s].status = OrderStatus.DENIED
    orders[s].local_status = OrderStatus.DENIED
    record_order(rec_o, cur, orders, s, ACT_SUBMIT, 0, now, orders[s].price, orders[s].qty,
                 OrderStatus.DENIED, reason, market)


@plain_args
@nb.njit(cache=True)
def send(start, n_cmds, now, cmds, orders, active, free, cur, entry, eends, rec_o, lacct, market,
         venues, instruments, rparams, rstate, rec_r, rcmds, exempt):
    """Pass commands start..n_cmds-1 through validation and risk; queue the survivors.

    exempt=True skips the pre-trade checks: only the risk engine's own cancel-all and
    flatten commands use it. rcmds is the risk engine's command buffer (kill switch).
    """
    if not exempt and has_requests(rstate):
        on_requests(now, lacct, rstate, rec_r, cur)
    dispatch(start, n_cmds, now, cmds, orders, active, free, cur, entry, eends, rec_o, lacct,
             market, venues, instruments, rparams, rstate, rec_r, exempt)
    if not exempt and has_requests(rstate):
        n = monitor(now, lacct, instruments, orders, active, cur, market, rparams, rstate,
                    rec_r, rcmds)
        if n > 0:
            dispatch(0, n, now, rcmds, orders, active, free, cur, entry, eends, rec_o, lacct,
                     market, venues, instruments, rparams, rstate, rec_r, True)


@plain_args
@nb.njit(cache=True)
def dispatch(start, n_cmds, now, cmds, orders, active, free, cur, entry, eends, rec_o, lacct,
             market, venues, instruments, rparams, rstate, rec_r, exempt):
    """Validate, check and queue each command (see send)."""
    n_books = market.shape[0]
    for c in range(start, n_cmds):
        action = cmds[c].action
        if action == ACT_SUBMIT:
            if cur[0].n_free == 0:  # every slot holds an open or in-flight order
                b = cmds[c].book
                known = 0 <= b < n_books
                order_row(rec_o, cur, cur[0].next_id, now, 0, now,
                          market[b].venue if known else 0, market[b].instrument if known else 0,
                          ACT_SUBMIT, cmds[c].side, cmds[c].order_type, cmds[c].tif,
                          cmds[c].price, cmds[c].qty, OrderStatus.DENIED, Reason.TOO_MANY_ORDERS)
                cur[0].next_id += 1
                continue
            cur[0].n_free -= 1
            s = free[cur[0].n_free]
            active[cur[0].n_active] = s
            cur[0].n_active += 1
            b = cmds[c].book
            orders[s].order_id = cur[0].next_id
            cur[0].next_id += 1
            orders[s].book = b if 0 <= b < n_books else 0
            orders[s].side = cmds[c].side
            orders[s].price = cmds[c].price
            orders[s].local_price = cmds[c].price
            orders[s].qty = cmds[c].qty
            orders[s].leaves = cmds[c].qty
            orders[s].local_leaves = cmds[c].qty
            orders[s].local_filled = 0
            orders[s].tif = cmds[c].tif
            orders[s].order_type = cmds[c].order_type
            orders[s].ts_sent = now
            orders[s].status = OrderStatus.NEW
            orders[s].local_status = OrderStatus.NEW
            side = cmds[c].side
            if not 0 <= b < n_books:
                deny(s, now, Reason.UNKNOWN_BOOK, orders, rec_o, cur, market)
                continue
            if side != 1 and side != -1:
                deny(s, now, Reason.BAD_SIDE, orders, rec_o, cur, market)
                continue
            if cmds[c].deny != 0:  # the host found it bad (a float price off the tick)
                deny(s, now, cmds[c].deny, orders, rec_o, cur, market)
                continue
            if cmds[c].qty <= 0 or cmds[c].qty > MAX_LOTS:
                deny(s, now, Reason.BAD_QTY, orders, rec_o, cur, market)
                continue
            if cmds[c].price > MAX_TICKS or (cmds[c].order_type != OrderType.MARKET
                                                 and cmds[c].price <= 0):
                deny(s, now, Reason.BAD_PRICE, orders, rec_o, cur, market)
                continue
            q = cmds[c].qty
            price, otype = cmds[c].price, cmds[c].order_type
            if otype == OrderType.MARKET and not exempt:
                protect = collar(market, b, side, rparams)
                if protect < 0:
                    deny(s, now, Reason.RISK_NO_REFERENCE, orders, rec_o, cur, market)
                    continue
                if protect > 0:  # a market order within the price band: a limit IOC at it
                    price, otype = protect, OrderType.LIMIT
                    orders[s].price = orders[s].local_price = price
                    orders[s].order_type = OrderType.LIMIT
                    orders[s].tif = TimeInForce.IOC
            reason = 0 if exempt else pre_trade(now, orders[s].order_id, s, b, side, price, q,
                                                otype, q, False, lacct, market, instruments,
                                                orders, active, cur, rparams, rstate, rec_r)
            if reason != 0:
                deny(s, now, reason, orders, rec_o, cur, market)
                continue
            v = market[b].venue
            due = now + entry_delay(cur, venues, v, now)
            push(entry, eends, cur, due, ACT_SUBMIT, s, 0, 0, 0, 0, 0, now)
        elif action == ACT_CANCEL or action == ACT_MODIFY:
            s = find_order(orders, active, cur, cmds[c].order_id)
            st = orders[s].local_status if s >= 0 else OrderStatus.NEW
            if s < 0 or not (st == OrderStatus.NEW or is_open(st)):
                order_row(rec_o, cur, cmds[c].order_id, now, 0, now, 0, 0, action, 0, 0, 0,
                          cmds[c].price, cmds[c].qty, OrderStatus.DENIED, Reason.UNKNOWN_ORDER)
                continue
            b = orders[s].book
            if action == ACT_MODIFY:
                reason = cmds[c].deny
                q = cmds[c].qty
                if reason == 0 and (q <= 0 or q > MAX_LOTS):
                    reason = Reason.BAD_QTY
                if reason == 0 and (cmds[c].price <= 0 or cmds[c].price > MAX_TICKS):
                    reason = Reason.BAD_PRICE
                # q is the new total: what the order may still add is q less what the host
                # has seen filled, beyond the leaves it already counts (rules_nb.modify_leaves)
                add = q - orders[s].local_filled - orders[s].local_leaves
                moved = cmds[c].price != orders[s].local_price
                if reason == 0 and not exempt and (add > 0 or moved):
                    reason = pre_trade(now, orders[s].order_id, s, b, orders[s].side,
                                       cmds[c].price, q, orders[s].order_type, max(add, 0),
                                       True, lacct, market, instruments, orders, active, cur,
                                       rparams, rstate, rec_r)
                if reason != 0:
                    record_order(rec_o, cur, orders, s, ACT_MODIFY, 0, now, cmds[c].price,
                                 cmds[c].qty, OrderStatus.DENIED, reason, market)
                    continue
                orders[s].local_price = cmds[c].price
            elif not exempt:
                count_cancel(market[b].instrument, rstate)
            orders[s].pending += 1
            v = market[b].venue
            due = now + entry_delay(cur, venues, v, now)
            push(entry, eends, cur, due, action, s, cmds[c].price, cmds[c].qty, 0, 0, 0,
                 now)
