"""Numeric options: nan, infinities, negatives and zeros are usage errors (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import run

CASES = [
    (["simulate", "--out", "{tmp}", "--turnout", "nan"], "--turnout"),
    (["simulate", "--out", "{tmp}", "--stuffing-share", "inf"], "--stuffing-share"),
    (["simulate", "--out", "{tmp}", "--stations", "0"], "--stations"),
    (["simulate", "--out", "{tmp}", "--stations", "-3"], "--stations"),
    (["simulate", "--out", "{tmp}", "--turnout-support-corr", "-inf"], "--turnout-support-corr"),
    (["simulate", "--out", "{tmp}", "--whole-regions", "-2"], "--whole-regions"),
    (["simulate", "--out", "{tmp}", "--packs-share", "nan"], "--packs-share"),
    (["simulate", "--out", "{tmp}", "--pack-size", "-inf"], "--pack-size"),
    (["simulate-campaign", "--out", "{tmp}", "--tactical-share", "nan"], "--tactical-share"),
    (["simulate-campaign", "--out", "{tmp}", "--again", "inf"], "--again"),
    (["simulate-campaign", "--out", "{tmp}", "--seed", "-1"], "--seed"),
    (["recommend", "--threshold", "nan"], "--threshold"),
    (["recommend", "--threshold", "-5"], "--threshold"),
    (["recommend", "--switch", "nan"], "--switch"),
    (["forensics", "x", "--seed", "-1"], "--seed"),
    (["demo", "--port", "99999"], "--port"),
]


@pytest.mark.parametrize("args,option", CASES, ids=[" ".join(c[0][:1] + c[0][-2:]) for c in CASES])
def test_bad_numbers_are_usage_errors(args: list[str], option: str, tmp_path: Path) -> None:
    r = run([a.replace("{tmp}", str(tmp_path / "out")) for a in args])
    assert r.code == 2 and option in r.text, r.text
    assert not (tmp_path / "out").exists()
