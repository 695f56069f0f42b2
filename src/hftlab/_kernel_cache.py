"""Numba's on-disk cache, kept in step with the kernels' sources.

numba's ``cache=True`` checks only the file that defines a function: a cached kernel
that calls (or inlines) a function of another module, or reads its dtypes and constants,
keeps its old machine code when that other module changes. After an upgrade in place or
an edit, that is stale code running against new structures (wrong results or a crash).
So hftlab stamps the cache with one hash of every source a kernel can depend on (the
``*_nb.py`` modules, ``core/``, the layout and state modules and the schema) and, when
the stamp differs, deletes hftlab's cached kernels before any is loaded; they compile
again on first use (``hftlab warmup``). With NUMBA_CACHE_DIR set the cache lives
elsewhere and the user manages it.

A cache miss means a silent wait while numba compiles: `announce_compiles` (around the
library's entry points that compile: ``hftlab.backtest``, ``hftlab.sim.market``,
``read_lobster``, ``read_itch``) says so in one line on stderr before the first compile,
and nothing on a warm cache.
"""

from __future__ import annotations

import hashlib
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

PACKAGE = Path(__file__).resolve().parent
STAMP = PACKAGE / "__pycache__" / "kernels.stamp"


def kernel_sources() -> list[Path]:
    """The sources a compiled kernel can depend on, in a fixed order."""
    files = set(PACKAGE.rglob("*_nb.py")) | set((PACKAGE / "core").glob("*.py"))
    files |= set(PACKAGE.rglob("layout.py")) | {PACKAGE / "schema.py"}
    files |= set(PACKAGE.rglob("state.py"))
    return sorted(f for f in files if f.is_file())


def source_hash() -> str:
    h = hashlib.sha1()
    for f in kernel_sources():
        h.update(str(f.relative_to(PACKAGE)).encode())
        h.update(f.read_bytes())
    return h.hexdigest()


def refresh() -> bool:
    """Delete hftlab's cached kernels when their sources changed since they were cached.
    Returns True when it deleted anything. Never raises: a read-only install keeps its
    cache as shipped."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return False
    try:
        digest = source_hash()
        if STAMP.is_file() and STAMP.read_text() == digest:
            return False
        stale = [p for d in PACKAGE.rglob("__pycache__") for p in d.iterdir()
                 if p.suffix in (".nbi", ".nbc")]
        for p in stale:
            p.unlink(missing_ok=True)
        STAMP.parent.mkdir(exist_ok=True)
        tmp = STAMP.with_suffix(f".{os.getpid()}")
        tmp.write_text(digest)
        tmp.replace(STAMP)
        return bool(stale)
    except OSError:
        return False


FIRST_NOTICE = "compiling kernels (first run only; cached after)"
_ANNOUNCERS: list[int] = [0]  # announce_compiles blocks open, outermost registers
_REPORTERS: list[int] = [0]  # reporting_compiles blocks open: they say it their own way


def stderr_line(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


@contextmanager
def reporting_compiles() -> Iterator[None]:
    """Inside, `announce_compiles` stays silent: the caller reports compiles its own way
    (``hftlab warmup``'s progress bar, the demo's compile notices)."""
    _REPORTERS[0] += 1
    try:
        yield
    finally:
        _REPORTERS[0] -= 1


@contextmanager
def announce_compiles(say: Callable[[str], None] = stderr_line) -> Iterator[None]:
    """While inside, say ``FIRST_NOTICE ...`` once, before numba's first compile (a
    "numba:compile" event fires on a cache miss only), so a first call does not sit
    silent for minutes; a warm cache says nothing. Nested blocks say it once, and
    nothing is said inside `reporting_compiles`."""
    if _ANNOUNCERS[0]:
        yield
        return
    from numba.core import event

    class Notice(event.Listener):
        said = False

        def on_start(self, ev: Any) -> None:
            if not self.said and not _REPORTERS[0]:
                say(f"{FIRST_NOTICE} ...")
            self.said = True

        def on_end(self, ev: Any) -> None:
            pass

    listener = Notice()
    event.register("numba:compile", listener)
    _ANNOUNCERS[0] += 1
    try:
        yield
    finally:
        _ANNOUNCERS[0] -= 1
        event.unregister("numba:compile", listener)
