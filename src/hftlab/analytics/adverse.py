"""Adverse selection of a run's own fills: spread earned, realized spread, impact against us.

Works on a run's fills table and a mid-price series only (never the engine). For a fill
with our side s (+1 we bought, -1 we sold) at price p, mid m at the fill and mid m_h
prevailing h later (fractions of the midpoint; ``units.to_bps`` for bps):

    effective_earned  = -2 s (p - m) / m     spread captured (> 0: bought below mid)
    adverse_<h>       = -2 s (m_h - m) / m   the mid's move against us (> 0: adverse)
    realized_<h>      = effective_earned - adverse_<h>   what we keep after h

which are `spreads`' effective, impact and realized with the counterparty's sign
q = -s, so effective_earned == realized_<h> + adverse_<h> exactly. Per unit traded:
cost = s (p - m) / m = permanent + temporary, with permanent = s (m_H - m) / m at the
longest horizon H and temporary = s (p - m_H) / m (the part that reverts).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from hftlab.analytics.inputs import (
    as_float_array, as_ns_array, check_side, check_sorted, column, duration_ns,
)
from hftlab.analytics.spreads import (
    _effective, _impact, _mid_checked, data_end, horizon_label, mid_at,
)
from hftlab.analytics.units import to_bps

FILL_COLUMNS = ("ts_exchange", "side", "price", "qty")
MARKOUT_COLUMNS = ("fills", "qty", "effective_earned", "realized", "impact", "residual",
                   "cost", "permanent", "temporary")
DEFAULT_FILL_HORIZONS: tuple[str, ...] = ("1s", "10s", "60s")


@dataclass(frozen=True)
class AdverseSelection:
    """Result of `adverse_selection`: per-fill measures and qty-weighted summaries (bps)."""

    per_fill: pd.DataFrame
    summary: pd.DataFrame


def _mid_series(mids: Any) -> tuple[np.ndarray, np.ndarray, pd.DataFrame | None]:
    """(ts ns, mid) from a DataFrame with ts and mid (and maybe venue/instrument) or a Series."""
    if isinstance(mids, pd.Series):
        ts = as_ns_array(mids.index, "mids index")
        mid = as_float_array(mids, "mids")
        frame = None
    elif isinstance(mids, pd.DataFrame):
        ts = as_ns_array(mids[column(mids, ("ts", "ts_exchange"), "mids")], "mids['ts']")
        mid = as_float_array(mids[column(mids, ("mid",), "mids")], "mids['mid']")
        keys = [c for c in ("venue", "instrument") if c in mids.columns]
        frame = mids[keys] if keys else None
    else:
        raise TypeError(f"mids must be a DataFrame (ts, mid) or a Series indexed by ns "
                        f"timestamps; got {type(mids).__name__}")
    return ts, mid, frame


def adverse_selection(fills: pd.DataFrame, mids: Any,
                      horizons: Sequence[Any] = DEFAULT_FILL_HORIZONS) -> AdverseSelection:
    """Spread earned, realized spread and adverse selection of our fills (module doc formulas).

    fills: a run's fills (ts_exchange int ns, side +1 bought / -1 sold, price in ticks,
    qty in lots; optional maker 1 passive / 0 aggressive, mid in ticks at the fill, fee in
    currency with price_ccy and size for the fee as a fraction of notional, venue and
    instrument). mids: DataFrame (ts, mid[, venue, instrument]) or Series indexed by ns
    timestamps, mid in the fills' price unit (ticks), in time order. With several
    (venue, instrument) pairs in fills, mids must carry the same key columns.
    The mid at a fill is its own `mid` where finite, else the last mid strictly before
    ts_exchange; m_h is the last mid at or before ts_exchange + h, NaN past the end of
    the data (the later of the last mid and the last fill of that instrument; a NaN row
    is left out of that horizon's summary).
    """
    missing = [c for c in FILL_COLUMNS if c not in fills.columns]
    if missing:
        raise ValueError(f"fills lack column(s) {missing}; a run's fills table has "
                         f"{list(FILL_COLUMNS)} plus maker, mid, fee, price_ccy, size")
    horizons = list(horizons)
    if not horizons:
        raise ValueError("horizons must hold at least one duration")
    hns = [duration_ns(h, "horizon") for h in horizons]
    ts_all, mid_all, keys = _mid_series(mids)
    fill_keys = [c for c in ("venue", "instrument") if c in fills.columns]
    groups: list[tuple[np.ndarray, np.ndarray]] = []  # (fill rows, mid rows)
    if keys is not None and fill_keys:
        use = [c for c in keys.columns if c in fill_keys]
        mid_groups = keys.groupby(use, sort=False).indices
        for key, rows in fills.groupby(use, sort=False).indices.items():
            if key not in mid_groups:
                where = dict(zip(use, np.atleast_1d(key)))
                raise ValueError(f"mids has no rows for the fills of {where}")
            groups.append((rows, mid_groups[key]))
    else:
        if fill_keys and len(fills.groupby(fill_keys).indices) > 1:
            raise ValueError(f"fills span several {fill_keys} pairs; give mids with the same "
                             "key columns so each fill meets its own instrument's mid")
        if keys is not None and len(keys.groupby(list(keys.columns)).indices) > 1:
            raise ValueError(f"mids span several {list(keys.columns)} values but fills have "
                             "no such column to match them")
        groups.append((np.arange(len(fills)), np.arange(ts_all.size)))

    n = len(fills)
    side = check_side(fills["side"], "fills['side']").astype(np.float64)
    price = as_float_array(fills["price"], "fills['price']")
    ts = as_ns_array(fills["ts_exchange"], "fills['ts_exchange']")
    m = np.full(n, np.nan)
    mh = np.full((len(hns), n), np.nan)
    for rows, mrows in groups:
        qts, qmid = ts_all[mrows], mid_all[mrows]
        check_sorted(qts, "mids ts")
        order = np.argsort(ts[rows], kind="stable")
        r = rows[order]
        m[r] = mid_at(ts[r] - 1, qts, qmid)
        end = data_end(qts, ts[r])
        for j, h in enumerate(hns):
            mh[j, r] = mid_at(ts[r] + h, qts, qmid, end)
    if "mid" in fills.columns:
        own = as_float_array(fills["mid"], "fills['mid']")
        m = np.where(np.isfinite(own), own, m)
    m = _mid_checked(m, "mid at fill")
    q = -side
    out: dict[str, np.ndarray] = {"side": side.astype(np.int8),
                                  "qty": as_float_array(fills["qty"], "fills['qty']"),
                                  "mid": m, "effective_earned": _effective(price, m, q)}
    if "maker" in fills.columns:
        out["maker"] = as_float_array(fills["maker"], "fills['maker']")
    for h, row in zip(horizons, mh):
        adv = _impact(m, row, q)
        out[f"realized_{horizon_label(h)}"] = out["effective_earned"] - adv
        out[f"adverse_{horizon_label(h)}"] = adv
    long_h = horizon_label(horizons[int(np.argmax(hns))])
    out["cost"] = -0.5 * out["effective_earned"]
    out["permanent"] = -0.5 * out[f"adverse_{long_h}"]
    out["temporary"] = out["cost"] - out["permanent"]
    if {"fee", "price_ccy", "size"} <= set(fills.columns):
        notional = (as_float_array(fills["price_ccy"], "fills['price_ccy']")
                    * as_float_array(fills["size"], "fills['size']"))
        with np.errstate(invalid="ignore", divide="ignore"):
            out["fee"] = np.where(notional > 0, as_float_array(fills["fee"], "fills['fee']")
                                  / notional, np.nan)
    per_fill = pd.DataFrame(out, index=fills.index)
    return AdverseSelection(per_fill=per_fill, summary=_summary(per_fill))


def _summary(per_fill: pd.DataFrame) -> pd.DataFrame:
    """Qty-weighted means in bps for all fills, passive (maker 1) and aggressive (maker 0)."""
    measures = [c for c in per_fill.columns if c not in ("side", "qty", "mid", "maker")]
    sets = {"all": np.ones(len(per_fill), dtype=bool)}
    if "maker" in per_fill.columns:
        sets["passive"] = per_fill["maker"].to_numpy() == 1
        sets["aggressive"] = per_fill["maker"].to_numpy() == 0
    w_all = per_fill["qty"].to_numpy(dtype=np.float64)
    rows = {}
    for name, sel in sets.items():
        row: dict[str, float] = {"fills": float(sel.sum()), "qty": float(w_all[sel].sum())}
        for c in measures:
            x = per_fill[c].to_numpy(dtype=np.float64)
            ok = sel & np.isfinite(x) & (w_all > 0)
            row[c] = float((x[ok] * w_all[ok]).sum() / w_all[ok].sum() * 10_000.0) \
                if ok.any() else float("nan")
        rows[name] = row
    return pd.DataFrame.from_dict(rows, orient="index")


def _wmean_bps(x: np.ndarray, w: np.ndarray, ok: np.ndarray) -> float:
    """Weighted mean of x over the rows in ok, in bps; NaN when no weight is left."""
    total = float(w[ok].sum())
    return to_bps(float((x[ok] * w[ok]).sum()) / total) if total > 0 else float("nan")


def markout_table(res: AdverseSelection, horizons: Sequence[Any],
                  maker: int | None = None) -> pd.DataFrame:
    """Per-horizon reconciliation of our fills (bps of mid, qty-weighted).

    Rows: the horizons (labels as `adverse_selection` names them). Columns: fills and
    qty used (those whose mid h later is known), effective_earned, realized and impact
    (the mid's move against us, `adverse_<h>`) with residual = effective - realized -
    impact (0 up to rounding), cost per unit = -effective / 2, permanent = -impact / 2
    (the mid's move in our direction) and temporary = cost - permanent. maker: 1 for
    passive fills only, 0 for aggressive only, None for all.
    """
    f = res.per_fill
    sel = np.ones(len(f), dtype=bool)
    if maker is not None and "maker" in f.columns:
        sel = f["maker"].to_numpy() == maker
    qty = f["qty"].to_numpy(dtype=np.float64)
    eff = f["effective_earned"].to_numpy()
    rows = {}
    for h in horizons:
        lab = horizon_label(h)
        real = f[f"realized_{lab}"].to_numpy()
        imp = f[f"adverse_{lab}"].to_numpy()
        ok = sel & np.isfinite(real) & np.isfinite(imp) & np.isfinite(eff) & (qty > 0)
        e, r, i = (_wmean_bps(x, qty, ok) for x in (eff, real, imp))
        rows[lab] = {"fills": int(ok.sum()), "qty": float(qty[ok].sum()),
                     "effective_earned": e, "realized": r, "impact": i,
                     "residual": e - r - i, "cost": -0.5 * e, "permanent": -0.5 * i,
                     "temporary": -0.5 * e + 0.5 * i}
    out = pd.DataFrame.from_dict(rows, orient="index", columns=list(MARKOUT_COLUMNS))
    out.index.name = "horizon"
    return out
