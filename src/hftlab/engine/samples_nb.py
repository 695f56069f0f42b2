"""The run's state samples: one row per instrument at each sampling time (the states
record, schema.STATE_RECORD_DTYPE), written by the compiled loop (loop_nb). Money in the
account's currency units, prices in integer ticks (0: no quote / empty side)."""

from __future__ import annotations

import numba as nb
import numpy as np

from hftlab.core.specialise import plain_args
from hftlab.engine.accounting_nb import mark
from hftlab.engine.venue_nb import book_mid, is_open


@nb.njit(cache=True)
def sample(now, acct, instruments, qty, top, base, orders, active, cur, market, rec_s):
    """One state row per instrument: account marked to the exchange mid, our quotes, the top."""
    n_instr = acct.shape[0]
    width = qty.shape[2]
    for i in range(n_instr):
        mb = np.int64(instruments[i].mark_book)
        mark(acct, instruments, i, book_mid(qty, top, base, mb))
        bid = 0
        ask = 0
        for k in range(cur[0].n_active):
            s = active[k]
            if market[orders[s].book].instrument != i:
                continue
            if not is_open(orders[s].status):
                continue
            p = orders[s].price
            if orders[s].side > 0 and p > bid:
                bid = p
            if orders[s].side < 0 and (ask == 0 or p < ask):
                ask = p
        a = acct[i]
        state_row(rec_s, cur, now, i, np.int64(a.position), bid, ask,
                  base[mb] + top[mb, 0] if top[mb, 0] >= 0 else 0,
                  base[mb] + top[mb, 1] if top[mb, 1] < width else 0, a)


@plain_args
@nb.njit(cache=True)
def state_row(rec, cur, now, i, position, bid, ask, best_bid, best_ask, a):
    """The one writer of the states record (schema.STATE_RECORD_DTYPE): every field; a is
    the instrument's account row."""
    n = cur[0].n_states
    r = rec[n]
    r.ts = now
    r.instrument = i
    r.position = position
    r.cash = a.cash
    r.fees = a.fees
    r.realized_pnl = a.realized
    r.unrealized_pnl = a.unrealized
    r.equity = a.equity
    r.mid = a.mid
    r.bid = bid
    r.ask = ask
    r.best_bid = best_bid
    r.best_ask = best_ask
    cur[0].n_states = n + 1
