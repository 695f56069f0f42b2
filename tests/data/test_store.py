"""Parquet files and directories of them: damage is a DataError naming the file; a
directory loads as one MarketData."""

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hftlab.data import DataError, load
from hftlab.data.market import MarketData
from hftlab.data.synthetic import l2_stream
from hftlab.instruments import ConfigError, Instrument, Venue
from hftlab.schema import EVENT_DTYPE, EVENT_FIELDS, Kind

INST = Instrument("XYZ", tick_size=0.01, lot_size=1.0)
DAY = 86_400 * 10**9
# written by MarketData.save as of 2026-12-07 (zstd, dictionary pages, optional columns):
# l2_stream(3_000, seed=1) with source records 10, 20, 30, ..., row groups of 1,000 rows
OLD_FILE = Path(__file__).parents[1] / "fixtures" / "data" / "format1_zstd_2026-12-07.parquet"


@pytest.fixture
def saved(tmp_path):
    return l2_stream(3_000, seed=1).save(tmp_path / "good.parquet", row_group_size=1000)


def rewrite(src, dst, change):
    """dst: src's table after change(table), with src's hftlab metadata kept."""
    table = pq.read_table(src)
    meta = table.schema.metadata
    table = change(table)
    pq.write_table(table.replace_schema_metadata(meta), dst)
    return dst


def test_garbage_bytes(tmp_path):
    p = tmp_path / "junk.parquet"
    p.write_bytes(b"PAR1" + bytes(range(256)) * 8)
    with pytest.raises(DataError, match=r"junk.parquet: not a readable Parquet file \("):
        load(p)
    raw = tmp_path / "capture.gz"
    raw.write_bytes(b"\x1f\x8b" + bytes(100))
    with pytest.raises(DataError, match=r"capture.gz: not a readable Parquet file: it does not "
                                        r"start with PAR1 \(raw market data is read by "
                                        r"hftlab.data.read_lobster, .*read_hyperliquid"):
        load(raw)


@pytest.mark.parametrize("lazy", [False, True])
def test_overwritten_bytes_in_the_data(saved, tmp_path, lazy):
    raw = saved.read_bytes()
    third = len(raw) // 3
    p = tmp_path / "hit.parquet"
    p.write_bytes(raw[:third] + b"\xab" * 400 + raw[third + 400:])
    # a damaged page fails to decode, or decodes to events the validation refuses
    with pytest.raises(DataError, match=r"hit.parquet: (not a readable Parquet file|row \d+ )"):
        data = load(p, lazy=lazy)
        for _ in data.iter_columns(500):
            pass


def test_dropped_column(saved, tmp_path):
    p = rewrite(saved, tmp_path / "nocol.parquet", lambda t: t.drop_columns(["price"]))
    with pytest.raises(DataError, match=r"nocol.parquet: missing column\(s\) \['price'\]; an "
                                        r"hftlab events file has \['ts', 'ts_local'"):
        load(p, lazy=True)


def test_string_prices(saved, tmp_path):
    def as_text(t):
        i = t.schema.get_field_index("price")
        return t.set_column(i, "price", pa.array([str(x) for x in t["price"].to_pylist()]))

    p = rewrite(saved, tmp_path / "text.parquet", as_text)
    with pytest.raises(DataError, match=r"text.parquet: column 'price' has type string; hftlab "
                                        r"events hold integers"):
        load(p)


def test_missing_values_and_values_that_do_not_fit(saved, tmp_path):
    def hole(t):
        i = t.schema.get_field_index("qty")
        q = t["qty"].to_pylist()
        q[1234] = None
        return t.set_column(i, "qty", pa.array(q, pa.int64()))

    p = rewrite(saved, tmp_path / "hole.parquet", hole)
    with pytest.raises(DataError, match=r"hole.parquet: row 1234: column 'qty' is missing a value"):
        load(p)

    def no_record(t):
        i = t.schema.get_field_index("record")
        r = t["record"].to_pylist()
        r[321] = None
        return t.set_column(i, "record", pa.array(r, pa.int64()))

    # the replay does not read the record column: the file is refused as it opens
    p = rewrite(saved, tmp_path / "norecord.parquet", no_record)
    for lazy in (False, True):
        with pytest.raises(DataError, match=r"norecord.parquet: row 321: column 'record' is "
                                            r"missing a value"):
            load(p, lazy=lazy)

    def wide(t):
        i = t.schema.get_field_index("venue")
        v = t["venue"].to_numpy().astype(np.int64)
        v[7] = 70_000
        return t.set_column(i, "venue", pa.array(v))

    p = rewrite(saved, tmp_path / "wide.parquet", wide)
    with pytest.raises(DataError, match=r"wide.parquet: row 7: column 'venue' value 70000 does not "
                                        r"fit uint16"):
        load(p)


