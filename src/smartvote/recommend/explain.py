"""Why a race's pick is what it is, as reason codes worded in English and Russian.

A reason is a code with its values (``{"code": "poll", "share": 0.31, "weight": 0.8}``);
:func:`render` words a list of them in both languages, in the same order, so the English
``reasons`` (DESIGN.md contract), the Russian ``reasons_ru`` (the voter page) and the
``reason_codes`` (for pages that word them themselves) always say the same thing.
Shares and probabilities are fractions in the codes and percentages in the text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["candidate_reasons", "render"]

Code = dict[str, Any]


def _ok(x: Any) -> bool:
    return x is not None and not (isinstance(x, float) and np.isnan(x))


def _p(x: Any) -> str:
    return f"{100 * float(x):.1f}%"


def _pr(x: Any) -> str:
    return f"{100 * float(x):.1f}".replace(".", ",") + "%"


def _name(c: Code) -> str:
    party = c.get("party")
    return str(c["candidate"]) + (f" ({party})" if party and party != c["candidate"] else "")


def candidate_reasons(row: dict[str, Any], switch: float, multi: bool) -> list[Code]:
    """Codes for the evidence behind one candidate's forecast (the endorsed one)."""
    who = {"candidate": str(row["candidate"]), "party": str(row["party"] or "")}
    out: list[Code] = [
        {
            "code": "wins_places" if multi else "beats_regime",
            **who,
            "p_win": round(float(row["p_win"]), 4),
            "switch": switch,
        },
        {
            "code": "strongest",
            "p_strongest": round(float(row["p_strongest"]), 4),
            "share": round(float(row["mean_share"]), 4),
            "low": round(float(row["share_low"]), 4),
            "high": round(float(row["share_high"]), 4),
        },
    ]
    if _ok(row.get("list_share")):
        out.append(
            {
                "code": "list_share",
                "share": round(float(row["list_share"]), 4),
                "election": str(row["list_source"]),
            }
        )
    if _ok(row.get("own_share")):
        out.append(
            {
                "code": "own_result",
                "share": round(float(row["own_share"]), 4),
                "race": str(row["own_race"]),
            }
        )
    own_here = bool(row.get("own_here", False))
    if _ok(row.get("smd_share")) and not _ok(row.get("list_share")) and not own_here:
        out.append(
            {
                "code": "party_result_here",
                "share": round(float(row["smd_share"]), 4),
                "election": str(row["smd_source"]),
            }
        )
    if row.get("basis") == "party_mean":
        out.append(
            {
                "code": "party_mean",
                "share": round(float(row["party_mean"]), 4),
                "election": str(row["party_mean_source"]),
            }
        )
    if bool(row.get("incumbent", False)):
        out.append({"code": "incumbent"})
    if _ok(row.get("poll_share")):
        raw = row.get("poll_weight")
        w = float(raw) if raw is not None and _ok(raw) else None
        out.append(
            {
                "code": "poll",
                "share": round(float(row["poll_share"]), 4),
                "weight": None if w is None else round(w, 3),
            }
        )
    return out


_EN: dict[str, Callable[[Code], str]] = {
    "beats_regime": lambda c: (
        f"{_name(c)} beats the regime candidate in {_p(c['p_win'])} of simulations if "
        f"{c['switch']:.0%} of other challengers' voters switch (p_win: conditional on that switch)"
    ),
    "wins_places": lambda c: (
        f"{_name(c)} finishes in the winning places in {_p(c['p_win'])} of simulations if "
        f"{c['switch']:.0%} of other challengers' voters switch"
    ),
    "strongest": lambda c: (
        f"strongest non-regime candidate in {_p(c['p_strongest'])} of simulations; expected "
        f"share {_p(c['share'])} (90% interval {_p(c['low'])}–{_p(c['high'])})"
    ),
    "list_share": lambda c: (
        f"party list vote in this race's stations in {c['election']}: {_p(c['share'])}"
    ),
    "own_result": lambda c: f"own result in {c['race']}: {_p(c['share'])}",
    "party_result_here": lambda c: (
        f"party's single-member result here in {c['election']}: {_p(c['share'])}"
    ),
    "party_mean": lambda c: (
        f"no earlier result here: the party's mean share where it stood in {c['election']}, "
        f"{_p(c['share'])}"
    ),
    "incumbent": lambda c: "incumbent",
    "poll": lambda c: (
        f"poll: {_p(c['share'])}"
        + (f" (weight of the polls in the forecast {c['weight']:.0%})" if c["weight"] else "")
    ),
    "no_regime": lambda c: (
        "no regime candidate in this race: p_win is the chance of finishing first"
    ),
    "no_eligible": lambda c: "no eligible challenger (all are the regime's or excluded)",
    "multi_seats": lambda c: (
        f"{c['seats']} seats: endorsing {c['n']} candidate(s) with at least "
        f"{c['min_p_win']:.0%} chance of a seat"
    ),
    "override": lambda c: f"manual override: {c['reason']} (the model picked {c['model_pick']})",
    "close_call": lambda c: (
        f"close call: {c['candidate']} has p_win {_p(c['p_win'])} and p_strongest "
        f"{_p(c['p_strongest'])}"
    ),
    "excluded": lambda c: f"excluded: {c['candidate']}: {c['reason']}",
    "spoiler": lambda c: f"possible spoiler: {c['candidate']}: {c['evidence']}",
    "uninformed": lambda c: f"no endorsement: {c['why']}",
    "threshold": lambda c: f"threshold {_p(c['threshold'])}: a vote for a party below it is wasted",
    "list_pass": lambda c: (
        f"{c['candidate']} passes the threshold in {_p(c['p_pass'])} of simulations; "
        f"expected share {_p(c['share'])}"
    ),
    "list_also": lambda c: (
        "also likely to pass: " + ", ".join(f"{n} ({p:.0%})" for n, p in c["parties"])
    ),
    "list_below": lambda c: (
        "unlikely to pass (vote wasted): " + ", ".join(f"{n} ({p:.0%})" for n, p in c["parties"])
    ),
}

