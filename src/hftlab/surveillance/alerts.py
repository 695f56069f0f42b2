"""The manipulation detectors' alerts: one frame layout, and precision / recall against
labelled simulated episodes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hftlab.analytics.inputs import nonneg_duration_ns
from hftlab.book import to_currency
from hftlab.instruments import Instrument

COMMON = ["owner", "start", "end", "side", "score", "evidence"]


def alerts_frame(al: pd.DataFrame, inst: Instrument, extra: list[str],
           lots: tuple[str, ...] = ()) -> pd.DataFrame:
    """The alerts frame: COMMON columns then extra, times as UTC timestamps, lots in
    units, by start."""
    al = al.sort_values("start", kind="stable").reset_index(drop=True)
    out = pd.DataFrame({
        "owner": al["owner"].to_numpy(np.int64),
        "start": pd.to_datetime(al["start"].to_numpy(np.int64), unit="ns", utc=True),
        "end": pd.to_datetime(al["end"].to_numpy(np.int64), unit="ns", utc=True),
        "side": al["side"].to_numpy(np.int64).astype(np.int8),
        "score": al["score"].to_numpy(float), "evidence": al["evidence"].astype(object)},
        columns=COMMON)
    for c in extra:
        out[c] = to_currency(al[c].to_numpy(), inst.lot_size) if c in lots else al[c].to_numpy()
    return out


def score_alerts(alerts: pd.DataFrame, labels: pd.DataFrame, kind: str, *,
                 slack: Any = "2s") -> dict[str, float]:
    """Precision and recall of alerts against labelled episodes (hftlab.sim's
    ``stats["manipulation"]``: owner, kind, side, start_ns, end_ns) of one kind.

    An alert is a true positive when its window, widened by slack on each side, overlaps
    an episode of that kind and its owner is the episode's (an alert without an owner,
    -1, matches any owner); an episode is found when a true positive overlaps it.
    Returns alerts, true_positives, precision (NaN without alerts), episodes, found,
    recall (NaN without episodes)."""
    s_ns = nonneg_duration_ns(slack, "slack")
    lab = labels[labels["kind"] == kind]
    a_start = alerts["start"].astype("int64").to_numpy() - s_ns if len(alerts) else np.zeros(0)
    a_end = alerts["end"].astype("int64").to_numpy() + s_ns if len(alerts) else np.zeros(0)
    a_own = alerts["owner"].to_numpy() if len(alerts) else np.zeros(0)
    hit = ((a_start[:, None] <= lab["end_ns"].to_numpy()[None, :])
           & (a_end[:, None] >= lab["start_ns"].to_numpy()[None, :])
           & ((a_own[:, None] < 0) | (a_own[:, None] == lab["owner"].to_numpy()[None, :])))
    tp = int(hit.any(axis=1).sum())
    found = int(hit.any(axis=0).sum())
    return {"alerts": int(len(alerts)), "true_positives": tp,
            "precision": tp / len(alerts) if len(alerts) else float("nan"),
            "episodes": int(len(lab)), "found": found,
            "recall": found / len(lab) if len(lab) else float("nan")}
