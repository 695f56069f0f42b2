"""Risk events of a run, labelled: what each rule decided, when, about which order."""

from __future__ import annotations

from typing import Any

import pandas as pd

from hftlab.schema import TradingState, reason_name


def risk_events(rec: Any) -> pd.DataFrame:
    """rec.risk_events with rule and state names and the instrument's symbol ("portfolio"
    for account-wide rules, whose instrument column holds the number of instruments)."""
    ev = rec.risk_events.copy()
    symbols = [i.symbol for i in rec.instruments]
    ev["rule_name"] = [reason_name(int(r)) for r in ev["rule"]]
    ev["state_name"] = [TradingState(int(s)).name for s in ev["state"]]
    ev["symbol"] = [symbols[int(i)] if int(i) < len(symbols) else "portfolio"
                    for i in ev["instrument"]]
    return ev


def risk_summary(rec: Any) -> pd.DataFrame:
    """One row per rule that acted: how often, first and last time, and the final state."""
    ev = risk_events(rec)
    if not len(ev):
        return pd.DataFrame(columns=["rule", "rule_name", "count", "first_ts", "last_ts"])
    g = ev.groupby(["rule", "rule_name"])["ts"]
    out = pd.DataFrame({"count": g.size(), "first_ts": g.min(), "last_ts": g.max()})
    return out.reset_index().sort_values("first_ts", kind="stable").reset_index(drop=True)
