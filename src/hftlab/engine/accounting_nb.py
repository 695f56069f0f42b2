"""Position, cash, fees and P&L per instrument (average-cost method), and fee rules.

Cash starts at 0, so equity (cash + position marked to mid) is the run's total P&L, and
realized + unrealized = equity exactly. Fees are in currency, positive when paid and
negative for rebates; realized P&L is net of fees.
"""

from __future__ import annotations

import numba as nb

from hftlab.core.layout import (A_AVG, A_CASH, A_EQUITY, A_FEES, A_FILLS, A_MAKER_VOLUME,
                                  A_MID, A_NOTIONAL, A_POS, A_REALIZED, A_UNREAL, A_VOLUME,
                                  I_UNITS, I_VALUE, V_MAKER, V_PER_UNIT, V_TAKER)


@nb.njit(cache=True)
def fee_of(venues, instruments, v, i, price, qty, maker):
    """Fee in currency for qty lots at price ticks: bps of notional or per unit traded."""
    rate = venues[v, V_MAKER] if maker else venues[v, V_TAKER]
    if venues[v, V_PER_UNIT] > 0:
        return rate * qty * instruments[i, I_UNITS]
    return rate * 1e-4 * price * qty * instruments[i, I_VALUE]


@nb.njit(cache=True)
def apply_fill(acct, instruments, i, side, price, qty, fee, maker):
    """Book a fill of qty lots at price ticks (side +1 bought, -1 sold) into acct[i]."""
    value = instruments[i, I_VALUE]
    pos = acct[i, A_POS]
    acct[i, A_CASH] -= side * price * qty * value + fee
    acct[i, A_FEES] += fee
    acct[i, A_REALIZED] -= fee
    if pos == 0 or (pos > 0) == (side > 0):
        acct[i, A_AVG] = (acct[i, A_AVG] * abs(pos) + price * qty) / (abs(pos) + qty)
    else:
        closed = min(qty, abs(pos))
        sign = 1.0 if pos > 0 else -1.0
        acct[i, A_REALIZED] += closed * (price - acct[i, A_AVG]) * sign * value
        if qty > abs(pos):
            acct[i, A_AVG] = price
        elif qty == abs(pos):
            acct[i, A_AVG] = 0.0
    acct[i, A_POS] = pos + side * qty
    acct[i, A_VOLUME] += qty
    if maker:
        acct[i, A_MAKER_VOLUME] += qty
    acct[i, A_NOTIONAL] += price * qty * value
    acct[i, A_FILLS] += 1
    mark(acct, instruments, i, acct[i, A_MID])


@nb.njit(cache=True)
def mark(acct, instruments, i, mid):
    """Mark instrument i to mid (ticks); a NaN mid keeps the previous mark."""
    if mid == mid:
        acct[i, A_MID] = mid
    m = acct[i, A_MID]
    pos = acct[i, A_POS]
    if pos != 0 and m == m:
        acct[i, A_UNREAL] = pos * (m - acct[i, A_AVG]) * instruments[i, I_VALUE]
    else:
        acct[i, A_UNREAL] = 0.0
    acct[i, A_EQUITY] = acct[i, A_REALIZED] + acct[i, A_UNREAL]
