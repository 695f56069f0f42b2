"""Calling a compiled kernel at its address, so that the caller does not compile it again.

When one numba kernel calls another, numba links the callee's whole machine module
(the callee and everything it calls) into the caller's and LLVM optimises the lot
again: a thin entry from Python around the replay loop costs as much compile time as
the loop (4-9 s each, cold). A call made by `caller` goes through the callee's native
entry point instead (numba's own calling convention, the one linked calls use, so the callee's
exceptions reach the caller as usual): the callee is compiled and cached once, by
itself; the caller holds only the call.

The address is a run-time argument (`address_of`, looked up once per process): a
cached kernel cannot hold one, since the code lands elsewhere in every process. An
address is only an integer, so the callee's signature must be the one the address was
taken for: `caller` converts the arguments to a fixed signature; `call_at` passes them
as they are, for a callee compiled for the caller's own argument types, whose address a
caller compiled lazily picks by `key_of` its types.

`Entry` is the Python side's counterpart: numba's dispatcher types every argument of every
call, and a structured array's type is rebuilt from its dtype each time (0.15-1.5 ms
each; a simulated market's driver is handed some 20 at each of its returns to Python,
tens of thousands in a run with a Python strategy), so an entry called often with the
same arguments looks its compiled version up once, by a description of their kinds.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from numba.core import cgutils, types
from numba.core.typeconv import Conversion
from numba.core.typing.templates import Signature
from numba.extending import intrinsic


def address_of(dispatcher: Any, sig: Signature) -> int:
    """The native entry point of `dispatcher`'s compiled version for signature `sig`
    (compiled, or loaded from the cache, first if need be); valid while the dispatcher
    lives."""
    cres = dispatcher.get_compile_result(sig)
    return cres.library.get_pointer_to_function(cres.fndesc.llvm_func_name)


def _call(context, builder, ret, argtys, address, vals):
    """Lower a call of the kernel at address (an LLVM integer) with vals of argtys."""
    fnty = context.call_conv.get_function_type(ret, argtys)
    fn = builder.inttoptr(address, fnty.as_pointer())
    status, res = context.call_conv.call_function(builder, fn, ret, argtys, vals)
    with cgutils.if_unlikely(builder, status.is_error):
        context.call_conv.return_status_propagate(builder, status)
    return res


def caller(sig: Signature) -> Any:
    """An intrinsic for kernels: ``call(address, (a, b, ...))`` calls the kernel compiled
    for signature `sig` at `address` (`address_of`) and returns its result; its
    exceptions propagate. Arguments are converted to sig's types as a plain call would;
    one that cannot be (another dtype, a non-contiguous array for a contiguous one)
    fails to compile."""

    @intrinsic
    def call(typingctx, address, args):
        if not (isinstance(address, types.Integer) and isinstance(args, types.BaseTuple)
                and len(args) == len(sig.args)
                and all(typingctx.can_convert(a, t) is not None
                        for a, t in zip(args, sig.args))):
            return None

        def codegen(context, builder, _, llargs):
            vals = [context.cast(builder, builder.extract_value(llargs[1], i), a, t)
                    for i, (a, t) in enumerate(zip(args, sig.args))]
            return _call(context, builder, sig.return_type, sig.args, llargs[0], vals)

        return sig.return_type(address, args), codegen

    return call


@intrinsic
def call_at(typingctx, address, args):
    """``call_at(address, (a, b, ...))`` in a kernel: the int64 result of the kernel at
    `address` compiled for exactly the types of a, b, ... (`address_of`); its exceptions
    propagate."""
    if not (isinstance(address, types.Integer) and isinstance(args, types.BaseTuple)):
        return None

    def codegen(context, builder, _, llargs):
        vals = [builder.extract_value(llargs[1], i) for i in range(len(args))]
        return _call(context, builder, types.int64, tuple(args), llargs[0], vals)

    return types.int64(address, args), codegen


def type_key(argtys: tuple) -> int:
    """A key of a tuple of numba types, the same in every process (an int64)."""
    digest = hashlib.blake2b(str(tuple(argtys)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


@intrinsic
def key_of(typingctx, args):
    """``key_of((a, b, ...))`` in a kernel: type_key of the types of a, b, ..., a
    constant compiled in, so that a kernel compiled for several argument types can
    pick the address of the callee compiled for its own."""
    if not isinstance(args, types.BaseTuple):
        return None
    key = type_key(tuple(args))

    def codegen(context, builder, sig, llargs):
        return context.get_constant(types.int64, key)

    return types.int64(args), codegen


def _kind(dispatcher: Any, x: Any) -> Any:
    """A description of x that tells apart whatever numba types differently: an array by
    dtype, alignment, dimensions, layout and writability, a record scalar by dtype, a
    tuple by its class and items, anything else by its numba type (cheap for those)."""
    if isinstance(x, np.ndarray):
        f = x.flags
        return (x.dtype, x.dtype.isalignedstruct, x.ndim, f.c_contiguous, f.f_contiguous,
                f.writeable, f.aligned)
    if isinstance(x, np.void):
        return np.void, x.dtype, x.dtype.isalignedstruct
    if isinstance(x, tuple):
        return (type(x), *(_kind(dispatcher, item) for item in x))
    return dispatcher.typeof_pyval(x)


class Entry:
    """Call `dispatcher` (a lazily compiled kernel with a Python wrapper) from Python
    without its per-call typing of the arguments (module docstring): `resolve` finds its
    compiled version for arguments of the kind given (compiled or loaded from the cache
    if need be; looked up once per kind), which a caller then calls directly for as long
    as it passes those same arguments."""

    def __init__(self, dispatcher: Any) -> None:
        self.dispatcher = dispatcher
        self.compiled: dict = {}

    def resolve(self, *args: Any) -> Any:
        """The compiled function to call with args (and with any of the same kind)."""
        kind = tuple(_kind(self.dispatcher, a) for a in args)
        fn = self.compiled.get(kind)
        if fn is None:
            d = self.dispatcher
            fn = self.compiled[kind] = _version(d, tuple(d.typeof_pyval(a) for a in args))
        return fn


def _version(dispatcher: Any, argtys: tuple) -> Any:
    """The entry point of dispatcher's version for argument types argtys: the one
    compiled for them, else the one its declared signature converts them to safely (a
    C-contiguous array for an 'A' one, writable for read-only), as a call would pick;
    compiled (or loaded) for them when the dispatcher compiles lazily."""
    d = dispatcher
    if argtys not in d.overloads:
        fits = [sig for sig in d.overloads if len(sig) == len(argtys) and all(
            (c := d.typingctx.can_convert(a, t)) is not None and c <= Conversion.safe
            for a, t in zip(argtys, sig))]
        if len(fits) == 1:
            return d.overloads[fits[0]].entry_point
        d.compile(argtys)
    return d.overloads[argtys].entry_point
