"""Inputs of an assessment: single-member results, party-list votes, endorsements, baseline.

Every file is read with :func:`smartvote.io.read_any` (CIK protocol tables or the tidy
format), so no database is needed. Races are sorted by kind: ``…/list`` races hold the
party-list vote used as each candidate's expected vote (split-ticket design); every other
race is a contested race that endorsements can target. The previous election (baseline)
is read the same way and joined to the current one by district number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from smartvote.errors import InputError, Problem
from smartvote.io import Election, read_any
from smartvote.io.tidy import read_table
from smartvote.names import _party_norm as _pn
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


def election_from_batches(batches: list[Election]) -> ElectionData:
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
        if "incumbent" not in cands.columns:
            cands["incumbent"] = pd.NA
        cands["incumbent"] = cands["incumbent"].astype("boolean")
        cands["party"] = cands["party"].fillna("").astype(str)
        cands["party_key"] = cands["party_key"].fillna("").astype(str)
        cands["name_key"] = cands["candidate"].map(norm_name)
        # Region of a race: the most common region of its units when the race row has none.
        rr = smd[["race", "region"]].dropna()
        rr = rr.assign(region=rr["region"].astype(str))
        # Most common region per race (ties: the first in sort order, as Series.mode).
        reg = (
            rr.groupby(["race", "region"])
            .size()
            .rename("n")
            .reset_index()
            .sort_values(["race", "n", "region"], ascending=[True, False, True])
            .drop_duplicates("race")
            .set_index("race")["region"]
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
                "incumbent",
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
        # Tidy list files may give no valid line: the unit's list votes then stand for it.
        cast = lists.groupby(["election", "unit"])["votes"].transform("sum")
        lists["valid"] = lists["valid"].where(lists["valid"].notna(), cast)
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


#: Where a candidate's party came from (``party_source``), in order of precedence.
PARTY_SOURCES = (
    "results",
    "endorsements",
    "previous election, same district",
    "previous election",
    "nominations",
)


def _fill_parties(
    cur: ElectionData,
    base: ElectionData | None,
    endo: pd.DataFrame,
    nominations: pd.DataFrame | None = None,
) -> ElectionData:
    """Fill a missing party, candidate by candidate, from (in order) the endorsements file,
    the same person in the same district at the previous election, the same person
    anywhere in the previous election (when the name is unique there), and the
    nominations table (``name_key, party_key, years``). Assumption: a candidate keeps
    their party between elections. ``party_source`` records where each party came from."""
    c = cur.candidates.copy()
    if not len(c):
        return cur
    c["party_source"] = np.where(c["party_key"] != "", "results", "")

    def fill(keys: pd.Series, table: pd.Series, source: str) -> None:
        missing = c["party_key"] == ""
        m = {str(k): str(v) for k, v in table.items() if isinstance(v, str)}
        got = pd.Series([m.get(str(k), "") for k in keys], index=c.index)
        take = missing & (got != "")
        c.loc[take, "party_key"] = got[take]
        c.loc[take, "party_source"] = source

    ek = endo["race"] + "\x1f" + endo["name_key"]
    fill(
        c["race"] + "\x1f" + c["name_key"],
        pd.Series(endo["party_key"].to_numpy(), index=ek.to_numpy()),
        "endorsements",
    )
    if base is not None and len(base.candidates):
        b = base.candidates[base.candidates["party_key"] != ""]
        bk = pd.Series(
            b["party_key"].to_numpy(), index=(b["district"] + "\x1f" + b["name_key"]).to_numpy()
        )
        bk = bk[~bk.index.duplicated()]
        fill(c["district"] + "\x1f" + c["name_key"], bk, PARTY_SOURCES[2])
        # Anywhere in the previous election: only names that stood once (no namesakes).
        once = b.drop_duplicates("name_key", keep=False)
        fill(
            c["name_key"],
            pd.Series(once["party_key"].to_numpy(), index=once["name_key"].to_numpy()),
            PARTY_SOURCES[3],
        )
    if nominations is not None and len(nominations):
        years = {m for e in cur.elections for m in re.findall(r"(?<!\d)(\d{4})(?!\d)", e)}
        ok = nominations[
            (nominations["years"] == "")
            | nominations["years"].str.split().map(lambda ys: bool(years & set(ys)))
        ]
        ok = ok.drop_duplicates("name_key", keep=False)
        fill(
            c["name_key"],
            pd.Series(ok["party_key"].to_numpy(), index=ok["name_key"].to_numpy()),
            PARTY_SOURCES[4],
        )
    return ElectionData(smd=cur.smd, candidates=c, lists=cur.lists, sources=cur.sources)


def read_aliases(path: str | Path) -> dict[str, str]:
    """A party alias file (``alias, key``, as ``smartvote/data/party_aliases.csv``): maps
    the normalised label of each alias to its key, so that a party renamed between two
    elections compares with itself."""

    df = read_table(path)
    df = df.rename(columns={c: str(c).strip().lower() for c in df.columns})
    missing = [c for c in ("alias", "key") if c not in df.columns]
    if missing:
        raise InputError(Problem("alias_columns", f"missing column(s) {missing}", str(path), 1))
    alias = df["alias"].astype("string").fillna("").str.strip()
    key = df["key"].astype("string").fillna("").str.strip()
    empty = (alias == "") | (key == "")
    if p := Problem.first(empty, "required", "alias and key must be given", str(path)):
        raise InputError(p)
    return {_pn(a): str(k) for a, k in zip(alias, key, strict=True)}


def apply_aliases(ed: ElectionData, aliases: dict[str, str]) -> ElectionData:
    """Re-key the parties of ``ed`` through a user alias table (see :func:`read_aliases`):
    a party whose label or key is an alias takes the alias's key, candidates and list
    votes alike."""
    if not aliases:
        return ed

    def rekey(labels: pd.Series, keys: pd.Series) -> pd.Series:
        by_label = labels.astype(str).map(lambda x: aliases.get(_pn(x)) if x else None)
        by_key = keys.astype(str).map(lambda x: aliases.get(_pn(x)) if x else None)
        return by_label.fillna(by_key).fillna(keys).astype(str)

    c = ed.candidates.copy()
    if len(c):
        c["party_key"] = rekey(c["party"], c["party_key"])
    lists = ed.lists.copy()
    if len(lists):
        lists["party_key"] = rekey(lists["party_key"], lists["party_key"])
        lists = lists.groupby(
            ["election", "unit", "district", "region", "channel", "party_key"], as_index=False
        ).agg(votes=("votes", "sum"), valid=("valid", "first"))
    return ElectionData(smd=ed.smd, candidates=c, lists=lists, sources=ed.sources)


def make_input(
    cur: ElectionData,
    endorsements: pd.DataFrame | None,
    baseline: ElectionData | None = None,
    nominations: pd.DataFrame | None = None,
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
    cur = _fill_parties(cur, baseline, endo, nominations)
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
    nominations: str | Path | None = None,
    party_aliases: str | Path | None = None,
) -> AssessInput:
    """Read every file of an assessment (see :func:`make_input`). ``nominations``: a
    ``candidate, party[, years]`` file (default: the shipped table); ``party_aliases``: an
    ``alias, key`` file applied on top of the shipped aliases."""
    from smartvote.recommend.swing import load_nominations

    aliases = read_aliases(party_aliases) if party_aliases is not None else {}
    cur = apply_aliases(read_election(results), aliases)
    base = read_election(baseline) if baseline else None
    if base is not None:
        base = apply_aliases(base, aliases)
    if base is not None and not len(base.candidates):
        raise InputError(
            Problem(
                "baseline_races",
                "the baseline files hold no contested race",
                ", ".join(map(str, baseline or [])),
            )
        )
    endo = read_endorsements(endorsements) if endorsements is not None else None
    if endo is not None and aliases:
        endo = endo.assign(
            party_key=[
                aliases.get(_pn(p), k) if p else k
                for p, k in zip(endo["party"], endo["party_key"], strict=True)
            ]
        )
    return make_input(cur, endo, base, load_nominations(nominations))


def from_simulation(sim: Any) -> AssessInput:
    """An :class:`AssessInput` straight from a :class:`smartvote.simulate.Simulation`
    (the same frames that ``Simulation.write`` puts in files, without the files)."""
    from smartvote.io.cik import read_cik_frame
    from smartvote.io.tidy import tidy_to_batch

    cfg = sim.config

    def batches(smd: pd.DataFrame, protocols: pd.DataFrame, election: str) -> list[Election]:
        return [
            tidy_to_batch(smd.astype({"regime": str, "endorsed": str}), f"{election}-smd.csv"),
            read_cik_frame(protocols.copy(), f"{election}.csv"),
        ]

    cur = election_from_batches(batches(sim.smd, sim.protocols, cfg.election))
    base = election_from_batches(batches(sim.previous_smd, sim.previous_protocols, cfg.previous))
    return make_input(cur, sim.endorsements.copy(), base)
