"""The numbers of a run report, from a RunRecord and the market's trade prints.

Currency is the instrument's (tick_size x lot_size x multiplier per tick and lot);
spreads are in cents (currency / 100); time is seconds since the run's first state
sample, on a 1-second grid where a metric counts seconds. Signs: our side +1 bought,
-1 sold; a positive markout or spread capture earned money.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from hftlab.analytics import vpin as vpin_of
from hftlab.data.market import MarketData, print_mask
from hftlab.engine.record import RunRecord, max_drawdown
from hftlab.schema import EVENT_DTYPE, Kind

NS = 1_000_000_000
HORIZONS_S = (1, 10, 60)
LARGE_MOVE_SIGMAS = 20.0  # a 1-s mid change this many robust sigmas out is a large move


def market_trades(data: MarketData, instrument: int = 0) -> pd.DataFrame:
    """The market's prints of one instrument: ts (ns), price (currency), qty (lots), side
    (aggressor, +1 buy): one per execution (print_mask: EXECUTE events of visible
    orders, their side flipped to the aggressor's, and TRADE prints of L2 data or
    hidden liquidity)."""
    parts = []
    for ev, rec in data.iter_chunks():
        keep = print_mask(ev, rec) & (ev["instrument"] == instrument)
        parts.append(ev[keep])
    prints = np.concatenate(parts) if parts else np.zeros(0, EVENT_DTYPE)
    side = np.where(prints["kind"] == Kind.EXECUTE, -prints["side"], prints["side"])
    tick = data.instruments[instrument].tick_size
    return pd.DataFrame({"ts": prints["ts"].astype(np.int64), "price": prints["price"] * tick,
                         "qty": prints["qty"].astype(np.float64), "side": side.astype(np.int8)})


def vpin_series(trades: pd.DataFrame, bucket_volume: float, window: int = 50) -> pd.DataFrame:
    """VPIN (Easley, López de Prado & O'Hara 2012) per completed bucket of bucket_volume
    lots, classified by the prints' aggressor side: columns ts (ns) and vpin."""
    if len(trades) == 0 or trades["qty"].sum() < bucket_volume * window:
        return pd.DataFrame({"ts": np.zeros(0, np.int64), "vpin": np.zeros(0)})
    v = vpin_of(trades, bucket_volume=bucket_volume, window=window, classify="side")
    ts = pd.DatetimeIndex(pd.to_datetime(v["ts"], utc=True)).as_unit("ns").asi8
    return pd.DataFrame({"ts": ts, "vpin": v["vpin"].to_numpy()})


def seconds_grid(rec: RunRecord, instrument: int = 0) -> pd.DataFrame:
    """The state samples of one instrument, last sample of each second: second (int),
    ts, position, bid, ask (ours, ticks, 0 = none), mid (ticks), equity."""
    st = rec.states[rec.states["instrument"] == instrument]
    if len(st) == 0:
        return pd.DataFrame(columns=["second", "ts", "position", "bid", "ask", "mid", "equity"])
    t0 = int(st["ts"].iloc[0])
    sec = (st["ts"].to_numpy() - t0) // NS
    g = st.assign(second=sec).groupby("second", sort=True).last().reset_index()
    return g[["second", "ts", "position", "bid", "ask", "mid", "equity"]]


def vpin_at(ts: np.ndarray, vp: pd.DataFrame) -> np.ndarray:
    """VPIN of the last bucket completed at or before each ts (NaN before the first)."""
    if len(vp) == 0:
        return np.full(len(ts), np.nan)
    i = np.searchsorted(vp["ts"].to_numpy(), ts, side="right") - 1
    out = vp["vpin"].to_numpy()[np.maximum(i, 0)]
    return np.where(i >= 0, out, np.nan)


def quoted_spread_cents(rec: RunRecord, instrument: int = 0) -> np.ndarray:
    """Our quoted spread (ask - bid) in cents at each state sample with both quotes up."""
    st = rec.states[rec.states["instrument"] == instrument]
    both = (st["bid"] > 0) & (st["ask"] > 0)
    tick = rec.instruments[instrument].tick_size
    return ((st["ask"] - st["bid"])[both].to_numpy() * tick * 100.0).astype(np.float64)


def teaching_summary(rec: RunRecord, vp: pd.DataFrame | None = None,
                     instrument: int = 0) -> dict[str, Any]:
    """The teaching example's summary: total P&L, winning and losing seconds, win rate,
    average / max long / max short inventory, average / min / max quoted spread in cents,
    mean VPIN over the seconds it is defined and seconds with VPIN > 0.7."""
    g = seconds_grid(rec, instrument)
    eq = g["equity"].to_numpy(dtype=np.float64)
    steps = np.diff(eq, prepend=0.0) if len(eq) else eq
    win, lose = int((steps > 1e-12).sum()), int((steps < -1e-12).sum())
    pos = g["position"].to_numpy()
    spread = quoted_spread_cents(rec, instrument)
    v = vpin_at(g["ts"].to_numpy(dtype=np.int64), vp) if vp is not None else np.full(len(g), np.nan)
    ok = np.isfinite(v)
    return {
        "total_pnl": float(eq[-1]) if len(eq) else 0.0,
        "winning_seconds": win,
        "losing_seconds": lose,
        "win_rate": win / (win + lose) if win + lose else float("nan"),
        "avg_inventory": float(pos.mean()) if len(pos) else 0.0,
        "max_long": int(max(pos.max(), 0)) if len(pos) else 0,
        "max_short": int(min(pos.min(), 0)) if len(pos) else 0,
        "avg_spread_cents": float(spread.mean()) if len(spread) else float("nan"),
        "min_spread_cents": float(spread.min()) if len(spread) else float("nan"),
        "max_spread_cents": float(spread.max()) if len(spread) else float("nan"),
        "mean_vpin": float(v[ok].mean()) if ok.any() else float("nan"),
        "seconds_vpin_above_0.7": int((v[ok] > 0.7).sum()),
    }


def markouts(rec: RunRecord, horizons_s: tuple[int, ...] = HORIZONS_S,
             instrument: int = 0, within: tuple[float, float] | None = None) -> pd.DataFrame:
    """Markouts of our fills: side x (mid h seconds after the fill - fill price), in
    currency per lot, qty-weighted, per horizon (rows) - negative = adverse selection.
    Mids are the state samples' (last at or before ts + h); fills whose horizon passes
    the last sample are left out; within: only fills in [a, b) seconds since the first
    sample. Columns: horizon_s, markout_per_lot, markout_total, fills."""
    f = rec.fills[rec.fills["instrument"] == instrument]
    st = rec.states[rec.states["instrument"] == instrument]
    if within is not None and len(st):
        secs = (f["ts_exchange"].to_numpy() - int(st["ts"].iloc[0])) / NS
        f = f[(secs >= within[0]) & (secs < within[1])]
    rows = []
    ts_s, mid_s = st["ts"].to_numpy(), st["mid"].to_numpy(dtype=np.float64)
    v = rec.instruments[instrument].tick_value
    for h in horizons_s:
        t = f["ts_exchange"].to_numpy() + int(h * NS)
        ok = t <= (ts_s[-1] if len(ts_s) else -1)
        i = np.searchsorted(ts_s, t[ok], side="right") - 1
        m = mid_s[np.maximum(i, 0)]
        sub = f[ok]
        mk = sub["side"].to_numpy() * (m - sub["price"].to_numpy()) * v
        q = sub["qty"].to_numpy(dtype=np.float64)
        good = np.isfinite(mk)
        tot = float((mk[good] * q[good]).sum())
        rows.append({"horizon_s": h, "markout_per_lot": tot / q[good].sum() if good.any()
                     else float("nan"), "markout_total": tot, "fills": int(good.sum())})
    return pd.DataFrame(rows)


def pnl_decomposition(rec: RunRecord, instrument: int = 0) -> dict[str, float]:
    """Total P&L = spread capture + inventory P&L + fees and rebates, exactly.

    spread capture: sum of side x (mid at the fill - price) x qty (what the quotes earned
    against the mid when they traded); fees and rebates: minus the fees paid (a net
    rebate is positive); inventory P&L: sum of side x qty x (final mid - mid at the fill),
    the mark-to-market of what we held. Mid at the fill: the fill's recorded exchange
    mid, or its price where a side of the book was empty.
    """
    f = rec.fills[rec.fills["instrument"] == instrument]
    st = rec.states[rec.states["instrument"] == instrument]
    v = rec.instruments[instrument].tick_value
    side = f["side"].to_numpy(dtype=np.float64)
    q = f["qty"].to_numpy(dtype=np.float64)
    px = f["price"].to_numpy(dtype=np.float64)
    mid = f["mid"].to_numpy(dtype=np.float64)
    mid = np.where(np.isfinite(mid), mid, px)
    final = float(st["mid"].iloc[-1]) if len(st) else float("nan")
    if not math.isfinite(final):
        final = float(px[-1]) if len(px) else 0.0
    spread = float((side * (mid - px) * q).sum() * v)
    inventory = float((side * q * (final - mid)).sum() * v)
    fees = float(-f["fee"].sum())
    total = float(st["equity"].iloc[-1]) if len(st) else 0.0
    return {"spread_capture": spread, "inventory_pnl": inventory, "fees_and_rebates": fees,
            "total_pnl": total, "unexplained": total - spread - inventory - fees}


def metrics(rec: RunRecord, position_limit: int | None = None,
            instrument: int = 0) -> dict[str, Any]:
    """The metrics table: P&L, Sharpe, max drawdown, volume, fill ratio, maker share, fees
    paid and rebates received, time at risk limits.

    sharpe_run: the Sharpe ratio of this one session, mean / std of its n 1-second P&L
    changes x sqrt(n) (the session's P&L over its standard deviation were the seconds
    independent), n in sharpe_seconds. It is not annualised: one session is one sample,
    and scaling an hour up to a year multiplies noise. fill_ratio: lots filled / lots
    submitted.
    seconds_at_position_limit: seconds whose last sample had |position| >= position_limit
    (None: not counted). risk_events: decisions of the risk engine (denials, state changes).
    """
    g = seconds_grid(rec, instrument)
    eq = g["equity"].to_numpy(dtype=np.float64)
    steps = np.diff(eq, prepend=0.0) if len(eq) else eq
    sd = steps.std() if len(steps) > 1 else 0.0
    per_s = steps.mean() / sd if sd > 0 else float("nan")
    f = rec.fills[rec.fills["instrument"] == instrument]
    o = rec.orders[(rec.orders["instrument"] == instrument) & (rec.orders["action"] == 0)]
    filled = float(f["qty"].sum())
    fees = f["fee"].to_numpy(dtype=np.float64)
    pos = g["position"].to_numpy()
    out = {
        "total_pnl": float(eq[-1]) if len(eq) else 0.0,
        "sharpe_run": per_s * math.sqrt(len(steps)) if len(steps) else float("nan"),
        "sharpe_seconds": int(len(steps)),
        "max_drawdown": max_drawdown(eq),
        "volume_lots": int(filled),
        "fills": int(len(f)),
        "fill_ratio": filled / float(o["qty"].sum()) if len(o) else float("nan"),
        "maker_share": float((f["qty"] * f["maker"]).sum() / filled) if filled else float("nan"),
        "fees_paid": float(fees[fees > 0].sum()),
        "rebates_received": float(-fees[fees < 0].sum()),
        "inventory_std": float(pos.std()) if len(pos) else 0.0,
        "seconds_at_position_limit": int((np.abs(pos) >= position_limit).sum())
        if position_limit else None,
        "seconds_reducing_or_halted": seconds_not_active(rec),
        "risk_events": int(len(rec.risk_events)),
    }
    for name, count in risk_counts(rec).items():
        out[f"risk: {name}"] = count
    return out


def seconds_not_active(rec: RunRecord) -> float:
    """Seconds the risk engine held the account in REDUCING or HALTED: each risk event's
    state holds until the next event, the last one until the last state sample."""
    ev = rec.risk_events.sort_values("ts", kind="stable")
    if len(ev) == 0 or len(rec.states) == 0:
        return 0.0
    ts = np.append(ev["ts"].to_numpy(), max(int(rec.states["ts"].iloc[-1]), int(ev["ts"].max())))
    held = np.diff(ts) * (ev["state"].to_numpy() > 0)
    return float(held.sum() / NS)


def risk_counts(rec: RunRecord) -> dict[str, int]:
    """How often each risk rule acted (hftlab.risk.risk_summary), by rule name."""
    if len(rec.risk_events) == 0:
        return {}
    from hftlab.risk import risk_summary
    rs = risk_summary(rec)
    return {str(n): int(c) for n, c in zip(rs["rule_name"], rs["count"])}


MOVE_COLUMNS = ["t_s", "mid_before", "mid_after", "move", "sigmas", "side", "qty",
                "from_price", "to_price"]


def large_moves(rec: RunRecord, trades: pd.DataFrame | None = None, instrument: int = 0,
                k: float = LARGE_MOVE_SIGMAS, top: int = 3) -> pd.DataFrame:
    """The session's large price moves and the aggressive order behind each.

    The mid's 1-second log changes (last state sample of each second, seconds_grid) have
    a robust sigma = 1.4826 x their median absolute deviation (their standard deviation
    where more than half the seconds do not move); a change of at least k sigma is a
    large move (k = 20 lies beyond the fat tails of ordinary seconds). The `top` largest,
    largest first, each with the sweep behind it when trades (market_trades: ts, price in
    currency, qty, aggressor side) are given: among the prints of that second, the
    aggressive order (the prints sharing one ts and aggressor side) in the move's direction
    whose prices moved furthest. Columns: t_s (seconds since the first sample: the sweep's
    time, else the end of the second), mid_before and mid_after (currency), move (a
    fraction, -0.035 = -3.5 %), sigmas, side (+1 buy, -1 sell, 0 no sweep found), qty
    (lots), from_price and to_price (currency; NaN without a sweep).
    """
    g = seconds_grid(rec, instrument)
    empty = pd.DataFrame({c: pd.Series(dtype=np.int8 if c == "side" else np.float64)
                          for c in MOVE_COLUMNS})
    mid = g["mid"].to_numpy(dtype=np.float64)
    if len(mid) < 3:
        return empty
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.diff(np.log(mid))
    ok = np.isfinite(r)
    if ok.sum() < 2:
        return empty
    med = float(np.median(r[ok]))
    sigma = 1.4826 * float(np.median(np.abs(r[ok] - med)))
    if sigma <= 0:
        sigma = float(r[ok].std())
    if sigma <= 0:
        return empty
    z = np.where(ok, np.abs(r) / sigma, 0.0)
    hits = [i for i in np.argsort(-z, kind="stable")[:top] if z[i] >= k]
    tick = rec.instruments[instrument].tick_size
    ts = g["ts"].to_numpy(dtype=np.int64)
    t0 = int(rec.states.loc[rec.states["instrument"] == instrument, "ts"].iloc[0])
    rows = []
    for i in hits:
        a, b = int(ts[i]), int(ts[i + 1])
        row = {"t_s": (b - t0) / NS, "mid_before": mid[i] * tick, "mid_after": mid[i + 1] * tick,
               "move": float(np.expm1(r[i])), "sigmas": float(z[i]), "side": 0, "qty": 0.0,
               "from_price": np.nan, "to_price": np.nan}
        sweep = _sweep(trades, a, b, int(np.sign(r[i]))) if trades is not None else None
        if sweep is not None:
            row.update(sweep, t_s=(sweep.pop("ts") - t0) / NS)
        rows.append(row)
    out = pd.DataFrame(rows, columns=MOVE_COLUMNS) if rows else empty
    return out.astype({"side": np.int8})


def _sweep(trades: pd.DataFrame, a: int, b: int, direction: int) -> dict[str, Any] | None:
    """The aggressive order in (a, b] ns whose prints moved furthest in direction (+1 up,
    -1 down): ts, side, qty, from_price, to_price; None when no order moved the price so."""
    w = trades[(trades["ts"] > a) & (trades["ts"] <= b) & (trades["side"] == direction)]
    if len(w) == 0:
        return None
    grp = w.groupby(["ts", "side"], sort=False).agg(qty=("qty", "sum"), first=("price", "first"),
                                                   last=("price", "last")).reset_index()
    reach = direction * (grp["last"] - grp["first"]).to_numpy()
    j = int(np.argmax(reach))
    if reach[j] <= 0:
        return None
    s = grp.iloc[j]
    return {"ts": int(s["ts"]), "side": direction, "qty": float(s["qty"]),
            "from_price": float(s["first"]), "to_price": float(s["last"])}
