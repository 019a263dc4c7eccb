"""Core behaviour of ``recommend``: picks, JSON contract, exclusions, overrides, spoilers,
multi-seat and list races, polls, and the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from tests.recommend._small import candidates_frame, write_small
from typer.testing import CliRunner

from smartvote.cli import app
from smartvote.errors import InputError
from smartvote.publish.recommendations import check_recommendations
from smartvote.recommend import run_recommend

SIMS = 4000


def _by_race(recs: list[dict]) -> dict[str, dict]:
    return {r["race"]: r for r in recs}


@pytest.mark.slow
def test_two_party_plus_picks_the_local_runner_up(tmp_path: Path) -> None:
    h, c = write_small(tmp_path)
    recs = _by_race(run_recommend(c, [h], sims=SIMS).to_list())
    assert recs["uk-2024/smd/A"]["endorsed"] == "Red Candidate A"  # stood again, strong second
    assert recs["uk-2024/smd/B"]["endorsed"] == "Yellow Newcomer B"  # Yellow second here
    assert recs["uk-2024/smd/C"]["party"] == "Red"
    a = recs["uk-2024/smd/A"]
    assert a["p_strongest"] > 0.9
    assert 0 < a["p_win"] < 1
    assert a["alternatives"][0]["candidate"] == "Yellow Newcomer A"
    assert any("own result in uk-2019/smd/A" in r for r in a["reasons"])
    check_recommendations(run_recommend(c, [h], sims=SIMS).to_list())  # the publish contract


def test_excluded_never_endorsed_and_reason_shown(tmp_path: Path) -> None:
    h, _ = write_small(tmp_path)
    cf = candidates_frame()
    cf["excluded"] = ""
    cf.loc[cf["candidate"] == "Red Candidate A", "excluded"] = "campaign red line"
    p = tmp_path / "c.csv"
    cf.to_csv(p, index=False)
    a = _by_race(run_recommend(p, [h], sims=SIMS).to_list())["uk-2024/smd/A"]
    assert a["endorsed"] == "Yellow Newcomer A"
    assert a["excluded"] == [{"candidate": "Red Candidate A", "reason": "campaign red line"}]
    assert any("campaign red line" in r for r in a["reasons"])


def test_override_recorded_with_reason(tmp_path: Path) -> None:
    h, c = write_small(tmp_path)
    ov = tmp_path / "ov.csv"
    pd.DataFrame(
        [{"race": "uk-2024/smd/A", "candidate": "green newcomer a", "reason": "local deal"}]
    ).to_csv(ov, index=False)
    a = _by_race(run_recommend(c, [h], overrides=ov, sims=SIMS).to_list())["uk-2024/smd/A"]
    assert a["endorsed"] == "Green Newcomer A"
    assert a["override"] == {
        "candidate": "Green Newcomer A",
        "reason": "local deal",
        "model_pick": "Red Candidate A",
    }
    pd.DataFrame([{"race": "uk-2024/smd/A", "candidate": "Blue Newcomer A", "reason": "x"}]).to_csv(
        ov, index=False
    )
    with pytest.raises(InputError) as e:
        run_recommend(c, [h], overrides=ov, sims=SIMS)
    assert e.value.rule == "override_regime"


def test_spoilers_flagged_not_excluded(tmp_path: Path) -> None:
    h, _ = write_small(tmp_path)
    cf = candidates_frame()
    cf = pd.concat(
        [
            cf,
            pd.DataFrame(
                [
                    {
                        "race": "uk-2024/smd/A",
                        "candidate": "Red Impostor",
                        "party": "Fake",
                        "regime": False,
                    }
                ]
            ),
        ]
    )
    p, sp = tmp_path / "c.csv", tmp_path / "sp.csv"
    cf.to_csv(p, index=False)
    pd.DataFrame([{"party": "Fake", "reason": "registers decoys"}]).to_csv(sp, index=False)
    a = _by_race(run_recommend(p, [h], spoilers=sp, sims=SIMS).to_list())["uk-2024/smd/A"]
    kinds = {(s["candidate"], s["kind"]) for s in a["spoilers"]}
    assert ("Red Impostor", "namesake") in kinds and ("Red Candidate A", "namesake") in kinds
    assert ("Red Impostor", "spoiler_party") in kinds
    assert a["endorsed"] == "Red Candidate A"
    assert "Red Impostor" in [x["candidate"] for x in a["alternatives"]]


def test_multi_seat_endorses_up_to_seats(tmp_path: Path) -> None:
    h, _ = write_small(tmp_path)
    cf = candidates_frame()
    cf["seats"] = 1
    cf.loc[cf["race"] == "uk-2024/smd/A", "seats"] = 2
    p = tmp_path / "c.csv"
    cf.to_csv(p, index=False)
    a = _by_race(run_recommend(p, [h], sims=SIMS).to_list())["uk-2024/smd/A"]
    assert a["kind"] == "multi" and a["seats"] == 2
    assert 1 <= len(a["endorsed_all"]) <= 2
    assert a["endorsed_all"][0] == "Red Candidate A"


def test_list_race_threshold(tmp_path: Path) -> None:
    rows = []
    shares = {"Ruling": 500, "Left": 200, "Liberal": 60, "Tiny": 10, "Mid": 90}
    for s in range(20):
        for p, v in shares.items():
            rows.append(
                {
                    "race": "land-2020/list",
                    "unit": f"R/{s}",
                    "candidate": p,
                    "votes": v + s,
                    "party": p,
                    "regime": p == "Ruling",
                }
            )
    h = tmp_path / "land-2020.csv"
    pd.DataFrame(rows).to_csv(h, index=False)
    c = tmp_path / "c.csv"
    pd.DataFrame(
        [
            {"race": "land-2025/list", "candidate": p, "party": p, "regime": p == "Ruling"}
            for p in [*shares, "Brand New"]
        ]
    ).to_csv(c, index=False)
    rec = run_recommend(c, [h], threshold=0.05, sims=SIMS).to_list()[0]
    assert rec["kind"] == "list" and rec["endorsed"] == "Left"
    p_pass = {a["candidate"]: a["evidence"]["p_pass"] for a in rec["alternatives"]}
    assert p_pass["Tiny"] < 0.2 < 0.5 < p_pass["Mid"]
    assert "Ruling" not in p_pass
    assert "Mid" in rec["endorsed_all"] and "Tiny" not in rec["endorsed_all"]


@pytest.mark.slow
def test_poll_moves_the_pick(tmp_path: Path) -> None:
    h, c = write_small(tmp_path)
    polls = tmp_path / "polls.csv"
    pd.DataFrame(
        [
            {
                "race": "uk-2024/smd/C",
                "party": "Green",
                "share": 35,
                "sample_size": 1500,
                "date": "2024-06-01",
            },
            {
                "race": "uk-2024/smd/C",
                "party": "Red",
                "share": 8,
                "sample_size": 1500,
                "date": "2024-06-01",
            },
        ]
    ).to_csv(polls, index=False)
    base = _by_race(run_recommend(c, [h], sims=SIMS).to_list())["uk-2024/smd/C"]
    polled = _by_race(run_recommend(c, [h], polls=polls, sims=SIMS).to_list())["uk-2024/smd/C"]
    assert base["party"] == "Red" and polled["party"] == "Green"
    assert any("poll" in r for r in polled["reasons"])


def test_cli_recommend_json_and_errors(tmp_path: Path) -> None:
    h, c = write_small(tmp_path)
    r = CliRunner().invoke(
        app, ["recommend", "--candidates", str(c), "--history", str(h), "--sims", "2000", "--json"]
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert len(data) == 3 and {
        "race",
        "endorsed",
        "party",
        "p_strongest",
        "p_win",
        "alternatives",
        "reasons",
        "close_call",
        "margin",
        "excluded",
        "override",
        "data_used",
    } <= set(data[0])
    bad = tmp_path / "bad.csv"
    bad.write_text("race,name\nx,y\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["recommend", "--candidates", str(bad), "--history", str(h)])
    assert r.exit_code == 2 and "columns" in r.output


@pytest.mark.slow
def test_cli_backtest_small(tmp_path: Path) -> None:
    h, c = write_small(tmp_path)
    actual = tmp_path / "actual.csv"
    rows = []
    for d, (b, r, y, g) in {
        "A": (900, 800, 200, 100),
        "B": (900, 300, 700, 100),
        "C": (900, 100, 150, 300),
    }.items():
        cf = candidates_frame()
        names = cf.loc[cf["race"] == f"uk-2024/smd/{d}", "candidate"].tolist()
        for n, v in zip(names, (b, r, y, g), strict=True):
            rows.append(
                {"race": f"uk-2024/smd/{d}", "unit": f"uk-2024/smd/{d}", "candidate": n, "votes": v}
            )
    pd.DataFrame(rows).to_csv(actual, index=False)
    endo = tmp_path / "e.csv"
    pd.DataFrame([{"race": "uk-2024/smd/C", "candidate": "Green Newcomer C"}]).to_csv(
        endo, index=False
    )
    r = CliRunner().invoke(
        app,
        [
            "backtest",
            "--candidates",
            str(c),
            "--history",
            str(h),
            "--actual",
            str(actual),
            "--endorsements",
            str(endo),
            "--sims",
            "2000",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["races"] == 3 and d["correct"] == 2 and d["accuracy"] == pytest.approx(2 / 3, abs=1e-3)
    assert d["endorsements"]["races"] == 1 and d["endorsements"]["correct"] == 1
    assert 0 <= d["brier"] <= 2 and sum(b["n"] for b in d["reliability"]) == 9


def test_cli_tables_print_names_with_brackets_as_they_are(tmp_path: Path) -> None:
    """Names are data: rich markup in them (``[/b]``, ``[bold red]``) is printed literally,
    never interpreted (a closing tag crashed every table with a traceback)."""
    rows = [
        ("r/1", "Reg", "RP", 500, True),
        ("r/1", "[/b] <b>Ann</b>", 'Party "Q"', 300, False),
        ("r/1", "[bold red]Bob", "B", 200, False),
    ]
    h = tmp_path / "hist.csv"
    pd.DataFrame(
        [
            {"race": r, "unit": r, "candidate": c, "party": p, "votes": v, "regime": g}
            for r, c, p, v, g in rows
        ]
    ).to_csv(h, index=False)
    c = tmp_path / "cands.csv"
    pd.DataFrame(
        [{"race": r, "candidate": n, "party": p, "regime": g} for r, n, p, _, g in rows]
    ).to_csv(c, index=False)
    res = CliRunner().invoke(
        app, ["recommend", "--candidates", str(c), "--history", str(h), "--sims", "2000"]
    )
    assert res.exit_code == 0, res.output
    assert "[/b]" in res.stdout  # the cell may wrap: the brackets are there, uninterpreted
    assert "[bold" in res.stdout and "red]Bob" in res.stdout


def test_cli_recommend_table_shows_whole_race_ids(tmp_path: Path) -> None:
    """Race ids tell the rows apart: an 80-column table shows them whole, not ``uk-ge/E1400…``,
    and the endorsed candidate's name whole."""
    races = [f"uk-ge/E140005{i:02d}" for i in range(3)]
    hist = [
        {"race": r, "unit": r, "candidate": c, "party": c, "votes": v, "regime": c == "Con"}
        for r in races
        for c, v in (("Con", 500), ("Liberal Democrat Candidate", 300), ("Lab", 200))
    ]
    h = tmp_path / "hist.csv"
    pd.DataFrame(hist).to_csv(h, index=False)
    c = tmp_path / "cands.csv"
    pd.DataFrame(hist).drop(columns=["unit", "votes"]).to_csv(c, index=False)
    res = CliRunner().invoke(
        app,
        ["recommend", "--candidates", str(c), "--history", str(h), "--sims", "2000"],
        env={"COLUMNS": "80"},
    )
    assert res.exit_code == 0, res.output
    for r in races:
        assert r in res.stdout
    assert "…" not in res.stdout  # names wrap, never lose letters
    rows = [ln for ln in res.stdout.splitlines() if ln.startswith(("│", "┃", "└"))]
    assert rows and all(ln.rstrip()[-1] in "│┃┘" for ln in rows)  # not cropped at 80


