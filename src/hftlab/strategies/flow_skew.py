"""FlowSkew: an inventory-skew maker that also leans its quotes on the predicted move, and
the out-of-sample fit of its coefficients."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from hftlab.analytics.flow import duration_label, flow_signals
from hftlab.analytics.inputs import as_ns_array, duration_ns
from hftlab.analytics.predictive import future_mid_change, predictive_power
from hftlab.data.market import MarketData
from hftlab.instruments import check
from hftlab.strategies import flow_skew_nb as k
from hftlab.strategies import quoting_nb
from hftlab.strategies.base import DEFAULT_REQUOTE_NS, QuotingStrategy, integer, number
from hftlab.strategy import Context

SIGNALS = ("imbalance", "ofi", "trade_imbalance")  # FlowSkew's betas, in this order


class FlowSkew(QuotingStrategy):
    """InventorySkew whose reservation price also moves by the predicted mid change.

        r = mid - skew * inventory / capacity + beta_imb * imb + beta_ofi * ofi + beta_ti * ti

    imb: the host's level-1 queue imbalance (Gould & Bonart 2016), in [-1, 1]; ofi: the
    order-flow imbalance of Cont, Kukanov & Stoikov (2014) over the last `window_ns` of
    host book updates, in lots; ti: the aggressor-signed share of the print volume in the
    last `window_ns` (Chordia & Subrahmanyam 2004), in [-1, 1]. Betas are ticks per unit
    of their signal (``fit_flow_skew`` fits them out of sample; all 0 is InventorySkew's
    rule exactly). With a positive predicted move both quotes rise: the bid, the side
    the move favours, gets more aggressive and the ask, the side it would pick off,
    backs away. The signals are kept online from every host book update and print
    (flow_skew_nb); the window is `buckets` ring buckets. Units: ticks (half_spread,
    skew, shift), lots (qty, capacity), ns.
    """

    rule = quoting_nb.FLOW_SKEW
    subscribe_book = True
    subscribe_trades = True

    def __init__(self, half_spread: float = 1.0, skew: float = 2.0, capacity: int = 10,
                 qty: int = 1, beta_imbalance: float = 0.0, beta_ofi: float = 0.0,
                 beta_trade_imbalance: float = 0.0, window_ns: int = 1_000_000_000,
                 buckets: int = 20, requote_ns: int = DEFAULT_REQUOTE_NS, book: int = 0,
                 post_only: bool = True) -> None:
        self._args = dict(half_spread=half_spread, skew=skew, capacity=capacity, qty=qty,
                          beta_imbalance=beta_imbalance, beta_ofi=beta_ofi,
                          beta_trade_imbalance=beta_trade_imbalance, window_ns=window_ns,
                          buckets=buckets, requote_ns=requote_ns, book=book,
                          post_only=post_only)
        p = self._header(qty, capacity, requote_ns, book, post_only)
        p["half_spread"] = number(half_spread, "FlowSkew.half_spread", 0.0, 1e6)
        p["skew"] = number(skew, "FlowSkew.skew", 0.0, 1e6)
        p["beta_imbalance"] = number(beta_imbalance, "FlowSkew.beta_imbalance", -1e6, 1e6)
        p["beta_ofi"] = number(beta_ofi, "FlowSkew.beta_ofi", -1e6, 1e6)
        p["beta_trade_imbalance"] = number(beta_trade_imbalance,
                                           "FlowSkew.beta_trade_imbalance", -1e6, 1e6)
        buckets = integer(buckets, "FlowSkew.buckets", 1, quoting_nb.MAX_BUCKETS)
        window_ns = integer(window_ns, "FlowSkew.window_ns", buckets)
        p["window_ns"], p["buckets"] = window_ns, buckets

    def on_book(self, ctx: Context, book: int) -> None:
        if book == self.book:
            bq, aq = ctx.best_sizes(book)
            k.flow_book(self.p, self.s, ctx.now, ctx.best_bid(book),
                        ctx.best_ask(book), bq, aq)

    def on_trade(self, ctx: Context, book: int) -> None:
        if book != self.book:
            return
        price, qty, side, ts = ctx.last_trade(book)
        if quoting_nb.fresh_print(self.s["last_print"], ts, price, qty, side,
                                  int(ctx.last_trade_kind(book))):
            k.flow_trade(self.p, self.s, ctx.now, qty, side)

    def _quote(self, ctx: Context, bb: int, ba: int, pos: int) -> tuple[int, int, int, int]:
        bq, aq = ctx.best_sizes(self.book)
        return k.flow_skew_quotes(self.p, self.s, ctx.now, bb, ba, pos, bq, aq)


@dataclass
class FlowFit:
    """Coefficients of FlowSkew fitted on a training part of a book's history.

    betas: {beta_imbalance, beta_ofi, beta_trade_imbalance} in ticks per unit of signal
    (lots for OFI), FlowSkew's keywords; signals left out are 0. coef: the OLS fit in
    flow_signals' units (mid change in currency per signal unit, OFI in size units) with
    its intercept. power: `predictive_power` of each signal and of all together on the
    training part (purged walk-forward: out-of-sample R^2 and hit rate). split_ns: the
    end of the training part (training targets end before it). n_train: rows fitted.
    """

    betas: dict
    coef: dict
    power: pd.DataFrame
    horizon: str
    window: str
    split_ns: int
    n_train: int


def signal_columns(window: Any, signals: Sequence[str]) -> dict[str, str]:
    """{FlowSkew signal name: flow_signals column} for a window."""
    label = duration_label(window)
    names = {"imbalance": "imbalance_1", "ofi": f"ofi_{label}",
             "trade_imbalance": f"trade_imbalance_{label}"}
    bad = [s for s in signals if s not in names]
    check(not bad and len(signals) > 0, "signals", f"a non-empty subset of {list(SIGNALS)}",
          list(signals))
    return {s: names[s] for s in signals}


def fit_flow_skew(data: MarketData | pd.DataFrame, *, split_ns: int | None = None,
                  train_fraction: float = 0.5, horizon: Any = "1s", window: Any = "1s",
                  signals: Sequence[str] = SIGNALS, tick_size: float | None = None,
                  lot_size: float | None = None, folds: int = 5) -> FlowFit:
    """Fit FlowSkew's betas by OLS of the mid change over `horizon` on the signals, using
    only the training part: rows before split_ns (default: the first train_fraction of
    the book's time span) whose target ends before split_ns. data: MarketData (one
    book, tick and lot from its instrument) or a flow_signals frame (then tick_size and
    lot_size are needed to convert to ticks and lots). The betas carry no look-ahead into
    the rest of the data, where FlowSkew is then measured.
    """
    cols = signal_columns(window, signals)
    if isinstance(data, MarketData):
        data = data.load()
        sig = flow_signals(data, clock_windows=(window,), event_windows=(), levels=1)
        inst = data.instruments[0]
        tick = inst.tick_size if tick_size is None else tick_size
        lot = inst.lot_size if lot_size is None else lot_size
    else:
        check(tick_size is not None and lot_size is not None, "tick_size/lot_size",
              "given with a flow_signals frame", (tick_size, lot_size))
        sig, tick, lot = data, float(tick_size), float(lot_size)
    missing = [c for c in cols.values() if c not in sig.columns]
    check(not missing, "signals", f"columns of the flow_signals frame {list(sig.columns)}",
          missing)
    ts = as_ns_array(sig.index, "signals' index")
    if split_ns is None:
        frac = number(train_fraction, "train_fraction", 0.0, 1.0, low_open=True)
        split_ns = int(ts[0] + frac * (ts[-1] - ts[0]))
    h_ns = duration_ns(horizon, "horizon")
    target = future_mid_change(sig["mid"], [horizon])
    train = ts + h_ns < split_ns
    X = sig[list(cols.values())].to_numpy(np.float64)
    y = target[horizon].to_numpy(np.float64)
    ok = train & np.isfinite(y) & np.all(np.isfinite(X), axis=1)
    check(ok.sum() > len(cols) + 2, "train_fraction",
          "a training part with more rows than signals + 2", int(ok.sum()))
    A = np.column_stack([np.ones(ok.sum()), X[ok]])
    c, *_ = np.linalg.lstsq(A, y[ok], rcond=None)
    power = predictive_power(sig[train], target[train], [horizon],
                             columns=list(cols.values()), folds=folds)
    unit = {"imbalance": 1.0, "ofi": lot, "trade_imbalance": 1.0}  # per lot for OFI
    betas = {f"beta_{s}": 0.0 for s in SIGNALS}
    for j, s in enumerate(cols):
        betas[f"beta_{s}"] = float(c[j + 1] * unit[s] / tick)
    return FlowFit(betas, {"intercept": float(c[0]),
                           **{cols[s]: float(c[j + 1]) for j, s in enumerate(cols)}},
                   power, str(horizon), duration_label(window), int(split_ns), int(ok.sum()))
