"""Build MarketData from a pandas DataFrame with the canonical columns in currency units."""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from hftlab.data.market import DataError, MarketData
from hftlab.instruments import Instrument, Venue
from hftlab.schema import EVENT_DTYPE, Kind

REQUIRED = ("ts", "kind", "side", "price")


def _codes(col: pd.Series, names: list[str], what: str) -> np.ndarray:
    """Map a column of indexes or names onto indexes into names, naming the first bad row."""
    if pd.api.types.is_integer_dtype(col):
        codes = col.to_numpy().astype(np.int64)
        bad = (codes < 0) | (codes >= len(names))
    else:
        lookup = {n: i for i, n in enumerate(names)}
        codes = col.map(lookup).to_numpy()
        bad = pd.isna(codes)
        codes = np.where(bad, -1, codes).astype(np.int64)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(f"row {col.index[i]}: unknown {what} {col.iloc[i]!r}; known: {names}")
    return codes


def _kinds(col: pd.Series) -> np.ndarray:
    if pd.api.types.is_integer_dtype(col):
        k = col.to_numpy().astype(np.int64)
        bad = (k < Kind.ADD) | (k > Kind.STATUS)
    else:
        lookup = {kd.name: int(kd) for kd in Kind}
        mapped = col.astype(str).str.upper().map(lookup)
        bad = mapped.isna().to_numpy()
        k = np.where(bad, 0, mapped.fillna(0).to_numpy()).astype(np.int64)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(f"row {col.index[i]}: unknown kind {col.iloc[i]!r}; "
                        f"known: {[kd.name for kd in Kind]}")
    return k


def _to_int_units(values: np.ndarray, unit: np.ndarray, what: str, index: pd.Index) -> np.ndarray:
    """Currency values -> integer multiples of unit; anything off the grid is an error."""
    x = values / unit
    r = np.rint(x)
    bad = ~np.isfinite(x) | (np.abs(x - r) > 1e-6 * np.maximum(1.0, np.abs(x)))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(f"row {index[i]}: {what} {float(values[i])!r} is not a multiple of "
                        f"{float(unit[i])!r}")
    return r.astype(np.int64)


def from_frame(df: pd.DataFrame, instruments: Instrument | Sequence[Instrument],
               venues: Venue | str | Sequence[Venue | str] = "venue",
               source: str = "DataFrame") -> MarketData:
    """Canonical MarketData from a DataFrame.

    Columns: ts (int ns since epoch, or datetime64), kind (Kind name or code), side
    (+1 bid/buy, -1 ask/sell, 0 unknown), price (currency; converted to ticks, an off-tick
    price is an error naming the row), size (currency units; converted to lots); optional
    ts_local, venue and instrument (index or name; default 0), order_id, record (source
    record number; default the 1-based row number). Rows must be in time order; the
    events are validated as MarketData is (a DataError names the row and field).
    """
    missing = [c for c in REQUIRED if c not in df.columns]
    if "size" not in df.columns and "qty" not in df.columns:
        missing.append("size")
    if missing:
        raise DataError(f"DataFrame is missing column(s) {missing}; needs {list(REQUIRED)} "
                        "and size")
    instruments = [instruments] if isinstance(instruments, Instrument) else list(instruments)
    venues = [venues] if isinstance(venues, (Venue, str)) else list(venues)
    venues = [Venue(v) if isinstance(v, str) else v for v in venues]
    n = len(df)
    ev = np.zeros(n, dtype=EVENT_DTYPE)
    ts = df["ts"]
    if pd.api.types.is_datetime64_any_dtype(ts):
        ts = ts.dt.tz_localize("UTC") if ts.dt.tz is None else ts.dt.tz_convert("UTC")
        ev["ts"] = ts.astype("datetime64[ns, UTC]").to_numpy().astype("datetime64[ns]").view(np.int64)
    else:
        ev["ts"] = ts.to_numpy().astype(np.int64)
    if "ts_local" in df.columns:
        ev["ts_local"] = df["ts_local"].to_numpy().astype(np.int64)
    ev["venue"] = _codes(df["venue"], [v.name for v in venues], "venue") \
        if "venue" in df.columns else 0
    inst = _codes(df["instrument"], [i.symbol for i in instruments], "instrument") \
        if "instrument" in df.columns else np.zeros(n, np.int64)
    ev["instrument"] = inst
    ev["kind"] = _kinds(df["kind"])
    side = df["side"].to_numpy().astype(np.int64)
    if ((side < -1) | (side > 1)).any():
        i = int(np.flatnonzero((side < -1) | (side > 1))[0])
        raise DataError(f"row {df.index[i]}: side {side[i]} is not +1, -1 or 0")
    ev["side"] = side
    tick = np.array([i.tick_size for i in instruments])[inst]
    lot = np.array([i.lot_size for i in instruments])[inst]
    price = df["price"].to_numpy(dtype=np.float64, na_value=0.0)
    ev["price"] = _to_int_units(price, tick, "price", df.index)
    if "size" in df.columns:
        ev["qty"] = _to_int_units(df["size"].to_numpy(dtype=np.float64, na_value=0.0), lot,
                                  "size", df.index)
    else:
        ev["qty"] = df["qty"].to_numpy().astype(np.int64)
    if "order_id" in df.columns:
        ev["order_id"] = df["order_id"].to_numpy().astype(np.uint64)
    record = df["record"].to_numpy().astype(np.int64) if "record" in df.columns \
        else np.arange(1, n + 1, dtype=np.int64)
    # validated as it is built: a bad row is named by its position in df and its record
    return MarketData(ev, instruments, venues, record=record, source=source)
