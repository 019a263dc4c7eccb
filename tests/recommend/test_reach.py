"""How history reaches a race (same race id, district number, stations), what ``data_used``
says about it, and the refusal to guess where nothing reaches (DESIGN.md ``recommend``)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.recommend._small import candidates_frame, history_frame
from typer.testing import CliRunner

from smartvote.cli import app
from smartvote.errors import InputError
from smartvote.recommend import run_recommend

SIMS = 2000


def _shape(tmp: Path, shape: str) -> dict[str, Path]:
    """The small election in one of three shapes of race ids (no file-name convention:
    the files are called ``before.csv`` and ``after.csv`` in every shape)."""
    h = history_frame()
    c = candidates_frame()
    d = h["race"].str[-1]
    out: dict[str, Path] = {}
    if shape == "race":  # the same race ids in both elections, a different election name
        h["race"] = "shire/" + d
        c["race"] = "shire/" + c["race"].str[-1]
    elif shape == "district":  # district numbers of the same family (the race id's head)
        h["race"] = "council-2019/smd/" + d
        c["race"] = "council-2024/smd/" + c["race"].str[-1]
        h["election"] = "anything"
    elif shape == "stations":  # unrelated ids: only the stations join them
        h["race"] = "old-ward-" + d
        c["race"] = "new-division-" + c["race"].str[-1]
        st = pd.DataFrame(
            [
                {"unit": f"shire/{x}{s}", "race": f"new-division-{x}"}  # case differs on purpose
                for x in "ABC"
                for s in range(4)
            ]
        )
        out["stations"] = tmp / "stations.csv"
        st.to_csv(out["stations"], index=False)
    h = h.drop(columns="election")
    out["history"] = tmp / "before.csv"
    out["candidates"] = tmp / "after.csv"
    h.to_csv(out["history"], index=False)
    c.to_csv(out["candidates"], index=False)
    return out


@pytest.mark.parametrize(
    ("shape", "join"), [("race", "race"), ("district", "district"), ("stations", "stations")]
)
def test_history_reaches_every_race_in_three_shapes(tmp_path: Path, shape: str, join: str) -> None:
    f = _shape(tmp_path, shape)
    recs = run_recommend(
        f["candidates"], [f["history"]], stations=f.get("stations"), sims=SIMS
    ).to_list()
    assert len(recs) == 3
    by = {r["race"][-1]: r for r in recs}
    for r in recs:
        hist = r["data_used"]["history"]
        assert len(hist) == 1 and hist[0]["join"] == join  # exactly what reached it
        assert hist[0]["race"][-1] == r["race"][-1]  # the right earlier race
        assert hist[0]["units"] == 4 and hist[0]["coverage"] == 1.0
        assert not r.get("uninformed")
    # The picks follow the history: Red second in A and C, Yellow second in B.
    assert by["A"]["endorsed"] == "Red Candidate A"
    assert by["B"]["party"] == "Yellow" and by["C"]["party"] == "Red"
    ev = by["B"]["alternatives"][0]["evidence"]
    assert ev["basis"] in ("smd", "own") and ev["informed"]
    own = next(a for a in by["A"]["alternatives"] if a["party"] == "Yellow")
    assert own["evidence"]["party_smd_share"] > 0.1


def test_candidate_own_result_and_incumbency_by_name(tmp_path: Path) -> None:
    f = _shape(tmp_path, "race")
    c = pd.read_csv(f["candidates"])
    # The 2019 winner of A (Blue) stands again under a new label, matched by name.
    c.loc[(c["race"] == "shire/A") & (c["party"] == "Blue"), "candidate"] = "BLUE  candidate a"
    c.to_csv(f["candidates"], index=False)
    run = run_recommend(f["candidates"], [f["history"]], sims=SIMS)
    t = run.table.set_index("candidate")
    assert t.loc["BLUE  candidate a", "own_here"] and t.loc["BLUE  candidate a", "incumbent"]
    assert t.loc["Red Candidate A", "own_share"] == pytest.approx(0.35, abs=0.03)
    assert not t.loc["Red Candidate A", "incumbent"]  # stood, did not win


def test_party_by_alias_key(tmp_path: Path) -> None:
    """UK labels: the party code of one file reaches the party name of the other."""
    h = history_frame(parties=("Con", "Lab", "LD", "Green")).drop(columns="election")
    h["race"] = "uk/" + h["race"].str[-1]
    c = candidates_frame(
        parties=("Conservative", "Labour Party", "Liberal Democrats", "Green Party")
    )
    c["race"] = "uk/" + c["race"].str[-1]
    h.to_csv(tmp_path / "h.csv", index=False)
    c.to_csv(tmp_path / "c.csv", index=False)
    run = run_recommend(tmp_path / "c.csv", [tmp_path / "h.csv"], sims=SIMS)
    assert run.table["smd_share"].notna().all()  # every party found its earlier result
    by = {r.race: r for r in run.recommendations}
    assert by["uk/B"].party == "Liberal Democrats"


def _unreached(tmp: Path, n: int) -> tuple[Path, Path]:
    h = history_frame().drop(columns="election")
    h.to_csv(tmp / "h.csv", index=False)
    rows = [
        {"race": f"elsewhere/{i}", "candidate": f"{p} {i}", "party": p, "regime": p == "Blue"}
        for i in range(n)
        for p in ("Blue", "Red")
    ]
    pd.DataFrame(rows).to_csv(tmp / "c.csv", index=False)
    return tmp / "c.csv", tmp / "h.csv"


def test_no_silent_guess_names_races_and_what_would_reach_them(tmp_path: Path) -> None:
    c, h = _unreached(tmp_path, 25)
    with pytest.raises(InputError) as e:
        run_recommend(c, [h], sims=SIMS)
    msg = str(e.value)
    assert e.value.rule == "uninformed"
    assert "25 race(s)" in msg and "elsewhere/0" in msg and "and 5 more" in msg
    assert msg.count("elsewhere/") == 20
    assert "--stations" in msg and "same race ids" in msg and "--allow-uninformed" in msg


def test_allow_uninformed_gives_null_endorsement_with_reason(tmp_path: Path) -> None:
    c, h = _unreached(tmp_path, 2)
    recs = run_recommend(c, [h], sims=SIMS, allow_uninformed=True).to_list()
    for r in recs:
        assert r["endorsed"] is None and r["uninformed"] is True
        assert "no history and no poll reaches this race" in r["reason"]
        assert r["reason_codes"][-1]["code"] == "uninformed"
        assert any("без рекомендации" in x for x in r["reasons_ru"])


@pytest.mark.slow
def test_a_prior_alone_never_endorses(tmp_path: Path) -> None:
    """History reaches the race, but the only challenger it informs is excluded: the
    newcomer of an unknown party is not endorsed on the prior."""
    h = history_frame().drop(columns="election")
    h.to_csv(tmp_path / "h.csv", index=False)
    c = pd.DataFrame(
        [
            {"race": "uk-2024/smd/A", "candidate": "Blue A", "party": "Blue", "regime": True},
            {"race": "uk-2024/smd/A", "candidate": "Red A", "party": "Red", "excluded": "red line"},
            {"race": "uk-2024/smd/A", "candidate": "Purple A", "party": "Purple"},
        ]
    )
    c.to_csv(tmp_path / "c.csv", index=False)
    with pytest.raises(InputError, match="uninformed"):
        run_recommend(tmp_path / "c.csv", [tmp_path / "h.csv"], sims=SIMS)
    r = run_recommend(tmp_path / "c.csv", [tmp_path / "h.csv"], sims=SIMS, allow_uninformed=True)
    d = r.to_list()[0]
    assert d["endorsed"] is None and d["uninformed"]
    assert "history reaches this race but none of its eligible challengers" in d["reason"]
    assert d["data_used"]["history"]  # what reached it is still listed


@pytest.mark.slow
def test_cli_exit_2_and_allow_flag(tmp_path: Path) -> None:
    c, h = _unreached(tmp_path, 3)
    runner = CliRunner()
    args = ["recommend", "--candidates", str(c), "--history", str(h), "--sims", "500", "--json"]
    res = runner.invoke(app, args)
    assert res.exit_code == 2 and "uninformed" in res.output and "elsewhere/2" in res.output
    ok = runner.invoke(app, [*args, "--allow-uninformed"])
    assert ok.exit_code == 0, ok.output
    assert all(r["uninformed"] for r in json.loads(ok.stdout))


def test_race_name_and_bilingual_reasons(tmp_path: Path) -> None:
    f = _shape(tmp_path, "race")
    c = pd.read_csv(f["candidates"])
    c["race_name"] = "Округ " + c["race"].str[-1]
    c.to_csv(f["candidates"], index=False)
    for r in run_recommend(f["candidates"], [f["history"]], sims=SIMS).to_list():
        assert r["race_name"] == "Округ " + r["race"][-1]
        assert len(r["reasons"]) == len(r["reasons_ru"]) == len(r["reason_codes"])
        codes = [x["code"] for x in r["reason_codes"]]
        assert codes[:2] == ["beats_regime", "strongest"]
        assert r["reason_codes"][0]["switch"] == r["data_used"]["switch"]
        assert "побеждает кандидата власти" in r["reasons_ru"][0]
        assert "if 25% of other challengers' voters switch" in r["reasons"][0]


def test_switch_share_is_named_once() -> None:
    """Every constant in one place: the default switch is written only in params.py."""
    import smartvote.recommend as pkg

    src = Path(pkg.__file__).parent
    hits = [
        p.name
        for p in src.glob("*.py")
        if p.name != "params.py" and ("= 0.25" in p.read_text() or "=0.25" in p.read_text())
    ]
    assert hits == []


@pytest.mark.slow
def test_two_candidate_elections_calibrate_swing_and_drift(tmp_path: Path) -> None:
    """First-past-the-post history in two earlier elections (same race ids): the swing and
    drift are measured from them rather than taken from the priors."""
    rng = np.random.default_rng(1)
    frames = []
    for year, shift in (("2015", 0.0), ("2017", 0.3)):
        h = history_frame().drop(columns="election")
        h["race"] = "shire/" + h["race"].str[-1]
        bump = np.where(h["party"] == "Yellow", np.exp(shift), 1.0)
        noise = np.exp(rng.normal(0, 0.05, len(h)))
        h["votes"] = (h["votes"] * bump * noise).round().astype(int)
        h["election"] = f"shire-{year}"
        frames.append(h)
        h.to_csv(tmp_path / f"h{year}.csv", index=False)
    f = _shape(tmp_path, "race")
    run = run_recommend(
        f["candidates"], [tmp_path / "h2015.csv", tmp_path / "h2017.csv"], sims=SIMS
    )
    unc = run.forecast.uncertainty if run.forecast else None
    assert unc is not None and unc.calibrated
    assert unc.pair == ("shire-2015", "shire-2017")
    assert 0.05 < unc.sigma_swing < 0.4  # Yellow +0.3 against the others, centred
    assert unc.sigma_drift < 0.15  # area noise 0.05 per station, 4 stations per race
