"""ITCH 5.0 message encoder for tests, written from the NASDAQ TotalView-ITCH 5.0 spec.

Each message: type, stock locate (u16), tracking number (u16), timestamp (u48 ns since
midnight), then the type's fields, all big-endian; prices u32 with 4 implied decimals.
Frames are the historical files' 2-byte big-endian length + message.
"""

from __future__ import annotations

import struct


def _head(t: bytes, locate: int, ts: int) -> bytes:
    return t + struct.pack(">HH", locate, 0) + ts.to_bytes(6, "big")


def _stock(s: str) -> bytes:
    return s.encode().ljust(8, b" ")


def frame(msg: bytes) -> bytes:
    return struct.pack(">H", len(msg)) + msg


def system(ts: int, code: str) -> bytes:
    return frame(_head(b"S", 0, ts) + code.encode())


def directory(ts: int, locate: int, stock: str) -> bytes:
    body = _stock(stock) + b"Q" + b"N" + struct.pack(">I", 100) + b"N" + b"C" + b"Z " + \
        b"P" + b"N" + b"N" + b"1" + b"N" + struct.pack(">I", 0) + b"N"
    return frame(_head(b"R", locate, ts) + body)


def trading_action(ts: int, locate: int, stock: str, state: str) -> bytes:
    return frame(_head(b"H", locate, ts) + _stock(stock) + state.encode() + b" " + b"    ")


def add(ts: int, locate: int, ref: int, side: str, shares: int, stock: str, price: int,
        mpid: str | None = None) -> bytes:
    body = struct.pack(">Q", ref) + side.encode() + struct.pack(">I", shares) + _stock(stock) + \
        struct.pack(">I", price)
    if mpid is None:
        return frame(_head(b"A", locate, ts) + body)
    return frame(_head(b"F", locate, ts) + body + mpid.encode().ljust(4))


def executed(ts: int, locate: int, ref: int, shares: int, match: int) -> bytes:
    return frame(_head(b"E", locate, ts) + struct.pack(">QIQ", ref, shares, match))


def executed_price(ts: int, locate: int, ref: int, shares: int, match: int, price: int) -> bytes:
    return frame(_head(b"C", locate, ts) + struct.pack(">QIQ", ref, shares, match) + b"Y" +
                 struct.pack(">I", price))


def cancel(ts: int, locate: int, ref: int, shares: int) -> bytes:
    return frame(_head(b"X", locate, ts) + struct.pack(">QI", ref, shares))


def delete(ts: int, locate: int, ref: int) -> bytes:
    return frame(_head(b"D", locate, ts) + struct.pack(">Q", ref))


def replace(ts: int, locate: int, old: int, new: int, shares: int, price: int) -> bytes:
    return frame(_head(b"U", locate, ts) + struct.pack(">QQII", old, new, shares, price))


def trade(ts: int, locate: int, ref: int, side: str, shares: int, stock: str, price: int,
          match: int) -> bytes:
    return frame(_head(b"P", locate, ts) + struct.pack(">Q", ref) + side.encode() +
                 struct.pack(">I", shares) + _stock(stock) + struct.pack(">IQ", price, match))


def cross(ts: int, locate: int, shares: int, stock: str, price: int, match: int) -> bytes:
    return frame(_head(b"Q", locate, ts) + struct.pack(">Q", shares) + _stock(stock) +
                 struct.pack(">IQ", price, match) + b"O")


def reg_sho(ts: int, locate: int, stock: str) -> bytes:
    return frame(_head(b"Y", locate, ts) + _stock(stock) + b"0")
