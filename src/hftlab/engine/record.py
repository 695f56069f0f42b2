"""RunRecord: everything a backtest leaves behind, as DataFrames, saved as Parquet."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from hftlab.instruments import Instrument, Venue
from hftlab.schema import (FILL_RECORD_DTYPE, ORDER_RECORD_DTYPE, RISK_EVENT_DTYPE,
                           STATE_RECORD_DTYPE, OrderStatus)

if TYPE_CHECKING:
    import pandas as pd

TABLES = ("orders", "fills", "states", "risk_events")
DTYPES = {"orders": ORDER_RECORD_DTYPE, "fills": FILL_RECORD_DTYPE,
          "states": STATE_RECORD_DTYPE, "risk_events": RISK_EVENT_DTYPE}


def empty_frame(name: str) -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(np.zeros(0, DTYPES[name]))


def record_frames(parts: dict[str, list[np.ndarray]],
                  instruments: list[Instrument]) -> dict[str, pd.DataFrame]:
    """The record tables from the row blocks the engine flushed: {name: [structured arrays
    of DTYPES[name]]} (the engine's record buffers hold these dtypes, the one place that
    orders their fields)."""
    import pandas as pd

    out = {}
    for name in TABLES:
        blocks = parts[name]
        out[name] = pd.DataFrame(np.concatenate(blocks)) if blocks else empty_frame(name)
    fills = out["fills"]
    if len(fills):
        ins = fills["instrument"].to_numpy()
        tick = np.array([i.tick_size for i in instruments])[ins]
        lot = np.array([i.lot_size for i in instruments])[ins]
        fills["price_ccy"] = fills["price"].to_numpy() * tick
        fills["size"] = fills["qty"].to_numpy() * lot
    else:
        fills["price_ccy"] = pd.Series(dtype=float)
        fills["size"] = pd.Series(dtype=float)
    return out


class RunRecord:
    """The record of one run.

    orders: one row per command the venue or the gate decided (ORDER_RECORD_DTYPE).
    fills: one row per fill (FILL_RECORD_DTYPE) plus price_ccy and size in currency.
    states: account and quotes sampled per instrument (STATE_RECORD_DTYPE).
    risk_events: every decision of the risk engine (RISK_EVENT_DTYPE).
    meta: instruments, venues, strategy, configuration and engine counters.

    A backtest hands over the engine's row blocks; each table becomes a DataFrame the
    first time it is read, so a run that only needs its meta never builds one.
    """

    def __init__(self, orders: pd.DataFrame | None = None, fills: pd.DataFrame | None = None,
                 states: pd.DataFrame | None = None, risk_events: pd.DataFrame | None = None,
                 instruments: list[Instrument] | None = None, venues: list[Venue] | None = None,
                 meta: dict | None = None, blocks: dict[str, list] | None = None) -> None:
        self._tables = {"orders": orders, "fills": fills, "states": states,
                        "risk_events": risk_events}
        self._blocks = blocks
        self.instruments = list(instruments or [])
        self.venues = list(venues or [])
        self.meta = dict(meta or {})
        self.market = None  # a run in a simulated market: the session as it happened
        self.strategy_state: np.ndarray | None = None  # a compiled strategy's final state

    def _table(self, name: str) -> pd.DataFrame:
        if self._tables[name] is None:
            if self._blocks is None:
                raise ValueError(f"RunRecord has no {name} table")
            self._tables.update(record_frames(self._blocks, self.instruments))
            self._blocks = None
        return self._tables[name]

    def _set(self, name: str, frame: pd.DataFrame) -> None:
        self._table(name)  # build the others from the blocks first
        self._tables[name] = frame

    orders = property(lambda self: self._table("orders"), lambda self, f: self._set("orders", f))
    fills = property(lambda self: self._table("fills"), lambda self, f: self._set("fills", f))
    states = property(lambda self: self._table("states"), lambda self, f: self._set("states", f))
    risk_events = property(lambda self: self._table("risk_events"),
                           lambda self, f: self._set("risk_events", f))

    def summary(self) -> dict:
        """Headline numbers: P&L, risk, activity and engine throughput."""
        return summarize(self)

    def save(self, directory: str | Path) -> Path:
        """Write each table as Parquet and the metadata as JSON into directory; a run in a
        simulated market also writes its session (market.parquet, canonical events), a
        compiled strategy its final state (strategy_state.npy, its record dtype)."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        for name in TABLES:
            getattr(self, name).to_parquet(d / f"{name}.parquet", index=False)
        if self.market is not None:
            self.market.save(d / "market.parquet")
        else:  # a replay run in a reused folder: no stale session of an earlier run
            (d / "market.parquet").unlink(missing_ok=True)
        if self.strategy_state is not None:
            np.save(d / "strategy_state.npy", self.strategy_state)
        else:
            (d / "strategy_state.npy").unlink(missing_ok=True)
        meta = {"instruments": [asdict(i) for i in self.instruments],
                "venues": [asdict(v) for v in self.venues], "meta": self.meta}
        (d / "run.json").write_text(json.dumps(meta, indent=2, default=_jsonable))
        return d

    @classmethod
    def load(cls, directory: str | Path) -> "RunRecord":
        """Read a record written by save."""
        from hftlab.data.store import venue_from_dict

        d = Path(directory)
        if not (d / "run.json").exists():
            raise FileNotFoundError(f"{d}: not a run folder (no run.json)")
        meta = json.loads((d / "run.json").read_text())
        import pandas as pd

        tables = {name: pd.read_parquet(d / f"{name}.parquet") for name in TABLES}
        rec = cls(**tables, instruments=[Instrument(**i) for i in meta["instruments"]],
                  venues=[venue_from_dict(v) for v in meta["venues"]], meta=meta["meta"])
        if (d / "market.parquet").exists():
            from hftlab.data import load

            rec.market = load(d / "market.parquet", lazy=True)
        if (d / "strategy_state.npy").exists():
            rec.strategy_state = np.load(d / "strategy_state.npy")
        return rec


