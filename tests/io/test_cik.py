"""CIK protocol reader: header variants, ids, channels, checks and errors."""

from __future__ import annotations

import csv
import json
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartvote.errors import InputError
from smartvote.io import Election, read_any
from smartvote.io.cik import (
    classify_columns,
    read_cik,
    read_cik_frame,
)
from smartvote.io.cik_ids import district_number, station_number

REG_2021 = "Число избирателей, внесенных в список избирателей на момент окончания голосования"


def _frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def _station(**over: object) -> dict[str, object]:
    row: dict[str, object] = {
        "region": "Область",
        "oik": "ОИК №7",
        "tik": "Городская",
        "uik": "УИК №12",
        REG_2021: 1000,
        "Число избирательных бюллетеней, полученных участковой избирательной комиссией": 900,
        "Число избирательных бюллетеней, выданных избирателям, проголосовавшим досрочно": 0,
        "Число избирательных бюллетеней, выданных в помещении для голосования в день голосования": 450,
        "Число избирательных бюллетеней, выданных вне помещения для голосования в день голосования": 50,
        "Число погашенных избирательных бюллетеней": 400,
        "Число избирательных бюллетеней, содержащихся в переносных ящиках для голосования": 50,
        "Число избирательных бюллетеней, содержащихся в стационарных ящиках для голосования": 450,
        "Число недействительных избирательных бюллетеней": 10,
        "Число действительных избирательных бюллетеней": 490,
        "Число утраченных избирательных бюллетеней": 0,
        "Число избирательных бюллетеней, не учтенных при получении": 0,
        '1. Политическая партия "А"': 300,
        '2. Политическая партия "Б"': 190,
    }
    row.update(over)
    return row


def test_classifies_every_protocol_line_of_2021() -> None:
    roles = classify_columns(list(_station().keys()))
    assert roles[REG_2021] == "registered"
    assert roles["Число избирательных бюллетеней, не учтенных при получении"] == "not_counted"
    assert (
        roles["Число избирательных бюллетеней, полученных участковой избирательной комиссией"]
        == "received"
    )
    assert sorted(r for r in roles.values() if r == "choice") == ["choice", "choice"]


def test_absentee_certificates_are_not_ballots() -> None:
    header = [
        "region",
        "uik",
        "Число избирателей, включенных в список избирателей",
        "Число открепительных удостоверений, выданных избирателям на избирательном участке",
        "Число избирательных бюллетеней, выданных избирателям в помещении для голосования",
        "Кандидат Один",
    ]
    roles = classify_columns(header)
    assert roles[header[3]] == "extra"
    assert roles[header[4]] == "at_station"


def test_reads_station_with_ids_and_totals() -> None:
    b = read_cik_frame(_frame([_station()]), "2021.csv")
    u = b.units.iloc[0]
    assert b.election == "duma-2021" and u["race"] == "duma-2021/list"
    assert u["unit"] == "Область/12" and u["district"] == "7"
    assert (u["registered"], u["ballots"], u["found"], u["valid"]) == (1000, 500, 500, 490)
    assert b.candidates["candidate"].tolist() == ["А", "Б"]
    assert b.results["votes"].astype(int).tolist() == [300, 190]
    assert b.flags.empty


def test_flags_are_raised_not_rejected() -> None:
    rows = [
        _station(uik="УИК №1", **{REG_2021: 400}),  # 500 ballots > 400 registered
        _station(uik="УИК №2", **{'1. Политическая партия "А"': 400}),  # 590 votes > 490 valid
        _station(uik="УИК №3", **{"Число недействительных избирательных бюллетеней": 20}),
        _station(uik="УИК №4", **{"Число погашенных избирательных бюллетеней": 300}),
        _station(uik="УИК №5", **{REG_2021: 0}),
    ]
    b = read_cik_frame(_frame(rows), "2021.csv")
    got = set(zip(b.flags["unit"], b.flags["rule"], strict=True))
    assert ("Область/1", "turnout_over_100") in got
    assert ("Область/2", "votes_gt_valid") in got
    assert ("Область/3", "found_ne_valid_invalid") in got
    assert ("Область/4", "received_ne_accounted") in got
    assert ("Область/5", "zero_registered") in got
    assert len(b.units) == 5


def test_electronic_pseudo_stations() -> None:
    rows = [
        _station(),
        _station(tik="Дистанционное электронное голосование", uik=None, **{REG_2021: 30000}),
        _station(uik="УИК №5001", **{REG_2021: 120000}),
    ]
    b = read_cik_frame(_frame(rows), "2021.csv")
    assert b.units["channel"].tolist() == ["paper", "electronic", "electronic"]
    assert b.units["unit"].tolist()[1:] == ["Область/ДЭГ-7", "Область/ДЭГ-7-5001"]
    assert (b.flags["rule"] == "pseudo_station").sum() == 2


