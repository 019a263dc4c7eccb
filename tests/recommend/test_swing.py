"""Learned national swing (swing.py): presidential nominees through the nominations table,
the (a, c) relation fitted on earlier triples only, national polls replacing it, and the
pooled calibration of swing and drift."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from smartvote.io.tidy import tidy_to_batch
from smartvote.names import party_key
from smartvote.recommend import run_recommend
from smartvote.recommend.forecast import calibrate_swing
from smartvote.recommend.history import HistElection, Targets, load_history
from smartvote.recommend.swing import (
    apply_nominations,
    fit_swing,
    load_nominations,
    national_shares,
)

PARTIES = ("Ruling", "Left", "Right", "Green")
DISTRICTS = ("1", "2", "3")
NOMINEE = {"Left": "Lefty Leader", "Right": "Righty Leader", "Green": "Greeny Leader"}
# National list shares per election (%), and presidential shares of the nominees.
LISTS = {
    2005: {"Ruling": 50, "Left": 20, "Right": 15, "Green": 10},
    2010: {"Ruling": 50, "Left": 26, "Right": 11, "Green": 8},
    2015: {"Ruling": 50, "Left": 18, "Right": 16, "Green": 11},
}
PRES = {
    2008: {"Regime Man": 60, "Lefty Leader": 24, "Righty Leader": 10, "Greeny Leader": 6},
    2013: {"Regime Man": 60, "Lefty Leader": 13, "Righty Leader": 16, "Greeny Leader": 11},
    2018: {"Regime Man": 60, "Lefty Leader": 25, "Righty Leader": 7, "Greeny Leader": 8},
}


def _frame(election: str, race: str, shares: dict[str, float], list_race: bool) -> pd.DataFrame:
    rows = []
    for d in DISTRICTS:
        for s in range(3):
            for name, v in shares.items():
                rows.append(
                    {
                        "election": election,
                        "race": race,
                        "unit": f"Land/{d}{s}",
                        "district": d,
                        "candidate": name,
                        "votes": int(v * 10) + s,
                        "party": name if list_race else "",
                        "regime": name in ("Ruling", "Regime Man"),
                    }
                )
    return pd.DataFrame(rows)


def _history(with_pres: bool = True, last_pres: bool = True) -> list[HistElection]:
    batches = [
        tidy_to_batch(_frame(f"duma-{y}", f"duma-{y}/list", s, True), f"duma-{y}.csv")
        for y, s in LISTS.items()
    ]
    if with_pres:
        for y, s in PRES.items():
            if y == 2018 and not last_pres:
                continue
            df = _frame(f"president-{y}", f"president-{y}/president", s, False)
            batches.append(tidy_to_batch(df, f"president-{y}.csv"))
    hist = load_history([], elections=batches)
    noms = pd.DataFrame(
        {
            "name_key": [n.casefold() for n in NOMINEE.values()],
            "party_key": [party_key(p) for p in NOMINEE],
            "years": "",
        }
    )
    return apply_nominations(hist, noms)


def _cands() -> pd.DataFrame:
    rows = [
        {
            "race": f"duma-2020/smd/{d}",
            "candidate": f"{p} Person {d}",
            "party": p,
            "regime": p == "Ruling",
        }
        for d in DISTRICTS
        for p in PARTIES
    ]
    return pd.DataFrame(rows)


def test_shipped_nominations_table() -> None:
    n = load_nominations()
    m = dict(zip(n["name_key"], n["party_key"], strict=False))
    assert m["грудинин павел николаевич"] == "КПРФ"
    assert m["жириновский владимир вольфович"] == "ЛДПР"
    assert m["титов борис юрьевич"] == "ПАРТИЯ РОСТА"
    # Миронов: Party of Life in 2004, Справедливая Россия in 2012 (rows restricted by year).
    mir = n[n["name_key"] == "миронов сергей михайлович"].set_index("years")["party_key"]
    assert mir["2012"] == "СР" and mir["2004"] != "СР"


def test_nominations_give_presidential_candidates_a_party() -> None:
    h = {x.election: x for x in _history()}
    s = national_shares(h["president-2018"], tuple(h["president-2018"].kinds))
    assert set(s.index) == {party_key(p) for p in NOMINEE}  # the regime man keeps none
    assert s.sum() == pytest.approx(0.4, abs=0.01)


@pytest.mark.slow
def test_fit_uses_earlier_triples_only() -> None:
    m = fit_swing(_history())
    assert m.learned and m.n_points == 6  # 3 parties × 2 triples (2005→2010, 2010→2015)
    assert [t[2] for t in m.triples] == ["duma-2010", "duma-2015"]
    assert m.signal == ("president-2018",)
    # In this world a nominee doing better than the party predicts the party's rise: c > 0.
    assert m.c > 0.3
    lk, rk = party_key("Left"), party_key("Right")
    assert m.national_shift[lk] > m.national_shift[rk]
    # Without the signal election after the last list, nothing is predicted.
    assert fit_swing(_history(last_pres=False)).national_shift == {}
    # Without presidential elections at all, nothing is learned (no assumed swing).
    assert not fit_swing(_history(with_pres=False)).learned


@pytest.mark.slow
def test_signal_and_polls_move_the_forecast(tmp_path: Path) -> None:
    hist = _history()
    c = _cands()
    cf = tmp_path / "c.csv"
    c.to_csv(cf, index=False)
    with_sig = run_recommend(cf, hist, sims=2000).table.set_index("candidate")
    without = run_recommend(cf, hist, sims=2000, use_signal=False).table.set_index("candidate")
    assert with_sig.loc["Left Person 1", "mu"] > without.loc["Left Person 1", "mu"]
    assert with_sig.loc["Right Person 1", "mu"] < without.loc["Right Person 1", "mu"]
    # A national poll replaces the learned swing: Right polled far above its last list share.
    polls = tmp_path / "polls.csv"
    pd.DataFrame(
        [{"race": "", "party": "Right", "share": 40, "sample_size": 2000, "date": "2020-01-01"}]
    ).to_csv(polls, index=False)
    polled = run_recommend(cf, hist, polls=polls, sims=2000)
    t = polled.table.set_index("candidate")
    assert t.loc["Right Person 1", "mu"] > with_sig.loc["Right Person 1", "mu"] + 0.5
    by = {r.race: r for r in polled.recommendations}
    assert by["duma-2020/smd/1"].endorsed == "Right Person 1"
    assert {r.race: r.endorsed for r in run_recommend(cf, hist, sims=2000).recommendations}[
        "duma-2020/smd/1"
    ] == "Left Person 1"


def test_calibration_pools_consecutive_pairs() -> None:
    hist = [h for h in _history() if "list" in h.kinds]
    tg = Targets.make([f"duma-2020/smd/{d}" for d in DISTRICTS])
    u = calibrate_swing(hist, tg)
    assert u.calibrated and u.pair == ("duma-2005", "duma-2010", "duma-2015")
    # Hand computation: party mean log changes per pair, centred per pair, pooled.
    sw = []
    for a, b in ((2005, 2010), (2010, 2015)):
        d = np.array([np.log(LISTS[b][p] / LISTS[a][p]) for p in PARTIES])
        sw.append(d - d.mean())
    expect = float(np.sqrt(np.sum(np.concatenate(sw) ** 2) / (8 - 2)))
    assert u.races == 3 and u.parties == 4
    assert u.sigma_swing == pytest.approx(expect, abs=0.02)
