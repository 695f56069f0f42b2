"""Portfolio risk of a multi-instrument run: gross and net dollar exposure over time,
per-instrument positions as a heat-map, and realised correlation matrices at the start,
before and after a breakdown; as numbers, figures and an HTML section or page.

Dollar exposure of instrument i at a state sample: position (lots) x mid (ticks) x
tick_size x lot_size x multiplier, in the run's currency; net = the sum over
instruments, gross = the sum of absolute values. Realised correlation: Pearson
correlation of log mid returns sampled every ``sample_s`` seconds from the state samples
(last mid at or before each grid point) within a window.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from hftlab.engine.record import RunRecord  # noqa: E402
from hftlab.report import figures  # noqa: E402
from hftlab.report.page import document, esc, fmt, frame_table, img, kv_table  # noqa: E402

NS = 1_000_000_000


def _values(rec: RunRecord) -> np.ndarray:
    if not rec.instruments:
        raise ValueError("the run record lists no instruments, so positions cannot be valued")
    return np.array([i.tick_value for i in rec.instruments])


def dollar_positions(rec: RunRecord) -> pd.DataFrame:
    """Dollar exposure per instrument (columns: symbols) at each state sample (index: ts)."""
    st = rec.states
    val = _values(rec)
    d = st["position"].to_numpy(float) * st["mid"].to_numpy(float) \
        * val[st["instrument"].to_numpy(np.int64)]
    frame = pd.DataFrame({"ts": st["ts"].to_numpy(), "instrument": st["instrument"].to_numpy(),
                          "d": np.nan_to_num(d)})
    wide = frame.pivot_table(index="ts", columns="instrument", values="d", aggfunc="last")
    wide = wide.reindex(columns=range(len(rec.instruments))).ffill().fillna(0.0)
    wide.columns = [i.symbol for i in rec.instruments]
    return wide


def turnover(rec: RunRecord) -> float:
    """Traded notional (currency): sum of price x size over the run's fills."""
    f = rec.fills
    return float((f["price_ccy"] * f["size"]).sum()) if len(f) else 0.0


def exposure(rec: RunRecord) -> pd.DataFrame:
    """net, gross and the largest single-instrument share of gross (concentration) at
    each state sample (index: ts)."""
    d = dollar_positions(rec)
    gross = d.abs().sum(axis=1)
    share = (d.abs().max(axis=1) / gross.where(gross > 0)).fillna(0.0)
    return pd.DataFrame({"net": d.sum(axis=1), "gross": gross, "concentration": share})


def sampled_mids(rec: RunRecord, sample_s: float = 5.0) -> pd.DataFrame:
    """Mid (ticks) of each instrument on a grid of sample_s seconds (index: ts): the last
    state sample at or before each grid point."""
    st = rec.states
    wide = st.pivot_table(index="ts", columns="instrument", values="mid", aggfunc="last")
    wide = wide.reindex(columns=range(len(rec.instruments))).ffill()
    if wide.empty:
        return wide
    step = int(sample_s * NS)
    grid = np.arange(int(wide.index[0]), int(wide.index[-1]) + 1, step, dtype=np.int64)
    out = wide.reindex(wide.index.union(grid)).ffill().loc[grid]
    out.columns = [i.symbol for i in rec.instruments]
    return out


def correlation_matrix(rec: RunRecord, t0_ns: int, t1_ns: int, sample_s: float = 5.0
                       ) -> pd.DataFrame:
    """Realised correlation of log mid returns (sample_s grid) in [t0_ns, t1_ns)."""
    mids = sampled_mids(rec, sample_s)
    part = mids[(mids.index >= t0_ns) & (mids.index < t1_ns)]
    rets = np.log(part.astype(float)).diff().iloc[1:]
    if len(rets) < 3:
        raise ValueError(f"the window [{t0_ns}, {t1_ns}) holds {len(rets)} returns of "
                         f"{sample_s} s; at least 3 are needed for a correlation")
    return rets.corr()


def windows(rec: RunRecord, breakdown_ns: int | None = None, length: float = 0.2
            ) -> dict[str, tuple[int, int]]:
    """The run's correlation windows: "start" (the first `length` of the session) and,
    with a breakdown, "before" (the `length` of the session before it) and "after" (from
    it on, as long); without one, "end" (the last `length`)."""
    ts = rec.states["ts"].to_numpy()
    t0, t1 = int(ts.min()), int(ts.max()) + 1
    span = int(length * (t1 - t0))
    out = {"start": (t0, t0 + span)}
    if breakdown_ns is None:
        out["end"] = (t1 - span, t1)
        return out
    if not t0 < breakdown_ns < t1:
        raise ValueError(f"breakdown_ns {breakdown_ns} is outside the run [{t0}, {t1})")
    out["before"] = (max(t0, breakdown_ns - span), breakdown_ns)
    out["after"] = (breakdown_ns, min(t1, breakdown_ns + span))
    return out


