"""Order-book views of MarketData: depth snapshots in LOBSTER's orderbook layout."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from hftlab.data.market import DataError, MarketData
from hftlab.data.replay_nb import replay_depth

MARGIN_TICKS = 16  # ladder room beyond the data's own price range
MAX_WIDTH = 50_000_000  # ticks; a wider range means a wrong tick size or a bad price


def depth_columns(levels: int) -> list[str]:
    """ask_price_1, ask_size_1, bid_price_1, bid_size_1, ask_price_2, ... (LOBSTER's order)."""
    cols = []
    for k in range(1, levels + 1):
        cols += [f"ask_price_{k}", f"ask_size_{k}", f"bid_price_{k}", f"bid_size_{k}"]
    return cols


def to_currency(units: np.ndarray, step: float) -> np.ndarray:
    """Integer ticks or lots -> currency; divides by 1/step when that is a whole number, so
    9999 ticks of 0.01 is exactly 99.99 (the nearest double), not 99.99000000000001."""
    inv = 1.0 / step
    if inv >= 1 and abs(inv - round(inv)) < 1e-9 * inv:
        return units.astype(np.float64) / round(inv)
    return units.astype(np.float64) * step


def snapshots(data: MarketData, levels: int = 10, by: Literal["event", "record"] = "event",
              venue: int = 0, instrument: int = 0) -> pd.DataFrame:
    """Top-`levels` depth of one book after each event (by="event") or after the last event
    of each source record (by="record"), replayed with the engine's compiled ladders.

    Columns follow LOBSTER's orderbook file: ask_price_1, ask_size_1, bid_price_1,
    bid_size_1, ask_price_2, ...; prices in currency (ticks x tick_size), sizes in units
    (lots x lot_size); an empty level has NaN price and size 0. The index has two levels,
    ts (UTC) and record (by="record") or event (the row number in data.events). Works
    for L3 (ADD / CANCEL / DELETE / EXECUTE by order id) and L2 (LEVEL / CLEAR) events.
    ``df.attrs["book_warnings"]`` counts events that removed more than the book showed.
    """
    if levels < 1:
        raise ValueError(f"levels must be >= 1, got {levels}")
    if by not in ("event", "record"):
        raise ValueError(f"by must be 'event' or 'record', got {by!r}")
    if not (0 <= venue < len(data.venues)) or not (0 <= instrument < len(data.instruments)):
        raise ValueError(f"no book for venue {venue}, instrument {instrument} "
                         f"({len(data.venues)} venues, {len(data.instruments)} instruments)")
    data = data.load()
    ev, rec = data.events, data.record
    sel = np.flatnonzero((ev["venue"] == venue) & (ev["instrument"] == instrument))
    ev, rec = ev[sel], rec[sel]
    if by == "event":
        emit = np.ones(len(ev), dtype=np.bool_)
        label = sel.astype(np.int64)
    else:
        emit = np.ones(len(ev), dtype=np.bool_)
        if len(ev) > 1:
            emit[:-1] = rec[1:] != rec[:-1]
        label = rec[emit]
    b = data.book_index(venue, instrument)
    lo, hi = (int(x) for x in data.price_bounds()[b])
    if lo < 0:
        lo, hi = 0, 0
    base = max(lo - MARGIN_TICKS, 0)
    width = hi + MARGIN_TICKS + 1 - base
    if width > MAX_WIDTH:
        raise DataError(f"{data.source}: prices of book ({venue}, {instrument}) span "
                        f"{hi - lo} ticks ({lo}..{hi}); more than {MAX_WIDTH} suggests a "
                        "wrong tick size or a bad price")
    px, sz, errors = replay_depth(ev["kind"].astype(np.int64), ev["side"].astype(np.int64),
                                  ev["price"], ev["qty"], ev["order_id"].astype(np.int64),
                                  emit, base, width, levels)
    if errors[1]:
        raise DataError(f"{data.source}: {errors[1]} events fell outside the book's price "
                        "window (a bug: the window comes from the data's own bounds)")
    inst = data.instruments[instrument]
    out = np.empty((len(px), 4 * levels), dtype=np.float64)
    for row, col in ((1, 0), (0, 2)):  # asks first, then bids, per level
        p = to_currency(px[:, row, :], inst.tick_size)
        p[px[:, row, :] < 0] = np.nan
        out[:, col::4] = p
        out[:, col + 1::4] = to_currency(sz[:, row, :], inst.lot_size)
    ts = pd.to_datetime(ev["ts"][emit], unit="ns", utc=True)
    index = pd.MultiIndex.from_arrays([ts, label], names=["ts", by])
    df = pd.DataFrame(out, index=index, columns=depth_columns(levels))
    df.attrs["book_warnings"] = {"qty_above_order": int(errors[2]),
                                 "level_went_negative": int(errors[3])}
    return df
