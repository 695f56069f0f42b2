"""AgentTable: builds the agents' parameter and state arrays (layout.py) agent by agent."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from hftlab.sim import layout as L

OWN_CAP_DEFAULT = 256


def size_table(median: float, sigma: float) -> np.ndarray:
    """32 equally likely size atoms (lots, >= 1) of a log-normal with that median and
    log standard deviation: the quantiles at (k + 0.5) / 32."""
    z = stats.norm.ppf((np.arange(L.N_SIZE) + 0.5) / L.N_SIZE)
    return np.maximum(1.0, np.round(median * np.exp(sigma * z)))


def geometric_runs() -> np.ndarray:
    """Run-length table of independent fair signs: P(run <= k) = 1 - 2^-k."""
    k = np.arange(1, L.N_RUN + 1)
    out = 1.0 - 0.5 ** k
    out[-1] = 1.0
    return out


@dataclass
class AgentRow:
    """What the Python side keeps about one agent (for data.stats and reports)."""

    kind: str
    book: int
    owner: int


class AgentTable:
    """Rows of agents; ``arrays(seed)`` returns (ap, ast, asf, own, subs, nsubs)."""

    def __init__(self, n_books: int) -> None:
        self.n_books = n_books
        self.rows: list[np.ndarray] = []
        self.info: list[AgentRow] = []
        self.subs: list[tuple[int, ...]] = []

    def add(self, kind: int, book: int, *, t0: int, t1: int, p0: int, inst: int = 0,
            anonymous: bool = False, lat_ns: int = 0, jitter_ns: int = 0, cap: int = 0,
            gate: int = -1, ref: int = -1, subs: tuple[int, ...] = (), react_ns: int = 0,
            x: tuple[float, ...] = (), limit_sizes: np.ndarray | None = None,
            market_sizes: np.ndarray | None = None, lam: np.ndarray | None = None,
            theta: np.ndarray | None = None, runs: np.ndarray | None = None) -> int:
        """Append one agent; returns its row. Owner id = row + 1 unless anonymous (0)."""
        a = len(self.rows)
        r = np.zeros(1, L.AGENT_PARAMS_DTYPE)[0]
        r["type"], r["book"] = kind, book
        r["owner"] = 0 if anonymous else a + 1
        r["lat"], r["latj"] = lat_ns, jitter_ns
        r["cap"] = cap if cap else OWN_CAP_DEFAULT
        r["t0"], r["t1"] = t0, t1
        r["gate"], r["ref"], r["react"] = gate, ref, react_ns
        r["p0"], r["inst"] = p0, inst
        own = r[L.TYPE_FIELDS[kind]]
        names = own.dtype.names
        if len(x) > len(names):
            raise ValueError(f"{L.AGENT_NAMES[kind]} takes at most {len(names)} parameters "
                             f"{names}, got {len(x)}")
        for name, value in zip(names, x):
            own[name] = value
        for field, tab in (("limit_sizes", limit_sizes), ("market_sizes", market_sizes)):
            r[field] = 1.0 if tab is None else np.asarray(tab, float)
        if lam is not None:
            r["lam"][:len(lam)] = lam
        if theta is not None:
            th = np.asarray(theta, float)
            full = np.full(L.K_MAX, th[-1] if len(th) else 0.0)
            full[:len(th)] = th
            r["theta"] = full
        r["runs"] = geometric_runs() if runs is None else _full_runs(runs)
        self.rows.append(r)
        self.info.append(AgentRow(L.AGENT_NAMES[kind], book, int(r["owner"])))
        self.subs.append(tuple(subs))
        return a

    def arrays(self, seed: int) -> tuple[np.ndarray, ...]:
        ap = np.array(self.rows, dtype=L.AGENT_PARAMS_DTYPE)
        n = len(self.rows)
        caps = ap["cap"]
        offs = np.concatenate([[0], np.cumsum(caps)[:-1]]) if n else np.zeros(0, np.int64)
        ap["cap_off"] = offs
        own = np.zeros(max(int(caps.sum()), 1), np.int64)
        ast = np.zeros(n, L.AGENT_STATE_DTYPE)
        for a in range(n):  # independent, reproducible streams per agent
            s = np.random.SeedSequence([int(seed), a]).generate_state(1, np.uint64)[0]
            ast["rng"][a] = np.int64(s.view(np.int64))
        asf = np.zeros(n, L.AGENT_FLOATS_DTYPE)
        counts = np.zeros(self.n_books, np.int64)
        for books in self.subs:
            for b in books:
                counts[b] += 1
        width = max(int(counts.max(initial=0)), 1)
        subs = np.full((self.n_books, width), -1, np.int64)
        nsubs = np.zeros(self.n_books, np.int64)
        for a, books in enumerate(self.subs):
            for b in books:
                subs[b, nsubs[b]] = a
                nsubs[b] += 1
        return ap, ast, asf, own, subs, nsubs


def _full_runs(runs: np.ndarray) -> np.ndarray:
    r = np.asarray(runs, float)
    out = np.ones(L.N_RUN)
    out[:len(r)] = r
    out[-1] = 1.0
    return out
