"""Stations: which races are on the ballot at each polling station.

The tidy format (DESIGN.md) is a CSV with ``unit, race`` and optional ``region``,
``address``, ``serves`` (the addresses the station serves, as the election commission
publishes them, ``;``-separated) and ``race_name`` (how voters know the race), one row per
station × race, the races of a station in the order of its ballots. :func:`convert_spb2021` adapts the St Petersburg
2021 stations file (``uik, raion, duma_district, zaks_district, street, building, …``).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from smartvote.errors import InputError, Problem

__all__ = [
    "FORMATS",
    "StationBallot",
    "convert_spb2021",
    "group_stations",
    "load_stations",
    "load_stations_named",
    "race_names",
    "read_stations_rows",
]

FORMATS = ("tidy", "spb2021")
SPB_REGION = "Санкт-Петербург"
SPB_DUMA_NAME = "Госдума, одномандатный округ № {}"
SPB_ZAKS_NAME = "Законодательное собрание Санкт-Петербурга, округ № {}"


@dataclass(frozen=True, slots=True)
class StationBallot:
    """One polling station, the races on its ballot in file order, the homes it serves."""

    unit: str
    region: str
    address: str
    races: tuple[str, ...]
    serves: tuple[str, ...] = ()

    @property
    def number(self) -> str:
        return self.unit.rsplit("/", 1)[-1]


def _open_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            rows = list(reader)
            header = [h.strip() for h in (reader.fieldnames or [])]
    except FileNotFoundError as e:
        raise InputError(Problem(rule="file-missing", detail="no such file", file=str(path))) from e
    except UnicodeDecodeError as e:
        raise InputError(Problem(rule="encoding", detail="not UTF-8", file=str(path))) from e
    except csv.Error as e:
        raise InputError(Problem(rule="csv", detail=str(e), file=str(path))) from e
    return header, rows


def convert_spb2021(path: Path) -> list[dict[str, str]]:
    """Rows of the tidy stations format from ``spb2021_stations.csv``.

    Unit ids are ``Санкт-Петербург/{uik}``; races ``duma-2021/smd/{duma_district}`` and
    ``spb-zaks-2021/smd/{zaks_district}`` (a station abroad has no ZakS race), in the order
    of the ballots, each with its ``race_name``; the address joins district (raion), street,
    building and venue.
    """
    header, rows = _open_csv(path)
    need = ("uik", "raion", "duma_district", "zaks_district", "street", "building")
    missing = [c for c in need if c not in header]
    if missing:
        raise InputError(
            Problem(
                rule="spb2021-columns",
                detail=f"missing columns {', '.join(missing)}",
                file=str(path),
                row=1,
            )
        )
    out: list[dict[str, str]] = []
    for i, r in enumerate(rows, start=2):
        uik = (r.get("uik") or "").strip()
        if not uik:
            raise InputError(Problem(rule="spb2021-uik", detail="empty uik", file=str(path), row=i))
        parts = [r.get("raion") or "", r.get("street") or "", r.get("building") or ""]
        address = ", ".join(p.strip() for p in parts if p and p.strip())
        venue = (r.get("venue_name") or "").strip()
        if venue:
            address += f" ({venue})"
        unit = f"{SPB_REGION}/{uik}"
        for race, name, district in (
            ("duma-2021/smd/", SPB_DUMA_NAME, r.get("duma_district")),
            ("spb-zaks-2021/smd/", SPB_ZAKS_NAME, r.get("zaks_district")),
        ):
            d = (district or "").strip()
            if d:
                out.append(
                    {
                        "unit": unit,
                        "race": race + d,
                        "region": SPB_REGION,
                        "address": address,
                        "race_name": name.format(d),
                    }
                )
    return out


def read_stations_rows(path: Path, fmt: str = "tidy") -> list[dict[str, str]]:
    """Tidy station rows from a file in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt == "spb2021":
        return convert_spb2021(path)
    if fmt != "tidy":
        raise InputError(
            Problem(
                rule="stations-format",
                detail=f"unknown format; use one of {', '.join(FORMATS)}",
                value=fmt,
            )
        )
    header, rows = _open_csv(path)
    missing = [c for c in ("unit", "race") if c not in header]
    if missing:
        hint = (
            " (for spb2021_stations.csv use --stations-format spb2021)" if "uik" in header else ""
        )
        raise InputError(
            Problem(
                rule="stations-columns",
                detail=f"missing required columns {', '.join(missing)}{hint}",
                file=str(path),
                row=1,
            )
        )
    return [{k.strip(): (v or "") for k, v in r.items() if k is not None} for r in rows]


