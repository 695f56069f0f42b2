"""Many runs on Dask: ``sweep(task, grid, seeds)`` runs one task per (parameters, seed)
on a ``distributed.LocalCluster`` (default) or an existing cluster by address, and keeps
the results in a Parquet table (parameters, seed, metrics, worker, seconds, error).

``parse_grid(["gamma=0.01,0.1"])`` turns the command line's ``name=v1,v2`` items into a
grid; the TOML-config task of ``hftlab sweep CONFIG`` lives in ``hftlab.scale.cli``.
"""

from hftlab._lazy import lazy_exports

_EXPORTS = {
    "sweep": "hftlab.scale.sweeper",
    "SweepResult": "hftlab.scale.sweeper",
    "run_one": "hftlab.scale.sweeper",
    "parse_grid": "hftlab.scale.grid",
    "expand_grid": "hftlab.scale.grid",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
