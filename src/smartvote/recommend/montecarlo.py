"""Monte Carlo engine: draw every race many times from a :class:`Forecast` (METHODS.md §2).

:func:`simulate_races` draws ``sims`` elections at once: one swing per party and simulation
shared by all races (the correlated national error), one local error per candidate and
simulation, soft-max within each race. Races are processed as padded (races × candidates ×
sims) float32 blocks in chunks bounded by memory: no Python loop over races for single-seat
races, only over chunks. For every candidate it returns:

* ``p_strongest``: P(strongest non-regime candidate) (multi-seat: among the top ``seats``
  non-regime candidates);
* ``p_win``: P(beats the regime candidate *if* a share ``switch`` of the *other*
  challengers' voters switch to this one), i.e. ``S_c + switch·(Σ_{other non-regime} S) >
  S_regime``: a conditional probability, a what-if on the campaign's reach, not a forecast
  of the result. Without a regime candidate the opponent is the strongest other candidate.
  Multi-seat: P(finishing in the top ``seats`` when the endorsed set shares the switched votes);
* ``p_first``: P(first place with no coordination); mean share and a 90% interval.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from smartvote.recommend.forecast import Forecast
from smartvote.recommend.params import INTERVAL, SIMS, SWITCH

__all__ = ["simulate_races"]


def _segments(race: np.ndarray) -> np.ndarray:
    """Start index of each contiguous race segment."""
    if len(race) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, race[1:] != race[:-1]])


@dataclass(frozen=True, slots=True)
class _Races:
    """Candidates sorted by race, as flat arrays: what one chunk of simulation reads."""

    race: np.ndarray  # race code per candidate (contiguous segments)
    mu: np.ndarray  # mean log share
    sd: np.ndarray  # local sd of the log share
    regime: np.ndarray  # bool
    seats: np.ndarray  # seats of the candidate's race
    group: np.ndarray  # swing group code (-1: none)
    beta: np.ndarray  # how much of the group's swing the candidate takes
    swing: np.ndarray  # (groups × sims) swing draws, shared by every race


def simulate_races(
    fc: Forecast,
    sims: int = SIMS,
    switch: float = SWITCH,
    seed: int = 0,
    chunk_elems: int = 2_000_000,
) -> pd.DataFrame:
    """Probabilities per candidate (see module docstring); rows in ``fc.cands`` order."""
    c = fc.cands
    n = len(c)
    order = np.argsort(pd.factorize(c["race"])[0], kind="stable")
    cs = c.iloc[order].reset_index(drop=True)
    rng = np.random.default_rng(seed)
    # Swing groups numbered by first appearance (so renaming a party changes no draw).
    grp_codes, grp_names = pd.factorize(cs["swing_group"].replace("", np.nan))
    arr = _Races(
        race=pd.factorize(cs["race"])[0],
        mu=cs["mu"].to_numpy(float),
        sd=cs["sd_local"].to_numpy(float),
        regime=cs["regime"].to_numpy(bool),
        seats=cs["seats"].to_numpy(int),
        group=grp_codes,
        beta=cs["swing_beta"].to_numpy(float),
        swing=rng.standard_normal((max(len(grp_names), 1), sims)) * fc.uncertainty.sigma_swing,
    )
    race = arr.race
    out = {
        k: np.zeros(n)
        for k in ("p_strongest", "p_win", "p_first", "mean_share", "share_low", "share_high")
    }
    starts = _segments(race)
    ends = np.r_[starts[1:], n]
    per_chunk = max(1, chunk_elems // max(sims, 1))
    i = 0
    while i < len(starts):
        j = i
        while j + 1 < len(starts) and ends[j + 1] - starts[i] <= per_chunk:
            j += 1
        a, b = int(starts[i]), int(ends[j])
        _chunk(a, b, arr, switch, rng, sims, out)
        i = j + 1
    res = pd.DataFrame(out)
    back = np.empty(n, dtype=np.int64)
    back[order] = np.arange(n)
    return res.iloc[back].reset_index(drop=True)


def _chunk(
    a: int,
    b: int,
    arr: _Races,
    switch: float,
    rng: np.random.Generator,
    sims: int,
    out: dict[str, np.ndarray],
) -> None:
    """Races ``a:b`` as a padded (races × max candidates × sims) float32 block."""
    race, mu, sd, reg, seats = arr.race, arr.mu, arr.sd, arr.regime, arr.seats
    grp, Z, beta = arr.group, arr.swing, arr.beta
    m = b - a
    st = _segments(race[a:b])
    cnt = np.diff(np.r_[st, m])
    nr_, K = len(st), int(cnt.max())
    ridx = np.repeat(np.arange(nr_), cnt)
    pos = np.arange(m) - st[ridx]
    valid = np.zeros((nr_, K), dtype=bool)
    valid[ridx, pos] = True
    E = rng.standard_normal((m, sims), dtype=np.float32)
    E *= sd[a:b, None].astype(np.float32)
    E += mu[a:b, None].astype(np.float32)
    g = grp[a:b]
    has_g = g >= 0
    if has_g.any():
        E[has_g] += (beta[a:b][has_g, None] * Z[g[has_g]]).astype(np.float32)
    np.exp(E, out=E)
    S = np.zeros((nr_, K, sims), dtype=np.float32)
    S[ridx, pos] = E
    del E
    S /= S.sum(axis=1, keepdims=True)
    R = np.zeros((nr_, K), dtype=bool)
    R[ridx, pos] = reg[a:b]
    NR = valid & ~R
    top1 = S.max(axis=1)
    is_top = valid[:, :, None] & (top1[:, None, :] <= S)
    top2 = np.where(is_top, np.float32(-1), S).max(axis=1)
    opp = np.where(is_top, top2[:, None, :], top1[:, None, :])
    has_reg: np.ndarray = np.asarray(R.any(axis=1))
    if has_reg.any():
        opp_reg = np.where(R[:, :, None], S, np.float32(0)).max(axis=1)
        opp = np.where(has_reg[:, None, None], opp_reg[:, None, :], opp)
    nr_max = np.where(NR[:, :, None], S, np.float32(-1)).max(axis=1)
    nr_sum = np.where(NR[:, :, None], S, np.float32(0)).sum(axis=1)
    strongest = NR[:, :, None] & (nr_max[:, None, :] <= S)
    boosted = S * np.float32(1 - switch) + np.float32(switch) * nr_sum[:, None, :]
    win = NR[:, :, None] & (boosted > opp)
    sl = slice(a, b)
    out["p_strongest"][sl] = np.count_nonzero(strongest, axis=2)[ridx, pos] / sims
    out["p_win"][sl] = np.count_nonzero(win, axis=2)[ridx, pos] / sims
    out["p_first"][sl] = np.count_nonzero(is_top, axis=2)[ridx, pos] / sims
    out["mean_share"][sl] = S.mean(axis=2, dtype=np.float64)[ridx, pos]
    sub = S[:, :, : min(sims, 2000)]
    k_lo, k_hi = (int(q * (sub.shape[2] - 1)) for q in INTERVAL)
    part = np.partition(sub, [k_lo, k_hi], axis=2)
    out["share_low"][sl] = part[:, :, k_lo][ridx, pos]
    out["share_high"][sl] = part[:, :, k_hi][ridx, pos]
    multi = np.flatnonzero(seats[a:b][st] > 1)
    for q in multi:  # a loop over multi-seat races only (rare), each fully vectorised
        n_q = int(cnt[q])
        _multi_seat(
            S[q, :n_q].astype(np.float64),
            R[q, :n_q],
            int(seats[a + st[q]]),
            switch,
            a + int(st[q]),
            out,
        )


def _in_top(S: np.ndarray, mask: np.ndarray, k: int) -> np.ndarray:
    """Per row of ``S`` (candidates × sims): is it among the ``k`` largest rows within ``mask``?"""
    X = np.where(mask[:, None], S, -np.inf)
    k = min(k, int(mask.sum()))
    if k <= 0:
        return np.zeros_like(S, dtype=bool)
    kth = -np.partition(-X, k - 1, axis=0)[k - 1]
    return mask[:, None] & (kth <= X)


def _multi_seat(
    S: np.ndarray, rg: np.ndarray, k: int, switch: float, offset: int, out: dict[str, np.ndarray]
) -> None:
    nr = ~rg
    everyone = np.ones(len(S), dtype=bool)
    p_strong = _in_top(S, nr, k).mean(axis=1)
    p_first = _in_top(S, everyone, k).mean(axis=1)
    # Endorsed set: the k non-regime candidates most often in the non-regime top k.
    order = np.argsort(-np.where(nr, p_strong, -1.0), kind="stable")
    endorsed = np.zeros(len(S), dtype=bool)
    endorsed[order[: min(k, int(nr.sum()))]] = True
    p_win = np.zeros(len(S))
    for c in np.flatnonzero(nr):  # loop over candidates of one race
        e = endorsed.copy()
        if not e[c]:  # c stands in for the weakest member of the endorsed set
            e[order[min(k, int(nr.sum())) - 1]] = False
            e[c] = True
        pool = switch * np.where((nr & ~e)[:, None], S, 0.0).sum(axis=0)
        T = (
            S
            - switch * np.where((nr & ~e)[:, None], S, 0.0)
            + np.where(e[:, None], pool / e.sum(), 0.0)
        )
        p_win[c] = _in_top(T, everyone, k)[c].mean()
    sl = slice(offset, offset + len(S))
    out["p_strongest"][sl] = np.where(nr, p_strong, 0.0)
    out["p_first"][sl] = p_first
    out["p_win"][sl] = p_win
