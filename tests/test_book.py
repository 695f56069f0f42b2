import numpy as np
import pandas as pd
import pytest

from hftlab.book import depth_columns, snapshots
from hftlab.data import from_frame
from hftlab.instruments import Instrument

INST = Instrument("XYZ", tick_size=0.5, lot_size=2.0)


def frame(rows, **cols):
    df = pd.DataFrame(rows, columns=["ts", "kind", "side", "price", "size", "order_id"])
    for k, v in cols.items():
        df[k] = v
    return df


def test_columns_follow_lobster_layout():
    assert depth_columns(2) == ["ask_price_1", "ask_size_1", "bid_price_1", "bid_size_1",
                                "ask_price_2", "ask_size_2", "bid_price_2", "bid_size_2"]


def test_l2_levels_in_currency_with_empty_levels_nan_and_zero():
    df = frame([(1, "LEVEL", 1, 100.0, 4.0, 0), (2, "LEVEL", -1, 101.0, 6.0, 0),
                (3, "LEVEL", 1, 100.5, 2.0, 0), (4, "LEVEL", 1, 100.5, 0.0, 0)])
    s = snapshots(from_frame(df, INST), levels=2)
    assert list(s.columns) == depth_columns(2)
    assert s.index.names == ["ts", "event"]
    last = s.iloc[2]
    assert (last["bid_price_1"], last["bid_size_1"]) == (100.5, 2.0)
    assert (last["bid_price_2"], last["bid_size_2"]) == (100.0, 4.0)
    assert (last["ask_price_1"], last["ask_size_1"]) == (101.0, 6.0)
    assert np.isnan(last["ask_price_2"]) and last["ask_size_2"] == 0
    assert s.iloc[3]["bid_price_1"] == 100.0  # removing the best level uncovers the next
    assert np.isnan(s.iloc[0]["ask_price_1"]) and s.iloc[0]["ask_size_1"] == 0


def test_l3_add_cancel_execute_delete_by_order_id():
    df = frame([(1, "ADD", 1, 100.0, 10.0, 7), (2, "ADD", 1, 100.0, 4.0, 8),
                (3, "CANCEL", 1, 100.0, 2.0, 7), (4, "EXECUTE", 1, 100.0, 4.0, 8),
                (5, "TRADE", 1, 100.0, 4.0, 0), (6, "DELETE", 1, 100.0, 8.0, 7)])
    s = snapshots(from_frame(df, INST), levels=1)
    assert s["bid_size_1"].tolist() == [10.0, 14.0, 12.0, 8.0, 8.0, 0.0]
    assert s["bid_price_1"].iloc[:5].tolist() == [100.0] * 5
    assert np.isnan(s["bid_price_1"].iloc[5])
    assert s.attrs["book_warnings"] == {"qty_above_order": 0, "level_went_negative": 0}


def test_by_record_samples_after_the_last_event_of_each_record_and_clear_resets():
    df = frame([(1, "LEVEL", 1, 100.0, 2.0, 0), (1, "LEVEL", -1, 100.5, 2.0, 0),
                (2, "CLEAR", 0, 0.0, 0.0, 0), (2, "LEVEL", 1, 99.0, 6.0, 0),
                (3, "LEVEL", -1, 99.5, 8.0, 0)], record=[10, 10, 11, 11, 12])
    s = snapshots(from_frame(df, INST), levels=1, by="record")
    assert s.index.get_level_values("record").tolist() == [10, 11, 12]
    assert s["ask_price_1"].iloc[0] == 100.5 and s["bid_price_1"].iloc[0] == 100.0
    assert np.isnan(s["ask_price_1"].iloc[1]) and s["bid_price_1"].iloc[1] == 99.0
    assert s["ask_size_1"].iloc[2] == 8.0
    ts = s.index.get_level_values("ts")
    assert ts[0] == pd.Timestamp(1, unit="ns", tz="UTC")


def test_books_are_selected_by_instrument():
    other = Instrument("ABC", tick_size=1.0)
    df = frame([(1, "LEVEL", 1, 100.0, 2.0, 0), (2, "LEVEL", 1, 7.0, 3.0, 0)],
               instrument=["XYZ", "ABC"])
    data = from_frame(df, [INST, other])
    s = snapshots(data, levels=1, instrument=1)
    assert s["bid_price_1"].tolist() == [7.0] and s["bid_size_1"].tolist() == [3.0]
    assert s.index.get_level_values("event").tolist() == [1]
    with pytest.raises(ValueError, match="no book for venue 0, instrument 2"):
        snapshots(data, instrument=2)
    with pytest.raises(ValueError, match="by must be"):
        snapshots(data, by="row")
