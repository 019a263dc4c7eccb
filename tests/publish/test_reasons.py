"""Reasons as codes with numbers, worded in Russian and English (reasons.py)."""

from __future__ import annotations

from typing import Any

import pytest

from smartvote.publish.reasons import in_words, pick_language, reason_codes, render_all


@pytest.mark.parametrize(
    ("p", "kn"),
    [(0.5, (1, 2)), (0.66, (2, 3)), (0.34, (1, 3)), (0.75, (3, 4)), (0.2, (1, 5)),
     (0.9, (9, 10)), (0.57, (3, 5)), (0.98, (98, 100)), (0.02, (2, 100)), (0.12, (1, 10))],
)  # fmt: skip
def test_in_words(p: float, kn: tuple[int, int]) -> None:
    assert in_words(p) == kn
    assert abs(kn[0] / kn[1] - p) <= 0.05


def _rec(**kw: Any) -> dict[str, Any]:
    return {
        "race": "duma-2021/smd/211",
        "endorsed": "Петрова Анна Ивановна",
        "party": "КПРФ",
        "p_strongest": 0.66,
        "p_win": 0.31,
        "margin": 0.05,
        "close_call": True,
        "alternatives": [
            {"candidate": "Сидоров Пётр", "party": "Яблоко", "p_strongest": 0.3, "p_win": 0.26},
            {"candidate": "Петрова Анна Петровна", "party": "", "p_strongest": 0.04, "p_win": 0.0},
        ],
        "reasons": ["beats the regime candidate in 31.0% of simulations"],
        "regime": {"candidate": "Единоросов Иван", "party": "Единая Россия"},
        "excluded": [{"candidate": "Снятый", "reason": "withdrawn"}],
        "spoilers": [
            {"candidate": "Петрова Анна Ивановна", "kind": "namesake", "evidence": "…"},
            {"candidate": "Петрова Анна Петровна", "kind": "namesake", "evidence": "…"},
        ],
        **kw,
    }


def test_codes_from_the_numbers() -> None:
    codes = reason_codes(_rec())
    assert [c["code"] for c in codes] == [
        "strongest", "win_chance", "close_call", "beat", "excluded", "namesake",
    ]  # fmt: skip
    assert codes[0]["k"] == 2 and codes[0]["n"] == 3
    assert codes[2]["runner"] == "Сидоров Пётр"
    # the namesake flag goes to the double, never to the endorsed candidate herself
    assert codes[5]["candidate"] == "Петрова Анна Петровна"
    assert reason_codes(_rec(endorsed=None)) == [{"code": "no_pick"}]


def test_russian_and_english_text() -> None:
    ru = render_all(_rec(), "ru")
    assert (
        ru[0]
        == "В 2 случаях из 3 этот кандидат сильнее остальных кандидатов против кандидата власти."
    )
    assert "Единоросов Иван (Единая Россия)" in ru[3]
    assert "Петрова Анна Петровна" in ru[5] and "не путайте" in ru[5]
    assert render_all(_rec(p_strongest=0.1), "ru")[0].startswith("В 1 случае из 10 ")
    en = render_all(_rec(), "en")
    assert en[0].startswith("In 2 cases out of 3 ")
    assert not any("p_win" in x or "simulations" in x for x in ru + en)


@pytest.mark.parametrize(
    ("header", "lang"),
    [(None, "ru"), ("en-GB,en;q=0.9", "en"), ("ru-RU,ru;q=0.9,en;q=0.8", "ru"),
     ("de,en;q=0.5", "en"), ("en;q=0.2,ru;q=0.8", "ru"), ("fr", "ru")],
)  # fmt: skip
def test_accept_language(header: str | None, lang: str) -> None:
    assert pick_language(header) == lang
