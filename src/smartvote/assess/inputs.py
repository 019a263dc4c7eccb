"""Inputs of an assessment: single-member results, party-list votes, endorsements, baseline.

Every file is read with :func:`smartvote.io.read_any` (CIK protocol tables or the tidy
format), so no database is needed. Races are sorted by kind: ``…/list`` races hold the
party-list vote used as each candidate's expected vote (split-ticket design); every other
race is a contested race that endorsements can target. The previous election (baseline)
is read the same way and joined to the current one by district number.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from smartvote.errors import InputError, Problem
from smartvote.io import Batch, read_any
from smartvote.io.tidy import read_table
from smartvote.names import norm_name, party_key

#: Columns of the unit-level contested-race table.
SMD_COLUMNS = (
    "election",
    "race",
    "unit",
    "candidate",
    "votes",
    "channel",
    "district",
    "region",
    "registered",
    "ballots",
    "valid",
)


@dataclass(frozen=True, slots=True)
class ElectionData:
    """One election's contested races (long, per unit and candidate) and list votes.

    ``smd``: election, race, unit, candidate, votes, channel, district, region,
    registered, ballots, valid. ``candidates``: election, race, district, region,
    candidate, name_key, party, party_key, regime, endorsed. ``lists``: election, unit,
    district, region, channel, party_key, votes, valid (one row per unit and party).
    """

    smd: pd.DataFrame
    candidates: pd.DataFrame
    lists: pd.DataFrame
    sources: tuple[str, ...]

    @property
    def elections(self) -> list[str]:
        return sorted(set(self.smd["election"].astype(str)))


@dataclass(frozen=True, slots=True)
class AssessInput:
    """Everything :func:`smartvote.assess.assess` needs."""

    current: ElectionData
    baseline: ElectionData | None
    endorsements: pd.DataFrame  # race, candidate, name_key, party_key
    unmatched: tuple[str, ...]  # endorsements naming a candidate not on the race's ballot


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def election_from_batches(batches: list[Batch]) -> ElectionData:
    """Split batches into contested races and party-list votes (see module docstring)."""
    smd_parts: list[pd.DataFrame] = []
    cand_parts: list[pd.DataFrame] = []
    list_parts: list[pd.DataFrame] = []
    sources: list[str] = []
    for b in batches:
        sources.extend(b.sources)
        kinds = b.races.set_index("race")["kind"].astype(str)
        units = b.units[
            ["race", "unit", "channel", "district", "region", "registered", "ballots", "valid"]
        ]
        res = b.results.merge(units, on=["race", "unit"], how="left")
        is_list = res["race"].map(kinds).fillna("") == "list"
        cands = b.candidates.copy()
        cand_list = cands["race"].map(kinds).fillna("") == "list"
        if is_list.any():
            lr = res[is_list].merge(
                cands.loc[cand_list, ["race", "candidate", "party_key"]],
                on=["race", "candidate"],
                how="left",
            )
            lr["party_key"] = lr["party_key"].fillna("").astype(str)
            lr = lr[lr["party_key"] != ""]
            list_parts.append(
                lr.groupby(
                    ["election", "unit", "district", "region", "channel", "party_key"],
                    as_index=False,
                    dropna=False,
                ).agg(votes=("votes", "sum"), valid=("valid", "first"))
            )
        if (~is_list).any():
            smd_parts.append(res.loc[~is_list, list(SMD_COLUMNS)])
            c = cands[~cand_list].copy()
            rd = b.races.set_index("race")
            c["district"] = c["race"].map(rd["district"]).astype("string")
            c["region"] = c["race"].map(rd["region"]).astype("string")
            cand_parts.append(c)
    smd = _concat(smd_parts)
    cands = _concat(cand_parts)
    lists = _concat(list_parts)
    if len(cands):
        for col in ("regime", "endorsed"):
            cands[col] = cands[col].astype("boolean").fillna(False).astype(bool)
        cands["party"] = cands["party"].fillna("").astype(str)
        cands["party_key"] = cands["party_key"].fillna("").astype(str)
        cands["name_key"] = cands["candidate"].map(norm_name)
        # Region of a race: the most common region of its units when the race row has none.
        reg = smd.groupby("race")["region"].agg(
            lambda s: s.dropna().astype(str).mode().iat[0] if s.notna().any() else ""
        )
        cands["region"] = cands["region"].fillna("").astype(str)
        cands["region"] = cands["region"].where(
            cands["region"] != "", cands["race"].map(reg).fillna("")
        )
        cands["district"] = cands["district"].fillna("").astype(str)
        cands = cands[
            [
                "election",
                "race",
                "district",
                "region",
                "candidate",
                "name_key",
                "party",
                "party_key",
                "regime",
                "endorsed",
            ]
        ].drop_duplicates(["race", "candidate"])
    if len(smd):
        smd["votes"] = smd["votes"].astype("float64")
        for col in ("registered", "ballots", "valid"):
            smd[col] = smd[col].astype("float64")
        for col in ("channel", "district", "region"):
            smd[col] = smd[col].astype("string").fillna("").astype(str)
        smd["channel"] = smd["channel"].replace("", "paper")
    if len(lists):
        lists["votes"] = lists["votes"].astype("float64")
        lists["valid"] = lists["valid"].astype("float64")
        for col in ("district", "region", "channel"):
            lists[col] = lists[col].astype("string").fillna("").astype(str)
    return ElectionData(smd=smd, candidates=cands, lists=lists, sources=tuple(sources))


def read_election(files: list[Path] | list[str]) -> ElectionData:
    """Read result files (CIK or tidy) into an :class:`ElectionData`."""
    return election_from_batches([read_any(Path(f)) for f in files])


def read_endorsements(path: str | Path) -> pd.DataFrame:
    """Endorsements file (DESIGN.md): ``race, candidate``, optional ``party``."""
    df = read_table(path)
    df = df.rename(columns={c: c.strip().lower() for c in df.columns})
    missing = [c for c in ("race", "candidate") if c not in df.columns]
    if missing:
        raise InputError(
            Problem("endorsement_columns", f"missing column(s) {missing}", str(path), 1)
        )
    if df.empty:
        raise InputError(Problem("endorsements-empty", "no endorsement rows", str(path), 2))
    out = pd.DataFrame(
        {
            "race": df["race"].astype(str).str.strip(),
            "candidate": df["candidate"].astype(str).str.strip(),
            "party": df["party"].astype(str).str.strip() if "party" in df.columns else "",
        }
    )
    empty = (out["race"] == "") | (out["candidate"] == "")
    if empty.any():
        i = int(empty.to_numpy().nonzero()[0][0])
        raise InputError(Problem("required", "race and candidate must be given", str(path), i + 2))
    return normalise_endorsements(out)


def normalise_endorsements(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    if "party" not in out.columns:
        out["party"] = ""
    out["party"] = out["party"].fillna("").astype(str)
    out["name_key"] = out["candidate"].map(norm_name)
    out["party_key"] = out["party"].map(party_key)
    return out.drop_duplicates("race")[
        ["race", "candidate", "name_key", "party", "party_key"]
    ].reset_index(drop=True)


def _fill_parties(cur: ElectionData, base: ElectionData | None, endo: pd.DataFrame) -> ElectionData:
    """Fill a missing party from the endorsements file, then from the same person in the
    same district at the previous election (assumption: a candidate keeps their party)."""
    c = cur.candidates.copy()
    if not len(c):
        return cur
    key = c["race"] + "\x1f" + c["name_key"]
    ek = endo["race"] + "\x1f" + endo["name_key"]
    from_endo = pd.Series(endo["party_key"].to_numpy(), index=ek.to_numpy())
    missing = c["party_key"] == ""
    fill = key.map(from_endo).fillna("")
    c.loc[missing, "party_key"] = fill[missing]
    if base is not None and len(base.candidates):
        b = base.candidates[base.candidates["party_key"] != ""]
        bk = pd.Series(
            b["party_key"].to_numpy(), index=(b["district"] + "\x1f" + b["name_key"]).to_numpy()
        )
        bk = bk[~bk.index.duplicated()]
        missing = c["party_key"] == ""
        fill = (c["district"] + "\x1f" + c["name_key"]).map(bk).fillna("")
        c.loc[missing, "party_key"] = fill[missing]
    return ElectionData(smd=cur.smd, candidates=c, lists=cur.lists, sources=cur.sources)


def make_input(
    cur: ElectionData, endorsements: pd.DataFrame | None, baseline: ElectionData | None = None
) -> AssessInput:
    """Attach endorsements to the current election's candidates.

    Endorsements are matched by race id and normalised name; those whose race is not in
    the results are ignored (a national list applied to one city), those whose race is
    present but whose candidate is not on its ballot are reported as unmatched. Without an
    endorsements file, the ``endorsed`` flags of the results are used.
    """
    if not len(cur.candidates):
        raise InputError(Problem("no_races", "the results hold no contested (non-list) race"))
    if endorsements is None:
        e = cur.candidates[cur.candidates["endorsed"]][["race", "candidate", "party"]]
        if not len(e):
            raise InputError(
                Problem(
                    "no_endorsements", "no --endorsements file and no endorsed flag in the results"
                )
            )
        endo = normalise_endorsements(e)
    else:
        endo = normalise_endorsements(endorsements)
    races = set(cur.candidates["race"])
    endo = endo[endo["race"].isin(races)].reset_index(drop=True)
    cur = _fill_parties(cur, baseline, endo)
    c = cur.candidates.copy()
    ck = c["race"] + "\x1f" + c["name_key"]
    ek = set(endo["race"] + "\x1f" + endo["name_key"])
    c["endorsed"] = ck.isin(ek)
    found = set(ck[c["endorsed"]])
    unmatched = tuple(
        f"{r}: {n}"
        for r, n, k in zip(
            endo["race"], endo["candidate"], endo["race"] + "\x1f" + endo["name_key"], strict=True
        )
        if k not in found
    )
    if not c["endorsed"].any():
        raise InputError(
            Problem(
                "no_endorsements",
                "no endorsement matches a candidate of the results (race id and name)",
            )
        )
    cur = ElectionData(smd=cur.smd, candidates=c, lists=cur.lists, sources=cur.sources)
    return AssessInput(current=cur, baseline=baseline, endorsements=endo, unmatched=unmatched)


def load(
    results: list[Path] | list[str],
    endorsements: str | Path | None,
    baseline: list[Path] | list[str] | None = None,
) -> AssessInput:
    """Read every file of an assessment (see :func:`make_input`)."""
    cur = read_election(results)
    base = read_election(baseline) if baseline else None
    if base is not None and not len(base.candidates):
        raise InputError(
            Problem(
                "baseline_races",
                "the baseline files hold no contested race",
                ", ".join(map(str, baseline or [])),
            )
        )
    endo = read_endorsements(endorsements) if endorsements is not None else None
    return make_input(cur, endo, base)


def from_simulation(sim: Any) -> AssessInput:
    """An :class:`AssessInput` straight from a :class:`smartvote.simulate.Simulation`
    (the same frames that ``Simulation.write`` puts in files, without the files)."""
    from smartvote.io.cik import read_cik_frame
    from smartvote.io.tidy import tidy_to_batch

    cfg = sim.config

    def batches(smd: pd.DataFrame, protocols: pd.DataFrame, election: str) -> list[Batch]:
        return [
            tidy_to_batch(smd.astype({"regime": str, "endorsed": str}), f"{election}-smd.csv"),
            read_cik_frame(protocols.copy(), f"{election}.csv"),
        ]

    cur = election_from_batches(batches(sim.smd, sim.protocols, cfg.election))
    base = election_from_batches(batches(sim.previous_smd, sim.previous_protocols, cfg.previous))
    return make_input(cur, sim.endorsements.copy(), base)
