"""Events are validated as they load: every rule, with the message a user sees."""

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hftlab.data import DataError, load
from hftlab.data.market import EventValidator, MarketData
from hftlab.instruments import Instrument, Venue
from hftlab.schema import EVENT_DTYPE, EVENT_FIELDS, Kind

INST = Instrument("XYZ", tick_size=0.01, lot_size=1.0)


def book(n: int = 6) -> np.ndarray:
    """n good events: alternating bid and ask levels, then a trade, 1 us apart."""
    ev = np.zeros(n, EVENT_DTYPE)
    ev["ts"] = np.arange(n) * 1000 + 10**18
    ev["kind"] = Kind.LEVEL
    ev["side"] = np.where(np.arange(n) % 2, -1, 1)
    ev["price"] = np.where(ev["side"] > 0, 100, 101)
    ev["qty"] = 5
    ev[-1]["kind"], ev[-1]["side"], ev[-1]["qty"] = Kind.TRADE, 1, 2
    return ev


def build(ev, venues=("X",), **kw) -> MarketData:
    return MarketData(ev, [INST], [Venue(v) for v in venues], source="hand-made", **kw)


@pytest.mark.parametrize("field, value, row, message", [
    ("kind", 9, 2, r"kind 9 is not a known kind \(1..8: ADD, CANCEL"),
    ("side", 3, 1, r"side 3 is not \+1 \(bid/buy\), -1 \(ask/sell\) or 0"),
    ("side", 0, 1, r"side 0 on a LEVEL \(a book event needs \+1 bid or -1 ask\)"),
    ("venue", 1, 3, r"venue 1 is not defined \(the data has 1 venue\(s\)\)"),
    ("instrument", 2, 3, r"instrument 2 is not defined \(the data has 1 instrument\(s\)\)"),
    ("price", 0, 5, r"price 0 ticks on a TRADE \(must be > 0\)"),
    ("price", -3, 2, r"price -3 ticks on a LEVEL \(must be > 0\)"),
    ("qty", -1, 2, r"qty -1 lots on a LEVEL \(must be >= 0\)"),
    ("qty", 0, 5, r"qty 0 lots on a TRADE \(must be > 0\)"),
    ("ts_local", -5, 4, r"ts_local -5 is negative"),
])
def test_each_rule_names_row_record_and_field(field, value, row, message):
    ev = book()
    ev[row][field] = value
    with pytest.raises(DataError, match=rf"^hand-made: row {row} \(source record {row + 1}\): "
                                        + message):
        build(ev)


def test_two_swapped_rows_are_refused():
    ev = book()
    ev[[2, 3]] = ev[[3, 2]]
    with pytest.raises(DataError, match=r"row 3 \(source record 4\): ts 1000000000000002000 is "
                                        r"earlier than the previous event's of venue 0 "
                                        r"\(1000000000000003000\): events must be in time order"):
        build(ev)


def test_venues_each_in_order_but_not_merged_are_refused():
    ev = book()
    ev["venue"] = [0, 0, 0, 1, 1, 1]
    ev["ts"][3:] -= 2500  # venue 1 starts before venue 0's last event
    with pytest.raises(DataError, match=r"row 3 .*\(venue 1\) is earlier than the previous "
                                        r"event's \(\d+, venue 0\): the engine replays all venues "
                                        r"on one exchange clock, so merge them by ts"):
        build(ev, venues=("A", "B"))
    ev = ev[np.argsort(ev["ts"], kind="stable")]  # merged by ts: fine
    assert len(build(ev, venues=("A", "B"))) == 6


def test_status_and_unsided_kinds():
    ev = book(3)
    ev[1]["kind"], ev[1]["side"], ev[1]["price"], ev[1]["qty"] = Kind.STATUS, 0, 0, 2
    with pytest.raises(DataError, match=r"qty 2 on a STATUS \(1 = trading, 0 = halted\)"):
        build(ev)
    ev[1]["qty"] = 0
    ev[0]["kind"], ev[0]["side"], ev[0]["price"], ev[0]["qty"] = Kind.CLEAR, 0, 0, 0
    ev[2]["side"] = 0  # a TRADE of unknown aggressor
    assert len(build(ev)) == 3


def test_check_false_skips_and_in_place_changes_are_caught_when_iterated():
    ev = book()
    ev[4]["qty"] = -7
    assert len(build(ev, check=False)) == 6
    data = build(book())
    data.events[[1, 2]] = data.events[[2, 1]]  # changed in place after it was built
    with pytest.raises(DataError, match=r"row 2 .*earlier than the previous event's"):
        list(data.iter_columns())
    assert len(list(dataclasses.replace(data, check=False).iter_columns())) == 1


