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
    return float(scale), f"{unit} since session start ({_utc(t0_ns)})"


def _utc(ts_ns: int) -> str:
    return pd.Timestamp(int(ts_ns), unit="ns", tz="UTC").strftime("%Y-%m-%d %H:%M:%S UTC")


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


def currency_of(rec: RunRecord) -> str:
    """The currency a run's prices and P&L are in (``rec.meta["currency"]``, e.g. "USD"),
    or the word "currency" when the run does not say."""
    return str(rec.meta.get("currency") or "currency")


def bin_seconds(duration_s: float, bins: int = 150) -> float:
    """A round bin width (seconds) giving at most about `bins` bins over duration_s."""
    for step in (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600):
        if duration_s / step <= bins:
            return float(step)
    return float(np.ceil(duration_s / bins / 3600) * 3600)


def _binned(secs: np.ndarray, values: np.ndarray, step: float, how: str = "mean"
            ) -> tuple[np.ndarray, np.ndarray]:
    """Bin centres and the mean (or sum) of the finite values in each bin of width step;
    the session's last instant falls in the last bin, not in a bin of its own."""
    ok = np.isfinite(values)
    if not ok.any():
        return np.zeros(0), np.zeros(0)
    last = max(int(np.ceil(float(secs.max()) / step)) - 1, 0)
    b = np.clip(np.floor(secs[ok] / step).astype(np.int64), 0, last)
    s = pd.Series(values[ok]).groupby(b)
    out = s.sum() if how == "sum" else s.mean()
    return (out.index.to_numpy() + 0.5) * step, out.to_numpy(dtype=np.float64)


def _fill_markers(ax, secs: np.ndarray, px: np.ndarray, qty: np.ndarray, side: np.ndarray,
                  step: float) -> None:
    """Our fills as one marker per side and bin at its volume-weighted price, area by lots
    (thousands of single fills would bury the mid)."""
    peak = 1.0
    sets = []
    for sgn, marker, color, word in ((1, "^", "tab:green", "bought"),
                                     (-1, "v", "tab:red", "sold")):
        m = side == sgn
        if not m.any():
            continue
        c, lots = _binned(secs[m], qty[m], step, "sum")
        _, notional = _binned(secs[m], qty[m] * px[m], step, "sum")
        sets.append((c, notional / lots, lots, marker, color,
                     f"we {word}: {int(m.sum()):,} fills, {int(qty[m].sum()):,} lots"))
        peak = max(peak, float(lots.max()))
    for c, vwap, lots, marker, color, label in sets:
        ax.scatter(c, vwap, s=4 + 60 * lots / peak, marker=marker, color=color, alpha=0.55,
                   lw=0, zorder=3, label=label)


def _annotate_moves(axes, moves: pd.DataFrame | None, price_ax, who: str = "") -> None:
    """A dotted line across every panel at each large move; on the price panel, what moved,
    written beside the move halfway up it (on its left when the move is late in the
    session)."""
    if moves is None or len(moves) == 0:
        return
    x0, x1 = price_ax.get_xlim()
    for k, mv in enumerate(moves.itertuples()):
        for ax in axes:
            ax.axvline(mv.t_s, color="tab:red", lw=0.8, ls=":", zorder=1)
        what = (f"{int(mv.qty):,}-lot {'buy' if mv.side > 0 else 'sell'} swept "
                f"{mv.from_price:,.2f} -> {mv.to_price:,.2f}" if mv.side else "mid jumped")
        late = (mv.t_s - x0) > 0.7 * (x1 - x0)
        x = mv.t_s + (-0.02 if late else 0.02) * (x1 - x0)
        y = (mv.mid_before + mv.mid_after) / 2
        price_ax.annotate(f"{who}t = {mv.t_s:,.0f} s: {what} ({100 * mv.move:+.1f} %)",
                          xy=(mv.t_s, y), xytext=(x, y), textcoords="data",
                          ha="right" if late else "left", va="center", fontsize=8,
                          color="tab:red", zorder=5,
                          bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="tab:red", lw=0.6),
                          arrowprops=dict(arrowstyle="->", color="tab:red", lw=0.8))


def _legend(ax, **kw) -> None:
    """The panel's legend outside it, on the right, so it hides no data."""
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, frameon=False, **kw)


