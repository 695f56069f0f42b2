"""The one writer of command rows (core.layout.COMMAND_DTYPE), shared by the strategy
sink (engine.api_nb) and the risk engine's cancel-all and flatten (risk.monitor_nb)."""

from __future__ import annotations

import numba as nb

from hftlab.core.specialise import plain_args


@plain_args
@nb.njit(cache=True, _nrt=False)
def write_command(cmds, n, action, book, side, price, qty, tif, order_type, order_id):
    """Row n of cmds: every field (deny 0: nothing found against it yet)."""
    c = cmds[n]
    c.action = action
    c.book = book
    c.side = side
    c.price = price
    c.qty = qty
    c.tif = tif
    c.order_type = order_type
    c.order_id = order_id
    c.deny = 0
