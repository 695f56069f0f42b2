"""Turn a market-by-order (L3) file into the price-level (L2) stream both engines replay.

hftbacktest reads neither LOBSTER nor hftlab's L3 events into its L2 depth, so
`engine_throughput.py --data` cannot run the two side by side on an order-by-order day
as it stands. This writes the same day as an L2 feed, in hftlab's Parquet, which
`engine_throughput.py --data OUT.parquet` then gives to both sides:

  ADD, CANCEL, DELETE   -> LEVEL: the aggregate lots now resting at that price and side
  EXECUTE               -> TRADE (aggressor = the other side of the resting order), then
                           the LEVEL it leaves
  TRADE, LEVEL, CLEAR   -> unchanged (a CLEAR also empties the aggregate)

Times are the source's (exchange and local). A level that would go below zero lots (an
order removed that the file never added) is refused, naming the event; other kinds
(STATUS) are refused too, since hftbacktest's depth feed has no equivalent.

    python benchmarks/l2_of.py lobster MESSAGE.csv ORDERBOOK.csv OUT.parquet
    python benchmarks/l2_of.py dbn FILE.mbo.dbn.zst OUT.parquet
"""

from __future__ import annotations

import sys

import numpy as np

from hftlab.data.market import MarketData
from hftlab.schema import EVENT_DTYPE, Kind


def level_events(data: MarketData) -> MarketData:
    """The L2 stream of data's L3 events (one venue, one instrument), as described above."""
    ev = data.load().events
    if len(np.unique(ev["venue"])) > 1 or len(np.unique(ev["instrument"])) > 1:
        raise SystemExit(f"{data.source}: one venue and one instrument only")
    out = np.zeros(2 * len(ev), EVENT_DTYPE)
    rest: dict[tuple[int, int], int] = {}
    n = 0
    for i, e in enumerate(ev.tolist()):
        ts, ts_local, venue, inst, kind, side, price, qty, _ = e
        if kind in (Kind.TRADE, Kind.LEVEL, Kind.CLEAR):
            out[n] = (ts, ts_local, venue, inst, kind, side, price, qty, 0)
            n += 1
            if kind == Kind.LEVEL:
                rest[side, price] = qty
            elif kind == Kind.CLEAR:
                rest.clear()
            continue
        if kind == Kind.EXECUTE:
            out[n] = (ts, ts_local, venue, inst, Kind.TRADE, -side, price, qty, 0)
            n += 1
        elif kind not in (Kind.ADD, Kind.CANCEL, Kind.DELETE):
            raise SystemExit(f"{data.source}: event {i} is of kind {Kind(kind).name}, which "
                             "has no L2 equivalent in hftbacktest's depth feed")
        level = rest.get((side, price), 0) + (qty if kind == Kind.ADD else -qty)
        if level < 0:
            raise SystemExit(f"{data.source}: event {i} ({Kind(kind).name} {qty} lots at "
                             f"{price}, side {side}) leaves {level} lots at its level")
        rest[side, price] = level
        out[n] = (ts, ts_local, venue, inst, Kind.LEVEL, side, price, level, 0)
        n += 1
    return MarketData(out[:n], data.instruments, data.venues, source=f"L2 of {data.source}")


def main(argv: list[str]) -> None:
    from hftlab.data import read_dbn, read_lobster

    if len(argv) == 4 and argv[0] == "lobster":
        data = read_lobster(argv[1], argv[2])
    elif len(argv) == 3 and argv[0] == "dbn":
        data = read_dbn(argv[1])
    else:
        raise SystemExit(__doc__)
    l2 = level_events(data)
    l2.save(argv[-1])
    print(f"{len(data.events):,} L3 events -> {len(l2.events):,} L2 events: {argv[-1]}")


if __name__ == "__main__":
    main(sys.argv[1:])