def run_panels(rec: RunRecord, vp: pd.DataFrame | None = None, instrument: int = 0,
               spans: Sequence[Span] = (), span_label: str | None = None,
               moves: pd.DataFrame | None = None) -> bytes:
    """Six panels over session time: price (the mid and our fills, one marker per side and
    bin at its volume-weighted price, area by lots; large moves annotated); our quotes and
    the market's best bid and ask in cents from the mid; our quoted spread against the
    market's; inventory; cumulative P&L; VPIN. Quotes and spreads are means per bin
    (bin_seconds), so a long session reads as lines, not as a solid band."""
    st = rec.states[rec.states["instrument"] == instrument]
    tick = rec.instruments[instrument].tick_size
    cur = currency_of(rec)
    t0 = int(st["ts"].iloc[0]) if len(st) else 0
    secs = (st["ts"].to_numpy() - t0) / NS
    step = bin_seconds(float(secs[-1]) if len(secs) else 1.0)
    fig, ax = plt.subplots(6, 1, figsize=(11, 14), sharex=True, layout="constrained",
                           gridspec_kw={"height_ratios": [2.4, 1.2, 0.9, 1, 1.1, 0.7]})
    mid = st["mid"].to_numpy(dtype=np.float64)
    ax[0].plot(secs, mid * tick, color="0.25", lw=0.8, label="mid")
    f = rec.fills[rec.fills["instrument"] == instrument]
    if len(f):
        _fill_markers(ax[0], (f["ts_exchange"].to_numpy() - t0) / NS,
                      f["price"].to_numpy(dtype=np.float64) * tick,
                      f["qty"].to_numpy(dtype=np.float64), f["side"].to_numpy(), step)
    ax[0].set_ylabel(f"price ({cur})")
    ax[0].ticklabel_format(axis="y", useOffset=False)
    cents = tick * 100

    def off(col: str) -> np.ndarray:
        q = st[col].to_numpy(dtype=np.float64)
        return np.where(q > 0, (q - mid) * cents, np.nan)

    for col, color, ls, lw, label in (("best_ask", "0.45", "--", 0.9, "market best ask"),
                                      ("best_bid", "0.45", "-.", 0.9, "market best bid"),
                                      ("ask", "tab:red", "-", 1.4, "our ask"),
                                      ("bid", "tab:green", "-", 1.4, "our bid")):
        ax[1].plot(*_binned(secs, off(col), step), color=color, ls=ls, lw=lw, label=label)
    ax[1].axhline(0, color="0.7", lw=0.5)
    ax[1].set_ylabel("cents from mid")
    both = (st["bid"] > 0) & (st["ask"] > 0)
    ours = np.where(both, (st["ask"] - st["bid"]).to_numpy() * cents, np.nan)
    mkt = np.where((st["best_bid"] > 0) & (st["best_ask"] > 0),
                   (st["best_ask"] - st["best_bid"]).to_numpy() * cents, np.nan)
    ax[2].plot(*_binned(secs, mkt, step), color="0.45", lw=1.0, ls="--", label="market spread")
    ax[2].plot(*_binned(secs, ours, step), color="tab:brown", lw=1.6, label="our quoted spread",
               zorder=3)
    ax[2].set_ylabel("spread (cents)")
    ax[2].set_ylim(bottom=0)
    ax[3].step(secs, st["position"], where="post", color="tab:blue", lw=0.7)
    ax[3].axhline(0, color="0.6", lw=0.5)
    ax[3].set_ylabel("inventory (lots)")
    ax[4].plot(secs, st["equity"], color="tab:purple", lw=1.0)
    ax[4].axhline(0, color="0.6", lw=0.5)
    ax[4].set_ylabel(f"P&L ({cur})")
    if vp is not None and len(vp):
        ax[5].plot((vp["ts"].to_numpy() - t0) / NS, vp["vpin"], color="tab:orange", lw=0.7)
        ax[5].axhline(0.7, color="tab:orange", lw=0.6, ls=":")
    else:
        ax[5].text(0.5, 0.5, "no VPIN: no market prints given", ha="center", va="center",
                   transform=ax[5].transAxes, color="0.4")
    ax[5].set_ylim(0, 1)
    ax[5].set_ylabel("VPIN")
    _shade(ax, spans, span_label)
    _annotate_moves(ax, moves, ax[0])
    ax[5].set_xlabel(_seconds_label(t0))
    _legend(ax[0], title_fontsize=8,
            title=f"fills: one marker per\nside and {step:g} s at\ntheir VWAP, area by lots")
    _legend(ax[1], title=f"means per {step:g} s", title_fontsize=8)
    _legend(ax[2], title=f"means per {step:g} s", title_fontsize=8)
    fig.suptitle(f"{rec.meta.get('strategy', 'run')} on {rec.instruments[instrument].symbol}")
    return png(fig)


def _seconds_label(t0_ns: int) -> str:
    return f"seconds since session start ({_utc(t0_ns)})"


