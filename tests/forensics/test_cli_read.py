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
