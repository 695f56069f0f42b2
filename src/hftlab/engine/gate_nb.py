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

from hftlab.core.latency_nb import draw
from hftlab.core.layout import (C_DENY, MAX_LOTS, MAX_TICKS, ACT_CANCEL, ACT_MODIFY, ACT_SUBMIT, C_ACTION, C_BOOK, C_ID,
                                  C_PRICE, C_QTY, C_SIDE, C_TIF, C_TYPE, K_EH, K_ET, K_NACT,
                                  K_NEXT_ID, K_NFREE, M_INSTR, M_VENUE, O_BOOK, O_ID,
                                  O_LEAVES, O_LLEAVES, O_LPRICE, O_LSTATUS, O_PENDING, O_PRICE,
                                  O_QTY, O_SIDE, O_STATUS, O_TIF, O_TS_SENT, O_TYPE, V_ENTRY,
                                  V_ENTRY_J)
from hftlab.engine.venue_nb import (MARKET, RS_BAD_PRICE, RS_BAD_QTY, RS_UNKNOWN_ORDER, ST_DENIED,
                                    ST_NEW, is_open, order_row, push, record_order)
from hftlab.risk.monitor_nb import monitor
from hftlab.risk.pretrade_nb import (collar, count_cancel, has_requests, on_requests,
                                     pre_trade)

RS_BAD_SIDE, RS_UNKNOWN_BOOK, RS_TOO_MANY, RS_NO_REFERENCE = 14, 15, 13, 52
LIMIT, IOC = 0, 1  # schema.OrderType.LIMIT, TimeInForce.IOC


@nb.njit(cache=True)
def find_order(orders, active, cur, oid):
    """Slot of our order with id oid, or -1."""
    for k in range(cur[K_NACT]):
        if orders[active[k], O_ID] == oid:
            return active[k]
    return -1


@nb.njit(cache=True)
def deny(s, now, reason, orders, rec_o, cur, market):
    """Record a denied submit and close its slot at both ends."""
    orders[s, O_STATUS] = ST_DENIED
    orders[s, O_LSTATUS] = ST_DENIED
    record_order(rec_o, cur, orders, s, ACT_SUBMIT, 0, now, orders[s, O_PRICE], orders[s, O_QTY],
                 ST_DENIED, reason, market)


@nb.njit(cache=True)
def send(start, n_cmds, now, cmds, orders, active, free, cur, entry, rec_o, lacct, market,
         venues, instruments, rparams, rstate, risk_i, risk_f, rcmds, exempt):
    """Pass commands start..n_cmds-1 through validation and risk; queue the survivors.

    exempt=True skips the pre-trade checks: only the risk engine's own cancel-all and
    flatten commands use it. rcmds is the risk engine's command buffer (kill switch).
    """
    if not exempt and has_requests(rstate):
        on_requests(now, lacct, rstate, risk_i, risk_f, cur)
    dispatch(start, n_cmds, now, cmds, orders, active, free, cur, entry, rec_o, lacct, market,
             venues, instruments, rparams, rstate, risk_i, risk_f, exempt)
    if not exempt and has_requests(rstate):
        n = monitor(now, lacct, instruments, orders, active, cur, market, rparams, rstate,
                    risk_i, risk_f, rcmds)
        if n > 0:
            dispatch(0, n, now, rcmds, orders, active, free, cur, entry, rec_o, lacct, market,
                     venues, instruments, rparams, rstate, risk_i, risk_f, True)