def test_twin_electronic_rows_are_qualified_by_their_line() -> None:
    # two electronic pseudo-stations still equal after @TIK: told apart by #ROW (this
    # crashed with an AttributeError before: the electronic positions overwrote the lines)
    e = {"tik": "Дистанционное электронное голосование", "uik": None}
    twins = [_station(**e, **{REG_2021: 30000}), _station(**e, **{REG_2021: 30001})]
    b = read_cik_frame(_frame([_station(), *twins]), "2021.csv")
    units = b.units["unit"].tolist()
    assert len(set(units)) == 3
    assert units[1].endswith("#3") and units[2].endswith("#4"), units


def test_duplicate_station_numbers_are_qualified() -> None:
    rows = [_station(tik="Северная"), _station(tik="Южная")]
    b = read_cik_frame(_frame(rows), "2021.csv")
    assert b.units["unit"].tolist() == ["Область/12@Северная", "Область/12@Южная"]


@pytest.mark.parametrize(
    ("value", "rule"), [("12a", "integer"), ("-3", "non_negative"), ("2.5", "integer")]
)
def test_bad_number_names_file_row_and_rule(tmp_path: Path, value: str, rule: str) -> None:
    rows = [_station(uik=f"УИК №{i}") for i in range(3)]
    df = _frame(rows).astype(object)
    df.loc[1, '2. Политическая партия "Б"'] = value
    p = tmp_path / "2021.csv"
    df.to_csv(p, index=False)
    with pytest.raises(InputError) as ei:
        read_cik(p)
    prob = ei.value.problems[0]
    assert (prob.rule, prob.row, prob.column) == (rule, 3, '2. Политическая партия "Б"')
    assert "2021.csv" in str(ei.value) and "row 3" in str(ei.value)


def test_referendum_and_president_kinds(tmp_path: Path) -> None:
    ref = pd.DataFrame(
        {
            "name": ["Голосование"],
            "region": ["Р"],
            "tik": ["Т"],
            "uik": ["УИК №1"],
            "Число участников голосования, включенных в список участников голосования": [100],
            "Число бюллетеней, выданных участникам голосования": [60],
            "Число бюллетеней, содержащихся в ящиках для голосования": [60],
            "Число недействительных бюллетеней": [2],
            "ДА": [40],
            "НЕТ": [18],
        }
    )
    p = tmp_path / "2020.csv"
    ref.to_csv(p, index=False)
    b = read_cik(p)
    assert b.election == "referendum-2020"
    u = b.units.iloc[0]
    assert (u["ballots"], u["found"], u["valid"]) == (60, 60, 58)


def _assert_same_batch(a: Election, b: Election) -> None:
    cols = list(a.units.columns)
    pd.testing.assert_frame_equal(
        a.units[cols].astype(str), b.units[cols].astype(str), check_dtype=False
    )
    assert a.matrix is not None and b.matrix is not None
    np.testing.assert_array_equal(a.matrix, b.matrix)
    pd.testing.assert_frame_equal(a.flags.astype(str), b.flags.astype(str))
    pd.testing.assert_frame_equal(a.candidates, b.candidates)


