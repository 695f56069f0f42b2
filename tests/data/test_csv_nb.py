import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hftlab.data.csv_nb import BAD_CHAR, TOO_FEW, TOO_MANY, TOO_PRECISE, parse_numeric_csv

DEC = np.array([9, 0], dtype=np.int64)


def parse(text, skip_bad=False, decimals=DEC):
    return parse_numeric_csv(np.frombuffer(text.encode(), np.uint8), decimals, 1, skip_bad)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**9 - 1),
                          st.integers(0, 9), st.integers(-10**12, 10**12)), max_size=20))
def test_decimals_parse_exactly(rows):
    text = ""
    want = []
    for whole, frac, width, v in rows:
        digits = str(frac).zfill(9)[:width]  # 0..9 decimals written
        text += f"{whole}{'.' + digits if width else ''},{v}\n"
        want.append((whole * 10**9 + int(digits.ljust(9, "0") or 0), v))
    vals, lines, bad = parse(text)
    assert bad[0] == 0
    assert vals.tolist() == [list(w) for w in want]
    assert lines.tolist() == list(range(1, len(rows) + 1))


@pytest.mark.parametrize("line, code, col", [("1.5", TOO_FEW, 1), ("1.5,2,3", TOO_MANY, 2),
                                              ("1.5,x", BAD_CHAR, 1),
                                              ("1.0000000001,2", TOO_PRECISE, 0)])
def test_bad_lines_are_located_and_can_be_skipped(line, code, col):
    text = f"1,1\n{line}\r\n\n3,3\n"
    vals, lines, bad = parse(text)
    assert bad.tolist()[:4] == [1, 2, code, col] and bad[4] >= 4
    vals, lines, bad = parse(text, skip_bad=True)
    assert vals[:, 1].tolist() == [1, 3] and lines.tolist() == [1, 4] and bad[0] == 1


def test_trailing_zero_decimals_beyond_the_precision_are_fine():
    vals, _, bad = parse("1.5000000000000,-7\n")
    assert bad[0] == 0 and vals.tolist() == [[1_500_000_000, -7]]
