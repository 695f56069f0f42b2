"""The kernel-cache stamp: cached kernels go when any source they depend on changes."""

import pytest

from hftlab import _kernel_cache as kc


@pytest.fixture
def package(tmp_path, monkeypatch):
    pkg = tmp_path / "pkg"
    (pkg / "core").mkdir(parents=True)
    (pkg / "engine" / "__pycache__").mkdir(parents=True)
    (pkg / "schema.py").write_text("A = 1\n")
    (pkg / "core" / "layout.py").write_text("DTYPE = 1\n")
    (pkg / "engine" / "loop_nb.py").write_text("def run(): pass\n")
    (pkg / "report.py").write_text("x = 1\n")
    monkeypatch.setattr(kc, "PACKAGE", pkg)
    monkeypatch.setattr(kc, "STAMP", pkg / "__pycache__" / "kernels.stamp")
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    return pkg


def _cached(pkg):
    f = pkg / "engine" / "__pycache__" / "loop_nb.run-1.py311.nbi"
    f.write_text("index")
    (pkg / "engine" / "__pycache__" / "loop_nb.cpython-311.pyc").write_text("pyc")
    return f


def test_a_change_in_a_module_a_kernel_reads_clears_the_cache(package):
    kc.refresh()
    cached = _cached(package)
    assert not kc.refresh() and cached.exists()  # nothing changed: the cache stays
    (package / "core" / "layout.py").write_text("DTYPE = 2\n")  # another module's dtype
    assert kc.refresh() and not cached.exists()
    assert (package / "engine" / "__pycache__" / "loop_nb.cpython-311.pyc").exists()


def test_a_change_outside_the_kernels_keeps_the_cache(package):
    kc.refresh()
    cached = _cached(package)
    (package / "report.py").write_text("x = 2\n")
    assert not kc.refresh() and cached.exists()


def test_a_user_cache_dir_is_left_to_the_user(package, monkeypatch):
    kc.refresh()
    cached = _cached(package)
    (package / "schema.py").write_text("A = 2\n")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(package / "elsewhere"))
    assert not kc.refresh() and cached.exists()


def _fresh_kernel():
    """A kernel numba has not compiled yet (and never caches): calling it compiles."""
    import numba as nb

    @nb.njit
    def add_one(x):
        return x + 1

    return add_one


def test_a_compile_is_announced_once_in_one_line_before_it_runs():
    said = []
    first, second = _fresh_kernel(), _fresh_kernel()
    with kc.announce_compiles(said.append):
        assert said == []
        first(1)
        with kc.announce_compiles(said.append):  # an entry point inside another
            second(1)
        first(2.5)
    assert said == [f"{kc.FIRST_NOTICE} ..."]
    _fresh_kernel()(1)  # outside the block: nothing more
    assert len(said) == 1


def test_nothing_is_announced_without_a_compile_or_where_compiles_are_reported():
    said = []
    kernel = _fresh_kernel()
    kernel(1)
    with kc.announce_compiles(said.append):
        kernel(2)  # compiled already
    with kc.reporting_compiles(), kc.announce_compiles(said.append):
        _fresh_kernel()(1)
    assert said == []
