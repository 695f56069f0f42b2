"""Minimal parsers for the real samples in ../shared/data that the analytics tests use.

Deliberately small (the official readers live in hftlab.data): just enough to turn the
raw files into trade and quote tables with the aggressor side as ground truth.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pandas as pd


def binance_feed(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Trades (ts, price, qty, side) and quotes (ts, bid, ask, bid_qty, ask_qty) from an
    hftbacktest Binance capture: `<local ns> <json>` lines. ts is the local receive time,
    the one clock both streams share. side = +1 when the buyer was the taker (m false)."""
    trades, quotes = [], []
    with gzip.open(path, "rt") as fh:
        for line in fh:
            ts_s, _, payload = line.partition(" ")
            msg = json.loads(payload)
            stream = msg.get("stream", "")
            d = msg.get("data", {})
            if stream.endswith("@trade"):
                trades.append((int(ts_s), float(d["p"]), float(d["q"]), -1 if d["m"] else 1))
            elif stream.endswith("@bookTicker"):
                quotes.append((int(ts_s), float(d["b"]), float(d["a"]), float(d["B"]),
                               float(d["A"])))
    t = pd.DataFrame(trades, columns=["ts", "price", "qty", "side"])
    q = pd.DataFrame(quotes, columns=["ts", "bid", "ask", "bid_qty", "ask_qty"])
    return t, q


def nautilus_binance(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Binance spot trades/quotes parquet from NautilusTrader's test data (ms timestamps)."""
    t = pd.read_parquet(folder / "btcusdt-trades.parquet")
    q = pd.read_parquet(folder / "btcusdt-quotes.parquet")
    trades = pd.DataFrame({
        "ts": t["timestamp"].astype("datetime64[ns, UTC]").astype("int64").to_numpy(),
        "price": t["price"].to_numpy(), "qty": t["quantity"].to_numpy(),
        "side": np.where(t["buyer_maker"].astype(str) == "True", -1, 1)})
    quotes = pd.DataFrame({
        "ts": q["timestamp"].astype("datetime64[ns, UTC]").astype("int64").to_numpy(),
        "bid": q["bid"].to_numpy(), "ask": q["ask"].to_numpy(),
        "bid_qty": q["bid_size"].to_numpy(), "ask_qty": q["ask_size"].to_numpy()})
    return trades, quotes


LOBSTER_DAY_NS = int(pd.Timestamp("2012-06-21", tz="America/New_York").value)


def lobster_amzn(folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """AMZN level-1 LOBSTER day: executions (types 4, 5) as trades and the book as quotes.

    Execution of a sell (buy) limit order = buyer- (seller-) initiated, so side = -direction.
    Prices in dollars; ts in ns since the epoch. Quotes are the book after each message.
    """
    base = "AMZN_2012-06-21_34200000_57600000"
    msg = pd.read_csv(folder / f"{base}_message_1.csv", header=None,
                      names=["time", "type", "order_id", "size", "price", "direction"])
    book = pd.read_csv(folder / f"{base}_orderbook_1.csv", header=None,
                       names=["ask", "ask_qty", "bid", "bid_qty"])
    ts = LOBSTER_DAY_NS + np.rint(msg["time"].to_numpy() * 1e9).astype(np.int64)
    ex = msg["type"].isin([4, 5]).to_numpy()
    trades = pd.DataFrame({"ts": ts[ex], "price": msg["price"].to_numpy()[ex] / 1e4,
                           "qty": msg["size"].to_numpy()[ex].astype(float),
                           "side": -msg["direction"].to_numpy()[ex]})
    quotes = pd.DataFrame({"ts": ts, "bid": book["bid"] / 1e4, "ask": book["ask"] / 1e4,
                           "bid_qty": book["bid_qty"].astype(float),
                           "ask_qty": book["ask_qty"].astype(float)})
    return trades, quotes
