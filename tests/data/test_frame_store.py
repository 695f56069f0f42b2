import numpy as np
import pandas as pd
import pytest

from hftlab.data import DataError, from_frame, load
from hftlab.instruments import Instrument

INST = Instrument("XYZ", tick_size=0.01, lot_size=1.0)


def frame(**over):
    df = pd.DataFrame({"ts": [1, 2, 3], "kind": ["LEVEL", "LEVEL", "TRADE"],
                       "side": [1, -1, 1], "price": [100.00, 100.01, 100.01],
                       "size": [5.0, 6.0, 1.0]})
    for k, v in over.items():
        df[k] = v
    return df


def test_from_frame_converts_currency_to_ticks_and_lots():
    d = from_frame(frame(), INST)
    assert d.events["price"].tolist() == [10000, 10001, 10001]
    assert d.events["qty"].tolist() == [5, 6, 1]
    assert d.record.tolist() == [1, 2, 3]


def test_off_tick_price_names_the_row():
    with pytest.raises(DataError, match=r"row 1: price 100.015 is not a multiple"):
        from_frame(frame(price=[100.0, 100.015, 100.01]), INST)


def test_out_of_order_and_bad_size_are_errors():
    with pytest.raises(DataError, match=r"DataFrame: row 2 \(source record 3\): ts 2 is "
                                        r"earlier .*time order"):
        from_frame(frame(ts=[1, 3, 2]), INST)
    with pytest.raises(DataError, match=r"DataFrame: row 2 \(source record 3\): qty 0 lots on "
                                        r"a TRADE \(must be > 0\)"):
        from_frame(frame(size=[5.0, 6.0, 0.0]), INST)
    with pytest.raises(DataError, match="unknown instrument 'ABC'"):
        from_frame(frame(instrument=["XYZ", "XYZ", "ABC"]), INST)


def test_parquet_round_trip_eager_and_lazy(tmp_path):
    d = from_frame(frame(), INST)
    path = d.save(tmp_path / "m.parquet")
    e = load(path)
    assert np.array_equal(e.events, d.events)
    assert e.instruments == d.instruments
    lazy = load(path, lazy=True)
    assert lazy.events is None and len(lazy) == 3
    chunks = list(lazy.iter_chunks(2))
    assert [len(c[0]) for c in chunks] == [2, 1]
    assert np.array_equal(np.concatenate([c[0] for c in chunks]), d.events)
    assert lazy.price_bounds().tolist() == [[10000, 10001]]


def test_load_rejects_foreign_file(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        load(tmp_path / "nope.parquet")
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "f.parquet")
    with pytest.raises(DataError, match="no hftlab metadata"):
        load(tmp_path / "f.parquet")


def test_print_mask_counts_each_execution_once():
    from hftlab.data.market import print_mask
    from hftlab.schema import EVENT_DTYPE, Kind

    ev = np.zeros(5, EVENT_DTYPE)
    ev["ts"] = [1, 1, 2, 3, 3]
    ev["kind"] = [Kind.EXECUTE, Kind.TRADE, Kind.TRADE, Kind.EXECUTE, Kind.ADD]
    ev["price"] = [100, 100, 101, 100, 99]
    ev["qty"] = [5, 5, 2, 3, 1]
    # the print of the same record as the execution before it goes; a print that is a
    # record of its own (LOBSTER's hidden execution) stays, even at the same time
    assert print_mask(ev, np.array([1, 1, 2, 3, 4])).tolist() == [True, False, True, True, False]
    assert print_mask(ev, np.array([1, 2, 3, 4, 5])).tolist() == [True, True, True, True, False]