@pytest.mark.slow
def test_arrow_route_reads_what_pandas_reads(sim_dir: Path, tmp_path: Path) -> None:
    """The fast reader (Arrow, streaming from a zip) gives the batch pandas' reader gives."""
    src = sim_dir / "sim-2026.csv"
    zipped = tmp_path / "sim-2026.csv.zip"
    with zipfile.ZipFile(zipped, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(src, src.name)
    for path in (src, zipped):
        by_pandas = read_cik_frame(pd.read_csv(path, low_memory=False), str(path))
        _assert_same_batch(read_cik(path), by_pandas)


@pytest.mark.real_data
def test_arrow_route_reads_the_2021_file_as_pandas_does(shared_data: Path) -> None:
    path = shared_data / "ru_federal_precincts" / "2021.csv.zip"
    by_pandas = read_cik_frame(pd.read_csv(path, low_memory=False), str(path))
    by_arrow = read_cik(path)
    _assert_same_batch(by_arrow, by_pandas)
    assert len(by_arrow.units) == 96_325


def test_long_results_match_the_matrix() -> None:
    rows = [_station(uik=f"УИК №{i}", **{'2. Политическая партия "Б"': i}) for i in range(3)]
    rows[2]['1. Политическая партия "А"'] = None
    b = read_cik_frame(_frame(rows), "2021.csv")
    r = b.results
    assert len(r) == 6
    assert r["unit"].astype(str).tolist() == [f"Область/{i}" for i in (0, 0, 1, 1, 2, 2)]
    assert r["votes"].tolist() == [300, 0, 300, 1, pd.NA, 2]
    assert set(r["candidate"].astype(str)) == set(b.candidates["candidate"])


def test_row_with_extra_fields_names_the_line(tmp_path: Path) -> None:
    p = tmp_path / "2021.csv"
    _frame([_station(uik=f"УИК №{i}") for i in range(3)]).to_csv(p, index=False)
    lines = p.read_text(encoding="utf-8").splitlines()
    lines[2] += ",99"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as ei:
        read_cik(p)
    prob = ei.value.problems[0]
    assert prob.rule == "row_width" and prob.row == 3 and prob.file == str(p)


def _csv_rows(p: Path) -> list[list[str]]:
    with p.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def _write_rows(p: Path, rows: list[list[str]]) -> None:
    with p.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def test_short_row_is_an_error_naming_the_row(tmp_path: Path) -> None:
    """A short row, or a truncated last row, is never read as blanks."""
    p = tmp_path / "2021.csv"
    _frame([_station(uik=f"УИК №{i}") for i in range(4)]).to_csv(p, index=False)
    text = p.read_text(encoding="utf-8")
    p.write_text(text[: text.rindex(",") - 1], encoding="utf-8")  # cut inside the last row
    with pytest.raises(InputError) as ei:
        read_cik(p)
    prob = ei.value.problems[0]
    assert (prob.rule, prob.row, prob.file) == ("row_width", 5, str(p))
    assert "short or truncated" in prob.detail
    p.write_text(text, encoding="utf-8")
    rows = _csv_rows(p)
    rows[2] = rows[2][:-2]
    _write_rows(p, rows)
    with pytest.raises(InputError) as ei:
        read_cik(p)
    assert (ei.value.problems[0].rule, ei.value.problems[0].row) == ("row_width", 3)


@pytest.mark.parametrize("value", ["inf", "-inf", "1e23", "99999999999999999999", "1e400"])
def test_non_finite_or_huge_counts_are_errors(tmp_path: Path, value: str) -> None:
    p = tmp_path / "2021.csv"
    _frame([_station(uik=f"УИК №{i}") for i in range(3)]).to_csv(p, index=False)
    rows = _csv_rows(p)
    rows[3][rows[0].index(REG_2021)] = value
    _write_rows(p, rows)
    with pytest.raises(InputError) as ei:
        read_cik(p)
    prob = ei.value.problems[0]
    assert prob.row == 4 and prob.rule in ("range", "integer", "non_negative")
    assert prob.column == REG_2021


def test_exact_duplicate_row_is_stored_once_and_flagged(tmp_path: Path) -> None:
    rows = [_station(uik=f"УИК №{i}") for i in range(3)]
    b = read_cik_frame(_frame([*rows, rows[1]]), "2021.csv")
    assert len(b.units) == 3
    assert b.units["source_row"].tolist() == [2, 3, 4]
    f = b.flags[b.flags["rule"] == "duplicate_row"]
    assert f["unit"].tolist() == [str(b.units["unit"].iloc[1])]
    assert "row 5 repeats row 3" in f["detail"].iloc[0]
    # same number, different figures: two stations, told apart by their rows
    other = dict(rows[1])
    key = next(k for k in other if "внесенных" in k)
    other[key] = 7
    b2 = read_cik_frame(_frame([*rows, other]), "2021.csv")
    assert len(b2.units) == 4 and not (b2.flags["rule"] == "duplicate_row").any()


def test_non_utf8_file_is_an_encoding_error(tmp_path: Path) -> None:
    p = tmp_path / "2021.csv"
    _frame([_station()]).to_csv(p, index=False, encoding="cp1251")
    with pytest.raises(InputError) as ei:
        read_any(p)
    assert ei.value.problems[0].rule == "encoding"


def test_zip_with_two_files_is_refused(tmp_path: Path) -> None:
    p = tmp_path / "2021.csv.zip"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("a.csv", "x\n")
        z.writestr("b.csv", "y\n")
    with pytest.raises(InputError) as ei:
        read_any(p)
    assert ei.value.problems[0].rule == "zip_single_file"


_LABEL = st.text(alphabet="УИКОк№ 0123456789-/ab", max_size=12)


@given(st.lists(_LABEL, min_size=1, max_size=8))
def test_station_and_district_numbers_match_their_regex(labels: list[str]) -> None:
    """The sliced fast paths agree with the general regex on any label."""
    arr = pa.array(labels, type=pa.string())
    station = [re.sub(r"^\s*УИК\s*№?\s*", "", x).strip() for x in labels]
    district = [re.sub(r"\D+", "", x) for x in labels]
    assert station_number(arr).to_pylist() == station
    assert district_number(arr).to_pylist() == district


def test_ingest_says_which_regime_candidate_it_assumed(tmp_path: Path, tmp_db: Path) -> None:
    """A bare protocol does not name the regime's candidate: the national leader is
    assumed, and the ingest says so (``regime_assumed`` and a ``regime:`` line on stderr)
    unless ``--regime`` named it."""
    from typer.testing import CliRunner

    from smartvote.cli import app

    p = tmp_path / "2021.csv"
    _frame([_station(uik=f"УИК №{i}") for i in range(3)]).to_csv(p, index=False)
    runner = CliRunner()
    r = runner.invoke(app, ["ingest", str(p), "--db", str(tmp_db), "--json"])
    assert r.exit_code == 0, r.output
    got = json.loads(r.stdout)["regime_assumed"]
    assert got == ["duma-2021/list: 'А' (the national leader, assumed; name another with --regime)"]
    r = runner.invoke(app, ["ingest", str(p), "--db", str(tmp_db)])
    assert "regime: duma-2021/list" in r.output  # stdout and stderr together in every click version
    named = ["--regime", "Б", "--json"]
    r = runner.invoke(app, ["ingest", str(p), "--db", str(tmp_db), *named])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["regime_assumed"] == []
