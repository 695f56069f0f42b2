"""The world the agents live in: hidden fundamental values, the toxicity regime chain, the
flash crash's schedules and the news, on a grid of ``sched_dt_ms`` (layout.W_* columns)."""

from __future__ import annotations

import numpy as np
from scipy import signal

from hftlab.sim import layout as L
from hftlab.sim.params import MarketParams

NS = 1_000_000_000


def window(p: MarketParams, start_frac: float, minutes: float) -> tuple[float, float]:
    """(start, end) in seconds from the session start of a window given as a fraction of
    the session and a length in minutes."""
    t0 = start_frac * p.seconds
    return t0, t0 + 60.0 * minutes


def fundamental_values(p: MarketParams, t: np.ndarray, rng: np.random.Generator
                       ) -> np.ndarray:
    """Hidden values (ticks) of each instrument on the grid t (seconds).

    A factor model of log values (the sector structure of equity returns, King 1966):
    instrument i in sector g has volatility s_i = vols()[i] per sqrt(second) and shocks

        dx_i = s_i (sqrt(m) dM + sqrt(c (1-m)) dS_g) + dU_i,
        dU_i = -k U_i dt + s_i sqrt((1-m) (1-c)) dW_i

    with M the market factor, S_g its sector's factor, m = factor_correlation, c =
    sector_correlation (the share of the variance the market leaves) and k =
    idio_reversion: the correlation of value returns is m + c (1 - m) within a sector and
    m across sectors; with k > 0 two instruments of a sector are
    cointegrated (x_i - (s_i / s_j) x_j is stationary). From breakdown_at (a fraction of
    the session) breakdown_kind changes the loadings: "collapse" -- no factors, and the
    own components become random walks of full volatility s_i (U keeps reverting to its
    level, a new walk is added): no correlation or cointegration is left; "flip" -- sector
    breakdown_sector loads on the market with the opposite sign (its correlation with
    other sectors becomes -m); "spike" -- one factor with share spike_correlation for
    everyone. During the informed episode the first instrument's value also rises
    linearly by episode_move (fraction) over the episode, then stays. Values start at
    p0_ticks_of() and are returned in each instrument's ticks.
    """
    n, k = len(t), p.instruments
    dt = np.diff(t, prepend=t[0])
    sd = np.sqrt(dt)[:, None] * np.asarray(p.vols())[None, :]
    sector = np.asarray(p.sector_of())
    market = rng.standard_normal((n, 1))
    own = rng.standard_normal((n, k))
    m, c = p.factor_correlation, p.sector_correlation
    # further draws only when used, so the markets of the other scenarios stay as they were
    sectors = rng.standard_normal((n, p.sectors))[:, sector] if c > 0 else np.zeros((n, k))
    load_m = np.full((n, k), np.sqrt(m))
    load_s = np.full((n, k), np.sqrt(c * (1.0 - m)))
    own_sd = np.full((n, k), np.sqrt((1.0 - m) * (1.0 - c)))
    walk = np.zeros((n, k))
    if p.breakdown_at >= 0:
        after = t >= p.breakdown_at * p.seconds
        if p.breakdown_kind == "collapse":
            load_m[after] = load_s[after] = 0.0
            walk[after] = 1.0
        elif p.breakdown_kind == "flip":
            load_m[np.ix_(after, sector == p.breakdown_sector)] *= -1.0
        else:  # spike
            load_m[after] = np.sqrt(p.spike_correlation)
            load_s[after] = 0.0
            own_sd[after] = np.sqrt(1.0 - p.spike_correlation)
    common = sd * (load_m * market + load_s * sectors)
    if walk.any():
        common += sd * walk * rng.standard_normal((n, k))
    noise = sd * own_sd * own
    common[0] = noise[0] = 0.0
    if p.idio_reversion > 0 and n > 1:
        phi = np.exp(-p.idio_reversion * (t[1] - t[0]))  # U[r] = phi U[r-1] + noise[r]
        logv = np.cumsum(common, axis=0) + signal.lfilter([1.0], [1.0, -phi], noise, axis=0)
    else:
        logv = np.cumsum(common + noise, axis=0)
    if p.episode_move != 0.0:
        t0, t1 = window(p, p.episode_start, p.episode_minutes)
        ramp = np.clip((t - t0) / max(t1 - t0, 1e-9), 0.0, 1.0)
        logv[:, 0] += np.log1p(p.episode_move) * ramp
    return np.asarray(p.p0_ticks_of(), float)[None, :] * np.exp(logv)


