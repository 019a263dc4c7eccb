"""Backtests on real data (skipped without ../shared/data): St Petersburg 2021 (Duma 211–218,
Legislative Assembly 1–25) and Moscow Duma 2021, with history from earlier elections only
(Duma 2011 and 2016 and presidential 2018 precinct files, Moscow's 2016 district results),
against the real Smart Voting endorsements."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from smartvote.recommend.history import HistElection, load_history
from smartvote.recommend.run import run_backtest

pytestmark = pytest.mark.real_data


@pytest.fixture(scope="module")
def real(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from smartvote.convert import convert_moscow, convert_spb

    out = tmp_path_factory.mktemp("conv")
    convert_spb(shared_data, out)
    convert_moscow(shared_data, out)
    fed = shared_data / "ru_federal_precincts"
    hist = load_history(
        [
            fed / "2011.csv.zip",
            fed / "2016.csv.zip",
            fed / "2018.csv.zip",
            out / "moscow-duma-2016-smd.csv",
        ]
    )
    return {"dir": out, "history": hist}


def _bt(
    real: dict[str, Any], stem: str, endo: str, stations: bool, allow: bool = False
) -> tuple[dict[str, Any], Any]:
    d: Path = real["dir"]
    res, run = run_backtest(
        d / f"{stem}-candidates.csv",
        real["history"],
        d / f"{stem}-smd.csv",
        d / endo,
        stations=d / "spb-2021-stations.csv" if stations else None,
        sims=4000,
        allow_uninformed=allow,
    )
    return res.to_dict(), run


def test_history_is_earlier_only(real: dict[str, Any]) -> None:
    hist: list[HistElection] = real["history"]
    assert [h.election for h in hist] == ["duma-2011", "duma-2016", "president-2018"]
    assert all(h.year < 2021 for h in hist)


def test_spb_duma(real: dict[str, Any]) -> None:
    d, run = _bt(real, "spb-duma-2021", "spb-2021-endorsements.csv", stations=True)
    assert d["races"] == 8
    # SMD-vs-list relation learned in Moscow 2016 only: out of sample for St Petersburg.
    assert (
        d["data_used"]["relation"]["elections"] == ["duma-2016"]
        and d["data_used"]["relation"]["n_races"] == 15
    )
    unc = d["data_used"]["uncertainty"]
    assert unc["calibrated"] and unc["pair"] == ["duma-2011", "duma-2016"]
    assert d["accuracy"] > d["chance_accuracy"]
    assert d["correct"] >= d["baselines"]["last_result"]["correct"]
    # The real endorsements: all 8 were the strongest challenger, 2 won (Драпеко, Дмитриева).
    e = d["endorsements"]
    assert (e["races"], e["correct"], e["wins"]) == (8, 8, 2)
    rec = run.recommendations[0]
    joins = {(h["election"], h["join"]) for h in rec.data_used["history"]}
    assert ("duma-2016", "district") in joins  # the 2016 oik, not station numbers


def test_spb_zaks_joined_through_stations(real: dict[str, Any]) -> None:
    d, run = _bt(real, "spb-zaks-2021", "spb-2021-endorsements.csv", stations=True)
    assert d["races"] == 25
    for rec in run.recommendations:
        h16 = [h for h in rec.data_used["history"] if h["election"] == "duma-2016"]
        assert h16 and h16[0]["join"] == "stations" and h16[0]["coverage"] > 0.8
    e = d["endorsements"]
    assert (e["races"], e["correct"]) == (25, 19)
    assert d["correct"] >= d["baselines"]["last_result"]["correct"]
    assert 0 <= d["brier"] < 1.2


def test_moscow_duma(real: dict[str, Any]) -> None:
    """The 2021 Moscow candidates file has no parties: in 4 districts no challenger stood
    in 2016 under their name, so nothing informs them, and they are not guessed."""
    from smartvote.errors import InputError

    with pytest.raises(InputError, match="4 race"):
        _bt(real, "moscow-duma-2021", "moscow-2021-endorsements.csv", stations=False)
    d, run = _bt(
        real, "moscow-duma-2021", "moscow-2021-endorsements.csv", stations=False, allow=True
    )
    assert d["uninformed"] == 4 and d["races"] == 11
    assert d["uninformed_races"] == [
        "duma-2021/smd/201",
        "duma-2021/smd/204",
        "duma-2021/smd/205",
        "duma-2021/smd/206",
    ]
    assert d["accuracy"] > d["chance_accuracy"]
    assert d["baselines"]["last_result"]["races"] == 11
    e = d["endorsements"]
    assert (e["races"], e["correct"], e["wins"]) == (11, 11, 0)
    # 2016 → 2021 by district number: duma-2016/smd/N reaches duma-2021/smd/N (same family).
    rec = next(r for r in run.recommendations if r.race == "duma-2021/smd/208")
    joins = {(h["race"], h["join"], h["kind"]) for h in rec.data_used["history"]}
    assert ("duma-2016/smd/208", "district", "candidate") in joins
