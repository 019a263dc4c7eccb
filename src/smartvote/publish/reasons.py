"""Reasons for a pick as codes with numbers, and their text in Russian or English.

``smartvote recommend`` explains a pick in English sentences meant for analysts. Voters
need one number in words ("в 2 случаях из 3") and the few facts that matter, in their
language. :func:`reason_codes` derives structured reasons from the numeric fields every
recommendation has (``p_strongest``, ``p_win``, ``margin``, ``close_call``,
``alternatives``, ``regime``, ``excluded``, ``spoilers``); :func:`render` words them. The
voter page (``site/app.js``) words the same codes the same way, in the browser; the API
uses this module for ``Accept-Language``.

Why not ``recommend``'s own ``reason_codes`` (:mod:`smartvote.recommend.explain`): they
are the analysts' evidence (``strongest`` with a share interval, ``poll``, ``list_share``,
``close_call`` with the runner-up's p_win, ``excluded`` per candidate with its reason,
``spoiler`` without saying namesake or party), worded as percentages for analysts. The
voter's sentences need what those codes do not carry: the regime's candidate to ``beat``
(its name and party), a ``spoiler`` told apart as ``namesake`` of the endorsed candidate or
``spoiler_party``, the count of excluded candidates, and probabilities as "k of n". A
recommendations file from a campaign need not come from ``recommend`` at all (only
``endorsed``, ``p_strongest``, ``p_win`` … are required), so the leaflet, the page and the
API would lose sentences if they rendered ``recommend``'s codes instead; they derive these
from the numeric fields, which every recommendation has.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["LANGS", "in_words", "pick_language", "reason_codes", "render", "render_all"]

LANGS = ("ru", "en")
_DENOMS = (2, 3, 4, 5, 10)


def _num(x: Any) -> float | None:
    if isinstance(x, bool) or not isinstance(x, int | float):
        return None
    return float(x)


def in_words(p: float) -> tuple[int, int]:
    """``(k, n)`` with ``k/n`` close to ``p`` and ``n`` small: 0.66 → (2, 3), 0.9 → (9, 10).

    The first of n = 2, 3, 4, 5, 10 whose nearest fraction is within 0.04 of ``p``, else
    tenths, else hundredths for the extremes (below 0.05 or above 0.95).
    """
    if p < 0.05 or p > 0.95:
        return round(p * 100), 100
    for n in _DENOMS:
        k = round(p * n)
        if 0 < k < n and abs(k / n - p) <= 0.04:
            return k, n
    return round(p * 10), 10


def reason_codes(rec: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Structured reasons of one recommendation: ``{"code": ..., numbers and names}``.

    Codes: ``strongest`` (p_strongest as k of n), ``win_chance`` (p_win as k of n),
    ``close_call`` (the runner-up, and the p_win margin), ``beat`` (the regime's candidate),
    ``excluded`` (how many candidates were left out), ``namesake`` / ``spoiler_party`` (a
    flagged candidate, with the endorsed one it may be confused with), ``no_pick``.
    """
    out: list[dict[str, Any]] = []
    endorsed = rec.get("endorsed")
    if not endorsed:
        out.append({"code": "no_pick"})
        return out
    ps, pw = _num(rec.get("p_strongest")), _num(rec.get("p_win"))
    if ps is not None:
        k, n = in_words(ps)
        out.append({"code": "strongest", "p": ps, "k": k, "n": n})
    if pw is not None:
        k, n = in_words(pw)
        out.append({"code": "win_chance", "p": pw, "k": k, "n": n})
    alts = [a for a in rec.get("alternatives") or [] if isinstance(a, Mapping)]
    runner = next((a for a in alts if a.get("candidate") != endorsed), None)
    if rec.get("close_call") and runner is not None:
        out.append(
            {
                "code": "close_call",
                "runner": str(runner.get("candidate")),
                "margin": _num(rec.get("margin")),
            }
        )
    regime = rec.get("regime")
    if isinstance(regime, Mapping) and regime.get("candidate"):
        out.append(
            {
                "code": "beat",
                "candidate": str(regime["candidate"]),
                "party": str(regime.get("party") or ""),
            }
        )
    ex = rec.get("excluded")
    if isinstance(ex, list) and ex:
        out.append({"code": "excluded", "count": len(ex)})
    surname = _surname(endorsed)
    for s in rec.get("spoilers") or []:
        if not isinstance(s, Mapping) or not s.get("candidate") or s["candidate"] == endorsed:
            continue
        if s.get("kind") == "namesake":
            if _surname(str(s["candidate"])) == surname:  # the endorsed one's double
                out.append(
                    {"code": "namesake", "candidate": str(s["candidate"]), "endorsed": endorsed}
                )
        else:
            out.append({"code": "spoiler_party", "candidate": str(s["candidate"])})
    return out


def _surname(name: str) -> str:
    w = name.casefold().replace("ё", "е").split()
    return w[0] if w else ""


_TEXT = {
    "ru": {
        "no_pick": "По этому округу рекомендации нет.",
        "strongest": "В {k} {cases} из {n} этот кандидат сильнее остальных кандидатов против кандидата власти.",
        "win_chance": "Шанс победить, если все несогласные проголосуют за него: примерно {k} из {n}.",
        "close_call": "Выбор непростой: {runner} почти так же силён(-на).",
        "beat": "Кандидат власти, которого нужно обойти: {candidate}{party_sfx}.",
        "excluded": "Не рассматривались кандидатов: {count} (сняты или не подходят).",
        "namesake": "Осторожно: {candidate} — однофамилец, не путайте с {endorsed}.",
        "spoiler_party": "{candidate} может оттягивать голоса (партия-спойлер).",
    },
    "en": {
        "no_pick": "No recommendation for this race.",
        "strongest": "In {k} cases out of {n} this candidate is stronger than the other challengers of the regime's candidate.",
        "win_chance": "Chance of winning if all opposition voters back this candidate: about {k} in {n}.",
        "close_call": "A close call: {runner} is almost as strong.",
        "beat": "The regime's candidate to beat: {candidate}{party_sfx}.",
        "excluded": "Candidates not considered: {count} (withdrawn or ineligible).",
        "namesake": "Careful: {candidate} is a namesake; do not confuse with {endorsed}.",
        "spoiler_party": "{candidate} may split the vote (spoiler party).",
    },
}


def render(reason: Mapping[str, Any], lang: str = "ru") -> str:
    """One structured reason in ``lang`` (``ru`` or ``en``)."""
    table = _TEXT[lang if lang in _TEXT else "ru"]
    party = str(reason.get("party") or "")
    k = reason.get("k")
    cases = "случае" if isinstance(k, int) and k % 10 == 1 and k % 100 != 11 else "случаях"
    vals = {**reason, "party_sfx": f" ({party})" if party else "", "cases": cases}
    return table[str(reason["code"])].format(**vals)


def render_all(rec: Mapping[str, Any], lang: str = "ru") -> list[str]:
    return [render(r, lang) for r in reason_codes(rec)]


def pick_language(accept_language: str | None) -> str:
    """``ru`` or ``en`` from an ``Accept-Language`` header (by q-value; default ``ru``)."""
    best, best_q = "ru", -1.0
    for part in (accept_language or "").split(","):
        tag, _, params = part.strip().partition(";")
        lang = tag.strip().lower().split("-")[0]
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        if lang in LANGS and q > best_q:
            best, best_q = lang, q
    return best