@pytest.mark.parametrize("command", ["recommend", "backtest"])
def test_cli_help_names_every_join_and_input(command: str) -> None:
    """The help lists the race-id join that ``auto`` tries first, says what --polls holds,
    and names --history/--election by what they take (not ``<list[Path]>``)."""
    r = CliRunner().invoke(app, [command, "--help"])
    assert r.exit_code == 0
    text = " ".join(r.stdout.split())  # click wraps the lines
    assert "same race id" in text and "| race |" in text
    assert "list[" not in text
    assert "sample_size" in text


def test_cli_table_flags_uninformed_races_loudly(tmp_path: Path) -> None:
    """With --allow-uninformed, a race nothing reaches is flagged in the table and named
    under it; its prior-only runner-up figure is not shown as if it were a forecast."""
    h, c = write_small(tmp_path)
    cands = pd.read_csv(c)
    lone = cands[cands["race"] == cands["race"].iloc[0]].assign(race="uk-2024/smd/Z")
    pd.concat([cands, lone]).to_csv(c, index=False)
    args = ["recommend", "--candidates", str(c), "--history", str(h), "--sims", "2000"]
    r = CliRunner().invoke(app, [*args, "--allow-uninformed"], env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    row = next(ln for ln in r.stdout.splitlines() if "uk-2024/smd/Z" in ln and "│" in ln)
    assert "UNINFORMED" in row and "%" not in row
    assert "1 race(s) UNINFORMED" in r.stdout


def test_cli_backtest_says_which_races_it_did_not_score(tmp_path: Path) -> None:
    """Races of the candidates file that the backtest cannot score are listed with the
    reason (``not_scored``), never dropped silently: one missing from --actual, one with
    the regime's candidate alone."""
    h, c = write_small(tmp_path)
    cands = pd.read_csv(c)
    solo = cands[cands["regime"].astype(str).str.lower() == "true"].iloc[[0]]
    pd.concat([cands, solo.assign(race="uk-2024/smd/S")]).to_csv(c, index=False)
    actual = tmp_path / "actual.csv"
    act = cands[cands["race"] != "uk-2024/smd/C"][["race", "candidate"]]
    act.assign(unit=act["race"], votes=range(100, 100 + len(act))).to_csv(actual, index=False)
    args = ["backtest", "--candidates", str(c), "--history", str(h), "--actual", str(actual)]
    r = CliRunner().invoke(app, [*args, "--sims", "2000", "--json"])
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["not_scored"] == {"not_in_actual": ["uk-2024/smd/C"], "no_pick": ["uk-2024/smd/S"]}
    assert d["races"] == 2
    r = CliRunner().invoke(app, [*args, "--sims", "2000"], env={"COLUMNS": "200"})
    assert "NOT scored: uk-2024/smd/C" in r.stdout


def test_cli_table_says_why_a_race_has_no_pick(tmp_path: Path) -> None:
    """A race where the regime's candidate stands alone shows why it has no endorsement
    (``no_eligible``), not a bare dash."""
    h, c = write_small(tmp_path)
    cands = pd.read_csv(c)
    solo = cands[cands["regime"].astype(str).str.lower() == "true"].iloc[[0]]
    pd.concat([cands, solo.assign(race="uk-2024/smd/S")]).to_csv(c, index=False)
    args = ["recommend", "--candidates", str(c), "--history", str(h), "--sims", "2000"]
    r = CliRunner().invoke(app, args, env={"COLUMNS": "200"})
    assert r.exit_code == 0, r.output
    row = next(ln for ln in r.stdout.splitlines() if "uk-2024/smd/S" in ln)
    assert "no_eligible" in row
