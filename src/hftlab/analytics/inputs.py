"""Input checks shared by the analytics faces: arrays, trade and quote tables, durations.

Every error names the argument (and column) at fault and the allowed range, so bad input
never turns into silent garbage. Tables are pandas DataFrames or mappings of equal-length
arrays; timestamps are int64 nanoseconds since the Unix epoch (UTC) or datetime64 values.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd

TRADE_VOLUME_COLUMNS = ("qty", "volume", "size")


def as_float_array(x: Any, name: str) -> np.ndarray:
    """A 1-D float64 copy-free view of x (array, list or Series); NaN stays NaN."""
    a = np.asarray(x.to_numpy() if isinstance(x, (pd.Series, pd.Index)) else x)
    if a.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional; got shape {a.shape}")
    if a.dtype.kind not in "iufb":
        raise ValueError(f"{name} must be numeric; got dtype {a.dtype}")
    return a.astype(np.float64, copy=False)


def as_ns_array(x: Any, name: str) -> np.ndarray:
    """Timestamps as int64 ns since the epoch (accepts ints or datetime64, naive = UTC)."""
    if isinstance(x, (pd.Series, pd.Index)):
        if isinstance(x.dtype, pd.DatetimeTZDtype):
            x = x.dt.tz_convert("UTC").dt.tz_localize(None) if isinstance(x, pd.Series) \
                else x.tz_convert("UTC").tz_localize(None)
        x = x.to_numpy()
    a = np.asarray(x)
    if a.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional; got shape {a.shape}")
    if a.dtype.kind == "M":
        return a.astype("datetime64[ns]").view(np.int64)
    if a.dtype.kind in "iu":
        return a.astype(np.int64, copy=False)
    if a.dtype.kind == "f" and a.size and np.all(np.isfinite(a)) and np.all(a == np.rint(a)):
        return a.astype(np.int64)
    raise ValueError(f"{name} must be int64 ns since the epoch or datetime64; got dtype {a.dtype}")


def check_sorted(ts: np.ndarray, name: str) -> None:
    """Raise naming the first position where the timestamps decrease."""
    if ts.size > 1:
        bad = np.flatnonzero(ts[1:] < ts[:-1])
        if bad.size:
            i = int(bad[0]) + 1
            raise ValueError(f"{name} must be in time order; row {i} ({ts[i]}) comes before "
                             f"row {i - 1} ({ts[i - 1]})")


def same_length(name_arrays: Sequence[tuple[str, np.ndarray]]) -> int:
    """The common length of the arrays, or an error naming the lengths."""
    lengths = {n: len(a) for n, a in name_arrays}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"arrays must have the same length; got {lengths}")
    return next(iter(lengths.values())) if lengths else 0


def as_frame(table: Any, name: str) -> pd.DataFrame:
    """A DataFrame from a DataFrame or a mapping of equal-length arrays."""
    if isinstance(table, pd.DataFrame):
        return table
    if isinstance(table, Mapping):
        return pd.DataFrame({k: np.asarray(v) for k, v in table.items()})
    raise TypeError(f"{name} must be a pandas DataFrame or a mapping of arrays; "
                    f"got {type(table).__name__}")


def column(df: pd.DataFrame, names: Sequence[str], table: str) -> str:
    """The first of names present in df, or an error listing what is needed and what exists."""
    for n in names:
        if n in df.columns:
            return n
    raise ValueError(f"{table} needs a column named {' or '.join(repr(n) for n in names)}; "
                     f"it has {list(df.columns)}")


def trade_arrays(trades: Any, need_side: bool = False) -> dict[str, np.ndarray]:
    """ts (int ns), price (float), volume (float) and, if present, side (+1/-1/0) of trades.

    The volume column may be called qty, volume or size. A side column must hold
    +1 (buyer-initiated), -1 (seller-initiated) or 0 (unknown).
    """
    df = as_frame(trades, "trades")
    out = {"ts": as_ns_array(df[column(df, ("ts",), "trades")], "trades['ts']"),
           "price": as_float_array(df[column(df, ("price",), "trades")], "trades['price']"),
           "volume": as_float_array(df[column(df, TRADE_VOLUME_COLUMNS, "trades")],
                                    "trades volume")}
    check_sorted(out["ts"], "trades['ts']")
    vol = out["volume"]
    neg = np.flatnonzero(vol < 0)
    if neg.size:
        raise ValueError(f"trades volume must be >= 0; row {int(neg[0])} has {vol[neg[0]]}")
    if "side" in df.columns:
        out["side"] = check_side(df["side"], "trades['side']")
    elif need_side:
        raise ValueError("trades needs a 'side' column (+1 buyer-initiated, -1 seller-initiated)")
    return out


def check_side(side: Any, name: str) -> np.ndarray:
    """Trade signs as int8 in {-1, 0, +1}; anything else is an error naming the row."""
    a = np.asarray(side.to_numpy() if isinstance(side, (pd.Series, pd.Index)) else side)
    if a.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional; got shape {a.shape}")
    if a.dtype.kind not in "iufb":
        raise ValueError(f"{name} must be numeric +1/-1/0; got dtype {a.dtype}")
    bad = np.flatnonzero(~np.isin(a, (-1, 0, 1)))
    if bad.size:
        raise ValueError(f"{name} must be +1 (buy), -1 (sell) or 0 (unknown); "
                         f"row {int(bad[0])} has {a[bad[0]]!r}")
    return a.astype(np.int8)


def quote_arrays(quotes: Any, need_sizes: bool = False) -> dict[str, np.ndarray]:
    """ts (int ns), bid and ask (float) and, if present or needed, bid_qty and ask_qty."""
    df = as_frame(quotes, "quotes")
    out = {"ts": as_ns_array(df[column(df, ("ts",), "quotes")], "quotes['ts']"),
           "bid": as_float_array(df[column(df, ("bid", "bid_price"), "quotes")], "quotes bid"),
           "ask": as_float_array(df[column(df, ("ask", "ask_price"), "quotes")], "quotes ask")}
    check_sorted(out["ts"], "quotes['ts']")
    for side in ("bid", "ask"):
        names = (f"{side}_qty", f"{side}_size")
        if need_sizes or any(n in df.columns for n in names):
            out[f"{side}_qty"] = as_float_array(df[column(df, names, "quotes")],
                                                f"quotes {side}_qty")
    return out


def nonneg_duration_ns(value: Any, name: str) -> int:
    """A duration >= 0 in ns from an int (ns), a pandas offset string or a Timedelta."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        ns = int(value)
    else:
        try:
            ns = int(pd.Timedelta(value).value)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{name} must be a duration (int ns, '1min', Timedelta); "
                             f"got {value!r}") from exc
    if ns < 0:
        raise ValueError(f"{name} must be a duration >= 0; got {value!r}")
    return ns


def duration_ns(value: Any, name: str) -> int:
    """A positive duration in ns (int ns, offset string or Timedelta)."""
    ns = nonneg_duration_ns(value, name)
    if ns == 0:
        raise ValueError(f"{name} must be a positive duration; got {value!r}")
    return ns


def positive_int(value: Any, name: str, minimum: int = 1) -> int:
    """An int >= minimum, or an error naming the argument."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def positive_float(value: Any, name: str) -> float:
    """A finite float > 0, or an error naming the argument."""
    try:
        v = float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a positive number; got {value!r}") from exc
    if not np.isfinite(v) or v <= 0:
        raise ValueError(f"{name} must be a finite number > 0; got {value!r}")
    return v


def ts_index(ts: np.ndarray) -> pd.DatetimeIndex:
    """A UTC DatetimeIndex named ts for int ns timestamps."""
    return pd.DatetimeIndex(pd.to_datetime(ts, unit="ns", utc=True), name="ts")
