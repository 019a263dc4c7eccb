"""The command line: JSON output, summaries, and errors without tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from smartvote.cli import app

runner = CliRunner()


@pytest.mark.slow
def test_ingest_show_elections_json(sim_dir: Path, tmp_db: Path) -> None:
    r = runner.invoke(
        app,
        [
            "ingest",
            str(sim_dir / "sim-2026.csv"),
            str(sim_dir / "sim-2026-smd.csv"),
            "--db",
            str(tmp_db),
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    s = json.loads(r.stdout)
    assert s["election"] == "sim-2026" and s["stations"] == 8000
    r = runner.invoke(app, ["show", "sim-2026", "--db", str(tmp_db), "--json"])
    show = json.loads(r.stdout)
    truth = json.loads((sim_dir / "truth.json").read_text(encoding="utf-8"))
    assert show["stations"] == 4000
    assert show["registered"] == truth["registered"]
    assert show["leader"] == truth["leader"]
    assert abs(show["leader_share"] - truth["official_leader_share"]) < 1e-9
    assert abs(show["turnout"] - truth["official_turnout"]) < 1e-9
    r = runner.invoke(app, ["elections", "--db", str(tmp_db), "--json"])
    assert [e["election"] for e in json.loads(r.stdout)] == ["sim-2026"]


def test_bad_file_exits_2_with_location(tmp_path: Path, tmp_db: Path) -> None:
    p = tmp_path / "bad.csv"
    pd.DataFrame({"race": ["r"], "unit": ["u"], "candidate": ["c"], "votes": ["lots"]}).to_csv(
        p, index=False
    )
    r = runner.invoke(app, ["ingest", str(p), "--db", str(tmp_db)])
    assert r.exit_code == 2
    assert "bad.csv" in r.output and "row 2" in r.output and "[integer]" in r.output
    assert "Traceback" not in r.output


def test_unknown_format(tmp_path: Path, tmp_db: Path) -> None:
    p = tmp_path / "x.csv"
    p.write_text("a,b\n1,2\n", encoding="utf-8")
    r = runner.invoke(app, ["ingest", str(p), "--db", str(tmp_db)])
    assert r.exit_code == 2 and "[format]" in r.output


def test_simulate_command(tmp_path: Path) -> None:
    r = runner.invoke(
        app,
        [
            "simulate",
            "--out",
            str(tmp_path),
            "--stations",
            "300",
            "--stuffing-share",
            "0.2",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    d = json.loads(r.stdout)
    assert d["truth"]["fraud_stations"]["stuffing"] == 60
    assert Path(d["files"]["protocols"]).exists()


def test_json_error_document(tmp_path: Path, tmp_db: Path) -> None:
    p = tmp_path / "bad.csv"
    pd.DataFrame({"race": ["r"], "unit": ["u"], "candidate": ["c"], "votes": ["x"]}).to_csv(
        p, index=False
    )
    r = runner.invoke(app, ["ingest", str(p), "--db", str(tmp_db), "--json"])
    assert r.exit_code == 2
    doc = json.loads(r.stdout)
    assert doc["error"][0]["rule"] == "integer" and doc["error"][0]["row"] == 2


@pytest.mark.slow
def test_elections_counts_stations_once(sim_dir: Path, tmp_db: Path) -> None:
    runner.invoke(
        app,
        [
            "ingest",
            str(sim_dir / "sim-2026.csv"),
            str(sim_dir / "sim-2026-smd.csv"),
            "--db",
            str(tmp_db),
        ],
    )
    r = runner.invoke(app, ["elections", "--db", str(tmp_db), "--json"])
    e = json.loads(r.stdout)[0]
    truth = json.loads((sim_dir / "truth.json").read_text(encoding="utf-8"))
    assert e["units"] == 4000 and e["registered"] == truth["registered"]


@pytest.mark.slow
def test_header_only_inputs_are_clear_errors(sim_dir: Path, tmp_path: Path) -> None:
    cands = tmp_path / "cands.csv"
    cands.write_text("race,candidate,party\n", encoding="utf-8")
    r = runner.invoke(
        app,
        [
            "recommend",
            "--candidates",
            str(cands),
            "--history",
            str(sim_dir / "sim-2021-smd.csv"),
            "--json",
        ],
    )
    assert r.exit_code == 2, r.output
    assert json.loads(r.stdout)["error"][0]["rule"] == "candidates-empty"
    endo = tmp_path / "endo.csv"
    endo.write_text("race,candidate\n", encoding="utf-8")
    r = runner.invoke(
        app,
        [
            "assess",
            "--results",
            str(sim_dir / "sim-2026-smd.csv"),
            "--endorsements",
            str(endo),
            "--json",
        ],
    )
    assert r.exit_code == 2, r.output
    assert json.loads(r.stdout)["error"][0]["rule"] == "endorsements-empty"


def test_forensics_missing_file_is_not_found() -> None:
    r = runner.invoke(app, ["forensics", "/no/such/file.csv", "--json"])
    assert r.exit_code == 2
    assert json.loads(r.stdout)["error"][0]["rule"] == "exists"


def test_simulate_refuses_districts_left_without_a_station(tmp_path: Path) -> None:
    """100 stations over 40 districts leave some district empty: exit 2 with the rule and
    the way out, not an IndexError (it crashed before); with fewer districts it runs."""
    args = ["simulate", "--out", str(tmp_path), "--stations", "100", "--json"]
    r = runner.invoke(app, args)
    assert r.exit_code == 2, r.output
    err = json.loads(r.stdout)["error"][0]
    assert err["rule"] == "stations" and "without a station" in err["detail"]
    assert not any(tmp_path.iterdir())
    r = runner.invoke(app, [*args, "--districts", "2", "--regions", "2"])
    assert r.exit_code == 0, r.output


def test_forensics_refuses_an_uncontested_race_and_misread_issued_lines(tmp_path: Path) -> None:
    """Two inputs whose numbers cannot be read, refused with exit 2 and the rule instead of
    a ZeroDivisionError (no other valid votes anywhere) or a confident suite on a turnout of
    a few per cent (the in-room ballots-issued line renamed, so read as a choice: ballots
    found far above ballots issued). The same file with its lines as written passes."""
    import pandas as pd

    from smartvote.simulate import simulate

    simulate(seed=1, stations=300, regions=10, smd=False).write(tmp_path)
    src = tmp_path / "sim-2026.csv"
    assert runner.invoke(app, ["forensics", str(src), "--json"]).exit_code == 0
    frame = pd.read_csv(src)
    parties = [c for c in frame.columns if "партия" in c]
    valid = "Число действительных избирательных бюллетеней"
    uncontested = frame.copy()
    uncontested[parties[0]] = uncontested[valid]
    uncontested[parties[1:]] = 0
    uncontested.to_csv(bad := tmp_path / "uncontested.csv", index=False)
    r = runner.invoke(app, ["forensics", str(bad), "--json"])
    assert r.exit_code == 2, r.output
    err = json.loads(r.stdout)["error"][0]
    assert err["rule"] == "stations" and "no valid votes at any of the 300" in err["detail"]
    in_room = (
        "Число избирательных бюллетеней, выданных в помещении для голосования в день голосования"
    )
    frame.rename(columns={in_room: "Выдано в помещении"}).to_csv(
        bad := tmp_path / "renamed.csv", index=False
    )
    r = runner.invoke(app, ["forensics", str(bad), "--json"])
    assert r.exit_code == 2, r.output
    err = json.loads(r.stdout)["error"][0]
    assert err["rule"] == "stations" and "exceed ballots issued" in err["detail"]
