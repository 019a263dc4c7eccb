"""Lookups for bots and partner sites: ``GET /api/v1/find/{number or address}``.

``/api/v1/stations/{id}`` needs the full station id and answers with signed bytes; a bot
talking to a voter has a number («1004») or a home address («Наличная 32 к2»). This
answers those, across all regions (a number is looked up in every region that has it, an
address in every region's station addresses and ``serves`` lists, with the rules of
:mod:`smartvote.publish.address`), with each race's display name and the reasons worded
in the language of ``Accept-Language`` (Russian or English, :mod:`smartvote.publish.reasons`).
Each station carries ``signed``: the path of its signed answer, which a bot that must not
trust this server checks against the manifest (see ``verify_entry``). Nothing is logged.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping
from typing import Any

from smartvote.publish.address import AddressIndex
from smartvote.publish.reasons import pick_language, reason_codes, render

__all__ = ["FIND_PREFIX", "Finder"]

FIND_PREFIX = "/api/v1/find/"
MAX_RESULTS = 20


class Finder:
    """Number and address lookups over the shards of a bundle (``{path: bytes}``)."""

    def __init__(self, shards: Mapping[str, bytes], regions: list[Mapping[str, Any]]) -> None:
        self.shards = [json.loads(shards[r["shard"]]) for r in regions]
        self.by_number: dict[str, list[tuple[int, str]]] = {}
        for i, sh in enumerate(self.shards):
            for sid, st in sh["stations"].items():
                self.by_number.setdefault(str(st["number"]), []).append((i, sid))
        self._indexes: dict[int, AddressIndex] = {}

    def _index(self, i: int) -> AddressIndex:
        idx = self._indexes.get(i)
        if idx is None:  # parsed on first use: about 0.3 s for 2,000 stations
            sts = self.shards[i]["stations"]
            idx = self._indexes[i] = AddressIndex(
                (sid, (st["address"], *st.get("serves", ()))) for sid, st in sts.items()
            )
        return idx

    def find(self, query: str, lang: str = "ru") -> dict[str, Any]:
        """The answer as a dict: ``query``, ``lang``, ``kind``, ``house_found``, ``stations``."""
        q = " ".join(query.split())
        digits = q.lstrip("№#").strip()
        hits: list[tuple[int, str, str]] = []
        house_found = False
        if digits.isdigit():
            kind = "number"
            hits = [(i, sid, "") for i, sid in self.by_number.get(digits, [])]
        else:
            kind = "address"
            for i in range(len(self.shards)):
                found, hf = self._index(i).search(q, limit=MAX_RESULTS)
                house_found = house_found or hf
                hits.extend((i, sid, text) for sid, text, _ in found)
        return {
            "query": q,
            "lang": lang,
            "kind": kind,
            "house_found": house_found if kind == "address" else bool(hits),
            "total": len(hits),
            "stations": [self._station(i, sid, text, lang) for i, sid, text in hits[:MAX_RESULTS]],
        }

    def _station(self, i: int, sid: str, matched: str, lang: str) -> dict[str, Any]:
        sh = self.shards[i]
        st = sh["stations"][sid]
        names = sh.get("race_names") or {}
        races = []
        for r in st["races"]:
            rec = sh["races"].get(r)
            codes = reason_codes(rec) if rec else [{"code": "no_pick"}]
            races.append(
                {
                    "race": r,
                    "race_name": names.get(r) or (rec or {}).get("race_name"),
                    "endorsed": (rec or {}).get("endorsed"),
                    "party": (rec or {}).get("party"),
                    "reason_codes": codes,
                    "reasons": [render(c, lang) for c in codes],
                }
            )
        return {
            "station": sid,
            "region": sh["region"],
            "number": st["number"],
            "address": st["address"],
            **({"matched": matched} if matched and matched != st["address"] else {}),
            "races": races,
            "signed": "/api/v1/stations/" + urllib.parse.quote(sid, safe="/"),
        }

    def answer(self, path: str, accept_language: str | None) -> tuple[int, bytes, str]:
        """``(status, JSON body, lang)`` for a request path under :data:`FIND_PREFIX`."""
        raw = path[len(FIND_PREFIX) :]
        query = urllib.parse.unquote(raw) if "%" in raw else raw
        lang = pick_language(accept_language)
        if not query.strip():
            body: dict[str, Any] = {"error": "empty query"}
            return 400, json.dumps(body).encode(), lang
        res = self.find(query, lang)
        status = 200 if res["stations"] else 404
        if status == 404:
            res["error"] = "no station matches"
        return status, json.dumps(res, ensure_ascii=False).encode(), lang
