"""Lazy package exports (PEP 562): a public name's module is imported on first use.

`import hftlab` stays light (no pandas, no readers) so that a backtest process carries
only what it uses; `hftlab.data.read_lobster` and friends still work as before.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable


def lazy_exports(namespace: dict[str, Any], exports: dict[str, str]
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """__getattr__ and __dir__ for a package whose names live in the given modules.

    exports maps a name to the module that defines it, or to the subpackage of that name
    itself (``"risk": "hftlab.risk"``).
    """

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {namespace['__name__']!r} has no attribute {name!r}")
        module = importlib.import_module(exports[name])
        value = module if exports[name] == f"{namespace['__name__']}.{name}" \
            else getattr(module, name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return __getattr__, __dir__
