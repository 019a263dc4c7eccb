"""Tidy results format: validation with file, row and rule; round trip through the store."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from smartvote.errors import InputError
from smartvote.io.store import Store
from smartvote.io.tidy import read_tidy

ROWS = [
    {
        "race": "uk-2024/E1",
        "unit": "uk-2024/E1",
        "candidate": "Ann Smith",
        "votes": 20100,
        "party": "Labour",
        "regime": "true",
    },
    {
        "race": "uk-2024/E1",
        "unit": "uk-2024/E1",
        "candidate": "Bob Jones",
        "votes": 15000,
        "party": "Conservative",
        "regime": "false",
    },
    {
        "race": "uk-2024/E1",
        "unit": "uk-2024/E1",
        "candidate": "Cat Brown",
        "votes": 9000,
        "party": "Liberal Democrat",
        "regime": "",
    },
]


def _write(tmp_path: Path, rows: list[dict[str, object]], name: str = "uk-2024.csv") -> Path:
    p = tmp_path / name
    pd.DataFrame(rows).to_csv(p, index=False)
    return p


def test_reads_district_totals(tmp_path: Path) -> None:
    b = read_tidy(_write(tmp_path, ROWS))
    assert b.election == "uk-2024"
    assert len(b.units) == 1 and len(b.results) == 3
    assert b.candidates.set_index("candidate")["regime"].tolist() == [True, False, False]
    assert b.races["seats"].tolist() == [1]


@pytest.mark.parametrize(
    ("patch", "rule", "row", "column"),
    [
        ({"votes": "many"}, "integer", 3, "votes"),
        ({"votes": "-1"}, "non_negative", 3, "votes"),
        ({"candidate": ""}, "required", 3, "candidate"),
        ({"regime": "maybe"}, "boolean", 3, "regime"),
        ({"candidate": "Ann Smith"}, "unique", 3, "candidate"),
    ],
)
def test_errors_name_file_row_rule(
    tmp_path: Path, patch: dict[str, object], rule: str, row: int, column: str
) -> None:
    rows = [dict(r) for r in ROWS]
    rows[1].update(patch)
    with pytest.raises(InputError) as ei:
        read_tidy(_write(tmp_path, rows))
    probs = {(p.rule, p.row, p.column) for p in ei.value.problems}
    assert (rule, row, column) in probs
    assert "uk-2024.csv" in str(ei.value)


def test_missing_column(tmp_path: Path) -> None:
    rows = [{k: v for k, v in r.items() if k != "votes"} for r in ROWS]
    with pytest.raises(InputError) as ei:
        read_tidy(_write(tmp_path, rows))
    assert ei.value.rule == "tidy_columns"


def test_unit_totals_must_agree(tmp_path: Path) -> None:
    rows = [dict(r, registered=70000) for r in ROWS]
    rows[2]["registered"] = 70001
    with pytest.raises(InputError) as ei:
        read_tidy(_write(tmp_path, rows))
    assert ei.value.problems[0].rule == "unit_totals_agree"
    assert ei.value.problems[0].row == 4


def test_parquet_round_trip(tmp_path: Path, tmp_db: Path) -> None:
    p = tmp_path / "uk-2024.parquet"
    df = pd.DataFrame(ROWS)
    df["regime"] = [True, False, False]
    df.to_parquet(p, index=False)
    with Store(tmp_db) as st:
        st.ingest([p], progress=False)
        res = st.results("uk-2024")
    assert res["votes"].sum() == 44100
    assert res.set_index("candidate").loc["Ann Smith", "regime"]


def test_bad_file_leaves_database_unchanged(tmp_path: Path, tmp_db: Path) -> None:
    good = _write(tmp_path, ROWS)
    bad_rows = [dict(r) for r in ROWS]
    bad_rows[0]["votes"] = "x"
    bad = _write(tmp_path, bad_rows, "uk-2029.csv")
    other = _write(
        tmp_path, [dict(r, race="uk-2029/E2", unit="uk-2029/E2") for r in ROWS], "uk-2030.csv"
    )
    with Store(tmp_db) as st:
        st.ingest([good], progress=False)
        before = st.sql("SELECT count(*) AS n FROM results")["n"].iloc[0]
        with pytest.raises(InputError):
            st.ingest([other, bad], progress=False)
        after = st.sql("SELECT count(*) AS n FROM results")["n"].iloc[0]
        assert st.elections()["election"].tolist() == ["uk-2024"]
    assert before == after == 3


def test_reingest_replaces_not_duplicates(tmp_path: Path, tmp_db: Path) -> None:
    p = _write(tmp_path, ROWS)
    with Store(tmp_db) as st:
        st.ingest([p], progress=False)
        st.ingest([p], progress=False)
        assert st.sql("SELECT count(*) AS n FROM results")["n"].iloc[0] == 3
        assert st.summary("uk-2024").stations == 1


def test_two_files_of_one_race_stay_aligned(tmp_path: Path, tmp_db: Path) -> None:
    paper = [dict(r, channel="paper") for r in ROWS]
    # The second file lists the candidates in another order and adds one.
    elec = [
        {
            "race": "uk-2024/E1",
            "unit": "uk-2024/E1/e",
            "candidate": "Cat Brown",
            "votes": 7,
            "channel": "electronic",
        },
        {
            "race": "uk-2024/E1",
            "unit": "uk-2024/E1/e",
            "candidate": "Dan Green",
            "votes": 5,
            "channel": "electronic",
        },
        {
            "race": "uk-2024/E1",
            "unit": "uk-2024/E1/e",
            "candidate": "Ann Smith",
            "votes": 3,
            "channel": "electronic",
        },
    ]
    p1 = _write(tmp_path, paper, "uk-2024.csv")
    p2 = _write(tmp_path, elec, "uk-2024-e.csv")
    with Store(tmp_db) as st:
        st.ingest([p1], progress=False)
        st.ingest([p2], election="uk-2024", progress=False)
        res = st.results("uk-2024").set_index(["unit", "candidate"])["votes"]
    assert res[("uk-2024/E1", "Ann Smith")] == 20100
    assert res[("uk-2024/E1", "Cat Brown")] == 9000
    assert res[("uk-2024/E1/e", "Cat Brown")] == 7
    assert res[("uk-2024/E1/e", "Dan Green")] == 5
    assert res[("uk-2024/E1/e", "Ann Smith")] == 3
    assert ("uk-2024/E1/e", "Bob Jones") not in res.index
    assert ("uk-2024/E1", "Dan Green") not in res.index


def test_not_utf8_names_the_row(tmp_path: Path) -> None:
    p = tmp_path / "cp1251.csv"
    text = "race,unit,candidate,votes\nr,u,Иванов,1\nr,u,Петров,2\n"
    p.write_bytes(text.encode("cp1251"))
    with pytest.raises(InputError) as ei:
        read_tidy(p)
    prob = ei.value.problems[0]
    assert (prob.rule, prob.row) == ("encoding", 2)


def test_two_elections_with_the_same_race_ids_keep_both(tmp_path: Path, tmp_db: Path) -> None:
    """UK-style race ids carry no year (`uk-ge/E1` in 2017 and 2019): ingesting the second
    election must not delete the first one's races and candidates."""
    first = _write(
        tmp_path, [dict(r, race="uk-ge/E1", unit="uk-ge/E1") for r in ROWS], "ge-2017.csv"
    )
    second = [dict(r, race="uk-ge/E1", unit="uk-ge/E1") for r in ROWS[:2]]
    with Store(tmp_db) as st:
        st.ingest([first], progress=False)
        st.ingest([_write(tmp_path, second, "ge-2019.csv")], progress=False)
        races = st.sql("SELECT election, count(*) AS n FROM races GROUP BY 1 ORDER BY 1")
        cands = st.sql("SELECT election, count(*) AS n FROM candidates GROUP BY 1 ORDER BY 1")
        got = st.elections().set_index("election")["races"].to_dict()
    assert races.values.tolist() == [["ge-2017", 1], ["ge-2019", 1]]
    assert cands.values.tolist() == [["ge-2017", 3], ["ge-2019", 2]]
    assert got == {"ge-2017": 1, "ge-2019": 1}