def activity(p: MarketParams, t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """exp(X) / mean with X an Ornstein-Uhlenbeck process of stationary sd activity_vol
    and correlation time activity_minutes, on the grid t (seconds): a random trading
    clock (Clark 1973), the source of fat-tailed returns at 10 s to minutes."""
    tau = 60.0 * p.activity_minutes
    dt = float(t[1] - t[0]) if len(t) > 1 else 1.0
    phi = np.exp(-dt / tau)
    z = rng.standard_normal(len(t)) * p.activity_vol * np.sqrt(1.0 - phi * phi)
    z[0] = rng.standard_normal() * p.activity_vol  # start in the stationary law
    x = signal.lfilter([1.0], [1.0, -phi], z)  # x[k] = phi x[k-1] + z[k]
    a = np.exp(x)
    return a / a.mean()


def regime_chain(p: MarketParams, t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Regime index (0 normal, 1 elevated, 2 high, 3 crisis) on the grid t (seconds): a
    continuous-time Markov chain that stays an exponential time with mean regime_minutes
    and then moves one step up or down (reflecting at the ends); starts in normal."""
    out = np.zeros(len(t), np.int64)
    if p.regime_minutes <= 0:
        return out
    state, clock = 0, 0.0
    while clock < t[-1]:
        stay = rng.exponential(60.0 * p.regime_minutes)
        out[(t >= clock) & (t < clock + stay)] = state
        clock += stay
        step = 1 if rng.random() < 0.5 else -1
        state = min(max(state + step, 0), 3) if 0 < state < 3 else (1 if state == 0 else 2)
    return out


def headlines(p: MarketParams, dt: float) -> dict[str, np.ndarray]:
    """The session's headlines, by time: t_s (seconds from the start, on the world's grid
    of dt seconds), scheduled (True: a release at a time known in advance, earnings),
    sentiment in (-1, 1) and jump (the log value jump, a fraction; > 0 good news).

    Scheduled releases are at news_scheduled_at x seconds, unscheduled headlines a Poisson process
    of news_rate per minute. jump ~ N(0, sd) with sd news_scheduled_jump or news_jump;
    sentiment = tanh(jump / sd + news_sentiment_noise z), z ~ N(0, 1): a score whose sign
    is that of the jump unless the noise outweighs it (the false signals a news trader
    meets; Tetlock 2007 reads sentiment from the text, here it is a noisy function of
    the truth). Drawn from their own stream (seed, 23), so markets without news keep
    their values."""
    rng = np.random.default_rng([p.seed, 23])
    sched = np.asarray(p.news_scheduled_at, float) * p.seconds
    n_u = rng.poisson(p.news_rate * p.seconds / 60.0) if p.news_rate > 0 else 0
    unsched = np.sort(rng.uniform(0.0, p.seconds, n_u))
    t = np.concatenate([sched, unsched])
    scheduled = np.concatenate([np.ones(len(sched), bool), np.zeros(n_u, bool)])
    sd = np.where(scheduled, p.news_scheduled_jump, p.news_jump)
    jump = rng.standard_normal(len(t)) * sd
    z = np.divide(jump, sd, out=np.zeros_like(jump), where=sd > 0)
    sentiment = np.tanh(z + p.news_sentiment_noise * rng.standard_normal(len(t)))
    t = np.round(t / dt) * dt
    order = np.argsort(t, kind="stable")
    return {"t_s": t[order], "scheduled": scheduled[order], "sentiment": sentiment[order],
            "jump": jump[order]}


def apply_news(p: MarketParams, t: np.ndarray, w: np.ndarray, news: dict) -> None:
    """Write the headlines into the world rows w on the grid t (seconds): instrument 0's
    value (W_FV) steps by exp(jump) news_informed_ms after each headline (what the
    informed traders know, and when), their intensity (W_INF) is multiplied by
    news_informed_boost for news_informed_s from then, and W_NEWS is 1 while makers that
    pull on news stay out: from news_maker_ms after the headline (from
    news_pull_before_s before a scheduled one) to news_maker_ms + news_pull_s after it."""
    lat_i, lat_m = p.news_informed_ms / 1000.0, p.news_maker_ms / 1000.0
    for t0, sch, j in zip(news["t_s"], news["scheduled"], news["jump"]):
        known = t >= t0 + lat_i - 1e-9
        w[known, L.W_FV] *= np.exp(j)
        w[known & (t < t0 + lat_i + p.news_informed_s), L.W_INF] *= p.news_informed_boost
        start = t0 - p.news_pull_before_s if sch else t0 + lat_m
        w[(t >= start - 1e-9) & (t < t0 + lat_m + p.news_pull_s), L.W_NEWS] = 1.0


def build_world(p: MarketParams, rng: np.random.Generator, informed_gate: float
                ) -> tuple[np.ndarray, dict]:
    """The world's rows (layout.W_*) and its ground truth for data.stats.

    informed_gate scales W_INF so that informed looks per second = share / (1 - share)
    of the noise takers' orders per second when regimes are on (see scenarios.py).
    """
    dt = p.sched_dt_ms / 1000.0
    n = int(np.ceil(p.seconds / dt)) + 1
    t = np.arange(n) * dt
    w = np.zeros((n, L.W_FV + p.instruments))
    w[:, L.W_LIQ] = p.zi_liquidity
    w[:, L.W_VALUE] = 1.0
    w[:, L.W_ACT] = 1.0
    if p.zi_activity:
        prof = np.asarray(p.zi_activity, float)
        k = np.minimum((t // p.zi_activity_bin_s).astype(int), len(prof) - 1)
        w[:, L.W_ACT] = prof[k]
    if p.activity_vol > 0:
        w[:, L.W_ACT] *= activity(p, t, rng)
    fv = fundamental_values(p, t, rng)
    w[:, L.W_FV:] = fv
    regime = regime_chain(p, t, rng)
    w[:, L.W_REGIME] = regime
    truth: dict = {"grid_s": t, "fundamental": fv, "regime": regime}
    if p.regime_minutes > 0:
        shares = np.asarray(p.regime_shares)[regime]
        w[:, L.W_INF] = informed_gate * shares / (1.0 - shares)
        truth["informed_share"] = shares
    else:
        w[:, L.W_INF] = 1.0
    if p.episode_move != 0.0:
        t0, t1 = window(p, p.episode_start, p.episode_minutes)
        w[:, L.W_INF] = ((t >= t0) & (t < t1)).astype(float)
        truth["episode_s"] = (t0, t1)
    if p.seller_qty > 0 or p.evaporation > 0:
        s0, s1 = window(p, p.crash_start, p.seller_minutes)
        e0, e1 = window(p, p.crash_start, p.evaporation_minutes)
        w[:, L.W_SELL] = ((t >= s0) & (t < s1)).astype(float)
        gone = (t >= e0) & (t < e1)
        w[gone, L.W_LIQ] *= 1.0 - p.evaporation
        w[gone, L.W_VALUE] = 1.0 - p.value_withdrawal
        truth["seller_s"] = (s0, s1)
        truth["evaporation_s"] = (e0, e1)
    if p.news_scheduled_at or p.news_rate > 0:
        news = headlines(p, dt)
        apply_news(p, t, w, news)
        truth["fundamental"] = w[:, L.W_FV:].copy()
        truth["news_s"] = news
    return w, truth
