"""Party swing from the last list election to the target, learned from history.

Between two party-list elections the parties' national levels move a lot (Russia: the
KPRF −0.36 and LDPR +0.11 on the log scale 2011→2016, then +0.35 and −0.54 2016→2021).
A list election's local pattern alone cannot see such a swing; a *later* election of
another kind can, when its candidates are tied to parties. Presidential candidates carry
no party in the CIK files, so a candidate → nominating-party table is shipped as data
(``smartvote/data/nominations.csv``: ``candidate, party[, basis, years]``; public facts;
``--nominations FILE`` replaces it) and applied to the non-list elections of the history.

Model (a "leading indicator" regression, in the spirit of the fundamentals-plus-interim
signal forecasts of e.g. Lewis-Beck & Rice 1992, *Forecasting Elections*, and the
national-swing structure of Gelman & King 1994, AJPS 38:514). For a party p with a
nominee in a signal election P held between list elections L and L':

    log L'_p − log L_p = a + c · (log P_p − log L_p) + u_p,      u_p ~ N(0, σ_u²)

(all national shares). ``x = log P_p − log L_p`` is how the party's candidate did against
the party's last list result; ``c`` is how much of that carries into the next list vote.
(a, c, σ_u) are fitted by least squares on every earlier (L, P, L') triple in the
history (e.g. 2007 → 2008 → 2011 and 2011 → 2012 → 2016), never on the target, and are
applied to the last list election and the signal elections after it (e.g. 2016 → 2018 →
2021). Every race gets its party's national shift (an area-level ``x`` is available with
``local=True`` but was not supported out of sample, see :func:`local_shift`). The regime party is left out (its presidential
candidate's share measures the regime, not the party), as are parties below 1%.
``σ_u`` (leave-one-out) replaces the unexplained party swing of the simulation for parties
with a signal; parties without a nominee keep the swing spread measured between
consecutive list elections. With no triple in the history nothing is shifted (c = 0),
and the output says so: the swing is learned, never assumed.

Assumptions: a nominee's result tracks the nominating party's standing (true of the
Russian parliamentary parties' leaders; wrong for a party that lends its line to an
outsider, which the table records as such only when it was a formal nomination); the
relation between candidate result and later list result is stable across cycles.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from functools import cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from smartvote.errors import InputError, Problem
from smartvote.names import norm_name, party_key
from smartvote.recommend.history import HistElection, Targets, aggregate

__all__ = [
    "SwingModel",
    "apply_nominations",
    "fit_swing",
    "load_nominations",
    "national_shares",
]

MIN_SHARE = 0.01  # parties below 1% nationally are too noisy on the log scale
NOT_SIGNAL = ("list", "smd")  # every other race kind (president, tidy "race") can be a signal


def _signal_kinds(h: HistElection) -> tuple[str, ...]:
    return tuple(sorted(h.kinds - set(NOT_SIGNAL)))


@cache
def _default_nominations() -> pd.DataFrame:
    path = resources.files("smartvote") / "data" / "nominations.csv"
    with resources.as_file(path) as p:
        return _read_nominations(Path(p))


def _read_nominations(path: Path) -> pd.DataFrame:
    from smartvote.io.tidy import read_table

    df = read_table(path)
    df = df.rename(columns={c: str(c).strip().lower() for c in df.columns})
    for col in ("candidate", "party"):
        if col not in df.columns:
            raise InputError(Problem("columns", f"missing required column {col!r}", str(path), 1))
    out = pd.DataFrame(
        {
            "name_key": df["candidate"].astype("string").fillna("").map(norm_name),
            "party_key": df["party"].astype("string").fillna("").map(party_key),
            "years": (
                df["years"].astype("string").fillna("")
                if "years" in df.columns
                else pd.Series("", index=df.index)
            ),
        }
    )
    empty = (out["name_key"] == "") | (out["party_key"] == "")
    if p := Problem.first(empty, "required", "candidate and party needed", str(path)):
        raise InputError(p)
    return out


def load_nominations(path: str | Path | None = None) -> pd.DataFrame:
    """The candidate → party table (``name_key, party_key, years``); the shipped one by default.

    ``years`` (optional, space separated) restricts a row to elections of those years, for
    candidates nominated by different parties in different elections.
    """
    return _default_nominations() if path is None else _read_nominations(Path(path))


def apply_nominations(history: list[HistElection], noms: pd.DataFrame) -> list[HistElection]:
    """Give the candidates of non-list, non-single-member elections their nominating party.

    Only candidates without a party get one; list and single-member races are untouched.
    """
    out = []
    for h in history:
        r = h.results
        sig = ~r["kind"].isin(list(NOT_SIGNAL)) & (r["party_key"] == "")
        if not sig.any():
            out.append(h)
            continue
        yr = str(h.year)
        ok = noms[(noms["years"] == "") | noms["years"].str.split().map(lambda ys, y=yr: y in ys)]
        m = dict(zip(ok["name_key"], ok["party_key"], strict=True))
        r = r.copy()
        got = r.loc[sig, "name_key"].map(m).astype(object)
        r.loc[sig, "party_key"] = got.where(got.notna(), "").to_numpy()
        out.append(replace(h, results=r))
    return out


def national_shares(h: HistElection, kinds: tuple[str, ...] = ("list",)) -> pd.Series:
    """Party share of all votes cast for any choice in races of ``kinds`` (whole election)."""
    r = h.results[h.results["kind"].isin(list(kinds))]
    tot = float(r["votes"].sum())
    s = r[r["party_key"] != ""].groupby("party_key")["votes"].sum()
    return s / max(tot, 1.0)


def _regime_parties(h: HistElection) -> set[str]:
    r = h.results
    return {str(p) for p in r.loc[r["regime"], "party_key"].unique() if p}


@dataclass(frozen=True, slots=True)
class SwingModel:
    """Learned swing relation and the shift it predicts for the target (log scale)."""

    a: float = 0.0
    c: float = 0.0
    sigma_u: float = float("nan")
    n_points: int = 0
    triples: tuple[tuple[str, str, str], ...] = ()
    signal: tuple[str, ...] = ()
    learned: bool = False
    national_shift: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["triples"] = [list(t) for t in self.triples]
        d["signal"] = list(self.signal)
        d["national_shift"] = {k: round(v, 4) for k, v in self.national_shift.items()}
        return d


def _points(lst: HistElection, sig: list[HistElection], nxt: HistElection | None) -> pd.DataFrame:
    """Per party with a nominee: x = log P − log L (national), y = log L' − log L."""
    L = national_shares(lst)
    reg = _regime_parties(lst)
    P = pd.Series(dtype="float64")
    for s in sig:  # the latest signal election wins for a party
        ps = national_shares(s, _signal_kinds(s))
        P = ps.combine_first(P) if len(P) else ps
    keep = [p for p in P.index if p in L.index and p not in reg and L[p] >= MIN_SHARE]
    df = pd.DataFrame({"party_key": keep})
    df["x"] = np.log(P.reindex(keep).to_numpy()) - np.log(L.reindex(keep).to_numpy())
    if nxt is not None:
        L2 = national_shares(nxt)
        df["y"] = np.log(np.maximum(L2.reindex(keep).fillna(0).to_numpy(), 1e-4)) - np.log(
            L.reindex(keep).to_numpy()
        )
    return df


