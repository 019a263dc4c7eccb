"""The printable leaflet of a region: one A4 page per race, in the order of the ballots.

Each page names the race as voters know it, the candidate to vote for in large type, the
party, the regime's candidate to beat, namesakes not to confuse, the chance in words,
the polling stations of the race (numbers, as ranges), and a QR code of the voter page
(``--site-url`` + ``#station=``: it opens with the cursor in the station number field) so a
paper copy leads back to the verified page. The footer gives the
release date, ``valid_until`` and the key as six words with the official channels to
compare them on. Everything from data is escaped by the template (``site/print.html``,
rendered through :mod:`smartvote.report.render`); this module is its view-model step.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from smartvote.publish.reasons import reason_codes, render
from smartvote.report.render import data_uri
from smartvote.report.render import render as render_template

__all__ = ["PRINT_CSP", "print_page", "qr_data_uri", "race_order", "ru_date"]

PRINT_CSP = "default-src 'none'; style-src 'self'; img-src data:"
_MONTHS = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip


def ru_date(iso: str) -> str:
    """``2026-11-30`` or ``2026-11-30T10:00:00Z`` → ``30 ноября 2026``."""
    d = date.fromisoformat(iso[:10])
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def _natural(s: str) -> list[Any]:
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", s) if p]


def race_order(shard: Mapping[str, Any]) -> list[str]:
    """Races of a shard as on the ballots: elections in the order stations list them
    (the first ballot first), then districts in natural order (2 before 10)."""
    stations = shard["stations"]
    first: dict[str, int] = {}
    for sid in sorted(stations, key=lambda s: _natural(str(stations[s]["number"]))):
        for pos, r in enumerate(stations[sid]["races"]):
            prefix = r.rsplit("/", 1)[0]
            first[prefix] = min(first.get(prefix, pos), pos)
    races = {r for st in stations.values() for r in st["races"]}
    return sorted(
        races, key=lambda r: (first[r.rsplit("/", 1)[0]], r.rsplit("/", 1)[0], _natural(r))
    )


def qr_data_uri(text: str) -> str:
    """An SVG QR code of ``text`` as a ``data:`` URI (segno, error correction M)."""
    import io

    import segno

    buf = io.BytesIO()  # a standalone SVG document (with its namespace), as images need
    segno.make(text, error="m").save(buf, kind="svg", xmldecl=False, scale=4, border=2)
    return data_uri(buf.getvalue(), "image/svg+xml")


def _ranges(numbers: Sequence[str]) -> str:
    nums = sorted(numbers, key=_natural)
    out: list[str] = []
    run: list[int] = []

    def flush() -> None:
        if run:
            out.append(str(run[0]) if len(run) == 1 else f"{run[0]}–{run[-1]}")
            run.clear()

    for n in nums:
        if n.isdigit() and run and int(n) == run[-1] + 1:
            run.append(int(n))
        elif n.isdigit():
            flush()
            run.append(int(n))
        else:
            flush()
            out.append(n)
    flush()
    return ", ".join(out)


def race_label(race: str, names: Mapping[str, str]) -> str:
    if race in names:
        return names[race]
    m = re.search(r"/smd/([^/]+)$", race)
    return f"Округ № {m.group(1)}" if m else race


def print_page(
    shard: Mapping[str, Any],
    *,
    election: str,
    version: int,
    created: str,
    words: str,
    channels: Sequence[Mapping[str, str]] = (),
    site_url: str | None = None,
    valid_until: str | None = None,
) -> str:
    """The region's leaflet as an HTML document (A4, one page per race)."""
    races: Mapping[str, Any] = shard["races"]
    names: Mapping[str, str] = shard.get("race_names") or {}
    stations = shard["stations"]
    qr = None
    if site_url:
        link = site_url + "#station="  # the page opens with the cursor in the number field
        qr = {"uri": qr_data_uri(link), "link": link, "site_url": site_url}
    sheets = []
    for race in race_order(shard):
        rec = races.get(race)
        nums = [str(st["number"]) for st in stations.values() if race in st["races"]]
        sheet: dict[str, Any] = {
            "label": race_label(race, names),
            "stations": _ranges(nums),
            "endorsed": None,
        }
        if rec is not None and rec.get("endorsed"):
            sheet["endorsed"] = str(rec["endorsed"])
            sheet["party"] = str(rec["party"]) if rec.get("party") else None
            sheet["reasons"] = [
                render(r, "ru")
                for r in reason_codes(rec)
                if r["code"] not in ("win_chance", "excluded")
            ]
        sheets.append(sheet)
    return render_template(
        "site/print.html",
        csp=PRINT_CSP,
        region=str(shard["region"]),
        election=election,
        version=version,
        sheets=sheets,
        qr=qr,
        foot={
            "created": ru_date(created),
            "valid_until": ru_date(valid_until) if valid_until else None,
            "words": words,
            "channels": list(channels),
        },
    )
