"""A deliberately simple pure-Python price-time matcher, the oracle for matching_nb.

Each book side is a dict price -> list of order ids (front of the list = first in
time). No speed tricks: the best price is found with max/min over the dict each time.
It implements the rules documented in hftlab.core.matching_nb, written out plainly,
so that the compiled engine can be checked against it message by message.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hftlab.schema import OrderStatus as S
from hftlab.schema import OrderType, Reason, TimeInForce

NEWEST, OLDEST, BOTH = 0, 1, 2


@dataclass
class RefOrder:
    price: int
    qty: int  # resting lots
    side: int
    owner: int
    book: int
    post_only: bool
    open: bool = False


@dataclass
class RefResult:
    status: int
    reason: int
    order_id: int
    filled: int = 0
    resting: int = 0
    removed: int = 0
    fills: list[tuple[int, ...]] = field(default_factory=list)
    stp_deleted: list[int] = field(default_factory=list)  # resting ids cancelled by STP

    def key(self) -> tuple[int, ...]:
        return (self.status, self.reason, self.order_id, self.filled, self.resting,
                self.removed)


class RefMatcher:
    """Books 0..n-1 with limit prices base[b] .. base[b] + width - 1."""

    def __init__(self, base: list[int], width: int, stp_mode: int = NEWEST) -> None:
        self.base = list(base)
        self.width = width
        self.stp_mode = stp_mode
        self.books = [{1: {}, -1: {}} for _ in base]
        self.orders: dict[int, RefOrder] = {}
        self.next_id = 1

    # ---- helpers ---------------------------------------------------------------
    def best(self, book: int, side: int) -> int | None:
        levels = self.books[book][side]
        if not levels:
            return None
        return max(levels) if side == 1 else min(levels)

    def _price_ok(self, book: int, price: int) -> int:
        if price <= 0:
            return Reason.BAD_PRICE
        if not self.base[book] <= price < self.base[book] + self.width:
            return Reason.OUT_OF_BOOK_RANGE
        return Reason.NONE

    def _reaches(self, side: int, limit: int | None, px: int) -> bool:
        if limit is None:
            return True
        return px <= limit if side == 1 else px >= limit

    def _leave(self, oid: int) -> int:
        o = self.orders[oid]
        level = self.books[o.book][o.side][o.price]
        level.remove(oid)
        if not level:
            del self.books[o.book][o.side][o.price]
        q, o.qty, o.open = o.qty, 0, False
        return q

    def _rest(self, oid: int) -> None:
        o = self.orders[oid]
        o.open = True
        self.books[o.book][o.side].setdefault(o.price, []).append(oid)

    def _opposite_in_order(self, book: int, side: int, limit: int | None) -> list[int]:
        levels = self.books[book][-side]
        prices = sorted(levels, reverse=(side == -1))
        out = []
        for px in prices:
            if not self._reaches(side, limit, px):
                break
            out.extend(levels[px])
        return out

    def _fok_ok(self, book: int, side: int, limit: int | None, need: int, owner: int) -> bool:
        avail = 0
        for m in self._opposite_in_order(book, side, limit):
            o = self.orders[m]
            if owner != 0 and o.owner == owner:
                if self.stp_mode == OLDEST:
                    continue
                return False
            avail += o.qty
            if avail >= need:
                return True
        return False

    def _match(self, taker: int, book: int, side: int, limit: int | None, rem: int,
               owner: int, res: RefResult) -> tuple[int, bool]:
        while rem > 0:
            px = self.best(book, -side)
            if px is None or not self._reaches(side, limit, px):
                return rem, False
            m = self.books[book][-side][px][0]
            mo = self.orders[m]
            if owner != 0 and mo.owner == owner:
                if self.stp_mode == NEWEST:
                    return rem, True
                self._leave(m)
                res.stp_deleted.append(m)
                if self.stp_mode == BOTH:
                    return rem, True
                continue
            t = min(rem, mo.qty)
            res.fills.append((m, taker, mo.owner, owner, px, t, -side))
            rem -= t
            res.filled += t
            mo.qty -= t
            if mo.qty == 0:
                self._leave(m)
        return rem, False

    def _settle(self, res: RefResult, oid: int, rem: int, stp: bool, can_rest: bool) -> None:
        if rem == 0:
            res.status = S.FILLED
        elif stp:
            res.status, res.reason = S.CANCELLED, Reason.SELF_TRADE
            res.removed += rem
        elif can_rest:
            self.orders[oid].qty = rem
            self._rest(oid)
            res.status = S.ACCEPTED if res.filled == 0 else S.PARTIALLY_FILLED
            res.resting = rem
        else:
            res.status = S.EXPIRED
            res.reason = Reason.NO_LIQUIDITY if res.filled == 0 else Reason.NONE
            res.removed += rem

    # ---- commands ---------------------------------------------------------------
    def submit(self, book: int, owner: int, side: int, price: int, qty: int,
               order_type: int = OrderType.LIMIT, tif: int = TimeInForce.GTC) -> RefResult:
        oid = self.next_id
        self.next_id += 1
        self.orders[oid] = RefOrder(price, 0, side, owner, book, tif == TimeInForce.POST_ONLY)
        res = RefResult(S.REJECTED, Reason.NONE, oid)
        market = order_type == OrderType.MARKET
        if qty <= 0:
            res.reason = Reason.BAD_QTY
            return res
        if not market and self._price_ok(book, price) != Reason.NONE:
            res.reason = self._price_ok(book, price)
            return res
        limit = None if market else price
        if tif == TimeInForce.POST_ONLY:
            opp = self.best(book, -side)
            if market or (opp is not None and self._reaches(side, limit, opp)):
                res.reason = Reason.POST_ONLY_WOULD_CROSS
                return res
        if tif == TimeInForce.FOK and not self._fok_ok(book, side, limit, qty, owner):
            res.reason = Reason.FOK_NOT_FILLABLE
            return res
        rem, stp = self._match(oid, book, side, limit, qty, owner, res)
        can_rest = not market and tif in (TimeInForce.GTC, TimeInForce.POST_ONLY)
        self._settle(res, oid, rem, stp, can_rest)
        return res

    def cancel(self, oid: int) -> RefResult:
        o = self.orders.get(oid)
        if o is None or not o.open:
            return RefResult(S.REJECTED, Reason.UNKNOWN_ORDER, oid)
        return RefResult(S.CANCELLED, Reason.NONE, oid, removed=self._leave(oid))

    def replace(self, oid: int, price: int, qty: int,
                tif: int = TimeInForce.GTC) -> tuple[RefResult, RefResult | None]:
        """Cancel, then a new limit order with the old order's book, owner and side."""
        cancelled = self.cancel(oid)
        if cancelled.status != S.CANCELLED:
            return cancelled, None
        o = self.orders[oid]
        return cancelled, self.submit(o.book, o.owner, o.side, price, qty, OrderType.LIMIT, tif)

    def modify(self, oid: int, price: int | None = None, qty: int | None = None) -> RefResult:
        o = self.orders.get(oid)
        if o is None or not o.open:
            return RefResult(S.REJECTED, Reason.UNKNOWN_ORDER, oid)
        px = o.price if price is None else price
        nq = o.qty if qty is None else qty
        if nq <= 0:
            return RefResult(S.REJECTED, Reason.BAD_QTY, oid, resting=o.qty)
        if self._price_ok(o.book, px) != Reason.NONE:
            return RefResult(S.REJECTED, self._price_ok(o.book, px), oid, resting=o.qty)
        if px == o.price:
            if nq < o.qty:
                dec = o.qty - nq
                o.qty = nq
                return RefResult(S.ACCEPTED, Reason.NONE, oid, resting=nq, removed=dec)
            if nq > o.qty:
                self._leave(oid)
                o.qty = nq
                self._rest(oid)
            return RefResult(S.ACCEPTED, Reason.NONE, oid, resting=nq)
        opp = self.best(o.book, -o.side)
        if o.post_only and opp is not None and self._reaches(o.side, px, opp):
            return RefResult(S.REJECTED, Reason.POST_ONLY_WOULD_CROSS, oid, resting=o.qty)
        old = self._leave(oid)
        o.price = px
        res = RefResult(S.REJECTED, Reason.NONE, oid, removed=max(old - nq, 0))
        rem, stp = self._match(oid, o.book, o.side, px, nq, o.owner, res)
        self._settle(res, oid, rem, stp, True)
        return res

    # ---- reading ------------------------------------------------------------------
    def resting(self) -> dict[tuple[int, int, int], list[tuple[int, int, int]]]:
        """(book, side, price) -> [(order id, qty, owner), ...] in time priority."""
        out = {}
        for b, sides in enumerate(self.books):
            for side, levels in sides.items():
                for px, ids in levels.items():
                    out[(b, side, px)] = [(i, self.orders[i].qty, self.orders[i].owner)
                                          for i in ids]
        return out