def fit_swing(history: list[HistElection]) -> SwingModel:
    """Fit (a, c, σ_u) on earlier triples and predict the national shift for the target."""
    lists = [h for h in history if "list" in h.kinds]
    sigs = [h for h in history if _signal_kinds(h)]
    if not lists:
        return SwingModel()
    pts = []
    triples = []
    for L, L2 in pairwise(lists):
        between = [s for s in sigs if L.year < s.year < L2.year]
        if not between:
            continue
        p = _points(L, between, L2)
        if len(p):
            pts.append(p)
            triples.append((L.election, ",".join(s.election for s in between), L2.election))
    last = lists[-1]
    after = [s for s in sigs if s.year > last.year]
    tgt = _points(last, after, None) if after else pd.DataFrame(columns=["party_key", "x"])
    base = SwingModel(triples=tuple(triples), signal=tuple(s.election for s in after))
    if not pts:
        return base
    d = pd.concat(pts, ignore_index=True)
    if len(d) < 4 or d["x"].nunique() < 3:
        return base
    X = np.column_stack([np.ones(len(d)), d["x"].to_numpy()])
    y = d["y"].to_numpy()
    coef = np.linalg.lstsq(X, y, rcond=None)[0]
    # Leave-one-out residuals: the error of predicting a party's swing it was not fitted on.
    loo = np.empty(len(d))
    for i in range(len(d)):
        m = np.arange(len(d)) != i
        ci = np.linalg.lstsq(X[m], y[m], rcond=None)[0]
        loo[i] = y[i] - X[i] @ ci
    shift = {
        str(p): float(coef[0] + coef[1] * x)
        for p, x in zip(tgt["party_key"], tgt["x"], strict=True)
    }
    return replace(
        base,
        a=float(coef[0]),
        c=float(coef[1]),
        sigma_u=float(np.sqrt(np.mean(loo**2))),
        n_points=len(d),
        learned=True,
        national_shift=shift,
    )


