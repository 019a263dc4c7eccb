"""Synthetic stations and recommendations in the contract's shape, for tests, demos, benchmarks.

Every function takes ``rng_seed`` and is deterministic given it. ``hostile=True`` mixes
names built to break naive HTML rendering (``<img src=x onerror=alert(1)>`` and friends)
into candidates, parties, reasons and addresses.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

__all__ = ["HOSTILE_NAMES", "race_name", "synthetic_recommendations", "synthetic_station_rows"]

HOSTILE_NAMES = (
    "<img src=x onerror=alert(1)>",
    '"><script>alert(document.domain)</script>',
    "</script><script>alert(2)</script>",
    "Иванов &amp; <b>Сын</b>",
    "\u202eRTL override",
)
_SURNAMES = (
    "Иванова",
    "Петров",
    "Сидорова",
    "Смирнов",
    "Кузнецова",
    "Попов",
    "Васильева",
    "Соколов",
)
_GIVEN = ("Анна Сергеевна", "Борис Петрович", "Вера Ильинична", "Глеб Андреевич", "Дарья Олеговна")
_PARTIES = ("КПРФ", "Яблоко", "Справедливая Россия", "Новые люди", "ЛДПР", "Самовыдвижение")
_STREETS = ("Невский проспект", "улица Ленина", "Садовая улица", "Лиговский проспект", "улица Мира")


def _name(rng: random.Random) -> str:
    return f"{rng.choice(_SURNAMES)} {rng.choice(_GIVEN)}"


def synthetic_recommendations(
    races: Iterable[str], *, rng_seed: int, hostile: bool = False, n_alternatives: int = 3
) -> list[dict[str, Any]]:
    """One recommendation per race, probabilities consistent (the pick is the most likely)."""
    rng = random.Random(rng_seed)
    out = []
    for i, race in enumerate(sorted(set(races))):
        k = n_alternatives + 1
        weights = sorted((rng.random() ** 2 for _ in range(k)), reverse=True)
        total = sum(weights)
        p_strong = [round(w / total, 4) for w in weights]
        p_win = [round(p * rng.uniform(0.2, 0.9), 4) for p in p_strong]
        cands = [
            {
                "candidate": HOSTILE_NAMES[(i + j) % len(HOSTILE_NAMES)]
                if hostile and j == 0
                else _name(rng),
                "party": rng.choice(_PARTIES),
                "p_strongest": p_strong[j],
                "p_win": p_win[j],
            }
            for j in range(k)
        ]
        regime = {"candidate": _name(rng), "party": "Единая Россия"}
        reasons = [
            f"{cands[0]['candidate']} led the non-regime candidates in the last election",
            f"margin over the second challenger {rng.uniform(1, 15):.1f} pp",
        ]
        if hostile:
            reasons.append(HOSTILE_NAMES[0])
        out.append(
            {
                "race": race,
                "endorsed": cands[0]["candidate"],
                "party": cands[0]["party"],
                "p_strongest": cands[0]["p_strongest"],
                "p_win": cands[0]["p_win"],
                "alternatives": cands[1:],
                "reasons": reasons,
                "margin_pp": round(rng.uniform(0.5, 20), 2),
                "margin": round(p_win[0] - p_win[1], 4),
                "close_call": p_strong[0] - p_strong[1] < 0.2,
                "regime": regime,
                "race_name": race_name(race),
            }
        )
    return out


def race_name(race: str) -> str:
    """A display name for a synthetic race id: ``fed-2026/smd/7`` → «Федеральный округ № 7»."""
    election, _, district = race.rpartition("/")
    kind = "Федеральный" if election.startswith("fed") else "Региональный"
    return f"{kind} округ № {district}"


def synthetic_station_rows(
    n_stations: int,
    *,
    n_regions: int,
    rng_seed: int,
    races_per_region: int = 10,
    hostile: bool = False,
) -> list[dict[str, str]]:
    """Tidy station rows: each station in one region with two races (federal, regional)."""
    rng = random.Random(rng_seed)
    rows = []
    for s in range(n_stations):
        r = s % n_regions
        region = f"Регион {r + 1:02d}"
        unit = f"{region}/{s // n_regions + 1}"
        fed = f"fed-2026/smd/{r * races_per_region + rng.randrange(races_per_region) + 1}"
        reg = f"reg{r + 1:02d}-2026/smd/{rng.randrange(races_per_region * 2) + 1}"
        street = HOSTILE_NAMES[0] if hostile and s == 0 else rng.choice(_STREETS)
        address = f"г. Город-{r + 1}, {street}, дом {rng.randrange(1, 200)}"
        for race in (fed, reg):
            rows.append({"unit": unit, "race": race, "region": region, "address": address})
    return rows
