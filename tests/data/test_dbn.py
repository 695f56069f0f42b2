import datetime
from types import SimpleNamespace as NS

import databento_dbn as dbn
import numpy as np
import pyarrow as pa
import pytest

from hftlab.book import snapshots
from hftlab.data import DataError, read_dbn
from hftlab.schema import Kind

PX = 1_000_000_000  # DBN fixed-point unit: 1e-9


def metadata(schema, version=3):
    mp = [NS(raw_symbol="ESH1", intervals=[NS(start_date=datetime.date(2024, 1, 1),
                                               end_date=datetime.date(2024, 1, 2), symbol="7")])]
    return dbn.Metadata(dataset="GLBX.MDP3", schema=schema, start=0,
                        stype_in=dbn.SType.RAW_SYMBOL, stype_out=dbn.SType.INSTRUMENT_ID,
                        symbols=["ESH1"], mappings=mp, version=version).encode()


def mbo(ts, oid, price, size, action, side, flags=0):
    return dbn.MBOMsg(1, 7, ts, oid, int(price * PX), size, action, side, ts + 5, flags=flags)


A, C, M, T, F, R = (dbn.Action.ADD, dbn.Action.CANCEL, dbn.Action.MODIFY, dbn.Action.TRADE,
                    dbn.Action.FILL, dbn.Action.CLEAR)
BID, ASK, NONE = dbn.Side.BID, dbn.Side.ASK, dbn.Side.NONE
MBO = [mbo(10, 1, 100.25, 5, A, BID), mbo(11, 2, 100.5, 3, A, ASK),
       mbo(12, 1, 100.25, 2, C, BID),  # partial cancel
       mbo(13, 1, 100.25, 1, M, BID),  # size down at the same price: keeps priority
       mbo(14, 2, 100.75, 3, M, ASK),  # price change: loses priority
       mbo(15, 0, 100.25, 1, T, ASK), mbo(15, 1, 100.25, 1, F, BID),
       mbo(15, 1, 100.25, 1, C, BID),  # the cancel that follows the fill
       mbo(16, 0, 0, 0, R, NONE)]


def write(tmp_path, schema, records, version=3, name="f.dbn"):
    p = tmp_path / name
    p.write_bytes(metadata(schema, version) + b"".join(bytes(r) for r in records))
    return p


def test_mbo_actions_map_to_l3_events(tmp_path):
    data = read_dbn(write(tmp_path, dbn.Schema.MBO, MBO))
    ev = data.events
    assert ev["kind"].tolist() == [Kind.ADD, Kind.ADD, Kind.CANCEL, Kind.CANCEL, Kind.DELETE,
                                   Kind.ADD, Kind.TRADE, Kind.DELETE, Kind.CLEAR]
    assert ev["qty"].tolist()[:8] == [5, 3, 2, 2, 3, 3, 1, 1]
    assert ev["price"].tolist()[4:6] == [10050, 10075]  # ticks of 0.01 (finest power of ten)
    assert ev["side"][6] == -1 and ev["order_id"][5] == 2
    assert data.record.tolist() == [1, 2, 3, 4, 5, 5, 6, 8, 9]
    assert ev["ts_local"][0] == 15
    assert data.stats["not_book_events"] == 1 and data.stats["dbn_version"] == 3
    assert data.instruments[0].symbol == "ESH1" and data.venues[0].name == "GLBX.MDP3"
    s = snapshots(data, levels=1, by="record")
    assert s["bid_size_1"].tolist() == [5, 5, 3, 1, 1, 1, 0, 0]  # record 7 (F) has no event
    assert s["ask_price_1"].iloc[4] == 100.75


def test_v1_and_zstd_decode_the_same(tmp_path):
    plain = read_dbn(write(tmp_path, dbn.Schema.MBO, MBO, version=1))
    assert plain.stats["dbn_version"] == 1
    p = tmp_path / "f.dbn.zst"
    raw = metadata(dbn.Schema.MBO) + b"".join(bytes(r) for r in MBO)
    p.write_bytes(pa.compress(raw, codec="zstd", asbytes=True))
    np.testing.assert_array_equal(read_dbn(p).events, plain.events)