@pytest.mark.parametrize("lazy", [False, True])
def test_a_zero_row_file(saved, tmp_path, lazy):
    p = rewrite(saved, tmp_path / "empty.parquet", lambda t: t.slice(0, 0))
    with pytest.raises(DataError, match=r"empty.parquet: holds no events \(0 rows\)"):
        load(p, lazy=lazy)


def test_bad_metadata(saved, tmp_path):
    table = pq.read_table(saved)
    pq.write_table(table.replace_schema_metadata({b"hftlab": b"{not json"}), tmp_path / "m.parquet")
    with pytest.raises(DataError, match=r"m.parquet: hftlab metadata is not valid JSON"):
        load(tmp_path / "m.parquet")
    meta = json.loads(table.schema.metadata[b"hftlab"])
    meta["instruments"] = [{"symbol": "X", "tick_size": -1}]
    pq.write_table(table.replace_schema_metadata({b"hftlab": json.dumps(meta).encode()}),
                   tmp_path / "i.parquet")
    with pytest.raises(DataError, match=r"i.parquet: hftlab metadata has a bad instrument"):
        load(tmp_path / "i.parquet")


def day_file(path, symbol, t0, n, carried=0, venue="V"):
    """A file of n events of one instrument from t0 on, the first `carried` of them the
    levels a convert carries over from the previous day."""
    ev = np.zeros(n, EVENT_DTYPE)
    ev["ts"] = t0 + np.arange(n) * 10**9
    ev["ts"][:carried] = t0
    ev["kind"] = Kind.LEVEL
    ev["side"] = np.where(np.arange(n) % 2, -1, 1)
    ev["price"] = np.where(ev["side"] > 0, 100, 101) + (np.arange(n) // 2) % 3
    ev["qty"] = 1 + np.arange(n) % 4
    data = MarketData(ev, [Instrument(symbol, 0.01, 1.0)], [Venue(venue)],
                      record=np.arange(1, n + 1), stats={"carried_levels": carried})
    return data.save(path)


def test_a_directory_is_one_market(tmp_path):
    d = tmp_path / "set"
    day_file(d / "date=2024-01-01" / "instrument=AAA" / "cap.parquet", "AAA", DAY - 5 * 10**9, 5)
    day_file(d / "date=2024-01-02" / "instrument=AAA" / "cap.parquet", "AAA", DAY, 6, carried=2)
    day_file(d / "date=2024-01-01" / "instrument=BBB" / "cap.parquet", "BBB",
             DAY - 4 * 10**9 + 1, 3)
    for lazy in (False, True):
        data = load(d, lazy=lazy)
        assert [i.symbol for i in data.instruments] == ["AAA", "BBB"]
        assert [v.name for v in data.venues] == ["V"]
        assert len(data) == 5 + 4 + 3  # the continuation's 2 carried levels are skipped
        ev = data.load().events
        assert (np.diff(ev["ts"]) >= 0).all()
        assert ev["instrument"].tolist().count(1) == 3
        assert data.price_bounds().tolist() == [[100, 103], [100, 101]]
    chunks = [len(c[0]) for c in load(d, lazy=True).iter_columns(2)]
    assert sum(chunks) == 12 and max(chunks) <= 2
    # one day alone still replays: its carried levels stay
    assert len(load(d / "date=2024-01-02")) == 6


def test_a_directory_names_the_file_of_a_bad_event_and_refuses_clashes(tmp_path):
    d = tmp_path / "set"
    good = day_file(d / "a.parquet", "AAA", 0, 4)
    ev = load(good).events.copy()
    ev[[1, 2]] = ev[[2, 1]]
    MarketData(ev, [Instrument("BBB", 0.01, 1.0)], [Venue("V")], check=False).save(d / "b.parquet")
    with pytest.raises(DataError, match=r"b.parquet: row 2 \(source record 3\): ts .* earlier"):
        load(d)
    (d / "b.parquet").unlink()
    day_file(d / "sub" / "other.parquet", "AAA", 2 * 10**9, 4)  # AAA again, overlapping
    with pytest.raises(DataError, match=r"a.parquet hold the same instruments \['AAA'\] on the "
                                        r"same venues over overlapping times"):
        load(d)
    (d / "sub" / "other.parquet").unlink()
    day_file(d / "later.parquet", "AAA", 5 * 10**9, 4)  # AAA again, after: a later capture
    assert len(load(d)) == 8
    (d / "later.parquet").unlink()
    day_file(d / "c.parquet", "AAA", 10**12, 4, venue="W")
    ev = load(d).events
    assert len(ev) == 8 and ev["venue"].tolist() == [0] * 4 + [1] * 4
    Instrument("AAA", 0.5, 1.0)
    MarketData(load(good).events, [Instrument("AAA", 0.5, 1.0)], [Venue("Z")]).save(
        d / "tick.parquet")
    with pytest.raises(DataError, match=r"tick.parquet: instrument AAA is .*tick_size=0.5.* but "
                                        r".* has .*tick_size=0.01"):
        load(d)


def test_an_empty_directory_says_what_to_do(tmp_path):
    with pytest.raises(DataError, match=r"no Parquet files in this directory \(convert raw "
                                        r"data with `hftlab data convert"):
        load(tmp_path)
    with pytest.raises(DataError, match=r"nope: no such file or directory"):
        load(tmp_path / "nope")


def test_columns_stream_in_schema_dtypes(saved):
    for cols in load(saved, lazy=True).iter_columns(1000):
        assert [c.dtype for c in cols] == [EVENT_DTYPE[n] for n in EVENT_FIELDS]
        assert all(c.flags.c_contiguous for c in cols)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(st.integers(0, 6), min_size=0, max_size=15), min_size=1, max_size=4),
       st.integers(1, 5), st.integers(1, 4))
