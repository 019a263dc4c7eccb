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
    """Races ``a:b``: draw their log shares (candidates × sims, float32), then score each
    group of races with the same number of candidates as one unpadded (races × candidates
    × sims) block (:func:`_block`)."""
    race, mu, sd, reg, seats = arr.race, arr.mu, arr.sd, arr.regime, arr.seats
    grp, Z, beta = arr.group, arr.swing, arr.beta
    m = b - a
    st = _segments(race[a:b])
    cnt = np.diff(np.r_[st, m])
    E = rng.standard_normal((m, sims), dtype=np.float32)
    E *= sd[a:b, None].astype(np.float32)
    E += mu[a:b, None].astype(np.float32)
    g = grp[a:b]
    has_g = np.flatnonzero(g >= 0)
    if len(has_g):
        # The swing a candidate takes, beta·Z[group], computed once per distinct
        # (group, beta) pair (few: parties) and added to each of its candidates.
        pairs, inv = np.unique(np.c_[g[has_g], beta[a:b][has_g]], axis=0, return_inverse=True)
        W = (pairs[:, 1:2] * Z[pairs[:, 0].astype(np.int64)]).astype(np.float32)
        if len(has_g) == m:
            E += W[inv.ravel()]
        else:
            E[has_g] += W[inv.ravel()]
    np.exp(E, out=E)
    for k in np.unique(cnt):
        qs = np.flatnonzero(cnt == k)  # the chunk's races with k candidates
        rows = (st[qs][:, None] + np.arange(k)).ravel()
        S = E.reshape(len(qs), k, sims) if len(rows) == m else E[rows].reshape(len(qs), k, sims)
        R = reg[a:b][rows].reshape(len(qs), k)
        _block(S, R, switch, sims, a + rows, out)
        for q in np.flatnonzero(seats[a:b][st[qs]] > 1):  # multi-seat races only (rare)
            off = a + int(st[qs[q]])
            _multi_seat(S[q].astype(np.float64), R[q], int(seats[off]), switch, off, out)


def _block(
    S: np.ndarray,
    R: np.ndarray,
    switch: float,
    sims: int,
    idx: np.ndarray,
    out: dict[str, np.ndarray],
) -> None:
    """Score races of equal size: ``S`` (races × k × sims) exp log shares, normalised here
    in place to shares; ``R`` (races × k) regime flags; results go to ``out[...][idx]``.

    Shares are ≥ 0, so a regime share zeroed out changes no challenger maximum or sum;
    counts are taken over all candidates and the regime's set to zero afterwards (per
    candidate, not per simulation). Where every race has exactly one regime candidate (the
    common case), the opponent is that candidate's share, read directly."""
    n = S.shape[0]
    S /= S.sum(axis=1, keepdims=True)
    nr = ~R
    top1 = S.max(axis=1)
    is_top = top1[:, None, :] <= S
    X = S * nr.astype(np.float32)[:, :, None]  # the challengers' shares, 0 for the regime's
    nr_max = X.max(axis=1)
    nr_sum = X.sum(axis=1)
    del X
    boosted = S * np.float32(1 - switch)
    boosted += (np.float32(switch) * nr_sum)[:, None, :]
    n_reg = R.sum(axis=1)
    if (n_reg == 1).all():
        opp = S[np.arange(n), R.argmax(axis=1)][:, None, :]
    else:
        top2 = np.where(is_top, np.float32(-1), S).max(axis=1)
        opp = np.where(is_top, top2[:, None, :], top1[:, None, :])
        has_reg = n_reg > 0
        if has_reg.any():
            opp_reg = np.where(R[:, :, None], S, np.float32(0)).max(axis=1)
            opp = np.where(has_reg[:, None, None], opp_reg[:, None, :], opp)
    win = np.count_nonzero(boosted > opp, axis=2) * nr
    del boosted, opp
    strongest = np.count_nonzero(nr_max[:, None, :] <= S, axis=2) * nr
    out["p_strongest"][idx] = strongest.ravel() / sims
    out["p_win"][idx] = win.ravel() / sims
    out["p_first"][idx] = np.count_nonzero(is_top, axis=2).ravel() / sims
    out["mean_share"][idx] = S.mean(axis=2, dtype=np.float64).ravel()
    # 90% interval from the first 2,000 draws: one single-rank partition per bound.
    sub = S[:, :, : min(sims, 2000)]
    for key, q in zip(("share_low", "share_high"), INTERVAL, strict=True):
        r = int(q * (sub.shape[2] - 1))
        out[key][idx] = np.partition(sub, r, axis=2)[:, :, r].ravel()


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