def test_turnout_unknown_without_ballots_is_null_not_zero(tmp_path: Path, tmp_db: Path) -> None:
    """Tidy results without a ``ballots`` column (UK) do not say turnout: ``show`` reports it
    as unknown (null), never as 0 ballots and a turnout of 0%."""
    rows = [dict(r, registered=70000) for r in ROWS]
    with Store(tmp_db) as st:
        s = st.ingest([_write(tmp_path, rows)], progress=False)
        summ = st.summary("uk-2024")
    assert s.ballots is None
    assert (summ.ballots, summ.valid, summ.turnout) == (None, None, None)
    assert summ.registered == 70000
    with_ballots = [dict(r, registered=70000, ballots=50000) for r in ROWS]
    with Store(tmp_db) as st:
        st.ingest([_write(tmp_path, with_ballots, "uk-2029.csv")], progress=False)
        summ = st.summary("uk-2029")
    assert summ.ballots == 50000
    assert summ.turnout == pytest.approx(50000 / 70000)


def test_registered_unknown_is_null_not_zero(tmp_path: Path, tmp_db: Path) -> None:
    """Without a ``registered`` column the electorate is unknown: null in ``ingest``,
    ``show`` and ``elections`` (JSON and table), never 0 registered voters."""
    from typer.testing import CliRunner

    from smartvote.cli import app

    p = _write(tmp_path, ROWS)
    runner = CliRunner()
    db = ["--db", str(tmp_db)]
    r = runner.invoke(app, ["ingest", str(p), *db, "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["registered"] is None
    r = runner.invoke(app, ["show", "uk-2024", *db, "--json"])
    assert json.loads(r.stdout)["registered"] is None
    r = runner.invoke(app, ["elections", *db, "--json"])
    assert json.loads(r.stdout)[0]["registered"] is None
    r = runner.invoke(app, ["elections", *db])
    assert r.exit_code == 0 and "not in the data" in r.stdout


def test_elections_json_counts_registered_as_integers(tmp_path: Path, tmp_db: Path) -> None:
    """``elections --json`` gives registered voters as an integer, not ``70000.0``."""
    from typer.testing import CliRunner

    from smartvote.cli import app

    p = _write(tmp_path, [dict(r, registered=70000) for r in ROWS])
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(p), "--db", str(tmp_db)]).exit_code == 0
    r = runner.invoke(app, ["elections", "--db", str(tmp_db), "--json"])
    reg = json.loads(r.stdout)[0]["registered"]
    assert reg == 70000 and isinstance(reg, int)
    assert '"registered": 70000,' in r.stdout
