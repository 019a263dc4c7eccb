"""Publishing from files: :func:`publish_files` (what ``smartvote publish`` does) and
:func:`publish_demo` (keygen if needed, publish, verify; for ``smartvote demo``)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from smartvote.errors import InputError, Problem
from smartvote.publish.bundle import PublishResult, build_bundle
from smartvote.publish.recommendations import load_recommendations
from smartvote.publish.sign import generate_keypair, load_private_key
from smartvote.publish.stations import load_stations_named
from smartvote.publish.verify import load_public_key, verify_bundle

__all__ = ["parse_channel", "publish_demo", "publish_files"]


def publish_files(
    recommendations: Path,
    stations: Path,
    key: Path,
    out: Path,
    *,
    stations_format: str = "tidy",
    election: str | None = None,
    version: int | None = None,
    previous_version: int | None = None,
    channels: Sequence[str] = (),
    mirrors: Sequence[str] = (),
    valid_until: str | None = None,
    announce_with: Path | None = None,
    site_url: str | None = None,
) -> PublishResult:
    """Read the inputs, check them and write a signed bundle to ``out``.

    ``channels`` are ``"NAME URL"`` strings (the official channels where voters compare
    the key's words); ``announce_with`` is the previous private key, which then signs a
    statement announcing ``key`` (see :mod:`smartvote.publish.continuity`).
    """
    recs = load_recommendations(recommendations)
    sts, names = load_stations_named(stations, stations_format)
    _check_reach(recs, {r for s in sts for r in s.races}, recommendations, stations)
    k = load_private_key(key)
    return build_bundle(
        recs,
        sts,
        k,
        out,
        election=election,
        version=version,
        previous=previous_version,
        race_names=names,
        channels=[parse_channel(c) for c in channels],
        mirrors=mirrors,
        valid_until=valid_until,
        announce_with=None if announce_with is None else load_private_key(announce_with),
        site_url=site_url,
    )


def _check_reach(
    recs: dict[str, Any], station_races: set[str], recs_path: Path, stations_path: Path
) -> None:
    """Refuse a bundle in which no recommendation reaches any station.

    Such a bundle shows «no recommendation» at every station: the two files belong to
    different elections (or the recommendations file is empty). Publishing it would sign
    and spread a page that tells voters nothing, with a warning easy to miss.
    """
    if any(r in station_races for r in recs):
        return
    ex_r = ", ".join(sorted(recs)[:3]) or "none"
    ex_s = ", ".join(sorted(station_races)[:3]) or "none"
    raise InputError(
        Problem(
            rule="recommendations-no-station",
            detail=(
                f"none of the {len(recs):,} recommendations is for a race of the stations "
                f"file {stations_path} (recommendations: {ex_r}; stations' races: {ex_s}): "
                "the bundle would show no recommendation at any station"
            ),
            file=str(recs_path),
        )
    )


def parse_channel(spec: str) -> dict[str, str]:
    """``"Telegram https://t.me/x"`` → ``{"name": "Telegram", "url": "https://t.me/x"}``."""
    name, _, url = spec.strip().rpartition(" ")
    if not name.strip() or not url:
        raise InputError(
            Problem(
                rule="channel",
                detail='expected "NAME URL", e.g. "Telegram https://t.me/x"',
                value=spec,
            )
        )
    return {"name": name.strip(), "url": url}


def publish_demo(
    recommendations_path: Path,
    stations_path: Path,
    out_dir: Path,
    key_path: Path,
    *,
    stations_format: str = "tidy",
    election: str | None = None,
) -> dict[str, Any]:
    """Publish for ``smartvote demo``: make the key if missing, publish, verify.

    Returns the publication summary plus ``public_key`` (path), ``verified`` (the
    verifier's summary) and ``verify_command`` (how a voter or mirror checks the bundle).
    """
    pub = key_path.with_name(key_path.name + ".pub")
    if not key_path.exists():
        key_path.parent.mkdir(parents=True, exist_ok=True)
        generate_keypair(key_path)
    res = publish_files(
        recommendations_path,
        stations_path,
        key_path,
        out_dir,
        stations_format=stations_format,
        election=election,
    )
    checked = verify_bundle(out_dir, load_public_key(pub))
    return {
        **res.to_dict(),
        "public_key": str(pub),
        "verified": checked,
        "verify_command": f"smartvote verify {out_dir} --public-key {pub}",
    }
