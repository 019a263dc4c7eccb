"""A hand-made small election in the tidy format (a two-party-plus first-past-the-post system).

Three districts ``uk-2019/smd/A..C`` with four stations each; one candidate per party
(Blue = the regime, Red, Yellow, Green). History: the 2019 single-member results (no party
list), then the 2024 races with partly the same candidates.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

PARTIES = ("Blue", "Red", "Yellow", "Green")
#: votes per station for each district: Blue, Red, Yellow, Green
BASE = {"A": (400, 300, 120, 40), "B": (380, 150, 290, 50), "C": (500, 120, 100, 90)}


def history_frame(
    extra: dict[tuple[str, str], int] | None = None, parties: tuple[str, ...] = PARTIES
) -> pd.DataFrame:
    rows = []
    for d, votes in BASE.items():
        for s in range(4):
            unit = f"Shire/{d}{s}"
            for p, v in zip(parties, votes, strict=True):
                add = (extra or {}).get((d, p), 0) if s == 0 else 0
                rows.append(
                    {
                        "election": "uk-2019",
                        "race": f"uk-2019/smd/{d}",
                        "unit": unit,
                        "candidate": f"{p} Candidate {d}",
                        "votes": v + (s * 7) % 23 + add,
                        "party": p,
                        "regime": p == parties[0],
                    }
                )
    return pd.DataFrame(rows)


def candidates_frame(parties: tuple[str, ...] = PARTIES) -> pd.DataFrame:
    rows = []
    for d in BASE:
        for p in parties:
            # Red's candidate in A stands again; the others are new.
            name = f"{p} Candidate {d}" if (d == "A" and p == parties[1]) else f"{p} Newcomer {d}"
            rows.append(
                {
                    "race": f"uk-2024/smd/{d}",
                    "candidate": name,
                    "party": p,
                    "regime": p == parties[0],
                }
            )
    return pd.DataFrame(rows)


def write_small(tmp: Path, **kw: object) -> tuple[Path, Path]:
    h = tmp / "uk-2019.csv"
    c = tmp / "uk-2024-candidates.csv"
    history_frame(**kw).to_csv(h, index=False)  # type: ignore[arg-type]
    candidates_frame().to_csv(c, index=False)
    return h, c
