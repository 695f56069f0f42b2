"""Cold start: how long a first run waits for numba, and which kernels cost the most.

Each phase runs in a fresh process whose NUMBA_CACHE_DIR is an empty temporary
directory, so nothing comes from a cache (numba writes its cache there instead of
``__pycache__``, so the repository's own cache is neither used nor touched):

  first example  the README's first example (LOBSTER's AMZN sample day read with
                 read_lobster, InventorySkew compiled, a replay backtest, the summary),
                 then the same backtest again in the same process: the difference is the
                 compile; then the whole example once more in a new process on the
                 now-filled cache (what every later run pays);
  warmup         ``hftlab warmup``'s steps (hftlab.warmup.WARMUP_STEPS), each timed, then
                 the same steps on the filled cache, then ``hftlab demo`` on a 120-s
                 session on that cache (what the demo still compiles after the warmup);
  make demo      with --make-demo: a new virtualenv in a temporary directory, ``pip
                 install -e .[test]``, ``hftlab warmup`` and ``hftlab demo`` as ``make demo``
                 runs them (install time included).

Every numba compile is recorded through numba's event API ("numba:compile" fires only
on a cache miss): per kernel, the number of specialisations compiled and the CPU seconds
spent in its own compile (nested compiles of the kernels it calls are subtracted), so
the list shows where cold-start time goes; for a kernel compiled more than once, the
argument types that differ between its specialisations (a literal constant such as
``Literal[int](14)`` at a call site makes numba compile one specialisation per value).
Each step shows wall seconds and the process's
CPU seconds: compiling is single-threaded, so on a busy machine the wall time grows with
whatever else runs on the cores while the CPU time stays what an idle core would take.
The machine and its load average are printed.

    python benchmarks/cold_start.py [--lobster DIR] [--top 15] [--make-demo] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LOBSTER = ROOT.parent / "shared" / "data" / "lobster" / "AMZN_2012-06-21_level1_fullday"
DAY = "AMZN_2012-06-21_34200000_57600000"


class CompileLog:
    """Exclusive compile seconds per kernel from numba's "numba:compile" events."""

    def __init__(self) -> None:
        self.stack: list[list] = []  # [name, start, CPU seconds of nested compiles]
        self.kernels: dict[str, dict] = {}
        self.top_level = 0.0

    def on_start(self, event) -> None:
        disp = event.data["dispatcher"]
        fn = getattr(disp, "py_func", None)
        name = (f"{fn.__module__}.{fn.__qualname__}" if fn is not None else str(disp))
        self.stack.append([name, time.process_time(), 0.0])
        sigs = self.kernels.setdefault(name, {"compiles": 0, "seconds": 0.0, "args": []})["args"]
        sigs.append([str(a) for a in event.data.get("args", ())])

    def on_end(self, event) -> None:
        name, start, nested = self.stack.pop()
        total = time.process_time() - start
        k = self.kernels[name]
        k["compiles"] += 1
        k["seconds"] += total - nested
        if self.stack:
            self.stack[-1][2] += total
        else:
            self.top_level += total

    def install(self) -> None:
        from numba.core import event as ev

        log = self

        class Listener(ev.Listener):
            def on_start(self, event):
                log.on_start(event)

            def on_end(self, event):
                log.on_end(event)

        ev.register("numba:compile", Listener())


class Clock:
    """Wall and CPU seconds of named steps."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}
        self._start = (time.perf_counter(), time.process_time())

    def lap(self, name: str) -> None:
        """Close the step `name` (it began at the last lap) and start the next one."""
        now = (time.perf_counter(), time.process_time())
        self.wall[name] = now[0] - self._start[0]
        self.cpu[name] = now[1] - self._start[1]
        self._start = now


def differing_args(sigs: list[list[str]], most: int = 4) -> str:
    """The argument positions whose types differ between specialisations, with their types."""
    width = max((len(s) for s in sigs), default=0)
    parts = []
    for i in range(width):
        kinds = sorted({s[i] if i < len(s) else "-" for s in sigs})
        if len(kinds) > 1:
            shown = ", ".join(kinds[:most]) + (f", ... {len(kinds)} kinds" if len(kinds) > most
                                                else "")
            parts.append(f"arg {i}: {shown}")
    return "; ".join(parts)


def first_example(lobster: str, clock: Clock) -> None:
    """The README's first example, timed step by step (run in a child process)."""
    import hftlab
    from hftlab.strategies import InventorySkew

    clock.lap("import")
    data = hftlab.data.read_lobster(f"{lobster}/{DAY}_message_1.csv",
                                    f"{lobster}/{DAY}_orderbook_1.csv")
    clock.lap("read_lobster")
    venue = hftlab.Venue("NASDAQ", hftlab.FeeSchedule(maker=-0.0020, taker=0.0030,
                                                      unit="per_unit"),
                         hftlab.LatencyProfile.named("colocated"))
    mm = InventorySkew(half_spread=200, skew=400, capacity=500, qty=100)
    hftlab.backtest(data, mm.compiled(), venues=[venue], seed=7).summary()
    clock.lap("first backtest")
    hftlab.backtest(data, mm.compiled(), venues=[venue], seed=7).summary()
    clock.lap("same backtest again")


def warmup_steps(clock: Clock) -> None:
    """hftlab warmup's steps, each timed (run in a child process)."""
    from hftlab.warmup import warmup

    warmup(lambda k, name, seconds: clock.lap(name))


