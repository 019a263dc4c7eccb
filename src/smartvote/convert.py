"""Converters from the real data sets in ``../shared/data`` to the tidy format.

Every other source comes in through the tidy format of DESIGN.md; these functions turn the
St Petersburg 2021, Moscow Duma 2016/2021 and Smart Voting 2021 files into it, keeping
ids that join with the federal CIK files:

* stations are ``город Санкт-Петербург/<uik>`` (the id the CIK reader gives the same
  station in ``2021.csv.zip``), so single-member and party-list votes join per station;
* Duma single-member races are ``duma-2021/smd/<okrug>`` (and ``duma-2016/smd/<okrug>``);
  Legislative Assembly races are ``spb-zaks-2021/smd/<okrug>``;
* Moscow's district totals use the race id as the unit (DESIGN.md: "the race id for
  district totals"); its remote electronic votes are a second unit ``<race>/electronic``
  with channel ``electronic``.

Assumptions, stated where they are made: the regime's candidate is the United Russia
nominee (``Единая Россия``); the Moscow 2021 source carries no party, so there the regime's
candidate is taken to be the official winner (all 15 were United Russia nominees).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from smartvote.errors import InputError, Problem
from smartvote.io.tidy import PROTOCOL, TOTALS
from smartvote.io.values import parse_bool
from smartvote.names import party_key

SPB_REGION = "город Санкт-Петербург"
MOSCOW_REGION = "город Москва"
REGIME_PARTY_KEY = "ЕР"


def _read(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise InputError(Problem("exists", "file not found", str(path)))
    return pd.read_csv(path, encoding="utf-8")


def _bool(s: pd.Series, file: Path) -> pd.Series:
    """A true/false column of a source file; any other value is an error naming the cell."""
    out, p = parse_bool(s, str(file), str(s.name))
    if p:
        raise InputError(p)
    return out.fillna(False).astype(bool)


def _spb_smd(folder: Path, stem: str, election: str, race_prefix: str) -> pd.DataFrame:
    cand_file, prot_file = (
        folder / f"{stem}_uik_candidates.csv",
        folder / f"{stem}_uik_protocol.csv",
    )
    cand = _read(cand_file)
    prot = _read(prot_file)
    prot = prot[~_bool(prot["empty_protocol"], prot_file)] if "empty_protocol" in prot else prot
    p = prot.rename(
        columns={
            "registered_voters": "registered",
            "ballots_received": "received",
            "ballots_issued_early": "early",
            "ballots_issued_station": "at_station",
            "ballots_issued_home": "outside",
            "ballots_cancelled": "cancelled",
            "ballots_portable_boxes": "portable",
            "ballots_stationary_boxes": "stationary",
            "ballots_invalid": "invalid",
            "ballots_valid": "valid",
            "ballots_lost": "lost",
            "ballots_not_counted": "not_counted",
        }
    )
    p["ballots"] = p[["early", "at_station", "outside"]].sum(axis=1, min_count=1)
    keep = ["okrug", "uik", *TOTALS, *(c for c in PROTOCOL if c != "found")]
    df = cand.merge(p[keep], on=["okrug", "uik"], how="left", validate="many_to_one")
    party = df["party"].fillna("").astype(str)
    out = pd.DataFrame(
        {
            "election": election,
            "race": race_prefix + df["okrug"].astype(str),
            "unit": SPB_REGION + "/" + df["uik"].astype(str),
            "candidate": df["candidate"],
            "votes": df["votes"].astype("Int64"),
            "party": party.where(party != "Самовыдвижение", ""),
            "region": SPB_REGION,
            "district": df["okrug"].astype(str),
            "tik": df["tik"].astype(str),
            "regime": party.map(party_key) == REGIME_PARTY_KEY,
            "endorsed": _bool(df["smart_vote"], cand_file),
        }
    )
    for c in keep[2:]:
        out[c] = df[c].astype("Int64")
    return out


def _spb_candidates(folder: Path, stem: str, race_prefix: str) -> pd.DataFrame:
    tot = _read(folder / f"{stem}_district_totals.csv")
    party = tot["party"].fillna("").astype(str)
    return pd.DataFrame(
        {
            "race": race_prefix + tot["okrug"].astype(str),
            "candidate": tot["candidate"],
            "party": party.where(party != "Самовыдвижение", ""),
            "regime": party.map(party_key) == REGIME_PARTY_KEY,
            "ballot_position": tot["ballot_position"],
        }
    )


def convert_spb(data_dir: str | Path, out_dir: str | Path) -> dict[str, Path]:
    """St Petersburg 2021: Duma and Legislative Assembly SMD results per station, their
    candidates, the Smart Voting picks and the stations file (ballot of each station)."""
    folder = Path(data_dir) / "ru_spb_2021"
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    duma = _spb_smd(folder, "spb_duma2021_smd", "duma-2021", "duma-2021/smd/")
    zaks = _spb_smd(folder, "spb_zaks2021_smd", "spb-zaks-2021", "spb-zaks-2021/smd/")
    paths["duma_smd"] = out / "spb-duma-2021-smd.csv"
    paths["zaks_smd"] = out / "spb-zaks-2021-smd.csv"
    duma.to_csv(paths["duma_smd"], index=False)
    zaks.to_csv(paths["zaks_smd"], index=False)
    paths["duma_candidates"] = out / "spb-duma-2021-candidates.csv"
    paths["zaks_candidates"] = out / "spb-zaks-2021-candidates.csv"
    _spb_candidates(folder, "spb_duma2021_smd", "duma-2021/smd/").to_csv(
        paths["duma_candidates"], index=False
    )
    _spb_candidates(folder, "spb_zaks2021_smd", "spb-zaks-2021/smd/").to_csv(
        paths["zaks_candidates"], index=False
    )
    sv = _read(folder / "spb2021_smart_vote_list_spbik_local_smart_json.csv")
    prefix = sv["election"].map(
        {"duma2021_smd": "duma-2021/smd/", "zaks2021_smd": "spb-zaks-2021/smd/"}
    )
    if p := Problem.first(
        prefix.isna(),
        "election",
        "unknown election label",
        "spb2021_smart_vote_list",
        "election",
        sv["election"],
    ):
        raise InputError(p)
    endorse = pd.DataFrame({"race": prefix + sv["okrug"].astype(str), "candidate": sv["candidate"]})
    paths["endorsements"] = out / "spb-2021-endorsements.csv"
    endorse.to_csv(paths["endorsements"], index=False)
    st = _read(folder / "spb2021_stations.csv")
    addr = st[["street", "building"]].fillna("").astype(str).agg(", ".join, axis=1).str.strip(", ")
    venue = st["venue_name"].fillna("").astype(str)
    address = np.where(venue != "", addr + " (" + venue + ")", addr)
    base = pd.DataFrame(
        {
            "unit": SPB_REGION + "/" + st["uik"].astype(str),
            "region": st["raion"].fillna(SPB_REGION).astype(str),
            "address": address,
            "latitude": st["latitude"],
            "longitude": st["longitude"],
        }
    )
    rows = []
    for col, prefix_s in (
        ("duma_district", "duma-2021/smd/"),
        ("zaks_district", "spb-zaks-2021/smd/"),
    ):
        has = st[col].notna()
        b = base[has].copy()
        b.insert(1, "race", prefix_s + st.loc[has, col].astype("Int64").astype(str))
        rows.append(b)
    stations = pd.concat(rows).sort_values(["unit", "race"], kind="stable")
    paths["stations"] = out / "spb-2021-stations.csv"
    stations.to_csv(paths["stations"], index=False)
    return paths


def convert_moscow(data_dir: str | Path, out_dir: str | Path) -> dict[str, Path]:
    """Moscow Duma districts 196–210: 2016 district totals; 2021 paper vs electronic."""
    folder = Path(data_dir) / "ru_moscow_duma"
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    m16 = _read(folder / "moscow2016_duma_smd_district_candidates.csv")
    race16 = "duma-2016/smd/" + m16["okrug"].astype(str)
    party16 = m16["party"].fillna("").astype(str)
    t16 = pd.DataFrame(
        {
            "election": "duma-2016",
            "race": race16,
            "unit": race16,
            "candidate": m16["candidate"],
            "votes": m16["votes"].astype("Int64"),
            "party": party16.where(party16 != "Самовыдвижение", ""),
            "region": MOSCOW_REGION,
            "district": m16["okrug"].astype(str),
            "registered": m16["registered_voters"].astype("Int64"),
            "ballots": (
                m16["ballots_issued_station"]
                + m16["ballots_issued_early"]
                + m16["ballots_issued_outside"]
            ).astype("Int64"),
            "regime": party16.map(party_key) == REGIME_PARTY_KEY,
        }
    )
    paths["duma_2016_smd"] = out / "moscow-duma-2016-smd.csv"
    t16.to_csv(paths["duma_2016_smd"], index=False)
    f21 = folder / "moscow2021_duma_smd_inperson_vs_deg.csv"
    m21 = _read(f21)
    race21 = "duma-2021/smd/" + m21["okrug"].astype(str)
    regime = _bool(m21["winner"], f21)
    common = {
        "election": "duma-2021",
        "race": race21,
        "candidate": m21["candidate"],
        "region": MOSCOW_REGION,
        "district": m21["okrug"].astype(str),
        "regime": regime,
        "endorsed": _bool(m21["smart_vote"], f21),
    }
    paper = pd.DataFrame(
        {
            **common,
            "unit": race21,
            "votes": m21["votes_inperson"].astype("Int64"),
            "channel": "paper",
        }
    )
    elec = pd.DataFrame(
        {
            **common,
            "unit": race21 + "/electronic",
            "votes": m21["votes_deg"].astype("Int64"),
            "channel": "electronic",
        }
    )
    t21 = pd.concat([paper, elec], ignore_index=True)
    paths["duma_2021_smd"] = out / "moscow-duma-2021-smd.csv"
    t21.to_csv(paths["duma_2021_smd"], index=False)
    cands = pd.DataFrame(
        {"race": race21, "candidate": m21["candidate"], "party": "", "regime": regime}
    )
    paths["duma_2021_candidates"] = out / "moscow-duma-2021-candidates.csv"
    cands.to_csv(paths["duma_2021_candidates"], index=False)
    endorse = pd.DataFrame(
        {
            "race": race21[_bool(m21["smart_vote"], f21)],
            "candidate": m21["candidate"][_bool(m21["smart_vote"], f21)],
        }
    )
    paths["endorsements"] = out / "moscow-2021-endorsements.csv"
    endorse.to_csv(paths["endorsements"], index=False)
    return paths


def convert_smart_voting(data_dir: str | Path, out_dir: str | Path) -> dict[str, Path]:
    """The 225 official Smart Voting Duma 2021 endorsements as ``race, candidate, party``."""
    src = Path(data_dir) / "ru_smart_voting_2021" / "smart_vote_2021_duma_smd.csv"
    sv = _read(src)
    party = sv["party_as_listed"].fillna("").astype(str)
    df = pd.DataFrame(
        {
            "race": "duma-2021/smd/" + sv["okrug"].astype(str),
            "candidate": sv["candidate"],
            "party": party.where(party.str.lower() != "самовыдвижение", ""),
            "region": sv["region_heading"],
        }
    )
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    p = out / "sv-2021-endorsements.csv"
    df.to_csv(p, index=False)
    return {"endorsements": p}


CONVERTERS = {"spb": convert_spb, "moscow": convert_moscow, "smart-voting": convert_smart_voting}


def convert_all(data_dir: str | Path, out_dir: str | Path) -> dict[str, Path]:
    paths: dict[str, Path] = {}
    for name, fn in CONVERTERS.items():
        for k, v in fn(data_dir, out_dir).items():
            paths[f"{name}:{k}"] = v
    return paths
