"""Calibration of the zero-intelligence flow to a real day, after the estimation
procedure of Cont, Stoikov & Talreja (2010), section 2.2, adapted to data that show
only the best quotes (LOBSTER level 1):

- limit orders: an order at distance i ticks from the opposite best quote is visible
  only when it lands at or inside its own best, i.e. when the spread is >= i, so
  lambda(i) = (adds seen at distance i) / (2 x time the spread was >= i) per side;
  distances seen too rarely (less than min_exposure of the day) take the mean rate of
  the five deepest seen ones (CST's power law k / i^alpha, fitted on the seen
  distances, is reported too but grows with i on this kind of wide-spread day);
- joining the queue: CST's lambda(i) alone puts every order with i < spread inside
  the spread, while half of this day's visible adds join the queue at the best
  (placement relative to the same-side best, the dominant one in Bouchaud, Mezard &
  Potters 2002, "Statistical properties of stock order books", Quantitative Finance
  2(4)). A share `join` of the orders that would improve the best joins it instead;
  it is what makes the model's inside adds on the day's own spread path,
  (1 - join) x sum_i 2 lambda(i) x (time the spread was > i), equal the inside adds
  seen (at-or-inside adds, hence the joins, are unchanged by it: lambda stays CST's);
- cancellations: theta(i) = (lots cancelled at distance i) / (integral of the lots
  resting at the best quotes while the spread was i), a per-lot (= per-order when
  cancels take whole orders) rate; unseen distances repeat the last seen rate;
- market orders: executions with the same timestamp and sign are one aggressive order
  (LOBSTER reports one execution per resting order hit); mu = orders / (2 x seconds),
  the run lengths of their signs (the empirical table) are kept; the size of an order
  is what it took from the visible book (hidden executions, which a simulated book
  without hidden orders cannot give, are left out, as are orders that only met hidden
  liquidity). Sizes follow size matching (Farmer, Gillemot, Lillo, Mike & Sen 2004):
  56% of this day's orders took exactly the volume shown at the opposite best (one
  execution per resting order there, none partial), so a share `match` (those that
  did) takes what is shown and the others draw from the quantiles of the other orders'
  sizes; drawing every size regardless of the book (CST) met a thinner best with
  orders that walked the book and partly filled its last order, halving the median
  execution;
- limit order sizes: 32 quantiles of the added sizes;
- intraday activity: messages per bin (5 minutes) over their mean, a time change of
  every rate (the U-shape of the trading day; it is what gives 60 s returns fat tails),
  and the bursts around it: the log sd and correlation time of an Ornstein-Uhlenbeck
  activity clock (Clark 1973) fitted to 10-second message counts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from hftlab.data.market import MarketData, print_mask
from hftlab.schema import Kind
from hftlab.sim.facts import executions, stylized_facts, top_of_book
from hftlab.sim.layout import K_MAX, N_RUN, N_SIZE

__all__ = ["Calibration", "calibrate", "stylized_facts"]
NS = 1_000_000_000


@dataclass(frozen=True)
class Calibration:
    """Estimated zero-intelligence parameters (MarketParams field names and units)."""

    tick_size: float
    price: float
    zi_lambda: tuple
    zi_theta: tuple
    zi_market_rate: float
    zi_limit_sizes: tuple
    zi_market_sizes: tuple
    zi_market_match: float
    zi_join: float
    zi_sign_runs: tuple
    zi_activity: tuple
    zi_activity_bin_s: float
    activity_vol: float
    activity_minutes: float
    seconds: float
    lambda_k: float  # the power-law fit k / i^alpha on the well-observed distances
    lambda_alpha: float

    def overrides(self) -> dict:
        """Fields for ``market("calibrated", **cal.overrides())``."""
        d = asdict(self)
        d.pop("lambda_k")
        d.pop("lambda_alpha")
        d.pop("seconds")
        d["zi_levels"] = len(self.zi_lambda)
        return d


def _quantiles(x: np.ndarray) -> tuple:
    q = np.quantile(np.asarray(x, float), (np.arange(N_SIZE) + 0.5) / N_SIZE)
    return tuple(float(v) for v in np.maximum(1.0, np.round(q)))


def _matched_sizes(size: np.ndarray, shown: np.ndarray) -> tuple[tuple, float]:
    """(32 quantiles of the other orders' sizes, share of orders that matched the best)
    under size matching (Farmer, Gillemot, Lillo, Mike & Sen 2004, "What really causes
    large price changes?", Quantitative Finance 4(4)): a market order takes exactly the
    volume shown at the opposite best with probability `match`, else a size drawn
    regardless of the book. size: what each order took from the visible book; shown:
    the volume at the opposite best just before it (same units)."""
    size = np.asarray(size, float)
    shown = np.asarray(shown, float)
    matched = (shown > 0) & (size == shown)
    other = size[~matched]
    return _quantiles(other if len(other) else size), float(np.mean(matched))


def _run_table(sign: np.ndarray) -> tuple:
    change = np.flatnonzero(np.diff(sign) != 0)
    runs = np.diff(np.concatenate([[-1], change, [len(sign) - 1]]))
    k = np.arange(1, N_RUN + 1)
    cdf = np.array([(runs <= v).mean() for v in k])
    cdf[-1] = 1.0
    return tuple(float(v) for v in cdf)


def _clustering(t_ns: np.ndarray, t0: int, profile: np.ndarray, bin_s: float,
                step_s: float = 10.0) -> tuple[float, float]:
    """(log sd, correlation time in minutes) of the activity left after the intraday
    profile: messages in step_s bins over their profile-expected count give log ratios
    whose variance, less the Poisson part (mean of 1 / count), is the OU variance, and
    whose lag-1 autocorrelation gives its correlation time."""
    t = (t_ns - t0) / NS
    n = int(t[-1] // step_s) + 1 if len(t) else 1
    c = np.bincount((t // step_s).astype(int), minlength=n).astype(float)
    k = np.minimum((np.arange(n) * step_s // bin_s).astype(int), len(profile) - 1)
    expect = c.mean() * profile[k]
    ok = (c > 0) & (expect > 0)
    if ok.sum() < 10:
        return 0.0, 1.0
    lr = np.log(c[ok] / expect[ok])
    var = lr.var()
    s2 = max(var - float(np.mean(1.0 / c[ok])), 0.0)
    if s2 <= 0:
        return 0.0, 1.0
    x = lr - lr.mean()
    phi = float((x[:-1] * x[1:]).mean() / s2)
    phi = min(max(phi, 1e-3), 0.999)
    return float(np.sqrt(s2)), float(-step_s / np.log(phi) / 60.0)


def calibrate(data: MarketData, venue: int = 0, instrument: int = 0,
              tick_size: float | None = None, levels: int = K_MAX,
              min_exposure: float = 0.02, activity_bin_s: float = 300.0) -> Calibration:
    """Zero-intelligence rates by distance, cancel rates, order sizes and sign runs of
    one book of real L3 data (see the module docstring). tick_size: the price grid
    (default the instrument's; LOBSTER prices read at $0.0001 trade on a $0.01 grid, so
    pass 0.01). levels: distances 1 .. levels ticks. Returns a Calibration whose
    ``overrides()`` feed ``hftlab.sim.market("calibrated", ...)``."""
    data = data.load()
    inst = data.instruments[instrument]
    tick = tick_size or inst.tick_size
    scale = tick / inst.tick_size
    ev_all = data.events
    in_book = (ev_all["venue"] == venue) & (ev_all["instrument"] == instrument)
    ev = ev_all[in_book]
    ts, bid, ask, bq, aq = top_of_book(data, venue, instrument, tick, by="event")
    # book before each event = after the previous one; time each state lasted
    bid0, ask0 = np.r_[0, bid[:-1]], np.r_[0, ask[:-1]]
    dt = np.diff(ts, append=ts[-1]) / NS
    both = (bid > 0) & (ask > 0)
    spread = np.where(both, ask - bid, 0)
    seconds = (ts[-1] - ts[0]) / NS
    k = np.arange(1, levels + 1)
    # exposure: seconds during which the spread was >= i (orders at i are visible)
    hist = np.bincount(np.clip(spread, 0, levels + 1), weights=dt, minlength=levels + 2)
    at_least = np.cumsum(hist[::-1])[::-1][1:levels + 1]
    px = np.round(ev["price"] / scale).astype(np.int64)
    side = ev["side"].astype(np.int64)
    dist = np.where(side > 0, ask0 - px, px - bid0)
    valid = (bid0 > 0) & (ask0 > 0)
    add = (ev["kind"] == Kind.ADD) & valid & (dist >= 1) & (dist <= levels)
    n_add = np.bincount(dist[add], minlength=levels + 1)[1:]
    seen = at_least >= min_exposure * seconds
    lam = np.where(seen, n_add / np.maximum(2.0 * at_least, 1e-12), 0.0)
    fit = seen & (n_add > 0)
    slope, icpt = np.polyfit(np.log(k[fit]), np.log(lam[fit]), 1)
    alpha, kk = -slope, float(np.exp(icpt))
    tail = lam[seen][-5:].mean() if seen.any() else kk
    lam = np.where(seen, lam, tail)  # deeper than ever seen: the level of the last seen
    # joining: of the orders lambda(i) puts inside the spread (i < s), a share `join`
    # joins the best instead; on the day's own spread path the model's inside adds are
    # (1 - join) x sum_i lambda(i) x (time the spread was > i) per side, which the
    # inside adds seen fix (the adds at or inside the best, hence the joins, stay seen)
    n_in = float(np.sum(add & (dist < ask0 - bid0)))
    expect_in = float(np.sum(2.0 * lam * np.r_[at_least[1:], 0.0]))
    join = min(max(1.0 - n_in / max(expect_in, 1e-12), 0.0), 0.99)
    # cancels per lot resting at the best, by the spread (= distance of the best)
    canc = ((ev["kind"] == Kind.DELETE) | (ev["kind"] == Kind.CANCEL)) & valid \
        & (dist >= 1) & (dist <= levels)
    lots_out = np.bincount(dist[canc], weights=ev["qty"][canc], minlength=levels + 1)[1:]
    depth = np.where(both, bq + aq, 0.0) / inst.lot_size
    lot_time = np.bincount(np.clip(spread, 0, levels + 1), weights=depth * dt,
                           minlength=levels + 2)[1:levels + 1]
    theta = np.where(lot_time > 0, lots_out / np.maximum(lot_time, 1e-12), np.nan)
    good = np.flatnonzero(seen & np.isfinite(theta) & (theta > 0))
    last = theta[good[-1]] if len(good) else 0.1
    theta = np.where(seen & np.isfinite(theta) & (theta > 0), theta, np.nan)
    for i in range(levels):  # unseen distances: the nearest seen rate (deeper: the last)
        if np.isnan(theta[i]):
            j = good[good < i]
            theta[i] = theta[j[-1]] if len(j) else (theta[good[0]] if len(good) else last)
    # market orders: executions grouped by (ts, sign)
    xt, xs, xq, vis, _ = executions(data, venue, instrument)
    new = np.r_[True, (np.diff(xt) != 0) | (np.diff(xs) != 0)]
    gid = np.cumsum(new) - 1
    gq = np.bincount(gid, weights=xq * vis)  # what each order took from the visible book
    gs = xs[new]
    # the volume shown at the opposite best just before each order (lots)
    at = np.flatnonzero(print_mask(ev, data.record[in_book]) & (ev["side"] != 0))
    prev = np.maximum(at[new] - 1, 0)  # the book after the event before the order
    shown = np.where(gs > 0, aq[prev], bq[prev]) / inst.lot_size
    seen = gq > 0
    gq, gs, shown = gq[seen], gs[seen], shown[seen]
    market_sizes, match = _matched_sizes(gq, shown)
    sizes = ev["qty"][ev["kind"] == Kind.ADD]
    book_kinds = np.isin(ev["kind"], (Kind.ADD, Kind.CANCEL, Kind.DELETE, Kind.EXECUTE,
                                      Kind.TRADE))
    nbins = max(int(np.ceil(seconds / activity_bin_s)), 1)
    b = np.minimum(((ev["ts"][book_kinds] - ts[0]) / NS // activity_bin_s).astype(int),
                   nbins - 1)
    counts = np.bincount(b, minlength=nbins).astype(float)
    activity = counts / counts.mean() if counts.mean() > 0 else np.ones(nbins)
    vol, minutes = _clustering(ev["ts"][book_kinds], ts[0], activity, activity_bin_s)
    mid0 = 0.5 * (bid[both][0] + ask[both][0]) * tick
    return Calibration(
        tick_size=tick, price=float(round(mid0 / tick) * tick),
        zi_lambda=tuple(float(v) for v in lam), zi_theta=tuple(float(v) for v in theta),
        zi_market_rate=float(len(gs) / (2.0 * seconds)), zi_limit_sizes=_quantiles(sizes),
        zi_market_sizes=market_sizes, zi_market_match=match, zi_join=join,
        zi_sign_runs=_run_table(gs),
        zi_activity=tuple(float(v) for v in activity), zi_activity_bin_s=float(activity_bin_s),
        activity_vol=vol, activity_minutes=minutes,
        seconds=float(seconds),
        lambda_k=kk, lambda_alpha=float(alpha))
