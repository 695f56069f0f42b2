"""AgentTable: builds the agents' parameter and state arrays (layout.py) row by row."""

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
        r = np.zeros(L.NP)
        r[L.P_TYPE], r[L.P_BOOK] = kind, book
        r[L.P_OWNER] = 0 if anonymous else a + 1
        r[L.P_LAT], r[L.P_LATJ] = lat_ns, jitter_ns
        r[L.P_CAP] = cap if cap else OWN_CAP_DEFAULT
        r[L.P_T0], r[L.P_T1] = t0, t1
        r[L.P_GATE], r[L.P_REF], r[L.P_REACT] = gate, ref, react_ns
        r[L.P_P0], r[L.P_INST] = p0, inst
        r[L.X0:L.X0 + len(x)] = x
        for col, tab in ((L.SZ_LIMIT, limit_sizes), (L.SZ_MARKET, market_sizes)):
            r[col:col + L.N_SIZE] = 1.0 if tab is None else np.asarray(tab, float)
        if lam is not None:
            r[L.LAM:L.LAM + len(lam)] = lam
        if theta is not None:
            th = np.asarray(theta, float)
            full = np.full(L.K_MAX, th[-1] if len(th) else 0.0)
            full[:len(th)] = th
            r[L.THETA:L.THETA + L.K_MAX] = full
        r[L.RUN:L.RUN + L.N_RUN] = geometric_runs() if runs is None else _full_runs(runs)
        self.rows.append(r)
        self.info.append(AgentRow(L.AGENT_NAMES[kind], book, int(r[L.P_OWNER])))
        self.subs.append(tuple(subs))
        return a

    def arrays(self, seed: int) -> tuple[np.ndarray, ...]:
        ap = np.array(self.rows) if self.rows else np.zeros((0, L.NP))
        n = len(self.rows)
        caps = ap[:, L.P_CAP].astype(np.int64)
        offs = np.concatenate([[0], np.cumsum(caps)[:-1]]) if n else np.zeros(0, np.int64)
        ap[:, L.P_CAP_OFF] = offs
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
