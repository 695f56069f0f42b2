"""Measures of a run record over a window, the same for every strategy of the playbook:

- P&L: the change of total equity (realized net of fees + marked to the mid) over the
  measured window, in the instrument's currency, summed over instruments.
- P&L per trade (bps): 1e4 x P&L / (traded notional / 2), the P&L per unit of
  round-trip notional (a round trip buys and sells once), so a maker's many small fills
  and a taker's few large ones read on one scale.
- hold time: our fills matched first-in first-out per instrument; each matched lot is
  held from its opening fill to its closing one; the median over lots (qty-weighted).
- worst drawdown: the largest fall of equity from a running peak in the window.

`fill_quality` adds markouts of the fills (analytics.adverse_selection).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from hftlab.analytics.adverse import adverse_selection
from hftlab.analytics.stats import weighted_median
from hftlab.engine.record import RunRecord, max_drawdown

NS = 1_000_000_000
MARKOUT_S = (1, 10)


def hold_times(fills: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(hold ns, lots) of every first-in first-out match of one instrument's fills: a
    fill that reduces the position closes the oldest open lots first."""
    open_ts: list[list[int]] = []  # [ts, lots left], all on one side
    sign = 0
    holds, lots = [], []
    for ts, side, qty in zip(fills["ts_exchange"].to_numpy(), fills["side"].to_numpy(),
                             fills["qty"].to_numpy()):
        left = int(qty)
        while left > 0 and open_ts and sign != side:
            lot = open_ts[0]
            x = min(left, lot[1])
            holds.append(int(ts) - lot[0])
            lots.append(x)
            lot[1] -= x
            left -= x
            if lot[1] == 0:
                open_ts.pop(0)
        if left > 0:
            if not open_ts:
                sign = int(side)
            open_ts.append([int(ts), left])
    return np.asarray(holds, np.int64), np.asarray(lots, np.float64)


def trade_stats(rec: RunRecord, since_ns: int | None = None) -> dict[str, float]:
    """P&L, fills, notional, P&L per trade in bps, median hold and worst drawdown of a
    record over [since_ns, end] (module doc for each); since_ns None = the whole run."""
    st = rec.states.sort_values("ts", kind="stable")
    # one sample per (time, instrument): the run's last sample may repeat a sampling time
    st = st.drop_duplicates(["ts", "instrument"], keep="last")
    eq = st.groupby("ts")["equity"].sum() if len(st) else pd.Series(dtype=float)
    t0 = -np.inf if since_ns is None else since_ns
    before = eq[eq.index < t0]
    window = eq[eq.index >= t0]
    base = float(before.iloc[-1]) if len(before) else 0.0
    pnl = float(window.iloc[-1]) - base if len(window) else 0.0
    f = rec.fills
    f = f[f["ts_exchange"] >= t0]
    notional, holds, lots = 0.0, [], []
    for i in sorted(f["instrument"].unique()):
        fi = f[f["instrument"] == i]
        notional += float((fi["price"] * fi["qty"]).sum()) * rec.instruments[int(i)].tick_value
        h, w = hold_times(fi)
        holds.append(h)
        lots.append(w)
    h = np.concatenate(holds) if holds else np.zeros(0, np.int64)
    w = np.concatenate(lots) if lots else np.zeros(0)
    return {"pnl": pnl, "fills": int(len(f)), "notional": notional,
            "bps_per_trade": 1e4 * pnl / (notional / 2) if notional > 0 else float("nan"),
            "median_hold_s": weighted_median(h, w) / NS,
            "max_drawdown": max_drawdown(np.concatenate([[base], window.to_numpy()]))}


def fill_quality(rec: RunRecord, since_ns: int | None = None,
                 horizons_s: Sequence[int] = MARKOUT_S) -> dict[str, float]:
    """Markouts of the fills in the window, qty-weighted bps of the mid: effective spread
    earned and the mid's move against us after each horizon (adverse selection, > 0 =
    adverse) and what is kept (realized), from `analytics.adverse_selection` with the
    record's mid samples."""
    f = rec.fills
    if since_ns is not None:
        f = f[f["ts_exchange"] >= since_ns]
    f = f[f["instrument"] == 0]
    if len(f) == 0:
        return {}
    st = rec.states[rec.states["instrument"] == 0].sort_values("ts", kind="stable")
    mids = pd.DataFrame({"ts": st["ts"].to_numpy(), "mid": st["mid"].to_numpy(np.float64)})
    res = adverse_selection(f.reset_index(drop=True), mids.dropna(),
                            [f"{h}s" for h in horizons_s])
    row = res.summary.loc["all"]
    out = {"effective_earned_bps": float(row["effective_earned"])}
    for h in horizons_s:
        out[f"adverse_{h}s_bps"] = float(row[f"adverse_{h}s"])
        out[f"realized_{h}s_bps"] = float(row[f"realized_{h}s"])
    return out