def group_stations(
    rows: Iterable[Mapping[str, str]], file: str = "<stations>"
) -> list[StationBallot]:
    """Group station × race rows into one :class:`StationBallot` per station.

    A station's region is its ``region`` column, else the part of its id before the first
    ``/``, else ``"—"``. Raises :class:`InputError` naming every bad row.
    """
    problems: list[Problem] = []
    order: dict[str, tuple[str, str, list[str]]] = {}
    serves: dict[str, dict[str, None]] = {}
    for i, r in enumerate(rows, start=2):
        unit = (r.get("unit") or "").strip()
        race = (r.get("race") or "").strip()
        if not unit or not race:
            col = "unit" if not unit else "race"
            problems.append(
                Problem(rule="stations-empty", detail=f"empty {col}", file=file, row=i, column=col)
            )
            continue
        region = (r.get("region") or "").strip() or (unit.split("/", 1)[0] if "/" in unit else "—")
        address = " ".join((r.get("address") or "").split())
        for home in (r.get("serves") or "").split(";"):
            home = " ".join(home.split())
            if home:
                serves.setdefault(unit, {})[home] = None
        if unit not in order:
            order[unit] = (region, address, [race])
            continue
        reg0, addr0, races = order[unit]
        if reg0 != region:
            problems.append(
                Problem(
                    rule="stations-region-conflict",
                    detail=f"station {unit} is in region {reg0!r} on an earlier row",
                    file=file,
                    row=i,
                    column="region",
                    value=region,
                )
            )
        elif address and addr0 and address != addr0:
            problems.append(
                Problem(
                    rule="stations-address-conflict",
                    detail=f"station {unit} has address {addr0!r} on an earlier row",
                    file=file,
                    row=i,
                    column="address",
                    value=address,
                )
            )
        if not addr0 and address:
            order[unit] = (reg0, address, races)
        if race not in races:
            races.append(race)
        if len(problems) >= 50:
            break
    if problems:
        raise InputError(problems)
    if not order:
        raise InputError(Problem(rule="stations-empty-file", detail="no stations", file=file))
    return [
        StationBallot(u, reg, addr, tuple(races), tuple(serves.get(u, {})))
        for u, (reg, addr, races) in order.items()
    ]


def race_names(rows: Iterable[Mapping[str, str]], file: str = "<stations>") -> dict[str, str]:
    """``race -> race_name`` from the optional ``race_name`` column; conflicts are errors."""
    out: dict[str, str] = {}
    for i, r in enumerate(rows, start=2):
        race = (r.get("race") or "").strip()
        name = " ".join((r.get("race_name") or "").split())
        if not race or not name:
            continue
        if out.setdefault(race, name) != name:
            raise InputError(
                Problem(
                    rule="stations-race-name-conflict",
                    detail=f"race {race} is named {out[race]!r} on an earlier row",
                    file=file,
                    row=i,
                    column="race_name",
                    value=name,
                )
            )
    return out


def load_stations(path: Path, fmt: str = "tidy") -> list[StationBallot]:
    return group_stations(read_stations_rows(path, fmt), file=str(path))


def load_stations_named(
    path: Path, fmt: str = "tidy"
) -> tuple[list[StationBallot], dict[str, str]]:
    """Stations and the race names the file gives (``race_name`` column), read once."""
    rows = read_stations_rows(path, fmt)
    return group_stations(rows, file=str(path)), race_names(rows, file=str(path))
