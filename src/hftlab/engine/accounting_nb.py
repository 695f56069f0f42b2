"""Position, cash, fees and P&L per instrument (average-cost method), and fee rules.

Cash starts at 0, so equity (cash + position marked to mid) is the run's total P&L, and
realized + unrealized = equity exactly. Fees are in currency, positive when paid and
negative for rebates; realized P&L is net of fees.
"""

from __future__ import annotations

import numba as nb

from hftlab.core.specialise import plain_args


@plain_args
@nb.njit(cache=True)
def fee_of(venues, instruments, v, i, price, qty, maker):
    """Fee in currency for qty lots at price ticks: bps of notional or per unit traded."""
    rate = venues[v].maker if maker else venues[v].taker
    if venues[v].per_unit > 0:
        return rate * qty * instruments[i].units
    return rate * 1e-4 * price * qty * instruments[i].value


@plain_args
@nb.njit(cache=True)
def apply_fill(acct, instruments, i, side, price, qty, fee, maker):
    """Book a fill of qty lots at price ticks (side +1 bought, -1 sold) into acct[i]."""
    value = instruments[i].value
    a = acct[i]
    pos = a.position
    a.cash -= side * price * qty * value + fee
    a.fees += fee
    a.realized -= fee
    if pos == 0 or (pos > 0) == (side > 0):
        a.avg_price = (a.avg_price * abs(pos) + price * qty) / (abs(pos) + qty)
    else:
        closed = min(qty, abs(pos))
        sign = 1.0 if pos > 0 else -1.0
        a.realized += closed * (price - a.avg_price) * sign * value
        if qty > abs(pos):
            a.avg_price = price
        elif qty == abs(pos):
            a.avg_price = 0.0
    a.position = pos + side * qty
    a.volume += qty
    if maker:
        a.maker_volume += qty
    a.notional += price * qty * value
    a.fills += 1
    mark(acct, instruments, i, a.mid)


@nb.njit(cache=True)
def mark(acct, instruments, i, mid):
    """Mark instrument i to mid (ticks); a NaN mid keeps the previous mark."""
    a = acct[i]
    if mid == mid:
        a.mid = mid
    m = a.mid
    pos = a.position
    if pos != 0 and m == m:
        a.unrealized = pos * (m - a.avg_price) * instruments[i].value
    else:
        a.unrealized = 0.0
    a.equity = a.realized + a.unrealized
