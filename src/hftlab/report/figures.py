"""Figures of a run report, drawn with matplotlib (Agg) and returned as PNG bytes."""

from __future__ import annotations

import io
from typing import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from hftlab.engine.record import RunRecord  # noqa: E402
from hftlab.report.run_metrics import NS  # noqa: E402

Span = tuple[float, float]  # seconds since the run's start, e.g. an informed episode


def session_clock(t0_ns: int, t1_ns: int) -> tuple[float, str]:
    """Nanoseconds per unit and the axis label of session time from t0_ns: seconds for a
    session up to 10 minutes, minutes up to 3 hours, else hours; the label names t0 (UTC),
    so a figure shows the session, not a calendar axis."""
    span = max(int(t1_ns) - int(t0_ns), 0)
    scale, unit = ((NS, "seconds") if span <= 600 * NS else
                   (60 * NS, "minutes") if span <= 3 * 3600 * NS else (3600 * NS, "hours"))
    start = pd.Timestamp(int(t0_ns), unit="ns", tz="UTC").strftime("%Y-%m-%d %H:%M:%S UTC")
    return float(scale), f"{unit} since session start ({start})"


def since(ts_ns: np.ndarray, t0_ns: int, scale: float) -> np.ndarray:
    """Timestamps (int ns) as session time in units of scale ns (float)."""
    return (np.asarray(ts_ns, dtype=np.int64) - np.int64(t0_ns)) / scale


