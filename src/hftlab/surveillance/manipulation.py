"""Market-manipulation detectors on order-level (L3) data: spoofing / layering, momentum
ignition and quote stuffing, each returning alerts (owner, time window, evidence, score).

Definitions followed:

- Spoofing / layering: "bidding or offering with the intent to cancel the bid or offer
  before execution" (Dodd-Frank Act s. 747, CEA s. 4c(a)(5)(C)); FINRA Rule 5210 and
  Regulatory Notice 15-09 describe layering as non-bona fide orders on one side, often
  at several price levels, cancelled once the trader has executed on the other side;
  ESMA's MAR (Reg. 596/2014) Annex I.A and Delegated Reg. 2016/522 Annex II list the
  same indicators: orders large relative to the book, cancelled within a short time,
  while the same person trades on the opposite side. Test here: an order at least
  `size_multiple` times the book's size-weighted median order size, cancelled (DELETE) within
  `max_life` having traded at most `max_fill` of its size, while its owner trades on the
  other side within `window` of its life; an owner's such orders on one side, no more
  than `merge_gap` apart, make one alert.
- Momentum ignition: "a series of orders and trades ... to ignite a rapid price move
  either up or down", then trading out at the better price (SEC Concept Release on
  Equity Market Structure, 2010, 75 FR 3594, 3609; ESMA Guidelines on systems and
  controls 2012/122). Test: at least `min_orders` aggressive orders on one side within
  `window`, carrying at least `min_share` of the group's aggressive volume there, the
  price pushed at least `min_move` ticks that way (to its peak within `horizon` of the
  burst) and giving back at least `min_reversal` of the push within `horizon` of the
  peak; with owners, the owner then trades at least `min_exit` of its burst volume on
  the other side within `horizon` (the exit into the move).
- Quote stuffing: bursts of order messages with almost all of them cancelled (Egginton,
  Van Ness & Van Ness 2016, "Quote stuffing", Financial Management 45(3), who mark
  minutes whose quote activity is extreme against the stock's day; Gai, Yao & Ye 2013).
  Test: in buckets of `bucket`, a group sending at least `min_messages` messages (ADD,
  CANCEL, DELETE) and at least `rate_multiple` times the book's median messages per
  bucket, with cancels / adds >= `min_cancel_ratio`; consecutive buckets merge.

Owners. A simulated market carries the owner of every order id
(``data.stats["order_owner"]``: agent row + 1, 0 = the anonymous crowd). Real L3 feeds
(LOBSTER, ITCH, DBN MBO) carry none, and neither does the crowd: then each order id
stands alone (spoofing: one alert per order, the other side's evidence being any
resting order there executed during its life), aggressive orders pool into one group
for the book (ignition: market-wide bursts, the exit not checkable), and messages pool
per book (stuffing). ``owner`` is -1 in such alerts. An aggressive order is known from
its executions: the resting orders executed at one timestamp on one side (EXECUTE,
aggressor = the other side) plus hidden prints (TRADE, side = the aggressor); its
owner is the owner of an order ADDed on the aggressor's side at that same timestamp
(its remainder resting), else unknown. ADDs at the time of a CLEAR are a snapshot of
the book (Databento MBO's), not messages: such orders have no ADD time and are left
out. Databento MBO reports a fill as a TRADE and a
cancel of the resting order at the same time and price: such cancels are read as
EXECUTEs and their TRADE dropped (counted in ``attrs["fills_from_cancels"]``).

Conventions: side +1 bid / buy, -1 ask / sell (spoofing: the side of the cancelled
orders; ignition: the direction pushed; stuffing: 0). Prices in currency, sizes in
units (lots x lot size), ticks where the name says so, times UTC.

Thresholds. The defaults were chosen on labelled "momentum-ignition" sessions of
hftlab.sim (seeds 1-5, 600 s each, best F1 over a grid) with owners; tests check them
on held-apart seeds. Without owners ignition needs stricter ones (IGNITION_NO_OWNERS,
chosen the same way): market-wide bursts of momentum traders look like ignition.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hftlab.analytics.inputs import duration_ns, nonneg_duration_ns, positive_int
from hftlab.book import to_currency
from hftlab.data.market import MarketData
from hftlab.instruments import Instrument
from hftlab.schema import Kind
from hftlab.surveillance.icebergs import _book
from hftlab.surveillance.manipulation_nb import move_and_reversal, pick_bursts

COMMON = ["owner", "start", "end", "side", "score", "evidence"]
IGNITION_NO_OWNERS = {"window": "2s", "min_orders": 16, "min_share": 0.8, "min_move": 15,
                      "horizon": "30s", "min_reversal": 0.25}
NEED = "manipulation detection"


@dataclass
class _Flow:
    """One book's events with owners, its executions and its orders' lifecycles."""

    ev: np.ndarray  # the book's events (EVENT_DTYPE), cancels that were fills re-kinded
    snapshot: np.ndarray  # per event: an ADD of a snapshot (same ts as a CLEAR)
    owner: np.ndarray  # per event: owner of its order id, -1 unknown
    ex: pd.DataFrame  # executions: ts, price, qty, rest_side, rest_owner, aggr_oid,
    # aggr_owner (ticks, lots; owners -1 when unknown)
    inst: Instrument
    has_owners: bool
    book: tuple[int, int]
    fills_from_cancels: int


def _flow(data: MarketData, venue: int | str | None, instrument: int | str | None,
          owners: bool | None) -> _Flow:
    data = data.load()
    vi, ii = _book(data, venue, instrument, NEED)
    ev = data.events[(data.events["venue"] == vi) & (data.events["instrument"] == ii)].copy()
    table = data.stats.get("order_owner")
    if owners and table is None:
        raise ValueError(f"{data.source or 'the data'} carries no order owners "
                         "(stats['order_owner'], set by hftlab.sim.market); use owners=None "
                         "or False")
    use = table is not None and owners is not False
    n_fix = _fills_from_cancels(ev)
    oid = ev["order_id"].astype(np.int64)
    owner = np.full(len(ev), -1, np.int64)
    if use:
        table = np.asarray(table, np.int64)
        ok = (oid > 0) & (oid < len(table))
        owner[ok] = table[oid[ok]]
        owner[owner <= 0] = -1  # the anonymous crowd: unknown, as in real data
    snap = (ev["kind"] == Kind.ADD) & np.isin(ev["ts"], ev["ts"][ev["kind"] == Kind.CLEAR])
    return _Flow(ev, snap, owner, _executions(ev, owner), data.instruments[ii], use, (vi, ii),
                 n_fix)


def _fills_from_cancels(ev: np.ndarray) -> int:
    """Re-kind CANCEL / DELETE events that are fills (a TRADE at the same ts and price
    with the aggressor on the other side: Databento MBO's T + C) to EXECUTE and drop
    those TRADEs (kind set to 0, ignored). Returns how many cancels were re-kinded."""
    kind = ev["kind"]
    trade = np.flatnonzero(kind == Kind.TRADE)
    canc = np.flatnonzero(np.isin(kind, (Kind.CANCEL, Kind.DELETE)))
    if not len(trade) or not len(canc):
        return 0
    t = pd.DataFrame({"ts": ev["ts"][trade], "price": ev["price"][trade],
                      "rest": -ev["side"][trade].astype(np.int64), "t": trade})
    c = pd.DataFrame({"ts": ev["ts"][canc], "price": ev["price"][canc],
                      "rest": ev["side"][canc].astype(np.int64), "c": canc})
    m = t.merge(c, on=["ts", "price", "rest"])
    if m.empty:
        return 0
    ev["kind"][m["c"].unique()] = Kind.EXECUTE
    ev["kind"][m["t"].unique()] = 0
    return int(m["c"].nunique())


def _executions(ev: np.ndarray, owner: np.ndarray) -> pd.DataFrame:
    """Executions (EXECUTE and TRADE) with the resting side, the resting order's owner
    and the aggressor's order id and owner where an ADD at the same ts names it."""
    kind = ev["kind"]
    is_x = kind == Kind.EXECUTE
    is_t = (kind == Kind.TRADE) & (ev["side"] != 0)
    keep = is_x | is_t
    rest_side = np.where(is_x, ev["side"], -ev["side"]).astype(np.int64)[keep]
    ex = pd.DataFrame({"ts": ev["ts"][keep], "price": ev["price"][keep],
                       "qty": ev["qty"][keep].astype(np.int64), "rest_side": rest_side,
                       "rest_owner": np.where(is_x[keep], owner[keep], -1),
                       "aggr_side": -rest_side})
    add = kind == Kind.ADD
    adds = pd.DataFrame({"ts": ev["ts"][add], "aggr_side": ev["side"][add].astype(np.int64),
                         "aggr_oid": ev["order_id"][add].astype(np.int64),
                         "aggr_owner": owner[add]}).drop_duplicates(["ts", "aggr_side"],
                                                                    keep="last")
    ex = ex.merge(adds, on=["ts", "aggr_side"], how="left")
    ex["aggr_oid"] = ex["aggr_oid"].fillna(0).astype(np.int64)
    ex["aggr_owner"] = ex["aggr_owner"].fillna(-1).astype(np.int64)
    return ex


def _owner_trades(f: _Flow) -> pd.DataFrame:
    """Every known owner's trades: ts, owner, side (the owner's: +1 bought), qty; passive
    (its resting order executed) and aggressive (attributed) alike, by ts."""
    ex = f.ex
    parts = [pd.DataFrame({"ts": ex["ts"], "owner": ex["rest_owner"], "side": ex["rest_side"],
                           "qty": ex["qty"]}),
             pd.DataFrame({"ts": ex["ts"], "owner": ex["aggr_owner"], "side": ex["aggr_side"],
                           "qty": ex["qty"]})]
    out = pd.concat(parts, ignore_index=True)
    return out[out["owner"] > 0].sort_values("ts", kind="stable").reset_index(drop=True)


def _lots_between(ts: np.ndarray, cum: np.ndarray, lo: np.ndarray, hi: np.ndarray
                  ) -> np.ndarray:
    """Lots traded in [lo, hi] from sorted ts and the cumulative lots (cum[0] = 0)."""
    return cum[np.searchsorted(ts, hi, "right")] - cum[np.searchsorted(ts, lo, "left")]


def _lifecycles(f: _Flow) -> pd.DataFrame:
    """One row per order id ADDed in the data (not first seen in a snapshot): add ts,
    side, price, size (lots, the largest shown), owner, end ts, executed lots and
    whether it ended by a DELETE."""
    ev = f.ev
    m = np.isin(ev["kind"], (Kind.ADD, Kind.CANCEL, Kind.DELETE, Kind.EXECUTE)) & \
        (ev["order_id"] > 0)
    seen = np.unique(ev["order_id"][f.snapshot])  # in the book before the data: no ADD time
    m &= ~np.isin(ev["order_id"], seen)
    df = pd.DataFrame({"oid": ev["order_id"][m].astype(np.int64), "ts": ev["ts"][m],
                       "kind": ev["kind"][m], "side": ev["side"][m].astype(np.int64),
                       "price": ev["price"][m], "qty": ev["qty"][m].astype(np.int64),
                       "owner": f.owner[m]})
    add = df[df["kind"] == Kind.ADD]
    first = add.groupby("oid", sort=False).agg(add_ts=("ts", "first"), side=("side", "first"),
                                                price=("price", "first"), size=("qty", "max"),
                                                owner=("owner", "first"))
    g = df[df["oid"].isin(first.index)].groupby("oid", sort=False)
    last = g.agg(end_ts=("ts", "last"), last_kind=("kind", "last"))
    x = df[df["kind"] == Kind.EXECUTE].groupby("oid")["qty"].sum()
    out = first.join(last)
    out["executed"] = x.reindex(out.index, fill_value=0).to_numpy()
    out["deleted"] = out["last_kind"].to_numpy() == Kind.DELETE
    return out.reset_index()


def detect_spoofing(data: MarketData, *, size_multiple: float = 5.0, max_life: Any = "1s",
                    max_fill: float = 0.0, window: Any = "1s", min_orders: int = 2,
                    merge_gap: Any = "5s", min_score: float = 0.0,
                    owners: bool | None = None, venue: int | str | None = None,
                    instrument: int | str | None = None) -> pd.DataFrame:
    """Spoofing / layering alerts in one book (module doc: definitions and owners).

    size_multiple: an order this many times the book's median order size (size-weighted:
    half the volume added is in orders no larger) is large.
    max_life: longest time from its ADD to its DELETE. max_fill: the largest share of
    it that may have traded (0 = none). window: slack around its life for the owner's
    trades on the other side. min_orders, merge_gap: with owners, an alert needs this
    many such orders of one owner on one side, consecutive ones no more than merge_gap
    apart (one order per alert without owners). min_score: the smallest score kept.
    owners: None = use the owners the data carries, True = require them, False = ignore.

    Returns one row per alert, by start: owner, start, end, side (of the cancelled
    orders), score (sum over its orders of ln(size / median size)), evidence (a
    sentence), orders, order_ids, size (their units), size_ratio (median size /
    median order size), median_life_ms, opposite (units its owner traded on the other
    side; without owners, units of resting orders on the other side executed during
    the orders' lives). ``attrs``: thresholds, median order size, candidates, book.
    """
    life_ns = duration_ns(max_life, "max_life")
    win_ns = nonneg_duration_ns(window, "window")
    gap_ns = nonneg_duration_ns(merge_gap, "merge_gap")
    min_orders = positive_int(min_orders, "min_orders")
    for name, v, lo, hi in (("size_multiple", size_multiple, 1.0, 1e9),
                            ("max_fill", max_fill, 0.0, 1.0)):
        if not lo <= float(v) <= hi:
            raise ValueError(f"{name} must be a number in [{lo:g}, {hi:g}]; got {v!r}")
    f = _flow(data, venue, instrument, owners)
    lc = _lifecycles(f)
    med = _weighted_median(lc["size"].to_numpy(float))
    life = lc["end_ts"] - lc["add_ts"]
    cand = lc[lc["deleted"] & (lc["size"] >= size_multiple * med) & (life <= life_ns)
              & (lc["executed"] <= max_fill * lc["size"])].copy()
    cand["life"] = life[cand.index]
    cand["known"] = cand["owner"] > 0
    cand["opposite"] = 0
    tr = _owner_trades(f)
    for (o, s), idx in cand[cand["known"]].groupby(["owner", "side"]).groups.items():
        t = tr[(tr["owner"] == o) & (tr["side"] == -s)]
        cum = np.concatenate([[0], np.cumsum(t["qty"].to_numpy())])
        c = cand.loc[idx]
        cand.loc[idx, "opposite"] = _lots_between(t["ts"].to_numpy(), cum,
                                                  c["add_ts"].to_numpy() - win_ns,
                                                  c["end_ts"].to_numpy() + win_ns)
    ex = f.ex
    for s in (1, -1):  # unknown owners: the other side's resting orders executed meanwhile
        idx = cand.index[~cand["known"] & (cand["side"] == s)]
        t = ex[ex["rest_side"] == -s]
        cum = np.concatenate([[0], np.cumsum(t["qty"].to_numpy())])
        c = cand.loc[idx]
        cand.loc[idx, "opposite"] = _lots_between(t["ts"].to_numpy(), cum,
                                                  c["add_ts"].to_numpy(), c["end_ts"].to_numpy())
    cand = cand[cand["opposite"] > 0].sort_values(["owner", "side", "add_ts"], kind="stable")
    cand["ratio"] = np.log(cand["size"] / med) if med > 0 else 0.0
    prev_end = cand.groupby(["owner", "side"])["end_ts"].shift()
    new = (~cand["known"]) | prev_end.isna() | (cand["add_ts"] - prev_end > gap_ns)
    cand["alert"] = np.cumsum(new.to_numpy())
    g = cand.groupby("alert", sort=False)
    al = pd.DataFrame({
        "owner": g["owner"].first().where(g["known"].first(), -1),
        "start": g["add_ts"].min(), "end": g["end_ts"].max(), "side": g["side"].first(),
        "score": g["ratio"].sum(), "orders": g.size(),
        "order_ids": g["oid"].agg(list), "size": g["size"].sum(),
        "size_ratio": g["size"].median() / med if med > 0 else np.nan,
        "median_life_ms": g["life"].median() / 1e6, "opposite": g["opposite"].sum()})
    al = al[((al["orders"] >= min_orders) | (al["owner"] < 0)) & (al["score"] >= min_score)]
    inst = f.inst
    al["evidence"] = [
        f"{n} order(s) of {q:g} units ({r:.0f}x the median order) on the "
        f"{'bid' if s > 0 else 'ask'} cancelled after a median {lm:.0f} ms unfilled, "
        f"{o:g} units traded on the other side" + (" by the same owner" if w > 0 else "")
        for n, q, r, s, lm, o, w in zip(al["orders"], to_currency(al["size"].to_numpy(),
                                                                   inst.lot_size),
                                        al["size_ratio"], al["side"], al["median_life_ms"],
                                        to_currency(al["opposite"].to_numpy(), inst.lot_size),
                                        al["owner"])]
    out = _frame(al, inst, ["orders", "order_ids", "size", "size_ratio", "median_life_ms",
                            "opposite"], lots=("size", "opposite"))
    out.attrs.update({
        "thresholds": {"size_multiple": float(size_multiple), "max_life_ns": life_ns,
                       "max_fill": float(max_fill), "window_ns": win_ns,
                       "min_orders": min_orders, "merge_gap_ns": gap_ns,
                       "min_score": float(min_score)},
        "median_order_size": to_currency(np.array([med]), inst.lot_size)[0],
        "candidates": int(len(cand)), "owners": f.has_owners, "book": f.book,
        "fills_from_cancels": f.fills_from_cancels})
    return out


def _weighted_median(size: np.ndarray) -> float:
    """The size-weighted median order size: half the volume added sits in orders no
    larger (robust to a flood of tiny orders, which an order-count median is not)."""
    if not len(size):
        return 0.0
    s = np.sort(size)
    c = np.cumsum(s)
    return float(s[np.searchsorted(c, 0.5 * c[-1])])


def _frame(al: pd.DataFrame, inst: Instrument, extra: list[str],
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


def _aggressive_orders(f: _Flow) -> pd.DataFrame:
    """Aggressive orders: the executions at one ts on one aggressor side, with their
    lots, last price (ticks) and the aggressor's order id / owner (0 / -1 unknown)."""
    g = f.ex.groupby(["ts", "aggr_side"], sort=True)
    return g.agg(qty=("qty", "sum"), price=("price", "last"), oid=("aggr_oid", "max"),
                 owner=("aggr_owner", "max")).reset_index()


def _price_grid(f: _Flow) -> int:
    """The book's price step in data ticks: the gcd of its displayed orders' prices
    (LOBSTER stores 1e-4 dollars, a cent is 100 of them; a future's tick may be 25;
    hidden midpoint prints at half steps are left out)."""
    px = f.ev["price"][np.isin(f.ev["kind"], (Kind.ADD, Kind.EXECUTE))]
    g = int(np.gcd.reduce(px[px > 0].astype(np.int64))) if (px > 0).any() else 1
    return max(g, 1)


def detect_momentum_ignition(data: MarketData, *, window: Any = "3s", min_orders: int = 5,
                             min_share: float = 0.8, min_move: int = 2,
                             horizon: Any = "15s", min_reversal: float = 0.25,
                             min_exit: float = 0.25, min_score: float = 0.0,
                             owners: bool | None = None, venue: int | str | None = None,
                             instrument: int | str | None = None) -> pd.DataFrame:
    """Momentum-ignition alerts in one book (module doc: definitions and owners).

    window, min_orders, min_share: a burst is min_orders aggressive orders on one side
    within window carrying at least min_share of its group's aggressive volume there
    (its owner's with owners; the book's without). min_move: ticks the price must go the
    burst's way, from the last trade before it to the peak within horizon after it;
    min_reversal: the share of that move given back within horizon after the peak;
    min_exit: with owners, the owner's trades on the other side within horizon of the
    burst, as a share of its burst volume (not checked without owners). min_score: the
    smallest score kept. owners: None = as the data carries them, False = ignore. Ticks
    are steps of the book's price grid (the gcd of its prices, ``attrs["price_step"]``
    in currency), so 3 ticks is 3 cents on LOBSTER's AMZN, stored in 1e-4 dollars.

    Returns one row per alert, by start: owner, start, end (of the burst), side (pushed),
    score (move ticks x min(reversal, 1) x share), evidence, orders, volume (units),
    share, move_ticks, reversal, exit (units the owner traded back; NaN without owners),
    peak_time, aggressor_ids (order ids seen resting a remainder, 0 = none). ``attrs``:
    thresholds, aggressive orders seen, bursts before the move tests, book.
    """
    win_ns = duration_ns(window, "window")
    hor_ns = nonneg_duration_ns(horizon, "horizon")
    min_orders = positive_int(min_orders, "min_orders", 2)
    min_move = positive_int(min_move, "min_move")
    for name, v in (("min_share", min_share), ("min_reversal", min_reversal),
                    ("min_exit", min_exit)):
        if not 0.0 <= float(v) <= 1.0:
            raise ValueError(f"{name} must be a fraction in [0, 1]; got {v!r}")
    f = _flow(data, venue, instrument, owners)
    ag = _aggressive_orders(f)
    ag["group"] = ag["owner"] if f.has_owners else -1
    ag = ag[ag["group"] > 0] if f.has_owners else ag
    ag = ag.sort_values(["group", "ts"], kind="stable").reset_index(drop=True)
    ts = ag["ts"].to_numpy(np.int64)
    grp = ag["group"].to_numpy(np.int64)
    side = ag["aggr_side"].to_numpy(np.int64)
    key = grp.astype(np.float64) * 4e18 + ts  # sorted: group-major, then time
    g_end = np.searchsorted(grp, grp, "right")
    end_idx = np.minimum(np.searchsorted(key, grp.astype(np.float64) * 4e18 + ts + win_ns,
                                         "right"), g_end)
    i0 = np.arange(len(ts))
    q = ag["qty"].to_numpy(np.int64)
    buys = np.concatenate([[0], np.cumsum(side > 0)])
    buy_q = np.concatenate([[0], np.cumsum(np.where(side > 0, q, 0))])
    all_q = np.concatenate([[0], np.cumsum(q)])
    n_buy = buys[end_idx] - buys[i0]
    n_same = np.where(side > 0, n_buy, end_idx - i0 - n_buy)
    v_buy = buy_q[end_idx] - buy_q[i0]
    v_all = np.maximum(all_q[end_idx] - all_q[i0], 1)
    share = np.where(side > 0, v_buy, v_all - v_buy) / v_all
    picks = pick_bursts(ts, n_same, share, end_idx, min_orders, float(min_share))
    ex = f.ex.sort_values("ts", kind="stable")
    grid = _price_grid(f)
    rows = []
    if len(picks):
        starts, ends = ts[picks], ts[end_idx[picks] - 1]
        d = side[picks]
        p0, peak, back, peak_ts = move_and_reversal(ex["ts"].to_numpy(np.int64),
                                                    ex["price"].to_numpy(np.int64),
                                                    starts, ends, hor_ns, d)
        tr = _owner_trades(f)
        for k, i in enumerate(picks):
            seg = ag.iloc[i:end_idx[i]]
            mine = seg[seg["aggr_side"] == d[k]]
            raw = int(d[k] * (peak[k] - p0[k]))
            move = raw // grid
            rev = d[k] * (peak[k] - back[k]) / raw if raw > 0 else 0.0
            exit_lots = np.nan
            if f.has_owners:
                t = tr[(tr["owner"] == grp[i]) & (tr["side"] == -d[k])
                       & (tr["ts"] > starts[k]) & (tr["ts"] <= ends[k] + hor_ns)]
                exit_lots = float(t["qty"].sum())
            rows.append({"owner": int(grp[i]), "start": starts[k], "end": ends[k],
                         "side": int(d[k]), "orders": len(mine), "volume": int(mine["qty"].sum()),
                         "share": share[i], "move_ticks": move, "reversal": rev,
                         "exit": exit_lots, "peak_time": peak_ts[k],
                         "aggressor_ids": sorted(set(mine["oid"]) - {0})})
    cols = ["owner", "start", "end", "side", "orders", "volume", "share", "move_ticks",
            "reversal", "exit", "peak_time", "aggressor_ids"]
    al = pd.DataFrame(rows, columns=cols)
    n_bursts = len(al)
    ok = (al["move_ticks"] >= min_move) & (al["reversal"] >= min_reversal)
    if f.has_owners:
        ok &= al["exit"] >= min_exit * al["volume"]
    al = al[ok].copy()
    al["score"] = al["move_ticks"] * np.minimum(al["reversal"], 1.0) * al["share"]
    al = al[al["score"] >= min_score]
    inst = f.inst
    al["evidence"] = [
        f"{n} aggressive {'buys' if s > 0 else 'sells'} ({sh:.0%} of the "
        f"{'owner' if o > 0 else 'book'}'s aggressive volume) in {(e - b) / 1e9:.1f} s "
        f"pushed the price {m} ticks, {r:.0%} given back" + (f"; the owner traded {x:g} units back"
                                            if o > 0 else "")
        for n, s, sh, o, b, e, m, r, x in zip(al["orders"], al["side"], al["share"],
                                              al["owner"], al["start"], al["end"],
                                              al["move_ticks"], al["reversal"],
                                              to_currency(al["exit"].fillna(0).to_numpy(),
                                                          inst.lot_size))]
    out = _frame(al, inst, ["orders", "volume", "share", "move_ticks", "reversal", "exit",
                            "peak_time", "aggressor_ids"], lots=("volume", "exit"))
    out["peak_time"] = pd.to_datetime(out["peak_time"].to_numpy(np.int64), unit="ns", utc=True)
    out.attrs.update({
        "thresholds": {"window_ns": win_ns, "min_orders": min_orders,
                       "min_share": float(min_share), "min_move_ticks": min_move,
                       "horizon_ns": hor_ns, "min_reversal": float(min_reversal),
                       "min_exit": float(min_exit), "min_score": float(min_score)},
        "aggressive_orders": int(len(ag)), "bursts": n_bursts, "owners": f.has_owners,
        "price_step": float(grid * inst.tick_size),
        "book": f.book, "fills_from_cancels": f.fills_from_cancels})
    return out


def detect_quote_stuffing(data: MarketData, *, bucket: Any = "1s", min_messages: int = 200,
                          rate_multiple: float = 10.0, min_cancel_ratio: float = 0.9,
                          min_score: float = 0.0, owners: bool | None = None,
                          venue: int | str | None = None,
                          instrument: int | str | None = None) -> pd.DataFrame:
    """Quote-stuffing alerts in one book (module doc: definitions and owners).

    bucket: the clock of the message counts. A bucket of a group (an owner; the book's
    unattributed messages as one group) is flagged when it holds at least min_messages
    order messages (ADD, CANCEL, DELETE), at least rate_multiple times the book's median
    messages per bucket (every bucket from the first event to the last, empty ones too),
    and cancels / adds >= min_cancel_ratio; consecutive flagged buckets of a group make
    one alert. min_score: the smallest score kept. owners: as detect_spoofing.

    Returns one row per alert, by start: owner, start, end, side (0), score (the peak
    bucket's messages / the median), evidence, messages, peak_per_s, adds, cancels,
    cancel_ratio. ``attrs``: thresholds, median messages per bucket, book.
    """
    b_ns = duration_ns(bucket, "bucket")
    min_messages = positive_int(min_messages, "min_messages")
    if not float(rate_multiple) >= 1.0:
        raise ValueError(f"rate_multiple must be a number >= 1; got {rate_multiple!r}")
    if not 0.0 <= float(min_cancel_ratio):
        raise ValueError(f"min_cancel_ratio must be >= 0; got {min_cancel_ratio!r}")
    f = _flow(data, venue, instrument, owners)
    ev = f.ev
    m = np.isin(ev["kind"], (Kind.ADD, Kind.CANCEL, Kind.DELETE)) & ~f.snapshot
    t0 = int(ev["ts"].min()) if len(ev) else 0
    n_b = int((int(ev["ts"].max()) - t0) // b_ns + 1) if len(ev) else 0
    df = pd.DataFrame({"b": (ev["ts"][m] - t0) // b_ns, "owner": f.owner[m],
                       "add": ev["kind"][m] == Kind.ADD})
    per_bucket = np.bincount(df["b"].to_numpy(np.int64), minlength=n_b)
    med = float(np.median(per_bucket)) if n_b else 0.0
    c = df.groupby(["owner", "b"]).agg(messages=("add", "size"), adds=("add", "sum"))
    c["cancels"] = c["messages"] - c["adds"]
    c = c.reset_index()
    flag = c[(c["messages"] >= min_messages) & (c["messages"] >= rate_multiple * max(med, 1.0))
             & (c["cancels"] >= min_cancel_ratio * c["adds"])].copy()
    new = (flag["owner"].diff() != 0) | (flag["b"].diff() != 1)
    flag["alert"] = np.cumsum(new.to_numpy())
    g = flag.groupby("alert", sort=False)
    al = pd.DataFrame({"owner": g["owner"].first(), "start": t0 + g["b"].min() * b_ns,
                       "end": t0 + (g["b"].max() + 1) * b_ns, "side": 0,
                       "messages": g["messages"].sum(),
                       "peak_per_s": g["messages"].max() * 1e9 / b_ns,
                       "adds": g["adds"].sum(), "cancels": g["cancels"].sum()})
    al["cancel_ratio"] = al["cancels"] / al["adds"].clip(lower=1)
    al["score"] = g["messages"].max() / max(med, 1.0)
    al = al[al["score"] >= min_score]
    al["evidence"] = [
        f"{n} messages in {(e - s) / 1e9:g} s (peak {p:.0f}/s, {sc:.0f}x the book's median "
        f"bucket), {cr:.0%} of its orders cancelled" + ("" if o > 0 else " (book-wide)")
        for n, s, e, p, sc, cr, o in zip(al["messages"], al["start"], al["end"],
                                         al["peak_per_s"], al["score"], al["cancel_ratio"],
                                         al["owner"])]
    out = _frame(al, f.inst, ["messages", "peak_per_s", "adds", "cancels", "cancel_ratio"])
    out.attrs.update({
        "thresholds": {"bucket_ns": b_ns, "min_messages": min_messages,
                       "rate_multiple": float(rate_multiple),
                       "min_cancel_ratio": float(min_cancel_ratio), "min_score": float(min_score)},
        "median_messages_per_bucket": med, "owners": f.has_owners, "book": f.book})
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