_RU: dict[str, Callable[[Code], str]] = {
    "beats_regime": lambda c: (
        f"{_name(c)} побеждает кандидата власти в {_pr(c['p_win'])} симуляций, если "
        f"{_pr(c['switch'])} избирателей других оппозиционных кандидатов проголосуют за него "
        f"(p_win — при этом условии)"
    ),
    "wins_places": lambda c: (
        f"{_name(c)} проходит в число победителей в {_pr(c['p_win'])} симуляций, если "
        f"{_pr(c['switch'])} избирателей других оппозиционных кандидатов проголосуют за него"
    ),
    "strongest": lambda c: (
        f"сильнейший кандидат не от власти в {_pr(c['p_strongest'])} симуляций; ожидаемая "
        f"доля {_pr(c['share'])} (90% интервал {_pr(c['low'])}–{_pr(c['high'])})"
    ),
    "list_share": lambda c: (
        f"голоса за партийный список на участках этого округа в {c['election']}: {_pr(c['share'])}"
    ),
    "own_result": lambda c: f"собственный результат в {c['race']}: {_pr(c['share'])}",
    "party_result_here": lambda c: (
        f"результат партии в этом округе в {c['election']}: {_pr(c['share'])}"
    ),
    "party_mean": lambda c: (
        f"прежнего результата здесь нет: средняя доля партии там, где она выдвигалась в "
        f"{c['election']}, {_pr(c['share'])}"
    ),
    "incumbent": lambda c: "действующий депутат",
    "poll": lambda c: (
        f"опрос: {_pr(c['share'])}"
        + (f" (вес опросов в прогнозе {_pr(c['weight'])})" if c["weight"] else "")
    ),
    "no_regime": lambda c: (
        "в этом округе нет кандидата власти: p_win — вероятность занять первое место"
    ),
    "no_eligible": lambda c: "нет допустимого кандидата (все от власти или исключены)",
    "multi_seats": lambda c: (
        f"мандатов: {c['seats']}; поддерживаем кандидатов ({c['n']}) с шансом на мандат не "
        f"ниже {_pr(c['min_p_win'])}"
    ),
    "override": lambda c: f"решение вручную: {c['reason']} (модель выбрала {c['model_pick']})",
    "close_call": lambda c: (
        f"близкий выбор: у {c['candidate']} p_win {_pr(c['p_win'])} и p_strongest "
        f"{_pr(c['p_strongest'])}"
    ),
    "excluded": lambda c: f"исключён: {c['candidate']}: {c['reason']}",
    "spoiler": lambda c: f"возможный спойлер: {c['candidate']}: {c['evidence']}",
    "uninformed": lambda c: f"без рекомендации: {c['why_ru']}",
    "threshold": lambda c: f"барьер {_pr(c['threshold'])}: голос за партию ниже барьера пропадает",
    "list_pass": lambda c: (
        f"{c['candidate']} преодолевает барьер в {_pr(c['p_pass'])} симуляций; ожидаемая доля "
        f"{_pr(c['share'])}"
    ),
    "list_also": lambda c: (
        "также вероятно пройдут: " + ", ".join(f"{n} ({_pr(p)})" for n, p in c["parties"])
    ),
    "list_below": lambda c: (
        "вряд ли пройдут (голос пропадёт): " + ", ".join(f"{n} ({_pr(p)})" for n, p in c["parties"])
    ),
}


def render(codes: list[Code]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """English and Russian sentences for ``codes``, in order."""
    return (
        tuple(_EN[c["code"]](c) for c in codes),
        tuple(_RU[c["code"]](c) for c in codes),
    )