def local_shift(
    model: SwingModel,
    history: list[HistElection],
    targets: Targets,
    cands: pd.DataFrame,
    list_source: pd.Series,
    join: str = "auto",
    local: bool = False,
) -> np.ndarray:
    """Shift of each candidate's log list share (0 where the model has nothing to say).

    The national shift by default: (a, c) were fitted on national shares, and applying them
    to an area's own x (``local=True``: the signal over the race's stations against the
    list share over the same stations) is an extrapolation that the backtests did not
    support (a party whose local list vote rested on one local figure, e.g. Партия Роста in
    St Petersburg 2016, gets a large spurious negative shift).
    """
    shift = np.zeros(len(cands))
    if not model.learned or not model.national_shift:
        return shift
    pk = cands["party_key"].to_numpy(object)
    nat = np.array([model.national_shift.get(str(p), np.nan) for p in pk], dtype=float)
    have = np.isfinite(nat) & (list_source.to_numpy(object) != "")
    shift[have] = nat[have]
    by_name = {h.election: h for h in history}
    sigs = [by_name[s] for s in model.signal if s in by_name]
    if not local or not sigs or not have.any():
        return shift
    P_loc = pd.Series(dtype="float64")
    for s in sigs:
        a = aggregate(s, targets, kinds=_signal_kinds(s), join=join)
        if a.empty:
            continue
        ps = a[a["party_key"] != ""].groupby(["target", "party_key"])["share"].sum()
        P_loc = ps.combine_first(P_loc) if len(P_loc) else ps
    if P_loc.empty:
        return shift
    x_loc = np.full(len(cands), np.nan)
    for src in sorted(set(list_source[have])):
        L = by_name.get(str(src))
        if L is None:
            continue
        a = aggregate(L, targets, kinds=("list",), join=join)
        ls = a[a["party_key"] != ""].groupby(["target", "party_key"])["share"].sum()
        key = pd.MultiIndex.from_arrays([cands["race"], cands["party_key"]])
        p_v = P_loc.reindex(key).to_numpy(float)
        l_v = ls.reindex(key).to_numpy(float)
        m = have & (list_source.to_numpy(object) == src) & (p_v > 0) & (l_v > 0)
        x_loc[m] = np.log(p_v[m]) - np.log(l_v[m])
    ok = np.isfinite(x_loc)
    shift[ok] = model.a + model.c * x_loc[ok]
    return shift