def demo(clock: Clock) -> None:
    """The demo on a 120-s session (run in a child process)."""
    from rich.console import Console

    from hftlab.demo import run_demo

    with tempfile.TemporaryDirectory() as tmp, open(os.devnull, "w") as null:
        run_demo(tmp, seconds=120, seed=7, console=Console(file=null))
    clock.lap("hftlab demo --seconds 120")


def child(phase: str, lobster: str) -> None:
    log = CompileLog()
    log.install()
    clock = Clock()
    {"first_example": lambda: first_example(lobster, clock),
     "warmup": lambda: warmup_steps(clock), "demo": lambda: demo(clock)}[phase]()
    print(json.dumps({"times": clock.wall, "cpu": clock.cpu, "wall": sum(clock.wall.values()),
                      "compile_seconds": log.top_level, "kernels": log.kernels}))


def run_child(phase: str, lobster: str, cache: str) -> dict:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    t = time.perf_counter()
    res = subprocess.run([sys.executable, __file__, "--child", phase, "--lobster", lobster],
                         capture_output=True, text=True, env=env, check=False)
    if res.returncode != 0:
        raise SystemExit(f"{phase} failed:\n{res.stderr[-3000:]}")
    out = json.loads(res.stdout.strip().splitlines()[-1])
    out["process"] = time.perf_counter() - t
    return out


def show(title: str, r: dict) -> None:
    print(f"\n{title}: {r['process']:.1f} s wall in its process; {r['compile_seconds']:.1f} "
          f"CPU s compiling {sum(k['compiles'] for k in r['kernels'].values())} "
          f"specialisations of {len(r['kernels'])} kernels")
    print(f"  {'step':<48} {'wall':>8}   {'CPU':>8}")
    for name, s in r["times"].items():
        print(f"  {name:<48} {s:8.1f} s {r.get('cpu', {}).get(name, float('nan')):8.1f} s")


def make_demo(tmp: Path) -> dict:
    """make demo's three commands in a new virtualenv and an empty numba cache."""
    venv, env = tmp / "venv", dict(os.environ, NUMBA_CACHE_DIR=str(tmp / "numba"))
    steps = [("venv + pip install -e .[test]",
              f"{sys.executable} -m venv {venv} && {venv}/bin/python -m pip install --quiet "
              f"-e '{ROOT}[test]'"),
             ("hftlab warmup", f"{venv}/bin/hftlab warmup"),
             ("hftlab demo", f"{venv}/bin/hftlab demo --out {tmp / 'demo'}")]
    times = {}
    for name, cmd in steps:
        t = time.perf_counter()
        res = subprocess.run(cmd, shell=True, cwd=ROOT, env=env, capture_output=True, text=True,
                             check=False)
        if res.returncode != 0:
            raise SystemExit(f"{name} failed:\n{res.stderr[-3000:]}")
        times[name] = time.perf_counter() - t
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lobster", default=str(LOBSTER), help="folder of LOBSTER's AMZN sample day")
    ap.add_argument("--top", type=int, default=15, help="costliest kernels to list")
    ap.add_argument("--make-demo", action="store_true", help="also time a cold `make demo`")
    ap.add_argument("--json", help="write every figure to this file")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.lobster)
        return
    if not Path(args.lobster, f"{DAY}_message_1.csv").exists():
        raise SystemExit(f"LOBSTER sample not found in {args.lobster} (give --lobster DIR)")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python "
          f"{platform.python_version()}, load average {os.getloadavg()[0]:.1f} at start")
    result: dict = {}
    with tempfile.TemporaryDirectory(prefix="hftlab-cold-") as tmp:
        result["first example, cold"] = run_child("first_example", args.lobster, f"{tmp}/a")
        result["first example, cached"] = run_child("first_example", args.lobster, f"{tmp}/a")
        result["hftlab warmup, cold"] = run_child("warmup", args.lobster, f"{tmp}/b")
        result["hftlab warmup, cached"] = run_child("warmup", args.lobster, f"{tmp}/b")
        result["demo after the warmup"] = run_child("demo", args.lobster, f"{tmp}/b")
        if args.make_demo:
            result["make demo, cold"] = make_demo(Path(tmp))
    for title, r in result.items():
        if "kernels" in r:
            show(title, r)
    ex = result["first example, cold"]
    parts = [f"{ex[k]['first backtest'] - ex[k]['same backtest again']:.1f} s {word}"
             for k, word in (("times", "wall"), ("cpu", "CPU")) if k in ex]
    print("\nfirst example, cold compile (first backtest - the same again): " + ", ".join(parts))
    if "make demo, cold" in result:
        md = result["make demo, cold"]
        print(f"\ncold make demo: {sum(md.values()):.1f} s")
        for name, s in md.items():
            print(f"  {name:<48} {s:8.1f} s")
    kernels: dict[str, dict] = {}
    for title in ("first example, cold", "hftlab warmup, cold"):
        for name, k in result[title]["kernels"].items():
            agg = kernels.setdefault(name, {"compiles": 0, "seconds": 0.0, "args": []})
            if k["seconds"] > agg["seconds"]:
                agg.update(k)
    print("\ncostliest compiles (own CPU seconds, nested kernels excluded; the larger of the "
          "two cold phases):")
    for name, k in sorted(kernels.items(), key=lambda kv: -kv[1]["seconds"])[:args.top]:
        print(f"  {k['seconds']:7.1f} s  {k['compiles']:3d} x  {name}")
        if k["compiles"] > 1:
            print(f"{'':20}{differing_args(k['args'])}")
    print(f"load average {os.getloadavg()[0]:.1f} at the end")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
