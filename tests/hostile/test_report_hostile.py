"""Names from the data in reports: plain text in plots, never a formula in a CSV."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from .conftest import run

EVIL = {"Регион 01": "$\\frac$", "Регион 02": '=HYPERLINK("http://evil.example")'}


def _rename_regions(src: Path, out: Path) -> Path:
    with src.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    for r in rows[1:]:
        r[0] = EVIL.get(r[0], r[0])
    with out.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return out


@pytest.mark.slow
def test_forensics_report_and_csv_with_hostile_region_names(sim_csv: Path, tmp_path: Path) -> None:
    f = _rename_regions(sim_csv, tmp_path / "evil-2026.csv")
    report, stations = tmp_path / "r.html", tmp_path / "s.csv"
    r = run(["forensics", str(f), "--election", "evil", "--report", str(report),
             "--stations", str(stations)])  # fmt: skip
    assert r.code == 0, r.text
    with stations.open(encoding="utf-8", newline="") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert not any(c.startswith(("=", "+", "@")) for c in cells)
    assert "'" + EVIL["Регион 02"] in cells
    assert EVIL["Регион 01"] in cells  # text that is no formula stays as it was


@pytest.mark.slow
def test_assess_report_with_a_tex_region_name(sim_csv: Path, tmp_path: Path) -> None:
    smd = _rename_regions(sim_csv.with_name("sim-2026-smd.csv"), tmp_path / "smd.csv")
    lst = _rename_regions(sim_csv, tmp_path / "list.csv")
    r = run(["assess", "--results", str(smd), "--results", str(lst), "--endorsements",
             str(sim_csv.with_name("sim-2026-endorsements.csv")), "--boot", "100",
             "--report", str(tmp_path / "a.html")])  # fmt: skip
    assert r.code == 0, r.text
    assert (tmp_path / "a.html").stat().st_size > 1000


def test_spreadsheet_safe_leaves_numbers() -> None:
    import pandas as pd

    from smartvote.csvsafe import spreadsheet_safe

    df = pd.DataFrame({"name": ["=1+1", "-x", "ok", None], "n": [-5, 1, 2, 3]})
    out = spreadsheet_safe(df)
    assert out["name"].tolist()[:3] == ["'=1+1", "'-x", "ok"]
    assert out["n"].tolist() == [-5, 1, 2, 3]
    assert df["name"].iloc[0] == "=1+1"  # the input is not changed
