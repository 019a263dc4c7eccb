"""Converters of the real St Petersburg, Moscow and Smart Voting files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from smartvote.convert import convert_moscow, convert_smart_voting, convert_spb
from smartvote.io.store import Store

pytestmark = pytest.mark.real_data


def test_spb_ingests_and_matches_district_totals(
    shared_data: Path, tmp_path: Path, tmp_db: Path
) -> None:
    p = convert_spb(shared_data, tmp_path)
    with Store(tmp_db) as st:
        st.ingest([p["duma_smd"], p["zaks_smd"]], progress=False)
        res = st.results("duma-2021")
        zaks = st.results("spb-zaks-2021")
    totals = pd.read_csv(shared_data / "ru_spb_2021" / "spb_duma2021_smd_district_totals.csv")
    got = res.groupby(["race", "candidate"])["votes"].sum()
    for r in totals.itertuples():
        assert got[(f"duma-2021/smd/{r.okrug}", r.candidate)] == r.votes
    assert res["race"].nunique() == 8 and zaks["race"].nunique() == 25
    assert res[res["endorsed"].fillna(False)].groupby("race")["candidate"].nunique().eq(1).all()
    stations = pd.read_csv(p["stations"])
    assert stations["unit"].nunique() == 2055
    assert set(stations["race"].str.split("/").str[0]) == {"duma-2021", "spb-zaks-2021"}


def test_spb_units_join_the_federal_list_file(
    shared_data: Path, tmp_path: Path, tmp_db: Path
) -> None:
    p = convert_spb(shared_data, tmp_path)
    with Store(tmp_db) as st:
        st.ingest(
            [shared_data / "ru_federal_precincts" / "2021.csv.zip", p["duma_smd"]], progress=False
        )
        n = st.sql(
            """SELECT count(DISTINCT s.unit) AS n FROM units s JOIN units l USING (election, unit)
               WHERE s.race LIKE 'duma-2021/smd/%' AND l.race = 'duma-2021/list'"""
        )["n"].iloc[0]
    assert n >= 2040


def test_moscow_paper_and_electronic(shared_data: Path, tmp_path: Path, tmp_db: Path) -> None:
    p = convert_moscow(shared_data, tmp_path)
    with Store(tmp_db) as st:
        st.ingest([p["duma_2016_smd"], p["duma_2021_smd"]], progress=False)
        r21 = st.results("duma-2021")
        r16 = st.results("duma-2016")
    assert r21["race"].nunique() == 15 and r16["race"].nunique() == 15
    src = pd.read_csv(shared_data / "ru_moscow_duma" / "moscow2021_duma_smd_inperson_vs_deg.csv")
    assert r21["votes"].sum() == src["votes_total"].sum()
    paper = r21[r21["channel"] == "paper"].sort_values("votes").groupby("race").tail(1)
    # Smart Voting candidates led the paper count in 8 of 15 districts (PROVENANCE.md).
    assert int(paper["endorsed"].sum()) == 8


def test_smart_voting_list(shared_data: Path, tmp_path: Path) -> None:
    p = convert_smart_voting(shared_data, tmp_path)
    df = pd.read_csv(p["endorsements"])
    assert len(df) == 225 and df["race"].nunique() == 225
