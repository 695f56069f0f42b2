"""plain_args: a kernel called with different constants compiles once, and sees them."""

import numba as nb

from hftlab.core.specialise import plain_args


def _scale():
    @nb.njit
    def scale(x, k, negate):
        return -x * k if negate else x * k

    return scale


def _callers(scale):
    @nb.njit
    def constants(x):
        who = -1  # a variable's first constant value: numba tries it as a literal too
        for k in range(2):
            who = k
        return scale(x, 2, True) + scale(x, 37, False) + scale(x, k=5, negate=False) \
            + scale(x, who, False)

    return constants


def test_numba_alone_compiles_a_copy_per_constant():
    scale = _scale()
    assert _callers(scale)(1) == -2 + 37 + 5 + 1
    assert len(scale.signatures) > 1


def test_plain_args_compiles_one_copy_that_sees_every_constant():
    scale = plain_args(_scale())
    assert _callers(scale)(1) == -2 + 37 + 5 + 1
    assert [str(a) for a in scale.signatures[0]] == ["int64", "int64", "bool"]
    assert len(scale.signatures) == 1
    assert scale(3, 4, True) == -12  # from Python as before


def test_plain_args_passes_an_intenum_member_as_its_int():
    """Kernels use schema's IntEnums directly; a member passed to a plain_args kernel is
    its int64, so callers passing members and callers passing ints share one compile."""
    from hftlab.schema import Reason

    scale = plain_args(_scale())

    @nb.njit
    def callers(x):
        return scale(x, Reason.RISK_GROSS_NOTIONAL, False) + scale(x, 2, False)

    assert callers(1) == int(Reason.RISK_GROSS_NOTIONAL) + 2
    assert [str(a) for a in scale.signatures[0]] == ["int64", "int64", "bool"]
    assert len(scale.signatures) == 1
