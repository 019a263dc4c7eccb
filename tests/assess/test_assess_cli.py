"""``smartvote assess`` end to end on written simulated files: JSON contract, report, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from smartvote.assess import assess, load
from smartvote.assess.demo import assess_demo, injected_effect_pp
from smartvote.assess.report import render


def _app() -> typer.Typer:
    """The real ``smartvote`` app (it, not each command, reports errors with exit code 2)."""
    from smartvote.cli import app

    return app


def _args(d: Path, baseline: bool = True) -> list[str]:
    a = ["assess", "--results", str(d / "sim-2026-smd.csv"), "--results", str(d / "sim-2026.csv")]
    a += ["--endorsements", str(d / "sim-2026-endorsements.csv"), "--boot", "300"]
    if baseline:
        a += ["--baseline", str(d / "sim-2021-smd.csv"), "--baseline", str(d / "sim-2021.csv")]
    return a


@pytest.fixture(scope="module")
def realistic_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A simulated election whose campaign picked from the previous election's results."""
    from smartvote.simulate import simulate

    d = tmp_path_factory.mktemp("sim-previous")
    simulate(
        seed=1,
        stations=4000,
        stuffing_share=0.1,
        integer_share=0.02,
        tactical_share=0.2,
        endorse_from="previous",
        support_persistence=0.8,
    ).write(d)
    return d


@pytest.mark.slow
def test_cli_json_contract_and_truth(realistic_dir: Path, tmp_path: Path) -> None:
    sim_dir = realistic_dir
    report = tmp_path / "r.html"
    res = CliRunner().invoke(_app(), [*_args(sim_dir), "--json", "--report", str(report)])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    e = doc["effect"]
    for k in ("estimate_pp", "ci_low_pp", "ci_high_pp", "method"):
        assert k in e
    assert e["design"] == "regression"
    truth = injected_effect_pp(
        json.loads((sim_dir / "truth.json").read_text(encoding="utf-8")), 0.2
    )
    # One run: the estimate within 4 of its own standard errors of the truth (a correct
    # interval misses that only with probability < 1e-4); coverage over seeds is tested in
    # test_campaign_designs.py and test_designs.py.
    se = (e["ci_high_pp"] - e["ci_low_pp"]) / 3.92
    assert abs(e["estimate_pp"] - truth) < 4 * se
    assert {d["design"] for d in doc["designs"]} == {"did", "regression", "swing", "split_ticket"}
    assert len(doc["races"]) == 40
    r0 = doc["races"][0]
    for k in (
        "endorsed",
        "share",
        "rank",
        "won",
        "margin_pp",
        "expected_share",
        "decisive",
        "won_on_clean_stations",
    ):
        assert k in r0
    won = sum(r["won"] for r in doc["races"])
    assert doc["endorsed_won"] == won
    assert set(doc["decisive"]) == {r["race"] for r in doc["races"] if r["decisive"]}
    assert doc["totals"]["falsified_votes_contested"] > 0
    # Decisive races are races the endorsed candidate won.
    assert all(r["won"] for r in doc["races"] if r["decisive"])
    html = report.read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "Decisive races by region" in html


