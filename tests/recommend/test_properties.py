"""Invariants of the picks (Hypothesis): permuting stations or renaming parties changes no
pick; adding votes to a challenger in the history never lowers its probabilities."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.recommend._small import PARTIES, candidates_frame, history_frame

from smartvote.recommend import run_recommend
from smartvote.recommend.history import HistElection, election_family

SIMS = 2000
SETTINGS = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _hist(df: pd.DataFrame) -> list[HistElection]:
    from smartvote.io.tidy import tidy_to_batch
    from smartvote.recommend.history import load_history

    return load_history([], elections=[tidy_to_batch(df.reset_index(drop=True), "mem.csv")])


def _picks(hist: list[HistElection], cands: pd.DataFrame) -> dict[str, tuple[str, float, float]]:
    from smartvote.recommend._inputs import read_candidates

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "candidates.csv"
        cands.to_csv(p, index=False)
        recs = run_recommend(read_candidates(p), hist, sims=SIMS).recommendations
    return {r.race: (str(r.endorsed), float(r.p_strongest or 0), float(r.p_win or 0)) for r in recs}


@SETTINGS
@given(seed=st.integers(0, 2**31 - 1))
@pytest.mark.slow
def test_permuting_stations_changes_no_pick(seed: int) -> None:
    df = history_frame()
    base = _picks(_hist(df), candidates_frame())
    perm = df.sample(frac=1.0, random_state=np.random.RandomState(seed % 2**32))
    again = _picks(_hist(perm), candidates_frame())
    assert {r: v[0] for r, v in again.items()} == {r: v[0] for r, v in base.items()}
    for r in base:
        assert again[r][1] == base[r][1] and again[r][2] == base[r][2]


@SETTINGS
@given(
    names=st.lists(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyzАБВГДЕЖ", min_size=3, max_size=10),
        min_size=4,
        max_size=4,
        unique_by=lambda s: s.casefold(),
    )
)
@pytest.mark.slow
def test_renaming_parties_changes_no_pick(names: list[str]) -> None:
    base = _picks(_hist(history_frame()), candidates_frame())
    new = tuple(f"Party {n}" for n in names)
    mapping = dict(zip(PARTIES, new, strict=True))
    h = history_frame(parties=new)
    c = candidates_frame(parties=new)
    # Candidate names carry the party label in this toy election: keep the people's names.
    rename = {
        f"{q} {rest}": f"{p} {rest}"
        for p, q in mapping.items()
        for rest in (
            "Candidate A",
            "Newcomer A",
            "Newcomer B",
            "Newcomer C",
            "Candidate B",
            "Candidate C",
        )
    }
    h["candidate"] = h["candidate"].map(lambda s: rename.get(s, s))
    c["candidate"] = c["candidate"].map(lambda s: rename.get(s, s))
    again = _picks(_hist(h), c)
    assert {r: v[0] for r, v in again.items()} == {r: v[0] for r, v in base.items()}


@SETTINGS
@given(
    district=st.sampled_from(["A", "B", "C"]),
    party=st.sampled_from(PARTIES[1:]),
    extra=st.integers(1, 400),
)
@pytest.mark.slow
def test_more_history_votes_never_lower_probability(district: str, party: str, extra: int) -> None:
    cands = candidates_frame()
    base = _probs(_hist(history_frame()), cands)
    more = _probs(_hist(history_frame(extra={(district, party): extra})), cands)
    key = cands.loc[
        (cands["race"] == f"uk-2024/smd/{district}") & (cands["party"] == party), "candidate"
    ].iloc[0]
    assert more[key][0] >= base[key][0] - 1e-12
    assert more[key][1] >= base[key][1] - 1e-12


def _probs(hist: list[HistElection], cands: pd.DataFrame) -> dict[str, tuple[float, float]]:
    from smartvote.recommend._inputs import read_candidates

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "candidates.csv"
        cands.to_csv(p, index=False)
        t = run_recommend(read_candidates(p), hist, sims=SIMS).table
    return {
        str(r["candidate"]): (float(r["p_strongest"]), float(r["p_win"])) for _, r in t.iterrows()
    }


def test_family_strips_year() -> None:
    assert election_family("duma-2016") == election_family("duma-2021") == "duma"
    assert election_family("spb-zaks-2021") == "spb-zaks"