def test_merge_keeps_time_order_and_each_stream_order(gaps, batch, chunk):
    """Streams each in ts order, read in batches, come out as one stream in ts order with
    every row once and each stream's own rows in their order."""
    from hftlab.data.store import _merge

    streams, rows = [], []
    for k, g in enumerate(gaps):
        ts = np.cumsum(np.array(g, dtype=np.int64))
        tag = np.arange(len(ts), dtype=np.int64) + 100 * k
        rows.append(tag)
        streams.append(iter([[ts[i:i + batch], tag[i:i + batch]]
                             for i in range(0, len(ts), batch)]))
    out = list(_merge(streams, chunk))
    ts = np.concatenate([c[0] for c in out]) if out else np.zeros(0, np.int64)
    tag = np.concatenate([c[1] for c in out]) if out else np.zeros(0, np.int64)
    assert all(len(c[0]) <= chunk for c in out)
    assert (np.diff(ts) >= 0).all()
    assert sorted(tag.tolist()) == sorted(np.concatenate(rows).tolist())
    for k, r in enumerate(rows):
        assert tag[(tag >= 100 * k) & (tag < 100 * (k + 1))].tolist() == r.tolist()


@pytest.mark.parametrize("codec", ["lz4", "zstd", "none"])
def test_save_writes_required_delta_and_dictionary_columns(tmp_path, codec):
    data = l2_stream(3_000, seed=1)
    data.record = 7 * data.record
    p = data.save(tmp_path / "x.parquet", row_group_size=1000, compression=codec)
    pf = pq.ParquetFile(p)
    assert not any(f.nullable for f in pf.schema_arrow)
    rg = pf.metadata.row_group(1)
    col = {rg.column(i).path_in_schema: rg.column(i) for i in range(rg.num_columns)}
    for name in ("ts", "ts_local", "kind", "record"):
        assert "DELTA_BINARY_PACKED" in col[name].encodings, name
    for name in ("venue", "instrument", "side", "price", "qty", "order_id"):
        assert "RLE_DICTIONARY" in col[name].encodings, name
    assert col["price"].compression == {"lz4": "LZ4", "zstd": "ZSTD",
                                        "none": "UNCOMPRESSED"}[codec]
    for lazy in (False, True):
        back = load(p, lazy=lazy).load()
        np.testing.assert_array_equal(back.events, data.events)
        np.testing.assert_array_equal(back.record, data.record)
    with pytest.raises(ConfigError, match=r"compression must be one of lz4, zstd, none, .*got "
                                          r"'lzma'"):
        data.save(tmp_path / "y.parquet", compression="lzma")