@nb.njit(cache=True)
def dispatch(start, n_cmds, now, cmds, orders, active, free, cur, entry, rec_o, lacct, market,
             venues, instruments, rparams, rstate, risk_i, risk_f, exempt):
    """Validate, check and queue each command (see send)."""
    n_books = market.shape[0]
    for c in range(start, n_cmds):
        action = cmds[c, C_ACTION]
        if action == ACT_SUBMIT:
            if cur[K_NFREE] == 0:  # every slot holds an open or in-flight order
                b = cmds[c, C_BOOK]
                known = 0 <= b < n_books
                order_row(rec_o, cur, cur[K_NEXT_ID], now, 0, now,
                          market[b, M_VENUE] if known else 0, market[b, M_INSTR] if known else 0,
                          ACT_SUBMIT, cmds[c, C_SIDE], cmds[c, C_TYPE], cmds[c, C_TIF],
                          cmds[c, C_PRICE], cmds[c, C_QTY], ST_DENIED, RS_TOO_MANY)
                cur[K_NEXT_ID] += 1
                continue
            cur[K_NFREE] -= 1
            s = free[cur[K_NFREE]]
            active[cur[K_NACT]] = s
            cur[K_NACT] += 1
            b = cmds[c, C_BOOK]
            orders[s, O_ID] = cur[K_NEXT_ID]
            cur[K_NEXT_ID] += 1
            orders[s, O_BOOK] = b if 0 <= b < n_books else 0
            orders[s, O_SIDE] = cmds[c, C_SIDE]
            orders[s, O_PRICE] = cmds[c, C_PRICE]
            orders[s, O_LPRICE] = cmds[c, C_PRICE]
            orders[s, O_QTY] = cmds[c, C_QTY]
            orders[s, O_LEAVES] = cmds[c, C_QTY]
            orders[s, O_LLEAVES] = cmds[c, C_QTY]
            orders[s, O_TIF] = cmds[c, C_TIF]
            orders[s, O_TYPE] = cmds[c, C_TYPE]
            orders[s, O_TS_SENT] = now
            orders[s, O_STATUS] = ST_NEW
            orders[s, O_LSTATUS] = ST_NEW
            side = cmds[c, C_SIDE]
            if not 0 <= b < n_books:
                deny(s, now, RS_UNKNOWN_BOOK, orders, rec_o, cur, market)
                continue
            if side != 1 and side != -1:
                deny(s, now, RS_BAD_SIDE, orders, rec_o, cur, market)
                continue
            if cmds[c, C_DENY] != 0:  # the host found it bad (a float price off the tick)
                deny(s, now, cmds[c, C_DENY], orders, rec_o, cur, market)
                continue
            if cmds[c, C_QTY] <= 0 or cmds[c, C_QTY] > MAX_LOTS:
                deny(s, now, RS_BAD_QTY, orders, rec_o, cur, market)
                continue
            if cmds[c, C_PRICE] > MAX_TICKS or (cmds[c, C_TYPE] != MARKET
                                                 and cmds[c, C_PRICE] <= 0):
                deny(s, now, RS_BAD_PRICE, orders, rec_o, cur, market)
                continue
            q = cmds[c, C_QTY]
            price, otype = cmds[c, C_PRICE], cmds[c, C_TYPE]
            if otype == MARKET and not exempt:
                protect = collar(market, b, side, rparams)
                if protect < 0:
                    deny(s, now, RS_NO_REFERENCE, orders, rec_o, cur, market)
                    continue
                if protect > 0:  # a market order within the price band: a limit IOC at it
                    price, otype = protect, LIMIT
                    orders[s, O_PRICE] = orders[s, O_LPRICE] = price
                    orders[s, O_TYPE] = LIMIT
                    orders[s, O_TIF] = IOC
            reason = 0 if exempt else pre_trade(now, orders[s, O_ID], s, b, side, price, q, otype,
                                                q, False, lacct, market, instruments, orders,
                                                active, cur, rparams, rstate, risk_i, risk_f)
            if reason != 0:
                deny(s, now, reason, orders, rec_o, cur, market)
                continue
            v = market[b, M_VENUE]
            due = now + draw(cur, venues[v, V_ENTRY], venues[v, V_ENTRY_J])
            push(entry, cur, K_EH, K_ET, due, ACT_SUBMIT, s, 0, 0, 0, 0, 0, now)
        elif action == ACT_CANCEL or action == ACT_MODIFY:
            s = find_order(orders, active, cur, cmds[c, C_ID])
            if s < 0 or not (orders[s, O_LSTATUS] == ST_NEW or is_open(orders[s, O_LSTATUS])):
                order_row(rec_o, cur, cmds[c, C_ID], now, 0, now, 0, 0, action, 0, 0, 0,
                          cmds[c, C_PRICE], cmds[c, C_QTY], ST_DENIED, RS_UNKNOWN_ORDER)
                continue
            b = orders[s, O_BOOK]
            if action == ACT_MODIFY:
                reason = cmds[c, C_DENY]
                q = cmds[c, C_QTY]
                if reason == 0 and (q <= 0 or q > MAX_LOTS):
                    reason = RS_BAD_QTY
                if reason == 0 and (cmds[c, C_PRICE] <= 0 or cmds[c, C_PRICE] > MAX_TICKS):
                    reason = RS_BAD_PRICE
                add = q - orders[s, O_LLEAVES]
                moved = cmds[c, C_PRICE] != orders[s, O_LPRICE]
                if reason == 0 and not exempt and (add > 0 or moved):
                    reason = pre_trade(now, orders[s, O_ID], s, b, orders[s, O_SIDE],
                                       cmds[c, C_PRICE], q, orders[s, O_TYPE], max(add, 0),
                                       True, lacct, market, instruments, orders, active, cur,
                                       rparams, rstate, risk_i, risk_f)
                if reason != 0:
                    record_order(rec_o, cur, orders, s, ACT_MODIFY, 0, now, cmds[c, C_PRICE],
                                 cmds[c, C_QTY], ST_DENIED, reason, market)
                    continue
                orders[s, O_LPRICE] = cmds[c, C_PRICE]
            elif not exempt:
                count_cancel(market[b, M_INSTR], rstate)
            orders[s, O_PENDING] += 1
            v = market[b, M_VENUE]
            due = now + draw(cur, venues[v, V_ENTRY], venues[v, V_ENTRY_J])
            push(entry, cur, K_EH, K_ET, due, action, s, cmds[c, C_PRICE], cmds[c, C_QTY], 0, 0, 0,
                 now)
