"""Kernels compiled once per argument types, not once per constant value.

numba types an int or bool constant that one kernel passes to another
(``deny(now, R_GROSS, ...)``, ``send(0, n, ..., True)``) as a type of its own
(``Literal[int](37)``) and compiles the callee once per value; type inference even
compiles a throw-away copy for a variable's first constant value (``who = -1``) before it
settles on int64. Each copy is a full compile, and a caller links (and LLVM optimises
again) every copy it calls: the record writers, the gate and the risk checks, called with
dozens of reason codes and statuses, cost a first run more than a minute of compiling.

`plain_args` makes calls from other kernels pass such arguments as plain int64 / bool,
and a member of one of hftlab.schema's IntEnums (``deny(now, Reason.RISK_GROSS, ...)``,
typed ``IntEnum<int64>(Reason)``) as its int64, so the kernel has one specialisation per
argument types; the constant still reaches it
at run time, and LLVM still folds it where it inlines the call. A kernel that needs a
constant at compile time (a tuple index, a literal_unroll) must not use it: it would
fail to compile, not run wrong.
"""

from __future__ import annotations

from typing import Any

from numba.core import types


def _plain(t: types.Type) -> types.Type:
    """A constant's plain type: Literal[int](37) -> int64, IntEnum member -> its int type."""
    t = types.unliteral(t)
    return t.dtype if isinstance(t, types.IntEnumMember) else t


def plain_args(dispatcher: Any) -> Any:
    """Decorate a ``numba.njit`` kernel (outermost) so that calls from other kernels type
    constant arguments as their plain type (module doc). Calls from Python are unchanged
    (they never pass Literal types)."""
    resolve = dispatcher.get_call_template

    def get_call_template(args: tuple, kws: dict) -> Any:
        return resolve(tuple(_plain(a) for a in args), {k: _plain(v) for k, v in kws.items()})

    dispatcher.get_call_template = get_call_template
    return dispatcher