def _jsonable(x):
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.floating,)):
        return float(x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    return str(x)


def max_drawdown(equity: np.ndarray) -> float:
    """Largest fall of equity from a running peak (currency, >= 0)."""
    if len(equity) == 0:
        return 0.0
    return float(np.max(np.maximum.accumulate(equity) - equity))


def summarize(rec: RunRecord) -> dict:
    import pandas as pd

    # one sample per (time, instrument), in time order: a run's closing sample may repeat
    # the last sampling time, and summing both rows would count that instrument twice
    st = rec.states.sort_values("ts", kind="stable")
    per_ts = st.groupby(["ts", "instrument"])["equity"].last().groupby("ts").sum() \
        if len(st) else pd.Series(dtype=float)
    eq = per_ts.to_numpy()
    steps = np.diff(eq)
    sharpe = float(steps.mean() / steps.std() * np.sqrt(len(steps))) \
        if len(steps) > 1 and steps.std() > 0 else float("nan")
    fills = rec.fills
    orders = rec.orders
    submits = orders[orders["action"] == 0]
    pos = st.groupby("instrument")["position"] if len(st) else None
    out = {
        "total_pnl": float(eq[-1]) if len(eq) else 0.0,
        "max_drawdown": max_drawdown(eq),
        "sharpe_run": sharpe,
        "orders": int(len(submits)),
        "rejected": int((submits["status"] == OrderStatus.REJECTED).sum()),
        "denied": int((orders["status"] == OrderStatus.DENIED).sum()),
        "fills": int(len(fills)),
        "volume": int(fills["qty"].sum()) if len(fills) else 0,
        "maker_share": float((fills["qty"] * fills["maker"]).sum() / fills["qty"].sum())
        if len(fills) else float("nan"),
        "fees": float(fills["fee"].sum()) if len(fills) else 0.0,
        "final_position": {int(k): int(v) for k, v in pos.last().items()} if pos is not None else {},
        "max_abs_position": int(st["position"].abs().max()) if len(st) else 0,
        "risk_events": int(len(rec.risk_events)),
    }
    for key in ("events", "seconds", "events_per_second", "warnings", "apply_errors"):
        if key in rec.meta:
            out[key] = rec.meta[key]
    return out
