"""The package's layers: every import of a module under src/hftlab points down (or sideways).

Layer order, top to bottom (a module may import its own layer and any layer below it):

    cli -> studies / scale / report -> analytics / surveillance / strategies -> strategy
        -> engine / sim / risk -> data -> core / instruments / schema

Imports are read from the source with ast, wherever they sit (module level, inside
functions, under ``if TYPE_CHECKING``): a function-level import is still a dependency.
``from hftlab.x import y`` counts as an import of the module hftlab.x.y when that module
exists, else of hftlab.x.

KNOWN_VIOLATIONS lists the upward imports that exist today, as (importer, imported)
module pairs. The test fails when an import breaks the order and is not listed (a new
violation), and when a listed pair no longer exists (delete it from the list: the list
only shrinks).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = "hftlab"

LAYERS: tuple[tuple[str, ...], ...] = (
    # 0 - the command line and the apps it runs: hftlab.cli, every <package>.cli, the demo,
    # the TOML run configs (`hftlab backtest CONFIG`) and `hftlab warmup`, which wire
    # everything below, and hftlab.stress, the face of the stress study (it picks the
    # demo's makers and TOML strategies)
    ("cli", "demo", "config", "warmup", "stress"),
    # 1 - things that run backtests or write pages
    ("studies", "scale", "report"),
    # 2 - pure analytics, surveillance, and the strategies
    ("analytics", "surveillance", "strategies"),
    # 3 - the face of the strategy API above the engine
    ("strategy",),
    # 4 - the engine, the market simulator and risk
    ("engine", "sim", "risk"),
    # 5 - market data (book.py rebuilds depth from it)
    ("data", "book"),
    # 6 - the base: the package root (lazy exports only), its helpers, instruments, schema
    ("", "_lazy", "_kernel_cache", "core", "instruments", "schema"),
)

# (importer, imported) pairs that break the order today; delete a pair here when its
# import is gone (the test says which).
KNOWN_VIOLATIONS: frozenset[tuple[str, str]] = frozenset()  # none left (stop 10)


def layer_of(module: str) -> int:
    """The layer index of a module of the package (0 = top); KeyError if unassigned."""
    parts = module.split(".")
    assert parts[0] == PACKAGE, module
    if parts[-1] == "cli":  # hftlab.cli and every subpackage's command module
        return 0
    key = parts[1] if len(parts) > 1 else ""
    for i, names in enumerate(LAYERS):
        if key in names:
            return i
    raise KeyError(f"{module}: no layer for {key!r}; add it to LAYERS in tests/test_layers.py")


def modules() -> dict[str, Path]:
    """Every module under src/hftlab by dotted name (a package by its __init__)."""
    out = {}
    for path in sorted((SRC / PACKAGE).rglob("*.py")):
        rel = path.relative_to(SRC).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def imports_of(module: str, path: Path, known: set[str]) -> set[str]:
    """The package modules that module imports anywhere in its source."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base if is_package else base[:-1]
                base = base[:len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [f"{target}.{a.name}" if f"{target}.{a.name}" in known else target
                     for a in node.names]
        else:
            continue
        for name in names:
            if name == PACKAGE or name.startswith(PACKAGE + "."):
                # `import hftlab.x.y` binds the deepest existing module
                while name not in known and "." in name:
                    name = name.rsplit(".", 1)[0]
                found.add(name)
    found.discard(module)
    return found


def upward_imports() -> set[tuple[str, str]]:
    mods = modules()
    known = set(mods)
    bad = set()
    for mod, path in mods.items():
        for dep in imports_of(mod, path, known):
            if layer_of(dep) < layer_of(mod):
                bad.add((mod, dep))
    return bad


def test_every_module_has_a_layer():
    unassigned = []
    for mod in modules():
        try:
            layer_of(mod)
        except KeyError as e:
            unassigned.append(str(e))
    assert not unassigned, "\n".join(unassigned)


def test_no_new_upward_import():
    new = upward_imports() - KNOWN_VIOLATIONS
    shown = "\n".join(f"  {a} (layer {layer_of(a)}) imports {b} (layer {layer_of(b)})"
                      for a, b in sorted(new))
    assert not new, f"imports that point up the layer order:\n{shown}"


def test_known_violations_still_exist():
    gone = KNOWN_VIOLATIONS - upward_imports()
    shown = "\n".join(f"  {pair}" for pair in sorted(gone))
    assert not gone, f"fixed: delete from KNOWN_VIOLATIONS in tests/test_layers.py:\n{shown}"


def test_analytics_never_imports_report_or_studies():
    mods = modules()
    known = set(mods)
    shims = {a for a, _ in KNOWN_VIOLATIONS if a.startswith("hftlab.analytics.")}
    for mod, path in mods.items():
        if not mod.startswith("hftlab.analytics") or layer_of(mod) == 0 or mod in shims:
            continue
        deps = imports_of(mod, path, known)
        assert not {d for d in deps if d.startswith(("hftlab.report", "hftlab.studies"))}, mod


@pytest.mark.parametrize("source, expected", [
    ("import hftlab.engine.record", {"hftlab.engine.record"}),
    ("from hftlab.analytics import vpin, inputs", {"hftlab.analytics.vpin",
                                                   "hftlab.analytics.inputs"}),
    ("from hftlab.analytics import lee_ready", {"hftlab.analytics"}),
    ("def f():\n    from hftlab import sim", {"hftlab.sim"}),
    ("from . import vpin_nb\nfrom .inputs import trade_arrays",
     {"hftlab.analytics.vpin_nb", "hftlab.analytics.inputs"}),
    ("from ..report.page import esc", {"hftlab.report.page"}),
    ("import numpy", set()),
])
def test_imports_are_resolved(tmp_path, source, expected):
    path = tmp_path / "mod.py"
    path.write_text(source)
    assert imports_of("hftlab.analytics.mod", path, set(modules())) == expected


def test_packages_of_one_layer_import_each_other_one_way():
    """Within a layer (engine / sim / risk, say) imports between packages go one way only:
    today engine imports sim and risk, and neither imports the engine."""
    mods = modules()
    known = set(mods)
    edges: set[tuple[str, str]] = set()
    for mod, path in mods.items():
        a = mod.split(".")[1] if "." in mod else ""
        for dep in imports_of(mod, path, known):
            b = dep.split(".")[1] if "." in dep else ""
            if a != b and layer_of(mod) == layer_of(dep) and layer_of(mod) > 0:
                edges.add((a, b))
    both = sorted((a, b) for a, b in edges if (b, a) in edges and a < b)
    assert not both, f"packages importing each other: {both}"
