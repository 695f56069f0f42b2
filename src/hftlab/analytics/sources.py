"""Trade and quote tables from canonical market events and from a run's record.

The analytics take plain tables; this module makes them from hftlab's own outputs:

- `events_tables(data)`: one book of a MarketData. Trades are TRADE prints (side = the
  aggressor's, 0 unknown) and EXECUTE events (a resting order traded, so the aggressor
  is the other side: side = -resting side). Quotes are the top of book after each event
  (`hftlab.book.snapshots(levels=1)`), rows that change nothing dropped (the quote in
  force at any time is unchanged by this; the last row is always kept so the data's
  end is too). An empty side has NaN price and size 0.
- `run_tables(record)`: one (venue, instrument) of a RunRecord. Quotes are the market's
  best bid and ask from the state samples; trades are our own fills as prints (side =
  the aggressor's: the counterparty's, -ours, for passive fills; ours for aggressive
  ones), since a record holds no other prints; mids (ticks) feed `adverse_selection`.

Prices in currency (ticks x tick size), sizes in units (lots x lot size), ts int64 ns
since the epoch UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from hftlab.book import snapshots, to_currency
from hftlab.data.market import MarketData, print_mask
from hftlab.engine.record import RunRecord
from hftlab.schema import Kind

TRADE_KINDS = (Kind.TRADE, Kind.EXECUTE)


@dataclass
class MarketTables:
    """Trades (ts, price, qty, side) and quotes (ts, bid, ask[, bid_qty, ask_qty]) of one
    book, with its (venue, instrument) indices and a line saying where they came from."""

    trades: pd.DataFrame
    quotes: pd.DataFrame
    venue: int
    instrument: int
    tick_size: float
    notes: list[str] = field(default_factory=list)


@dataclass
class RunTables(MarketTables):
    """MarketTables of a run plus our fills of that book and the mids (ts, mid in ticks)
    that `adverse_selection` measures them against."""

    fills: pd.DataFrame = field(default_factory=pd.DataFrame)
    mids: pd.DataFrame = field(default_factory=pd.DataFrame)


def resolve_index(value: int | str | None, names: list[str], what: str) -> int | None:
    """An index into names from an int, a decimal string or a name; None stays None."""
    if value is None:
        return None
    if isinstance(value, str) and not value.strip().lstrip("-").isdigit():
        if value not in names:
            raise ValueError(f"no {what} named {value!r}; the data have {names}")
        return names.index(value)
    i = int(value)
    if not 0 <= i < len(names):
        raise ValueError(f"{what} index {i} is out of range; the data have {len(names)} "
                         f"{what}s {names}")
    return i


def _pick(counts: dict[tuple[int, int], int], venue: int | None, instrument: int | None,
          what: str) -> tuple[int, int]:
    """The first (venue, instrument) in venue-major order with a count > 0 that matches
    the given indices; with both given, those (even when empty)."""
    if venue is not None and instrument is not None:
        return venue, instrument
    for (v, i), n in sorted(counts.items()):
        if n > 0 and venue in (None, v) and instrument in (None, i):
            return v, i
    raise ValueError(f"no book with {what} for venue={venue}, instrument={instrument}")


def dedupe_quotes(quotes: pd.DataFrame) -> pd.DataFrame:
    """Drop rows whose values (NaN equal to NaN) repeat the previous row, but keep the
    last row so the data's end stays where it was. ts is not compared."""
    vals = quotes.drop(columns="ts").to_numpy(dtype=np.float64)
    keep = np.ones(len(quotes), dtype=bool)
    if len(quotes) > 1:
        same = (vals[1:] == vals[:-1]) | (np.isnan(vals[1:]) & np.isnan(vals[:-1]))
        keep[1:] = ~same.all(axis=1)
        keep[-1] = True
    return quotes.loc[keep].reset_index(drop=True)


def events_tables(data: MarketData, venue: int | str | None = None,
                  instrument: int | str | None = None) -> MarketTables:
    """Trades and top-of-book quotes of one book of data (see the module doc).

    venue / instrument: index or name (venue name, instrument symbol); by default the
    first book (venue-major) with trades, or the first with any events. Reads the
    events into memory.
    """
    data = data.load()
    ev = data.events
    vi = resolve_index(venue, [v.name for v in data.venues], "venue")
    ii = resolve_index(instrument, [i.symbol for i in data.instruments], "instrument")
    book = ev["venue"].astype(np.int64) * len(data.instruments) + ev["instrument"]
    traded = np.isin(ev["kind"], TRADE_KINDS)

    def counts(mask: np.ndarray) -> dict[tuple[int, int], int]:
        n = np.bincount(book[mask], minlength=data.n_books)
        return {divmod(b, len(data.instruments)): int(n[b]) for b in range(data.n_books)}

    with_trades = counts(traded)
    if any(with_trades.values()):
        try:
            vi, ii = _pick(with_trades, vi, ii, "trades")
        except ValueError:
            vi, ii = _pick(counts(np.ones(len(ev), bool)), vi, ii, "events")
    else:
        vi, ii = _pick(counts(np.ones(len(ev), bool)), vi, ii, "events")
    inst = data.instruments[ii]
    in_book = (ev["venue"] == vi) & (ev["instrument"] == ii)
    own = ev[in_book]
    tr = own[print_mask(own, data.record[in_book])]  # a simulated fill counts once
    side = np.where(tr["kind"] == Kind.EXECUTE, -tr["side"], tr["side"]).astype(np.int8)
    trades = pd.DataFrame({"ts": tr["ts"], "price": to_currency(tr["price"], inst.tick_size),
                           "qty": to_currency(tr["qty"], inst.lot_size), "side": side})
    snap = snapshots(data, levels=1, venue=vi, instrument=ii)
    ts = snap.index.get_level_values("ts").as_unit("ns").asi8
    quotes = dedupe_quotes(pd.DataFrame({
        "ts": ts, "bid": snap["bid_price_1"].to_numpy(), "ask": snap["ask_price_1"].to_numpy(),
        "bid_qty": snap["bid_size_1"].to_numpy(), "ask_qty": snap["ask_size_1"].to_numpy()}))
    n_exec = int((tr["kind"] == Kind.EXECUTE).sum())
    note = (f"Events of {data.source or 'canonical data'}: book {data.venues[vi].name} / "
            f"{inst.symbol} (venue {vi}, instrument {ii}; {data.n_books} book(s) in the data); "
            f"{len(trades) - n_exec} TRADE prints and {n_exec} EXECUTE events as trades "
            f"(aggressor = -resting side); {len(quotes)} top-of-book changes as quotes.")
    return MarketTables(trades, quotes, vi, ii, inst.tick_size, [note])


