"""Compile notices: a first run says that it compiles, and which kernel took how long."""

import numba as nb

from hftlab.warmup import FIRST_NOTICE, compile_notices


def test_a_compile_is_announced_once_then_each_outer_kernel_with_its_seconds():
    @nb.njit
    def inner(x):
        return x + 1

    @nb.njit
    def outer(x):
        return inner(x) * 2

    said = []
    with compile_notices(said.append):
        assert outer(1) == 4  # compiles outer, and inner inside it
        assert outer(2) == 6  # compiled already: nothing to say
    assert said[0] == f"{FIRST_NOTICE} ..."
    assert len(said) == 2 and said[1].startswith("  compiled ") and ".outer in " in said[1]
    assert said[1].endswith(" s")
    outer(2.5)  # a new specialisation, after the block: no longer listened to
    assert len(said) == 2