def mbp(ts, levels, action=dbn.Action.ADD, side=BID, price=0.0, size=0, depth_=0):
    pairs = [dbn.BidAskPair(bid_px=int(b * PX), ask_px=int(a * PX), bid_sz=bs, ask_sz=az)
             for b, bs, a, az in levels]
    cls = dbn.MBP1Msg if len(levels) == 1 else dbn.MBP10Msg
    while len(pairs) < (1 if cls is dbn.MBP1Msg else 10):
        pairs.append(dbn.BidAskPair(bid_px=dbn.UNDEF_PRICE, ask_px=dbn.UNDEF_PRICE))
    levels_arg = pairs[0] if cls is dbn.MBP1Msg else pairs
    return cls(1, 7, ts, int(price * PX), size, action, side, depth_, ts + 1, levels=levels_arg)


def test_mbp10_levels_become_an_l2_book(tmp_path):
    recs = [mbp(1, [(100.0, 5, 100.25, 4), (99.75, 2, 100.5, 1)]),
            mbp(2, [(100.0, 6, 100.5, 1), (99.75, 2, 100.75, 9)])]
    data = read_dbn(write(tmp_path, dbn.Schema.MBP_10, recs))
    s = snapshots(data, levels=2, by="record")
    np.testing.assert_array_equal(s.iloc[1], [100.5, 1, 100.0, 6, 100.75, 9, 99.75, 2])
    # record 2 removes 100.25 first, then sets what changed
    second = data.events[data.record == 2]
    assert second["qty"].tolist()[0] == 0 and second["price"].tolist()[0] == 10025


def test_tbbo_gives_book_then_trade(tmp_path):
    recs = [mbp(1, [(100.0, 5, 100.25, 4)], action=T, side=ASK, price=100.0, size=2)]
    data = read_dbn(write(tmp_path, dbn.Schema.TBBO, recs))
    assert data.events["kind"].tolist() == [Kind.LEVEL, Kind.LEVEL, Kind.TRADE]
    assert data.events["side"][-1] == -1 and data.events["qty"][-1] == 2