def _ticks_of(price_ccy: np.ndarray, tick: float) -> np.ndarray:
    """Currency prices that came from integer ticks back to those ticks (NaN stays NaN)."""
    return np.round(price_ccy / tick)


def run_tables(record: RunRecord, venue: int | str | None = None,
               instrument: int | str | None = None,
               market: MarketData | None = None) -> RunTables:
    """Trades, quotes, fills and mids of one (venue, instrument) of a run (module doc).

    venue / instrument: index or name; by default the first pair with fills, else venue
    0 and the first instrument sampled in the states. market: the events the run
    replayed (default: the session of a run in a simulated market, ``record.market``);
    when there is one, trades and quotes are the market's own (`events_tables`) and the
    mids come from its book after every event instead of the state samples.
    """
    if market is None:
        market = getattr(record, "market", None)
    fills = record.fills
    vi = resolve_index(venue, [v.name for v in record.venues], "venue")
    ii = resolve_index(instrument, [i.symbol for i in record.instruments], "instrument")
    sizes = fills.groupby(["venue", "instrument"]).size()
    by_book = {(int(v), int(i)): int(n) for (v, i), n in sizes.items()}
    try:
        vi, ii = _pick(by_book, vi, ii, "fills")
    except ValueError:
        vi = 0 if vi is None else vi
        if ii is None:
            sampled = np.sort(record.states["instrument"].unique())
            if not len(sampled):
                raise ValueError("the run has neither fills nor state samples to analyze")
            ii = int(sampled[0])
    inst = record.instruments[ii]
    tick = inst.tick_size
    own = fills[(fills["venue"] == vi) & (fills["instrument"] == ii)]
    own = own.sort_values("ts_exchange", kind="stable")
    st = record.states[record.states["instrument"] == ii].sort_values("ts", kind="stable")
    label = f"{record.venues[vi].name} / {inst.symbol} (venue {vi}, instrument {ii})"
    if market is not None:
        if ii >= len(market.instruments) or market.instruments[ii].symbol != inst.symbol:
            raise ValueError(f"the market data do not hold the run's instrument {inst.symbol} "
                             f"at index {ii}; they hold "
                             f"{[i.symbol for i in market.instruments]}")
        mt = events_tables(market, vi, ii)
        mids = pd.DataFrame({"ts": mt.quotes["ts"].to_numpy(), "mid": 0.5 * (
            _ticks_of(mt.quotes["bid"].to_numpy(), tick)
            + _ticks_of(mt.quotes["ask"].to_numpy(), tick))})
        own_note = (f"Our {len(own)} fills of {label}; later mids from the market's book "
                    "after every event.")
        notes = [*mt.notes, own_note]
        replayed = record.meta.get("source")
        if replayed and market.source and replayed != market.source:
            notes.append(f"Warning: the run replayed {replayed!r} but the events given are "
                         f"{market.source!r}.")
        return RunTables(mt.trades, mt.quotes, vi, ii, tick, notes, fills=own, mids=mids)
    bb, ba = st["best_bid"].to_numpy(), st["best_ask"].to_numpy()
    both = (bb > 0) & (ba > 0)
    mid = st["mid"].to_numpy(dtype=np.float64)
    mid = np.where(both & np.isfinite(mid) & (mid > 0), mid, np.nan)
    quotes = pd.DataFrame({"ts": st["ts"].to_numpy(),
                           "bid": np.where(bb > 0, to_currency(bb, tick), np.nan),
                           "ask": np.where(ba > 0, to_currency(ba, tick), np.nan)})
    maker = own["maker"].to_numpy() == 1
    side = own["side"].to_numpy().astype(np.int8)
    trades = pd.DataFrame({"ts": own["ts_exchange"].to_numpy(),
                           "price": to_currency(own["price"].to_numpy(), tick),
                           "qty": to_currency(own["qty"].to_numpy(), inst.lot_size),
                           "side": np.where(maker, -side, side).astype(np.int8)})
    every = record.meta.get("sample_ns")
    every_txt = f" every {every / 1e6:g} ms" if isinstance(every, (int, float)) else ""
    note = (f"Run book {label}: quotes are the market's best bid and ask in the run's "
            f"{len(st)} state samples{every_txt}; trades are our {len(own)} fills as prints "
            f"(aggressor side: the counterparty's for {int(maker.sum())} passive fills), "
            "since a run record holds no market prints (give the run's events for the "
            "market's own trades). The market section matches them to the last sample "
            "before them; the adverse-selection section uses the exchange mid recorded "
            "with each fill, so their effective spreads differ by the samples' staleness.")
    mids = pd.DataFrame({"ts": st["ts"].to_numpy(), "mid": mid})
    return RunTables(trades, quotes, vi, ii, tick, [note], fills=own, mids=mids)