def png(fig) -> bytes:
    """fig as PNG bytes (100 dpi, tight); closes fig."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


def _shade(axes, spans: Sequence[Span], label: str | None) -> None:
    for ax in axes:
        for k, (a, b) in enumerate(spans):
            ax.axvspan(a, b, color="tab:orange", alpha=0.12, lw=0,
                       label=label if (k == 0 and ax is axes[0]) else None)


def run_panels(rec: RunRecord, vp: pd.DataFrame | None = None, instrument: int = 0,
               spans: Sequence[Span] = (), span_label: str | None = None) -> bytes:
    """Four panels over time: price with our bid, ask and fills; inventory; cumulative
    P&L against VPIN; our quoted spread in cents."""
    st = rec.states[rec.states["instrument"] == instrument]
    tick = rec.instruments[instrument].tick_size
    t0 = int(st["ts"].iloc[0]) if len(st) else 0
    secs = (st["ts"].to_numpy() - t0) / NS
    fig, ax = plt.subplots(4, 1, figsize=(11, 10), sharex=True,
                           gridspec_kw={"height_ratios": [2.2, 1, 1.2, 1]})
    ax[0].plot(secs, st["mid"].to_numpy() * tick, color="0.3", lw=0.8, label="mid")
    for col, color, label in (("bid", "tab:green", "our bid"), ("ask", "tab:red", "our ask")):
        q = st[col].to_numpy().astype(float)
        q[q <= 0] = np.nan
        ax[0].plot(secs, q * tick, color=color, lw=0.5, alpha=0.7, label=label)
    f = rec.fills[rec.fills["instrument"] == instrument]
    if len(f):
        fs = (f["ts_exchange"].to_numpy() - t0) / NS
        buy = f["side"].to_numpy() > 0
        px = f["price"].to_numpy() * tick
        ax[0].scatter(fs[buy], px[buy], marker="^", s=6, alpha=0.5, color="tab:green", zorder=3,
                      label=f"we bought ({buy.sum():,})")
        ax[0].scatter(fs[~buy], px[~buy], marker="v", s=6, alpha=0.5, color="tab:red", zorder=3,
                      label=f"we sold ({(~buy).sum():,})")
    _shade(ax, spans, span_label)
    ax[0].set_ylabel("price")
    ax[0].legend(loc="upper left", fontsize=8, ncol=6)
    ax[1].step(secs, st["position"], where="post", color="tab:blue", lw=0.9)
    ax[1].axhline(0, color="0.6", lw=0.5)
    ax[1].set_ylabel("inventory (lots)")
    ax[2].plot(secs, st["equity"], color="tab:purple", lw=1.0, label="cumulative P&L")
    ax[2].axhline(0, color="0.6", lw=0.5)
    ax[2].set_ylabel("P&L")
    ax[2].legend(loc="upper left", fontsize=8)
    if vp is not None and len(vp):
        tw = ax[2].twinx()
        tw.plot((vp["ts"].to_numpy() - t0) / NS, vp["vpin"], color="tab:orange", lw=0.8,
                label="VPIN")
        tw.axhline(0.7, color="tab:orange", lw=0.6, ls=":")
        tw.set_ylim(0, 1)
        tw.set_ylabel("VPIN", color="tab:orange")
        tw.legend(loc="upper right", fontsize=8)
    both = (st["bid"] > 0) & (st["ask"] > 0)
    spread = np.where(both, (st["ask"] - st["bid"]).to_numpy() * tick * 100, np.nan)
    mkt = np.where((st["best_bid"] > 0) & (st["best_ask"] > 0),
                   (st["best_ask"] - st["best_bid"]).to_numpy() * tick * 100, np.nan)
    ax[3].plot(secs, mkt, color="0.6", lw=0.4, alpha=0.5, label="market spread")
    ax[3].plot(secs, spread, color="tab:brown", lw=0.7, label="our quoted spread")
    ax[3].set_ylabel("spread (cents)")
    ax[3].set_xlabel("seconds since start")
    ax[3].legend(loc="upper left", fontsize=8)
    fig.suptitle(f"{rec.meta.get('strategy', 'run')} on {rec.instruments[instrument].symbol}")
    return png(fig)


def markout_figure(mk: pd.DataFrame, title: str = "") -> bytes:
    """Markouts per lot at each horizon (negative: the mid moved against our fills)."""
    fig, ax = plt.subplots(figsize=(5, 3))
    vals = mk["markout_per_lot"].to_numpy()
    ax.bar([f"{h} s" for h in mk["horizon_s"]], vals,
           color=["tab:green" if v >= 0 else "tab:red" for v in vals])
    ax.axhline(0, color="0.4", lw=0.6)
    ax.set_ylabel("markout per lot (currency)")
    ax.set_title(title or "markouts of our fills (adverse selection < 0)", fontsize=10)
    return png(fig)


def decomposition_figure(dec: Mapping[str, float], title: str = "") -> bytes:
    """Spread capture, inventory P&L, fees and rebates, and their total."""
    keys = ["spread_capture", "inventory_pnl", "fees_and_rebates", "total_pnl"]
    vals = [dec[k] for k in keys]
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.bar(["spread", "inventory", "fees/rebates", "total"], vals,
           color=["tab:green" if v >= 0 else "tab:red" for v in vals[:3]] + ["tab:purple"])
    ax.axhline(0, color="0.4", lw=0.6)
    ax.set_ylabel("P&L (currency)")
    ax.set_title(title or "P&L decomposition", fontsize=10)
    return png(fig)


def comparison_figure(records: Mapping[str, RunRecord], vp: pd.DataFrame | None = None,
                      spans: Sequence[Span] = (), span_label: str | None = None,
                      instrument: int = 0) -> bytes:
    """Several runs on one market: the mid, cumulative P&L, inventory, and VPIN."""
    fig, ax = plt.subplots(4, 1, figsize=(11, 10), sharex=True,
                           gridspec_kw={"height_ratios": [1, 1.6, 1.2, 0.8]})
    t0 = None
    for k, (name, rec) in enumerate(records.items()):
        st = rec.states[rec.states["instrument"] == instrument]
        if t0 is None:
            t0 = int(st["ts"].iloc[0])
            tick = rec.instruments[instrument].tick_size
            ax[0].plot((st["ts"] - t0) / NS, st["mid"] * tick, color="0.3", lw=0.8)
        secs = (st["ts"].to_numpy() - t0) / NS
        color = f"C{k}"
        ax[1].plot(secs, st["equity"], color=color, lw=1.0, label=name)
        ax[2].plot(secs, st["position"], color=color, lw=0.7, label=name)
    ax[0].set_ylabel("mid")
    ax[1].set_ylabel("cumulative P&L")
    ax[1].axhline(0, color="0.6", lw=0.5)
    ax[1].legend(loc="upper left", fontsize=8, ncol=3)
    ax[2].set_ylabel("inventory (lots)")
    ax[2].axhline(0, color="0.6", lw=0.5)
    if vp is not None and len(vp) and t0 is not None:
        ax[3].plot((vp["ts"].to_numpy() - t0) / NS, vp["vpin"], color="tab:orange", lw=0.8)
        ax[3].axhline(0.7, color="tab:orange", lw=0.6, ls=":")
    ax[3].set_ylabel("VPIN")
    ax[3].set_ylim(0, 1)
    ax[3].set_xlabel("seconds since start")
    _shade(ax, spans, span_label)
    if spans and span_label:
        ax[0].legend(loc="upper left", fontsize=8)
    fig.suptitle("strategies side by side on the same market and seed")
    return png(fig)
