"""Flag likely spoilers for human review: namesakes ("doubles") and listed spoiler parties.

A classic way to split a challenger's vote is to register a *double*: a candidate with the
same surname (sometimes the same full name) in the same race. This module flags, never
excludes: every flag carries its evidence and goes into the recommendation's ``spoilers``
list and reasons, for the campaign to decide (``excluded`` in the candidates file, or an
override). Flags:

* ``namesake``: two candidates in one race share a surname. Assumption: the surname is the
  first word of the normalised name (the Russian ``Фамилия Имя Отчество`` order); pass
  ``surname="last"`` for ``Given Family`` order.
* ``spoiler_party``: the candidate's party is listed in a ``--spoilers`` file (``party``
  with an optional ``reason``), e.g. parties known to register decoy candidates.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["spoiler_flags"]


def spoiler_flags(
    cands: pd.DataFrame, parties: pd.DataFrame | None = None, surname: str = "first"
) -> dict[str, list[dict[str, str]]]:
    """Flags per race: lists of ``{candidate, kind, evidence}``."""
    c = cands[["race", "candidate", "name_key", "party", "party_key"]].copy()
    tokens = c["name_key"].str.split(" ")
    c["surname"] = tokens.str[0] if surname == "first" else tokens.str[-1]
    out: dict[str, list[dict[str, str]]] = {}
    pairs = c.merge(c, on=["race", "surname"], suffixes=("", "_o"))
    pairs = pairs[(pairs["candidate"] != pairs["candidate_o"]) & (pairs["surname"].str.len() > 1)]
    for _, p in pairs.iterrows():
        same = " with the same full name" if p["name_key"] == p["name_key_o"] else ""
        other = f"{p['candidate_o']}" + (f" ({p['party_o']})" if p["party_o"] else " (independent)")
        out.setdefault(str(p["race"]), []).append(
            {
                "candidate": str(p["candidate"]),
                "kind": "namesake",
                "evidence": f"same surname as {other} in the same race{same}",
            }
        )
    if parties is not None and len(parties):
        reason = dict(zip(parties["party_key"], parties["reason"], strict=True))
        hit = c[(c["party_key"] != "") & c["party_key"].isin(set(reason))]
        for _, r in hit.iterrows():
            why = reason[r["party_key"]] or "listed as a spoiler party"
            out.setdefault(str(r["race"]), []).append(
                {
                    "candidate": str(r["candidate"]),
                    "kind": "spoiler_party",
                    "evidence": f"party {r['party']}: {why}",
                }
            )
    return out