@pytest.mark.slow
def test_cli_without_baseline_runs_split_ticket_only(sim_dir: Path) -> None:
    res = CliRunner().invoke(_app(), [*_args(sim_dir, baseline=False), "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["effect"]["design"] == "split_ticket"
    ran = {d["design"]: d["ran"] for d in doc["designs"]}
    assert ran == {"did": False, "regression": False, "swing": False, "split_ticket": True}


@pytest.mark.slow
def test_cli_bad_endorsements_file_is_a_clear_error(sim_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "e.csv"
    bad.write_text("district,name\n1,x\n", encoding="utf-8")
    args = _args(sim_dir, baseline=False)
    args[args.index("--endorsements") + 1] = str(bad)
    res = CliRunner().invoke(_app(), args)
    assert res.exit_code == 2
    assert "endorsement_columns" in res.output


def _tiny(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """Two hand-made races with an electronic channel; the endorsed name is hostile HTML."""
    rows = []
    for race, (r, a, b) in {"x/smd/1": (100, 120, 30), "x/smd/2": (100, 80, 30)}.items():
        for ch, f in (("paper", 1.0), ("electronic", 0.5)):
            unit = race if ch == "paper" else race + "/electronic"
            el = 60 if ch == "electronic" else 0
            rows += [
                dict(
                    race=race,
                    unit=unit,
                    candidate="Regime R",
                    votes=int(r * f) + el,
                    party="P",
                    regime=True,
                    channel=ch,
                    region="Reg <b>",
                ),
                dict(
                    race=race,
                    unit=unit,
                    candidate=name if race == "x/smd/1" else "Opp A",
                    votes=int(a * f),
                    party="Q",
                    regime=False,
                    channel=ch,
                    region="Reg <b>",
                ),
                dict(
                    race=race,
                    unit=unit,
                    candidate="Other O",
                    votes=int(b * f),
                    party="S",
                    regime=False,
                    channel=ch,
                    region="Reg <b>",
                ),
            ]
    res = tmp_path / "x.csv"
    pd.DataFrame(rows).to_csv(res, index=False)
    endo = tmp_path / "endo.csv"
    pd.DataFrame(
        {"race": ["x/smd/1", "x/smd/2", "x/smd/9"], "candidate": [name, "Opp A", "Nobody"]}
    ).to_csv(endo, index=False)
    return res, endo


@pytest.mark.slow
def test_paper_winner_and_escaped_report(tmp_path: Path) -> None:
    name = "<script>alert(1)</script> Иванов"
    res, endo = _tiny(tmp_path, name)
    a = assess(load([res], endo), n_boot=100)
    doc = a.to_dict()
    r1 = next(r for r in doc["races"] if r["race"] == "x/smd/1")
    # race 1: paper 120 vs 100 regime (endorsed ahead); electronic 60 vs 110: lost overall.
    assert r1["won_on_paper"] is True and r1["won"] is False and r1["could_have_won"] is True
    assert abs(r1["share"] - 100 * 180 / (180 + 210 + 45)) < 1e-9
    assert r1["rank"] == 2
    assert doc["paper_winners"][0]["paper_winner"] == name
    assert doc["effect"]["estimate_pp"] is None  # no list votes, no baseline: no design
    assert all(not d["ran"] and d["reason"] for d in doc["designs"])
    html = render(a)
    assert "<script>alert" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Reg <b>" not in html


@pytest.mark.slow
def test_simulated_campaign_without_list_vote_end_to_end(tmp_path: Path) -> None:
    """The case of issue 12: district totals, no list vote, parties renamed; the files
    as a campaign would have them, through the real command line."""
    d = tmp_path / "camp"
    res = CliRunner().invoke(
        _app(), ["simulate-campaign", "--out", str(d), "--seed", "5", "--renamed", "--json"]
    )
    assert res.exit_code == 0, res.output
    truth = json.loads(res.stdout)["effect_pp"]
    report = tmp_path / "c.html"
    args = ["assess", "--results", str(d / "council-2024.csv")]
    args += ["--baseline", str(d / "council-2019.csv")]
    args += ["--endorsements", str(d / "council-2024-endorsements.csv"), "--boot", "300"]
    res = CliRunner().invoke(
        _app(),
        [*args, "--party-aliases", str(d / "party-aliases.csv"), "--json", "--report", str(report)],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    ran = {x["design"] for x in doc["designs"] if x["ran"]}
    assert ran == {"regression", "swing"}
    assert doc["effect"]["design"] == "regression"
    reg = next(x for x in doc["designs"] if x["design"] == "regression")
    assert sum(reg["pairs"]["endorsed"].values()) == 45
    assert reg["pairs"]["endorsed"]["candidate"] > 0 and reg["pairs"]["endorsed"]["party"] > 0
    # Without the alias file the renamed parties pair with nothing: fewer party pairs.
    res = CliRunner().invoke(_app(), [*args, "--json"])
    plain = next(x for x in json.loads(res.stdout)["designs"] if x["design"] == "regression")
    assert plain["pairs"]["others"]["party"] < reg["pairs"]["others"]["party"]
    assert truth > 0
    html = report.read_text(encoding="utf-8")
    assert "Assumptions of each design" in html and "P(decisive) (regression)" in html
    # Bad alias file: a clear error, exit 2.
    bad = tmp_path / "aliases.csv"
    bad.write_text("name,party\nx,y\n", encoding="utf-8")
    res = CliRunner().invoke(_app(), [*args, "--party-aliases", str(bad)])
    assert res.exit_code == 2 and "alias_columns" in res.output


@pytest.mark.slow
def test_assess_demo_reports_truth(tmp_path: Path) -> None:
    d = assess_demo(n_boot=300, report=tmp_path / "demo.html")
    assert d["truth"]["effect_pp"] > 0
    e = d["effect"]
    se = (e["ci_high_pp"] - e["ci_low_pp"]) / 3.92
    assert abs(e["estimate_pp"] - d["truth"]["effect_pp"]) < 4 * se
    assert (tmp_path / "demo.html").stat().st_size > 10_000


@pytest.mark.slow
def test_races_matched_by_race_id_when_the_files_give_no_district(tmp_path: Path) -> None:
    """Files as a city campaign may have them: no district column, race ids without a
    district number pattern, reused at both elections. Pairing and totals match by race
    id and give what the district numbers give."""
    from smartvote.simulate_campaign import simulate_campaign

    camp = simulate_campaign(seed=6, races=20, tactical_share=0.2)
    with_d = camp.write(tmp_path / "a")
    b = tmp_path / "b"
    b.mkdir()
    for role in ("results", "baseline", "endorsements"):
        df = pd.read_csv(with_d[role])
        df["race"] = df["race"].str.replace("council/smd/", "city-council/")
        if "unit" in df.columns:
            df = df.drop(columns=["district", "election"]).assign(unit=df["race"])
        df.to_csv(b / with_d[role].name, index=False)

    def run(d: Path) -> dict[str, object]:
        args = ["assess", "--results", str(d / "council-2024.csv")]
        args += ["--baseline", str(d / "council-2019.csv"), "--boot", "200", "--json"]
        args += ["--endorsements", str(d / "council-2024-endorsements.csv")]
        res = CliRunner().invoke(_app(), args)
        assert res.exit_code == 0, res.output
        return json.loads(res.stdout)

    x, y = run(tmp_path / "a"), run(b)
    assert x["effect"]["estimate_pp"] == pytest.approx(y["effect"]["estimate_pp"])
    assert x["designs"][0]["pairs"] == y["designs"][0]["pairs"]
    assert sum(x["designs"][0]["pairs"]["endorsed"].values()) == 20
    for k in ("regime_seats_previous", "regime_seats_lost", "seats_won_by_endorsed"):
        assert x["totals"][k] == y["totals"][k]
    assert x["totals"]["regime_seats_previous"] <= 20


@pytest.mark.slow
def test_cli_tables_show_names_and_race_ids_as_they_are(tmp_path: Path) -> None:
    """The assess tables print a bracketed name as it is (no rich-escape backslash) and
    race ids whole (the races table cut them to ``counci…``)."""
    res, endo = _tiny(tmp_path, "[/b] Ann")
    r = CliRunner().invoke(
        _app(),
        ["assess", "--results", str(res), "--endorsements", str(endo), "--boot", "100"],
        env={"COLUMNS": "80"},
    )
    assert r.exit_code == 0, r.output
    assert "[/b]" in r.stdout and "\\[" not in r.stdout
    assert "x/smd/1 " in r.stdout and "x/smd/2 " in r.stdout and "…" not in r.stdout
