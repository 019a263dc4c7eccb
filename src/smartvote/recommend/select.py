"""Simulate every race many times and choose the endorsement (METHODS.md §2, "Select").

:func:`simulate_races` draws ``sims`` elections at once from a :class:`Forecast`: one swing
per party and simulation shared by all races, one local error per candidate and simulation,
soft-max within each race. All races are processed as flat numpy arrays in chunks bounded
by memory (``np.add.reduceat`` over contiguous race segments): no Python loop over races
for single-seat races, only over chunks. For every candidate it returns:

* ``p_strongest``: P(strongest non-regime candidate) (multi-seat: among the top ``seats``
  non-regime candidates);
* ``p_win``: P(beats the regime candidate if a share ``switch`` of the *other* challengers'
  voters switch to this one), i.e. ``S_c + switch·(Σ_{other non-regime} S) > S_regime``.
  Without a regime candidate in the race the opponent is the strongest other candidate.
  Multi-seat: P(finishing in the top ``seats`` when the endorsed set shares the switched votes);
* ``p_first``: P(first place with no coordination); mean share and a 90% interval.

:func:`choose` endorses, among eligible candidates (not the regime's, not ``excluded``),
the one maximising ``p_win``; candidates within two Monte-Carlo standard errors of the best
are treated as tied and the tie goes to the higher ``p_strongest``. A *close call* is
declared when the runner-up's ``p_win`` is within 0.10 or its ``p_strongest`` within 0.20.
Multi-seat races endorse up to ``seats`` candidates, those whose ``p_win`` ≥ 0.05 (at least one).

Assumption: the switching share is the campaign's reach (``--switch``, default 0.25): it
is a what-if, not estimated here (``smartvote assess`` measures it after the vote).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from smartvote.recommend.forecast import Forecast

__all__ = [
    "Alternative",
    "Recommendation",
    "choose",
    "simulate_races",
]

CLOSE_P_WIN = 0.10
CLOSE_P_STRONGEST = 0.20
MULTI_MIN_P_WIN = 0.05


def _segments(race: np.ndarray) -> np.ndarray:
    """Start index of each contiguous race segment."""
    if len(race) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.flatnonzero(np.r_[True, race[1:] != race[:-1]])


def simulate_races(
    fc: Forecast,
    sims: int = 10_000,
    switch: float = 0.25,
    seed: int = 0,
    chunk_elems: int = 2_000_000,
) -> pd.DataFrame:
    """Probabilities per candidate (see module docstring); rows in ``fc.cands`` order."""
    c = fc.cands
    n = len(c)
    order = np.argsort(pd.factorize(c["race"])[0], kind="stable")
    cs = c.iloc[order].reset_index(drop=True)
    race = pd.factorize(cs["race"])[0]
    mu = cs["mu"].to_numpy(float)
    sd = cs["sd_local"].to_numpy(float)
    reg = cs["regime"].to_numpy(bool)
    seats = cs["seats"].to_numpy(int)
    rng = np.random.default_rng(seed)
    # Swing groups numbered by first appearance (so renaming a party changes no draw).
    grp_codes, grp_names = pd.factorize(cs["swing_group"].replace("", np.nan))
    G = len(grp_names)
    Z = rng.standard_normal((max(G, 1), sims)) * fc.uncertainty.sigma_swing
    beta = cs["swing_beta"].to_numpy(float)
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
        _chunk(a, b, race, mu, sd, reg, seats, grp_codes, Z, beta, switch, rng, sims, out)
        i = j + 1
    res = pd.DataFrame(out)
    back = np.empty(n, dtype=np.int64)
    back[order] = np.arange(n)
    return res.iloc[back].reset_index(drop=True)


def _chunk(
    a: int,
    b: int,
    race: np.ndarray,
    mu: np.ndarray,
    sd: np.ndarray,
    reg: np.ndarray,
    seats: np.ndarray,
    grp: np.ndarray,
    Z: np.ndarray,
    beta: np.ndarray,
    switch: float,
    rng: np.random.Generator,
    sims: int,
    out: dict[str, np.ndarray],
) -> None:
    """Races ``a:b`` as a padded (races × max candidates × sims) float32 block."""
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
    k_lo, k_hi = int(0.05 * (sub.shape[2] - 1)), int(0.95 * (sub.shape[2] - 1))
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


@dataclass(frozen=True, slots=True)
class Alternative:
    """One candidate of a race with its probabilities and evidence."""

    candidate: str
    party: str
    p_strongest: float
    p_win: float
    p_first: float
    expected_share: float
    share_low: float
    share_high: float
    excluded: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Recommendation:
    """The decision for one race, with its evidence (serialises with :meth:`to_dict`)."""

    race: str
    endorsed: str | None
    party: str | None
    p_strongest: float | None
    p_win: float | None
    margin: float | None
    close_call: bool
    alternatives: tuple[Alternative, ...]
    reasons: tuple[str, ...]
    kind: str = "smd"
    seats: int = 1
    endorsed_all: tuple[str, ...] = ()
    expected_share: float | None = None
    regime: dict[str, Any] | None = None
    excluded: tuple[dict[str, str], ...] = ()
    override: dict[str, str] | None = None
    model_pick: str | None = None
    spoilers: tuple[dict[str, str], ...] = ()
    data_used: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def no_pick(
        cls,
        race: str,
        alternatives: tuple[Alternative, ...],
        reasons: tuple[str, ...],
        **rest: Any,
    ) -> Recommendation:
        """The decision for a race with no eligible challenger: nobody is endorsed."""
        return cls(race, None, None, None, None, None, False, alternatives, reasons, **rest)

    def to_dict(self) -> dict[str, Any]:
        return {
            "race": self.race,
            "kind": self.kind,
            "seats": self.seats,
            "endorsed": self.endorsed,
            "endorsed_all": list(self.endorsed_all),
            "party": self.party,
            "p_strongest": _r(self.p_strongest),
            "p_win": _r(self.p_win),
            "expected_share": _r(self.expected_share),
            "margin": _r(self.margin),
            "close_call": self.close_call,
            "alternatives": [a.to_dict() for a in self.alternatives],
            "reasons": list(self.reasons),
            "regime": self.regime,
            "excluded": [dict(e) for e in self.excluded],
            "override": self.override,
            "model_pick": self.model_pick,
            "spoilers": [dict(s) for s in self.spoilers],
            "data_used": self.data_used,
        }


def _r(x: float | None, nd: int = 4) -> float | None:
    return None if x is None else round(float(x), nd)


#: A selection rule: (eligible candidates of one race as records with their probabilities,
#: number of simulations) -> index of the pick. Configure variants with functools.partial.
SelectionRule = Callable[[list[dict[str, Any]], int], int]


def max_p_win(rows: list[dict[str, Any]], sims: int) -> int:
    """Default rule: highest ``p_win``; ties within 2 Monte-Carlo SE go to ``p_strongest``."""
    pw = np.array([float(r["p_win"]) for r in rows])
    best = float(pw.max())
    se = 2 * np.sqrt(max(best * (1 - best), 1.0 / sims) / sims)
    tied = pw >= best - se
    ps = np.array([float(r["p_strongest"]) + 1e-9 * float(r["mean_share"]) for r in rows])
    return int(np.argmax(np.where(tied, ps, -1.0)))


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _ok(x: Any) -> bool:
    return x is not None and not (isinstance(x, float) and np.isnan(x))


def _evidence(row: dict[str, Any]) -> dict[str, Any]:
    ev: dict[str, Any] = {}
    if _ok(row.get("list_share")):
        ev["list_share"] = round(float(row["list_share"]), 4)
        ev["list_source"] = str(row["list_source"])
    if _ok(row.get("own_share")):
        ev["own_share"] = round(float(row["own_share"]), 4)
        ev["own_race"] = str(row["own_race"])
        ev["personal_vote"] = round(float(row["personal"]), 3)
    if _ok(row.get("smd_share")):
        ev["party_smd_share"] = round(float(row["smd_share"]), 4)
        ev["party_smd_source"] = str(row["smd_source"])
    if bool(row.get("incumbent", False)):
        ev["incumbent"] = True
    ev["basis"] = str(row.get("basis", ""))
    if _ok(row.get("poll_share")):
        ev["poll_share"] = round(float(row["poll_share"]), 4)
    ev["mu"] = round(float(row["mu"]), 3)
    ev["sd_local"] = round(float(row["sd_local"]), 3)
    return ev


def _alt(row: dict[str, Any]) -> Alternative:
    return Alternative(
        candidate=str(row["candidate"]),
        party=str(row["party"]),
        p_strongest=round(float(row["p_strongest"]), 4),
        p_win=round(float(row["p_win"]), 4),
        p_first=round(float(row["p_first"]), 4),
        expected_share=round(float(row["mean_share"]), 4),
        share_low=round(float(row["share_low"]), 4),
        share_high=round(float(row["share_high"]), 4),
        excluded=str(row["excluded"]),
        evidence=_evidence(row),
    )


def _why(row: dict[str, Any], switch: float, multi: bool) -> list[str]:
    name = f"{row['candidate']}" + (f" ({row['party']})" if row["party"] else "")
    if multi:
        out = [
            f"{name} finishes in the winning places in {_pct(row['p_win'])} of simulations if {switch:.0%} of other challengers' voters switch"
        ]
    else:
        out = [
            f"{name} beats the regime candidate in {_pct(row['p_win'])} of simulations if {switch:.0%} of other challengers' voters switch"
        ]
    out.append(
        f"strongest non-regime candidate in {_pct(row['p_strongest'])} of simulations; expected share "
        f"{_pct(row['mean_share'])} (90% interval {_pct(row['share_low'])}–{_pct(row['share_high'])})"
    )
    if _ok(row.get("list_share")):
        out.append(
            f"party list vote in this race's stations in {row['list_source']}: {_pct(row['list_share'])}"
        )
    if _ok(row.get("own_share")):
        out.append(f"own result in {row['own_race']}: {_pct(row['own_share'])}")
    if _ok(row.get("smd_share")) and not _ok(row.get("list_share")):
        out.append(
            f"party's single-member result here in {row['smd_source']}: {_pct(row['smd_share'])}"
        )
    if row.get("basis") == "prior":
        out.append(
            "no earlier result of this candidate or party here: prior share of candidates without a list"
        )
    if bool(row.get("incumbent", False)):
        out.append("incumbent")
    if _ok(row.get("poll_share")):
        out.append(f"poll: {_pct(row['poll_share'])}")
    return out


def choose(
    fc: Forecast,
    probs: pd.DataFrame,
    switch: float,
    sims: int,
    overrides: pd.DataFrame | None = None,
    spoilers: dict[str, list[dict[str, str]]] | None = None,
    rule: SelectionRule | None = None,
) -> list[Recommendation]:
    """One :class:`Recommendation` per race (races in first-appearance order).

    ``rule`` picks among a race's eligible candidates (default :func:`max_p_win`).
    """
    from smartvote.errors import InputError, Problem

    c = pd.concat([fc.cands.reset_index(drop=True), probs.reset_index(drop=True)], axis=1)
    ov = {} if overrides is None else {str(r["race"]): r for r in overrides.to_dict("records")}
    unknown = set(ov) - set(c["race"])
    if unknown:
        raise InputError(
            Problem(
                "override_race",
                "override for a race not in the candidates file",
                value=sorted(unknown)[0],
            )
        )
    by_race: dict[str, list[dict[str, Any]]] = {}
    for row in c.to_dict("records"):
        by_race.setdefault(str(row["race"]), []).append(row)
    return [
        _one(
            race,
            rows,
            fc,
            switch,
            sims,
            ov.get(race),
            (spoilers or {}).get(race, []),
            rule or max_p_win,
        )
        for race, rows in by_race.items()  # a loop over races (not stations)
    ]


def _rank_key(r: dict[str, Any]) -> tuple[float, float, float]:
    return (-float(r["p_win"]), -float(r["p_strongest"]), -float(r["mean_share"]))


def _one(
    race: str,
    rows: list[dict[str, Any]],
    fc: Forecast,
    switch: float,
    sims: int,
    ov: dict[str, Any] | None,
    spoil: list[dict[str, str]],
    rule: SelectionRule,
) -> Recommendation:
    from smartvote.errors import InputError, Problem

    seats = max(int(r["seats"]) for r in rows)
    multi = seats > 1
    nr = [r for r in rows if not r["regime"]]
    excluded = tuple(
        {"candidate": str(r["candidate"]), "reason": str(r["excluded"])}
        for r in nr
        if r["excluded"]
    )
    elig = [r for r in nr if not r["excluded"]]
    ranked = sorted(nr, key=_rank_key)
    reg_rows = sorted((r for r in rows if r["regime"]), key=lambda r: -float(r["mean_share"]))
    regime = None
    if reg_rows:
        top = reg_rows[0]
        regime = {
            "candidate": str(top["candidate"]),
            "party": str(top["party"]),
            "expected_share": round(float(top["mean_share"]), 4),
            "share_low": round(float(top["share_low"]), 4),
            "share_high": round(float(top["share_high"]), 4),
            "p_first": round(float(top["p_first"]), 4),
        }
    reasons: list[str] = []
    data_used = dict(fc.data_used.get(race, {}))
    data_used["switch"] = switch
    data_used["sims"] = sims
    kind = "multi" if multi else "smd"
    if regime is None:
        reasons.append("no regime candidate in this race: p_win is the chance of finishing first")
    if not elig:
        reasons.append("no eligible challenger (all are the regime's or excluded)")
        reasons.extend(f"excluded: {e['candidate']}: {e['reason']}" for e in excluded)
        return Recommendation.no_pick(
            race,
            tuple(_alt(r) for r in ranked),
            tuple(reasons),
            kind=kind,
            seats=seats,
            regime=regime,
            excluded=excluded,
            spoilers=tuple(spoil),
            data_used=data_used,
        )
    if multi:
        cand = sorted(elig, key=lambda r: (-float(r["p_strongest"]), -float(r["p_win"])))
        picks = [r for r in cand if r["p_win"] >= MULTI_MIN_P_WIN][:seats] or cand[:1]
        best = picks[0]
        reasons.append(
            f"{seats} seats: endorsing {len(picks)} candidate(s) with at least {MULTI_MIN_P_WIN:.0%} chance of a seat"
        )
    else:
        best = elig[rule(elig, sims)]
        picks = [best]
    model_pick = str(best["candidate"])
    override = None
    if ov is not None:
        hit = [r for r in rows if r["name_key"] == ov["name_key"]]
        if not hit:
            raise InputError(
                Problem(
                    "override_candidate",
                    f"override names a candidate not standing in {race}",
                    value=str(ov["candidate"]),
                )
            )
        h = hit[0]
        if h["excluded"]:
            raise InputError(
                Problem(
                    "override_excluded",
                    f"override names an excluded candidate ({h['excluded']})",
                    value=str(ov["candidate"]),
                )
            )
        if h["regime"]:
            raise InputError(
                Problem(
                    "override_regime",
                    "override names the regime's candidate",
                    value=str(ov["candidate"]),
                )
            )
        override = {
            "candidate": str(h["candidate"]),
            "reason": str(ov["reason"]),
            "model_pick": model_pick,
        }
        best = h
        picks = ([h] + [r for r in picks if r is not h])[:seats] if multi else [h]
        reasons.append(f"manual override: {ov['reason']} (the model picked {model_pick})")
    reasons = _why(best, switch, multi) + reasons
    picked = {str(r["candidate"]) for r in picks}
    others = sorted((r for r in elig if str(r["candidate"]) not in picked), key=_rank_key)
    runner = others[0] if others else None
    margin = float(best["p_win"] - runner["p_win"]) if runner is not None else float(best["p_win"])
    close = bool(
        runner is not None
        and not multi
        and (
            abs(margin) < CLOSE_P_WIN
            or abs(float(best["p_strongest"] - runner["p_strongest"])) < CLOSE_P_STRONGEST
        )
    )
    if close and runner is not None:
        reasons.append(
            f"close call: {runner['candidate']} has p_win {_pct(runner['p_win'])} and p_strongest {_pct(runner['p_strongest'])}"
        )
    reasons.extend(f"excluded: {e['candidate']}: {e['reason']}" for e in excluded)
    reasons.extend(f"possible spoiler: {s['candidate']}: {s['evidence']}" for s in spoil)
    return Recommendation(
        race=race,
        endorsed=str(best["candidate"]),
        party=str(best["party"]),
        p_strongest=float(best["p_strongest"]),
        p_win=float(best["p_win"]),
        margin=margin,
        close_call=close,
        alternatives=tuple(_alt(r) for r in ranked if str(r["candidate"]) not in picked),
        reasons=tuple(reasons),
        kind=kind,
        seats=seats,
        endorsed_all=tuple(str(r["candidate"]) for r in picks),
        expected_share=float(best["mean_share"]),
        regime=regime,
        excluded=excluded,
        override=override,
        model_pick=model_pick,
        spoilers=tuple(spoil),
        data_used=data_used,
    )