def test_a_file_written_before_the_new_layout_still_loads_and_names_bad_rows(tmp_path):
    want = l2_stream(3_000, seed=1).events
    for lazy in (False, True):
        data = load(OLD_FILE, lazy=lazy)
        assert len(data) == len(want)
        np.testing.assert_array_equal(data.load().events, want)
        assert data.load().record[:3].tolist() == [10, 20, 30]
    cols = list(load(OLD_FILE, lazy=True).iter_columns(700))
    np.testing.assert_array_equal(np.concatenate([c[6] for c in cols]), want["price"])
    i = 1500 + int(np.flatnonzero(np.diff(want["ts"][1500:]) > 0)[0])
    order = np.arange(len(want))
    order[[i, i + 1]] = order[[i + 1, i]]
    bad = rewrite(OLD_FILE, tmp_path / "old_swapped.parquet", lambda t: t.take(order))
    with pytest.raises(DataError, match=rf"old_swapped.parquet: row {i + 1} \(source record "
                                        rf"{10 * (i + 1)}\): ts \d+ is earlier"):
        for _ in load(bad, lazy=True).iter_columns(700):
            pass


def test_the_replay_reads_no_record_column_but_names_the_bad_rows_record(tmp_path, monkeypatch):
    from hftlab.data import store

    data = l2_stream(3_000, seed=2)
    data.record = 3 + 5 * data.record
    ev = data.events.copy()
    i = 2500 + int(np.flatnonzero(np.diff(ev["ts"][2500:]) > 0)[0])  # in the third row group
    ev[[i, i + 1]] = ev[[i + 1, i]]
    p = MarketData(ev, data.instruments, data.venues, record=data.record, check=False).save(
        tmp_path / "swapped.parquet", row_group_size=1000)
    read = []
    batches = store._File.batches
    monkeypatch.setattr(store._File, "batches",
                        lambda f, n, columns=store.COLUMNS: read.append(columns)
                        or batches(f, n, columns))
    with pytest.raises(DataError, match=rf"swapped.parquet: row {i + 1} \(source record "
                                        rf"{3 + 5 * (i + 2)}\): ts"):
        for _ in load(p, lazy=True).iter_columns(600):
            pass
    assert read == [EVENT_FIELDS]


def test_unvalidated_ids_keep_their_columns_but_one_out_of_its_table_is_refused(tmp_path):
    data = l2_stream(2_000, seed=3)
    p = data.save(tmp_path / "ok.parquet", row_group_size=500)
    for cols in load(p, lazy=True, validate=False).iter_columns(700):
        assert not cols[2].flags.owndata  # the decoded buffer itself: no remapped copy

    def venue_1(t):
        v = t["venue"].to_numpy().copy()
        v[1234] = 1
        return t.set_column(t.schema.get_field_index("venue"), "venue", pa.array(v))

    p = rewrite(p, tmp_path / "v.parquet", venue_1)
    with pytest.raises(DataError, match=r"v.parquet: row 1234: venue 1 is not defined \(the "
                                        r"file has 1 venue\(s\)\)"):
        for _ in load(p, lazy=True, validate=False).iter_columns(700):
            pass


def test_arrow_allocates_with_malloc_after_hftlab_is_imported_first():
    import subprocess
    import sys

    code = "import hftlab, pyarrow as pa; print(pa.default_memory_pool().backend_name)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={k: v for k, v in __import__("os").environ.items()
                                          if k != "ARROW_DEFAULT_MEMORY_POOL"})
    assert out.stdout.strip() == "system"


def test_a_lazy_read_decodes_with_malloc_whatever_arrow_s_default(tmp_path):
    """A process that chose another pool keeps it, and the replay's reads still use
    malloc (data/store.py _system_allocator)."""
    if not hasattr(pa, "mimalloc_memory_pool"):
        pytest.skip("this pyarrow has no mimalloc pool to set as the default")
    path = l2_stream(20_000, seed=1).save(tmp_path / "s.parquet")
    before = pa.default_memory_pool()
    pa.set_memory_pool(pa.mimalloc_memory_pool())
    try:
        data = load(path, lazy=True)
        mim = pa.mimalloc_memory_pool().max_memory()
        peak = pa.system_memory_pool().max_memory()
        chunks = list(data.iter_columns(1_000))
        assert sum(len(c[0]) for c in chunks) == len(load(path).events)
        assert pa.default_memory_pool().backend_name == "mimalloc"  # set back
        assert pa.system_memory_pool().max_memory() >= peak
        assert pa.mimalloc_memory_pool().max_memory() == mim  # nothing decoded there
    finally:
        pa.set_memory_pool(before)
