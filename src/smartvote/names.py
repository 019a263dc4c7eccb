"""Name normalisation shared by every join on people and parties.

DESIGN.md: names are compared after Unicode NFC, case folding, ё→е and whitespace
folding. Party labels additionally lose ballot numbers, legal-form prefixes and quotes,
and are mapped through a small alias table (``data/party_aliases.csv``) so that e.g. the
CEC's list name and a city commission's short label reach the same key.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from functools import cache
from importlib import resources

_WS = re.compile(r"\s+")
_BALLOT_NO = re.compile(r"^\s*\d+\s*[.)]\s*")
_QUOTES = "\"«»“”„'`"
_PREFIXES = (
    "общественная организация ",
    "всероссийская политическая партия ",
    "политическая партия ",
    "всероссийская партия ",
)
_DASHES = re.compile(r"[‐‑‒–—―-]")


def norm_name(text: str) -> str:
    """Canonical comparison key for a person's name (NFC, casefold, ё→е, whitespace)."""
    s = unicodedata.normalize("NFC", str(text)).casefold().replace("ё", "е")
    return _WS.sub(" ", s).strip()


def strip_ballot_number(label: str) -> tuple[int | None, str]:
    """Split ``'5. Партия X'`` into ``(5, 'Партия X')``."""
    m = _BALLOT_NO.match(label)
    if not m:
        return None, label.strip()
    return int(re.sub(r"\D", "", m.group(0))), label[m.end() :].strip()


def party_label(label: str) -> str:
    """Readable party name: ballot number, legal-form prefix and outer quotes removed."""
    _, s = strip_ballot_number(label)
    low = s.casefold()
    for p in _PREFIXES:
        if low.startswith(p):
            s = s[len(p) :]
            low = s.casefold()
    s = s.strip()
    if s and s[0] in _QUOTES:
        s = s[1:]
        if s and s[-1] in _QUOTES:
            s = s[:-1]
    return _WS.sub(" ", s).strip()


@cache
def _aliases() -> dict[str, str]:
    out: dict[str, str] = {}
    path = resources.files("smartvote") / "data" / "party_aliases.csv"
    with path.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out[_party_norm(row["alias"])] = row["key"]
    return out


def _party_norm(label: str) -> str:
    s = norm_name(party_label(label))
    s = _DASHES.sub(" ", s)
    s = "".join(ch for ch in s if ch not in _QUOTES)
    return _WS.sub(" ", s).strip()


def party_key(label: str | None) -> str:
    """Key under which the same party matches across elections and sources.

    Empty for independents (no party, ``Самовыдвижение``).
    """
    if label is None:
        return ""
    s = _party_norm(label)
    if s in ("", "самовыдвижение", "independent", "ind", "nan"):
        return ""
    return _aliases().get(s, s)
