"""Russian street addresses as people type them: parse, then match against stations.

A voter types «пр. Большевиков 28», «Ленинский пр-т 161», «Крыленко 33к2» or
«Болшевиков 28»; the commission writes «проспект Большевиков, дом 28» or «улица Крыленко,
дом 33, корпус 2». :func:`parse_address` turns either into street *words* (lower case,
ё→е), street *types* (проспект/пр./пр-т/пр-кт → ``пр``; улица/ул. → ``ул``; …) and
*houses* (``base``, ``korp``, ``stroenie``, ``letter``: «33к2» = «дом 33 корпус 2»; a range
«108-110» gives both ends; «12/2» also answers «12»). :func:`match_score` compares a parsed
query with a parsed address:

* every street word of the query must match a word of the address, in any order: equal;
  a prefix of at least 3 letters («невск»); the same word with another ending (both 5+
  letters, differing only in their last three at most: «невский»/«невского»); or, for
  words of 5+ letters, one typo (one letter inserted, deleted, replaced, or two neighbours
  swapped). Where some stations match every word exactly and others only approximately,
  only the exact ones are kept («Пушкинская» does not bring «Пушкинский район»);
* a house number is a whole token: 6 is not 16; ``base`` must be equal, and ``korp``,
  ``stroenie`` and ``letter`` when the query gives them. An exact house scores above one
  where the query left a part out.

The voter page (``site/app.js``, ``parseAddress`` and ``matchScore``) implements the same
rules in the browser; tests run one corpus of real queries through both.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "AddressIndex",
    "House",
    "ParsedAddress",
    "match_score",
    "normalise",
    "parse_address",
    "search_addresses",
]

TYPES = {
    "проспект": "пр", "пр": "пр", "пр-т": "пр", "пр-кт": "пр", "просп": "пр", "пркт": "пр",
    "улица": "ул", "ул": "ул",
    "набережная": "наб", "наб": "наб",
    "переулок": "пер", "пер": "пер",
    "шоссе": "ш", "ш": "ш",
    "площадь": "пл", "пл": "пл",
    "бульвар": "бул", "б-р": "бул", "бул": "бул", "бульв": "бул",
    "проезд": "прд", "пр-д": "прд",
    "аллея": "ал", "ал": "ал",
    "линия": "лин", "лин": "лин",
    "дорога": "дор", "дор": "дор",
    "тупик": "туп", "туп": "туп",
}  # fmt: skip
HOUSE = frozenset({"дом", "д", "дома", "домов"})
KORP = frozenset({"корпус", "корп", "к", "кор", "корпуса"})
STROENIE = frozenset({"строение", "стр", "с"})
LITERA = frozenset({"литера", "литер", "лит", "литеры"})
FLAT = frozenset({"кв", "квартира", "пом", "помещение", "офис"})
NOISE = frozenset({"г", "город", "санкт-петербург", "спб", "россия", "рф", "р-н", "и"})

_SPLIT = re.compile(r"[\s,;:()«»\"'.№#]+")
_PARENS = re.compile(r"\([^)]*\)")
_ORDINAL = re.compile(r"^(\d+)-?(?:[а-я]{1,3})$")
_RANGE = re.compile(r"^(\d+)-(\d+)$")
_HOUSE = re.compile(
    r"^(\d+(?:/\d+[а-я]?)?)([а-я])?(?:(?:к|корп)(\d+))?(?:(?:с|стр)(\d+))?(?:лит([а-я]))?$"
)


def normalise(s: str) -> str:
    """NFC, lower case, ё→е, whitespace folded: how every compared string starts."""
    s = unicodedata.normalize("NFC", s).lower().replace("ё", "е")
    return " ".join(s.split())


@dataclass(frozen=True, slots=True)
class House:
    base: str
    korp: str = ""
    stroenie: str = ""
    letter: str = ""


@dataclass(frozen=True, slots=True)
class ParsedAddress:
    words: tuple[str, ...]
    types: tuple[str, ...]
    houses: tuple[House, ...]


def _tokens(s: str) -> list[str]:
    s = _PARENS.sub(" ", normalise(s))
    return [t for t in _SPLIT.split(s) if t and t != "-"]


def parse_address(s: str) -> ParsedAddress:
    """Street words, street types and houses of an address or a query (see module doc)."""
    words: list[str] = []
    types: list[str] = []
    houses: list[House] = []
    pending = ""  # the marker just seen: house, korp, str, lit, flat
    last_number = False
    for tok in _tokens(s):
        was_number, last_number = last_number, False
        if tok in TYPES:
            types.append(TYPES[tok])
            pending = ""
            continue
        if tok in HOUSE:
            pending = "house"
            continue
        if tok in KORP and houses:
            pending = "korp"
            continue
        if tok in STROENIE and houses:
            pending = "str"
            continue
        if tok in LITERA:
            pending = "lit"
            continue
        if tok in FLAT:
            pending = "flat"
            continue
        if tok in NOISE:
            continue
        if tok[0].isdigit():
            mark, pending = pending, ""
            if mark == "flat":
                continue
            if mark in ("korp", "str") and tok.isdigit():
                h = houses[-1]
                houses[-1] = (
                    House(h.base, tok, h.stroenie, h.letter)
                    if mark == "korp"
                    else House(h.base, h.korp, tok, h.letter)
                )
                last_number = True
                continue
            if (m := _RANGE.match(tok)) is not None:
                houses.extend((House(m.group(1)), House(m.group(2))))
                last_number = True
                continue
            if (m := _HOUSE.match(tok)) is not None:
                houses.append(
                    House(m.group(1), m.group(3) or "", m.group(4) or "", m.group(2) or "")
                )
                last_number = True
                continue
            if (m := _ORDINAL.match(tok)) is not None:
                words.append(m.group(1) + "-")
                continue
            words.append(tok)
            continue
        if pending == "lit":  # литера А: a cadastral letter, not part of the house number
            pending = ""
            continue
        if len(tok) == 1 and was_number and houses and not houses[-1].letter:
            h = houses[-1]
            houses[-1] = House(h.base, h.korp, h.stroenie, tok)
            continue
        pending = ""
        words.append(tok)
    # «12/2» (a corner house) also answers «12»
    extra = [
        House(h.base.split("/")[0], h.korp, h.stroenie, h.letter) for h in houses if "/" in h.base
    ]
    return ParsedAddress(tuple(words), tuple(types), tuple(houses + extra))


def _one_edit(a: str, b: str) -> bool:
    """True when ``a`` and ``b`` differ by one insertion, deletion, replacement or swap."""
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    if la > lb:
        a, b, la, lb = b, a, lb, la
    i = 0
    while i < la and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


def _word_match(q: str, a: str) -> int:
    """2 for the same word, 1 for a prefix, another case ending or one typo, 0 for none."""
    if q == a:
        return 2
    if q[-1] == "-" or a[-1] == "-":  # ordinals («2-я линия») only match exactly
        return 0
    if len(q) >= 3 and a.startswith(q):
        return 1
    n = min(len(q), len(a))
    if n >= 5:
        common = 0
        while common < n and q[common] == a[common]:
            common += 1
        if common >= max(4, len(q) - 3, len(a) - 3):
            return 1
        if _one_edit(q, a):
            return 1
    return 0


def _house_match(q: House, a: House) -> int:
    """2 for the same house, 1 when the query leaves out a part the address has, 0 else."""
    if q.base != a.base:
        return 0
    exact = 2
    for qv, av in ((q.korp, a.korp), (q.stroenie, a.stroenie), (q.letter, a.letter)):
        if qv and qv != av:
            return 0
        if not qv and av:
            exact = 1
    return exact


def match_score(q: ParsedAddress, a: ParsedAddress) -> tuple[int, int]:
    """``(house, street)`` scores of address ``a`` for query ``q``; ``street`` 0 = no match.

    ``street`` is 1 + the number of exactly equal words (plus one when the query's street
    types are all the address's); ``house`` is 2 exact, 1 partial, 0 none or not asked.
    """
    if not q.words and not q.houses:
        return 0, 0
    street = 1
    for w in q.words:
        best = max((_word_match(w, x) for x in a.words), default=0)
        if best == 0:
            return 0, 0
        street += best == 2
    if q.types and set(q.types) <= set(a.types):
        street += 1
    house = 0
    if q.houses:
        house = max((_house_match(q.houses[0], h) for h in a.houses), default=0)
        if not q.words and house == 0:
            return 0, 0
    return house, street


class AddressIndex:
    """Each station's addresses, parsed once: ``[(id, [(text, parsed), ...]), ...]``."""

    def __init__(self, candidates: Iterable[tuple[str, Sequence[str]]]) -> None:
        self.items = [(sid, [(a, parse_address(a)) for a in addrs]) for sid, addrs in candidates]

    def search(self, query: str, limit: int = 20) -> tuple[list[tuple[str, str, int]], bool]:
        """Stations matching ``query``: ``([(id, matched text, house score)], house_found)``.

        When the query names a house and some address has it, only those stations come
        back (exact houses first, then houses where the query left out a корпус or letter);
        when none has it, the stations of the street come back with ``house_found`` false,
        so the caller can say the house itself was not found. Among the rest, stations
        whose words match the query's more exactly win.
        """
        q = parse_address(query)
        hits: list[tuple[tuple[int, int], str, str]] = []
        for sid, addresses in self.items:
            best: tuple[int, int] = (0, 0)
            text = ""
            for addr, parsed in addresses:
                sc = match_score(q, parsed)
                if sc[1] and sc > best:
                    best, text = sc, addr
            if best[1]:
                hits.append((best, sid, text))
        house_found = bool(q.houses) and any(sc[0] for sc, _, _ in hits)
        if house_found:
            hits = [h for h in hits if h[0][0]]
            top_house = max(h[0][0] for h in hits)
            hits = [h for h in hits if h[0][0] == top_house]
        top_street = max((h[0][1] for h in hits), default=0)
        hits = [h for h in hits if h[0][1] == top_street]
        return [(sid, text, sc[0]) for sc, sid, text in hits[:limit]], house_found


def search_addresses(
    query: str, candidates: Iterable[tuple[str, Sequence[str]]], limit: int = 20
) -> tuple[list[tuple[str, str, int]], bool]:
    """:meth:`AddressIndex.search` over ``candidates`` (parsed for this one query)."""
    return AddressIndex(candidates).search(query, limit)