def markout_figure(mk: pd.DataFrame, title: str = "", currency: str = "currency") -> bytes:
    """Markouts per lot at each horizon (negative: the mid moved against our fills)."""
    fig, ax = plt.subplots(figsize=(5, 3), layout="constrained")
    vals = mk["markout_per_lot"].to_numpy()
    ax.bar([f"{h} s" for h in mk["horizon_s"]], vals,
           color=["tab:green" if v >= 0 else "tab:red" for v in vals])
    ax.axhline(0, color="0.4", lw=0.6)
    if not np.isfinite(vals).any():
        ax.text(0.5, 0.5, "no fill with a mid h seconds later:\nno markout", ha="center",
                va="center", transform=ax.transAxes, color="0.4")
    ax.set_ylabel(f"markout ({currency} per lot)")
    ax.set_title(title or "markouts of our fills (adverse selection < 0)", fontsize=10)
    return png(fig)


def decomposition_figure(dec: Mapping[str, float], title: str = "",
                         currency: str = "currency") -> bytes:
    """Spread capture, inventory P&L, fees and rebates, and their total."""
    keys = ["spread_capture", "inventory_pnl", "fees_and_rebates", "total_pnl"]
    vals = [dec[k] for k in keys]
    fig, ax = plt.subplots(figsize=(5, 3), layout="constrained")
    ax.bar(["spread", "inventory", "fees/rebates", "total"], vals,
           color=["tab:green" if v >= 0 else "tab:red" for v in vals[:3]] + ["tab:purple"])
    ax.axhline(0, color="0.4", lw=0.6)
    ax.set_ylabel(f"P&L ({currency})")
    ax.set_title(title or "P&L decomposition", fontsize=10)
    return png(fig)


def comparison_figure(records: Mapping[str, RunRecord], vp: pd.DataFrame | None = None,
                      spans: Sequence[Span] = (), span_label: str | None = None,
                      instrument: int = 0, vpin_of: str | None = None,
                      moves: Mapping[str, pd.DataFrame] | None = None) -> bytes:
    """Several runs side by side: each run's mid when they ran live in a simulated market
    (each has its own session; one mid for replays of one recorded market) with the large
    moves of each (moves: run name -> run_metrics.large_moves), cumulative
    P&L, inventory (mean per bin) and VPIN (of the session vpin_of names)."""
    fig, ax = plt.subplots(4, 1, figsize=(11, 10), sharex=True, layout="constrained",
                           gridspec_kw={"height_ratios": [1.3, 1.6, 1.2, 0.7]})
    t0, cur = None, "currency"
    live = all(getattr(rec, "market", None) is not None for rec in records.values())
    for k, (name, rec) in enumerate(records.items()):
        st = rec.states[rec.states["instrument"] == instrument]
        if t0 is None:
            t0, cur = int(st["ts"].iloc[0]), currency_of(rec)
        secs = (st["ts"].to_numpy() - t0) / NS
        tick = rec.instruments[instrument].tick_size
        color = f"C{k}"
        if live or k == 0:
            ax[0].plot(secs, st["mid"].to_numpy() * tick, color=color if live else "0.25",
                       lw=0.8, label=name if live else "mid")
        ax[1].plot(secs, st["equity"], color=color, lw=1.0, label=name)
        step = bin_seconds(float(secs[-1]) if len(secs) else 1.0)
        ax[2].plot(*_binned(secs, st["position"].to_numpy(dtype=np.float64), step),
                   color=color, lw=1.0, label=name)
        if moves is not None and name in moves and (live or k == 0):
            _annotate_moves([ax[0]], moves[name], ax[0], who=f"{name}: " if live else "")
    ax[0].set_ylabel(f"mid ({cur})")
    ax[0].ticklabel_format(axis="y", useOffset=False)
    ax[0].set_title("each strategy's own session: the agents react to its orders" if live else
                    "one recorded market, replayed for each strategy", fontsize=9)
    ax[1].set_ylabel(f"cumulative P&L ({cur})")
    ax[1].axhline(0, color="0.6", lw=0.5)
    ax[2].set_ylabel(f"inventory (lots, mean per {step:g} s)")
    ax[2].axhline(0, color="0.6", lw=0.5)
    if vp is not None and len(vp) and t0 is not None:
        ax[3].plot((vp["ts"].to_numpy() - t0) / NS, vp["vpin"], color="tab:orange", lw=0.7)
        ax[3].axhline(0.7, color="tab:orange", lw=0.6, ls=":")
    ax[3].set_ylabel(f"VPIN ({vpin_of})" if vpin_of else "VPIN")
    ax[3].set_ylim(0, 1)
    ax[3].set_xlabel(_seconds_label(t0 or 0))
    _shade(ax, spans, span_label)
    _legend(ax[0])
    if not live:
        _legend(ax[1])
    fig.suptitle("strategies side by side")
    return png(fig)