def test_the_time_order_is_carried_across_chunks():
    ev = book()
    check = EventValidator(1, 1)
    cols = [ev[name] for name in EVENT_FIELDS]
    check.check([c[:3] for c in cols], None, "f.parquet", 0)
    with pytest.raises(DataError, match=r"^f.parquet: row 3: ts .* earlier"):
        check.check([c[[1, 4, 5]] for c in cols], None, "f.parquet", 3)


def test_lazy_loads_are_validated_as_they_stream(tmp_path):
    ev = book(10)
    ev[[6, 7]] = ev[[7, 6]]
    path = build(ev, check=False).save(tmp_path / "swapped.parquet", row_group_size=4)
    lazy = load(path, lazy=True)  # the metadata only: nothing read yet
    with pytest.raises(DataError, match=r"swapped.parquet: row 7 \(source record 8\): ts "
                                        r"\d+ is earlier .*time order"):
        for _ in lazy.iter_columns(4):
            pass
    with pytest.raises(DataError, match=r"swapped.parquet: row 7 "):
        load(path)
    assert len(load(path, validate=False).events) == 10
    assert sum(len(c[0]) for c in load(path, lazy=True, validate=False).iter_columns(4)) == 10


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(1, 8), st.integers(-1, 1),
                          st.integers(-2, 3), st.integers(-2, 3)), min_size=1, max_size=12))
def test_a_valid_check_agrees_with_the_rules_in_python(rows):
    """The compiled pass refuses a chunk exactly when a row breaks a rule written here in
    plain Python, and names the first such row."""
    ev = np.zeros(len(rows), EVENT_DTYPE)
    ev["ts"] = np.cumsum([r[0] for r in rows])
    ev["kind"], ev["side"] = [r[1] for r in rows], [r[2] for r in rows]
    ev["price"], ev["qty"] = [r[3] for r in rows], [r[4] for r in rows]
    first_bad = None
    for i, (_, k, s, p, q) in enumerate(rows):
        bad = ((k in (1, 2, 3, 4, 6) and s == 0) or (k in (1, 4, 5, 6) and p <= 0)
               or (k in (1, 2, 4, 5) and q <= 0) or q < 0 or (k == 8 and q > 1))
        if bad:
            first_bad = i
            break
    if first_bad is None:
        assert len(build(ev)) == len(rows)
    else:
        with pytest.raises(DataError, match=rf"^hand-made: row {first_bad} "):
            build(ev)


def test_a_backtest_refuses_rows_swapped_after_the_data_was_built(tmp_path):
    """Issue 12: two swapped rows used to replay silently (fills fell from 1,203 to 27)."""
    import hftlab
    from hftlab.data.synthetic import l2_stream
    from hftlab.strategies import InventorySkew

    def mm():
        return InventorySkew(half_spread=1, skew=2, capacity=5, qty=2).compiled()

    data = l2_stream(5_000, seed=4)
    i = int(np.flatnonzero(np.diff(data.events["ts"]) > 0)[100])
    data.events[[i, i + 1]] = data.events[[i + 1, i]]  # in place, after validation at build
    with pytest.raises(DataError, match=rf"row {i + 1} \(source record {i + 2}\): ts \d+ is "
                                        r"earlier .*time order"):
        hftlab.backtest(data, mm())
    path = build(data.events, check=False).save(tmp_path / "swapped.parquet")
    with pytest.raises(DataError, match=rf"swapped.parquet: row {i + 1} "):
        hftlab.backtest(load(path, lazy=True), mm())


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2)), min_size=1, max_size=30),
       st.integers(1, 4))
def test_the_one_pass_check_leaves_the_state_the_row_walk_leaves(rows, n_venues):
    """A good chunk checked in one pass advances the time state (last ts overall and per
    venue, venue of the last event) exactly as the row-by-row walk does."""
    from hftlab.data import validate_nb as v

    ev = np.zeros(len(rows), EVENT_DTYPE)
    ev["ts"] = 10**9 + np.cumsum([r[0] for r in rows])
    ev["venue"] = [min(r[1], n_venues - 1) for r in rows]
    ev["kind"], ev["side"], ev["price"], ev["qty"] = Kind.LEVEL, 1, 100, 1
    cols = [np.ascontiguousarray(ev[name]) for name in EVENT_FIELDS][:8]
    one, walk = v.new_state(n_venues), v.new_state(n_venues)
    assert tuple(v.check_chunk(*cols, n_venues, 1, one)) == (-1, v.OK)
    assert tuple(v._first_bad(*cols, n_venues, 1, walk)) == (-1, v.OK)
    assert one.tolist() == walk.tolist()
