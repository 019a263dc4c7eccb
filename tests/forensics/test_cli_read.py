"""``smartvote forensics FILE`` reads the file in a thread beside the imports: a bad file
still ends in the reader's own error (file, row, rule) with exit code 2, and a good one
gives the same JSON as the suite called directly."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from smartvote.cli import app

runner = CliRunner()


def test_bad_file_read_in_the_thread_names_file_row_and_rule(tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    head = 'level,region,tik,uik,"Число избирателей, внесенных в список",Партия А,Партия Б'
    f.write_text(f"{head}\nЦИК,R1,T1,УИК №1,100,30,20\nЦИК,R1,T1,УИК №2,сто,30,20\n")
    r = runner.invoke(app, ["forensics", str(f), "--json"])
    assert r.exit_code == 2, r.output
    err = json.loads(r.stdout)["error"][0]
    assert err["file"].endswith("bad.csv")
    assert err["row"] == 3
    assert err["rule"]


def test_file_read_in_the_thread_gives_the_suite_result(sim_dir: Path) -> None:
    from smartvote.forensics.suite import run_file

    f = sim_dir / "sim-2026.csv"
    r = runner.invoke(app, ["forensics", str(f), "--json"])
    assert r.exit_code == 0, r.output
    got = json.loads(r.stdout)
    want = run_file(f).to_dict()
    for k in ("stations", "registered", "turnout", "leader_share"):
        assert got[k] == want[k]
    assert got["shpilkin"]["excess_votes"] == want["shpilkin"]["excess_votes"]
    assert got["integer"]["observed"] == want["integer"]["observed"]


def _constituency_totals(path: Path) -> None:
    """Results by constituency with registered voters but no ballots cast (the layout of a
    first-past-the-post results table such as ../shared/data/uk_ge2019/actual_2019.csv)."""
    rows = ["race,unit,candidate,party,votes,region,registered,regime"]
    for i in range(3):
        rows += [
            f"c{i},c{i},A,A,{300 + i},North,1000,True",
            f"c{i},c{i},B,B,{200 + i},North,1000,False",
        ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def test_file_without_station_protocols_is_refused(tmp_path: Path) -> None:
    """No row has ballots found: exit 2 naming the rule and why every row was left out
    (it crashed inside the excess estimate before)."""
    f = tmp_path / "totals.csv"
    _constituency_totals(f)
    r = runner.invoke(app, ["forensics", str(f), "--json"])
    assert r.exit_code == 2, r.output
    err = json.loads(r.stdout)["error"][0]
    assert err["rule"] == "stations"
    assert "of 3 counting units" in err["detail"] and "missing or zero found: 3" in err["detail"]


def test_uk_constituency_results_are_refused(shared_data: Path) -> None:
    f = shared_data / "uk_ge2019" / "actual_2019.csv"
    r = runner.invoke(app, ["forensics", str(f), "--json"])
    assert r.exit_code == 2, r.output
    err = json.loads(r.stdout)["error"][0]
    assert err["rule"] == "stations" and "missing or zero found: 632" in err["detail"]


def test_protocols_without_ballots_issued_say_so(tmp_path: Path) -> None:
    """A CIK table with no ballots-issued line leaves every row out as "inconsistent
    leader votes" (ballots issued blank); the refusal must name that line, not only
    registered voters, ballots found and the leader's votes (which are all there)."""
    f = tmp_path / "x-2026.csv"
    head = (
        "region,tik,uik,Число избирателей внесенных в список,"
        "Число действительных избирательных бюллетеней,"
        "Число недействительных избирательных бюллетеней,1. Ann,2. Bob"
    )
    rows = [f"R,T,УИК №{i},{900 + i},{300 + i},3,{200 + i},{100 + i}" for i in range(1, 31)]
    f.write_text("\n".join([head, *rows]) + "\n", encoding="utf-8")
    r = runner.invoke(app, ["forensics", str(f), "--json"])
    assert r.exit_code == 2, r.output
    err = json.loads(r.stdout)["error"][0]
    assert err["rule"] == "stations" and "inconsistent leader votes: 30" in err["detail"]
    assert "ballots issued" in err["detail"]