def analyse(rec: RunRecord, breakdown_ns: int | None = None, sample_s: float = 5.0
            ) -> dict:
    """Every number of the portfolio section: exposure (DataFrame), positions (dollars),
    correlations by window, and a summary (max |net|, mean and max gross, max
    concentration, turnover in currency)."""
    ex = exposure(rec)
    corr = {name: correlation_matrix(rec, a, b, sample_s)
            for name, (a, b) in windows(rec, breakdown_ns).items()}
    fills = rec.fills
    summary = {"max_abs_net": float(ex["net"].abs().max()), "mean_gross": float(ex["gross"].mean()),
               "max_gross": float(ex["gross"].max()),
               "max_concentration": float(ex["concentration"].max()), "turnover": turnover(rec),
               "fills": int(len(fills))}
    return {"exposure": ex, "positions": dollar_positions(rec), "correlations": corr,
            "summary": summary, "breakdown_ns": breakdown_ns}


def exposure_figure(a: Mapping, bands: tuple[float, ...] = (), currency: str = "currency",
                    beta_net: pd.DataFrame | None = None) -> bytes:
    """Net and gross exposure over time (with +-bands and a beta-weighted net from a
    strategy's history when given) above the per-instrument positions heat-map."""
    ex, pos = a["exposure"], a["positions"]
    t0 = int(ex.index[0])
    scale, label = figures.session_clock(t0, int(ex.index[-1]))
    x = figures.since(ex.index.to_numpy(), t0, scale)
    fig, (ax, hm) = plt.subplots(2, 1, figsize=(10, 7.5), sharex=True,
                                 gridspec_kw={"height_ratios": [1, 1.3]})
    ax.plot(x, ex["gross"], color="tab:gray", lw=1, label="gross")
    ax.plot(x, ex["net"], color="tab:blue", lw=1, label="net")
    if beta_net is not None and len(beta_net):
        ax.plot(figures.since(beta_net["ts"].to_numpy(), t0, scale), beta_net["beta_net"],
                color="tab:purple", lw=0.8, label="beta-weighted net")
    for k, b in enumerate(bands):
        for s in (1, -1):
            ax.axhline(s * b, color="tab:red", ls="--" if k else ":", lw=0.8,
                       label=(f"band {fmt(b)}" if s > 0 else None))
    if a.get("breakdown_ns") is not None:
        for axis in (ax, hm):
            axis.axvline((a["breakdown_ns"] - t0) / scale, color="k", lw=1)
    ax.set_ylabel(f"exposure ({currency})")
    ax.legend(loc="upper left", fontsize=8)
    lim = float(np.abs(pos.to_numpy()).max()) or 1.0
    extent = (x[0], x[-1], len(pos.columns) - 0.5, -0.5)
    im = hm.imshow(pos.to_numpy().T, aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim,
                   extent=extent, interpolation="nearest")
    hm.set_yticks(range(len(pos.columns)), pos.columns)
    hm.set_xlabel(label)
    fig.colorbar(im, ax=[ax, hm], label=f"position ({currency})", fraction=0.03)
    return figures.png(fig)


def correlation_figure(corr: Mapping[str, pd.DataFrame]) -> bytes:
    """The realised correlation matrices side by side (one colour scale, -1 to 1)."""
    fig, axes = plt.subplots(1, len(corr), figsize=(4.2 * len(corr), 3.8), squeeze=False)
    im = None
    for ax, (name, c) in zip(axes[0], corr.items()):
        im = ax.imshow(c.to_numpy(), cmap="RdBu_r", vmin=-1, vmax=1)
        ax.set_xticks(range(len(c)), c.columns, rotation=90, fontsize=7)
        ax.set_yticks(range(len(c)), c.index, fontsize=7)
        ax.set_title(name)
    fig.colorbar(im, ax=axes[0].tolist(), fraction=0.02)
    return figures.png(fig)


def portfolio_section(rec: RunRecord, breakdown_ns: int | None = None, sample_s: float = 5.0,
                      bands: tuple[float, ...] = (), beta_net: pd.DataFrame | None = None
                      ) -> str:
    """The portfolio section of a report as an HTML fragment."""
    a = analyse(rec, breakdown_ns, sample_s)
    cur = figures.currency_of(rec)
    mean_corr = {name: float(c.to_numpy()[np.triu_indices(len(c), 1)].mean())
                 for name, c in a["correlations"].items()}
    body = [f"<h2>Portfolio risk</h2>{kv_table(a['summary'])}",
            img(exposure_figure(a, bands, cur, beta_net), "exposure and positions"),
            f"<p>Dollar exposure: position x mid x tick value in {esc(cur)}; the heat-map "
            "shows each instrument's position in currency over time.</p>",
            img(correlation_figure(a["correlations"]), "realised correlations"),
            f"<p>Mean pairwise realised correlation of {fmt(sample_s)} s log mid returns: "
            f"{esc(', '.join(f'{k} {v:.2f}' for k, v in mean_corr.items()))}.</p>"]
    for name, c in a["correlations"].items():
        body.append(f"<h3>Correlation, {esc(name)}</h3>{frame_table(c.round(2), 2)}")
    return "\n".join(body)


def portfolio_report(rec: RunRecord, path: str | Path, title: str = "Portfolio risk",
                     **kw) -> Path:
    """Write a self-contained HTML page of portfolio_section(rec, **kw) to path."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(document(title, portfolio_section(rec, **kw)))
    return p