def test_bad_input_names_record_and_offset(tmp_path):
    back = MBO[:2] + [mbo(5, 3, 100.0, 1, A, BID)]
    p = write(tmp_path, dbn.Schema.MBO, back)
    with pytest.raises(DataError, match=r"f.dbn: record 3 \(byte offset 112 after the metadata\)"
                                        r": ts_event 5 is earlier"):
        read_dbn(p)
    data = read_dbn(p, skip_bad=True)
    assert data.stats["skipped"]["time_backwards"]["records"] == 1 and len(data) == 2
    cut = tmp_path / "cut.dbn"
    cut.write_bytes(write(tmp_path, dbn.Schema.MBO, MBO).read_bytes()[:-20])
    with pytest.raises(DataError, match="cut.dbn: truncated: 36 bytes after record 8"):
        read_dbn(cut)
    junk = tmp_path / "junk.dbn"
    junk.write_bytes(b"DBX" + bytes(100))
    with pytest.raises(DataError, match=r"junk.dbn: not a DBN file \(no metadata header\)"):
        read_dbn(junk)
    junk.write_bytes(b"DBN\x03" + (40).to_bytes(4, "little") + b"\xee" * 60)
    with pytest.raises(DataError, match="junk.dbn: corrupt DBN data in the metadata header"):
        read_dbn(junk)
    z = bytearray(pa.compress(metadata(dbn.Schema.MBO) + b"".join(bytes(r) for r in MBO),
                              codec="zstd", asbytes=True))
    z[len(z) // 2] ^= 0xFF
    bad_z = tmp_path / "bad.dbn.zst"
    bad_z.write_bytes(bytes(z))
    with pytest.raises(DataError, match=r"bad.dbn.zst: corrupt DBN data in the zstd stream "
                                        r"before file byte \d+ \(0 records decoded before\)"):
        read_dbn(bad_z)
    with pytest.raises(DataError, match="no instrument definitions with a price increment"):
        read_dbn(p, definitions=p)
    ohlcv = tmp_path / "o.dbn"
    ohlcv.write_bytes(metadata(dbn.Schema.OHLCV_1S))
    with pytest.raises(DataError, match="schema 'ohlcv-1s' holds no book or trade events"):
        read_dbn(ohlcv)


def test_real_files(shared_data):
    folder = shared_data / "databento_dbn"
    if not folder.is_dir():
        pytest.skip(f"DBN samples not found at {folder}")
    tests = folder / "dbn_repo_tests"
    for schema in ("mbo", "mbp-1", "mbp-10", "tbbo", "trades", "status"):
        v2 = read_dbn(tests / f"test_data.{schema}.dbn")
        v3 = read_dbn(tests / f"test_data.{schema}.v3.dbn.zst")
        assert (v2.stats["dbn_version"], v3.stats["dbn_version"]) == (2, 3)
        np.testing.assert_array_equal(v2.events, v3.events)
    glbx = folder / "nautilus_glbx"
    for name, records in (("esh4-glbx-mdp3-20231224.mbo.dbn.zst", 8725),
                          ("orderbooks_mbo_2024-05-08T00-00-00_2024-05-08T00-00-02.dbn.zst", 13796),
                          ("futures_mbp-1_2024-07-01T23-58_2024-07-02T00-02.dbn.zst", 2288),
                          ("futures_trades_2024-07-01T23-58_2024-07-02T00-02.dbn.zst", 120)):
        defs = glbx / ("orderbooks_definition.dbn.zst" if "orderbooks" in name or "esh4" in name
                       else "futures_definition.dbn.zst")
        data = read_dbn(glbx / name, definitions=defs if "esh4" not in name else None)
        assert data.stats["dbn_version"] == 1 and data.stats["records"] == records
        assert data.instruments[0].tick_size == (0.01 if "esh4" in name else 0.25)
        if "trades" in name:
            assert (data.events["kind"] == Kind.TRADE).sum() == 120
            continue
        s = snapshots(data, levels=1, by="record")
        both = s["bid_price_1"].notna() & s["ask_price_1"].notna()
        assert both.any() and (s["bid_price_1"][both] < s["ask_price_1"][both]).all()


def test_garbage_in_the_record_stream_names_record_and_offset(tmp_path):
    good = write(tmp_path, dbn.Schema.MBO, MBO).read_bytes()
    start = len(good) - 56 * len(MBO)  # the records start after the metadata
    at = start + 3 * 56  # record 4
    cases = {"over.dbn": good[:at] + b"\xee" * 56 + good[at + 56:],  # record 4 overwritten
             "insert.dbn": good[:at] + b"\xee" * 13 + good[at:],  # 13 bytes pushed in
             "tail.dbn": good + b"\xee\xeejunk"}  # garbage after the last record
    for name, raw in cases.items():
        p = tmp_path / name
        p.write_bytes(raw)
        n, off = (10, 9 * 56) if name == "tail.dbn" else (4, 3 * 56)
        with pytest.raises(DataError, match=rf"{name}: record {n} \(byte offset {off} after the "
                                            r"metadata\): not a DBN mbo record \(length \d+ "
                                            r"bytes, rtype 0x"):
            read_dbn(p)
        data = read_dbn(p, skip_bad=True)
        g = data.stats["skipped"]["garbage"]
        assert g["runs"] == 1 and f"record {n} " in g["first"]
        assert g["bytes"] == {"over.dbn": 56, "insert.dbn": 13, "tail.dbn": 6}[name]
        assert data.stats["records"] == len(MBO) - (name == "over.dbn")
    cut = tmp_path / "cut.dbn"
    cut.write_bytes(good[:-20])
    assert read_dbn(cut, skip_bad=True).stats["skipped"]["truncated"]["bytes"] == 36
    clean = read_dbn(tmp_path / "insert.dbn", skip_bad=True).events
    np.testing.assert_array_equal(clean, read_dbn(write(tmp_path, dbn.Schema.MBO, MBO)).events)


def test_garbage_in_a_zstd_stream_is_found_after_inflating(tmp_path):
    good = metadata(dbn.Schema.MBO) + b"".join(bytes(r) for r in MBO)
    at = len(good) - 56 * 2
    raw = good[:at] + b"\xee" * 8 + good[at:]
    p = tmp_path / "z.dbn.zst"
    p.write_bytes(pa.compress(raw, codec="zstd", asbytes=True))
    with pytest.raises(DataError, match=r"z.dbn.zst: record 8 \(byte offset 392 after the "
                                        r"metadata\): not a DBN mbo record"):
        read_dbn(p)
    assert read_dbn(p, skip_bad=True).stats["skipped"]["garbage"]["bytes"] == 8
