"""Build a signed static bundle from recommendations and stations.

Layout of a bundle directory::

    manifest.json        canonical JSON: election, version, created, the key as words, official
                         channels, mirrors, valid_until, key_change, regions, every file's SHA-256
    manifest.sig         base64 Ed25519 signature over the bytes of manifest.json
    index.html app.js style.css     the voter page (public key and minimum version inside)
    sw.js                the service worker (reopening without a network)
    data/NNN-slug.json   one shard per region: stations -> races -> recommendations
    offline/NNN-slug.html  one self-contained page per region (data and signature inside)
    print/NNN-slug.html  the region's leaflet: one A4 page per race (leaflet.py)

The directory is built next to ``out`` and swapped in at the end, so a failure never
leaves a half-written bundle behind.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from smartvote.errors import InputError, Problem
from smartvote.publish.canonical import canonical_bytes, merkle_root, sha256_hex, shard_leaves
from smartvote.publish.continuity import key_change
from smartvote.publish.keywords import key_words
from smartvote.publish.leaflet import print_page
from smartvote.publish.pages import PAGE_CSP, Offline, site_text, voter_page
from smartvote.publish.sign import fingerprint, public_raw, sign_bytes
from smartvote.publish.stations import StationBallot

__all__ = [
    "BUNDLE_FORMAT",
    "PAGE_CSP",
    "SHARD_FORMAT",
    "PublishResult",
    "build_bundle",
    "previous_version",
    "shard_bytes",
]

BUNDLE_FORMAT = "smartvote-bundle/1"
SHARD_FORMAT = "smartvote-shard/1"
_SITE_FILES = ("app.js", "style.css", "sw.js")
_URL = re.compile(r"^https?://[^\s<>\"'`\\]+$")
_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "-",
            "y",
            "-",
            "e",
            "yu",
            "ya",
        ],
        strict=True,
    )
)


@dataclass(frozen=True, slots=True)
class PublishResult:
    out: Path
    election: str
    version: int
    created: str
    fingerprint: str
    stations: int
    races: int
    regions: int
    files: int
    bytes_total: int
    races_without_recommendation: tuple[str, ...] = ()
    recommendations_without_station: tuple[str, ...] = ()
    largest_shard_bytes: int = 0
    warnings: tuple[str, ...] = field(default=())
    key_words: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "out": str(self.out),
            "election": self.election,
            "version": self.version,
            "created": self.created,
            "fingerprint": self.fingerprint,
            "key_words": self.key_words,
            "stations": self.stations,
            "races": self.races,
            "regions": self.regions,
            "files": self.files,
            "bytes_total": self.bytes_total,
            "largest_shard_bytes": self.largest_shard_bytes,
            "races_without_recommendation": list(self.races_without_recommendation),
            "recommendations_without_station": list(self.recommendations_without_station),
            "index": str(self.out / "index.html"),
        }


def _slug(i: int, region: str) -> str:
    s = "".join(_TRANSLIT.get(c, c) if c.isalpha() else c for c in region.lower())
    s = re.sub(r"[^a-z0-9]+", "-", s.replace("-", " ")).strip("-")[:40].strip("-")
    return f"{i:03d}-{s}" if s else f"{i:03d}"


def shard_bytes(shard: Mapping[str, Any]) -> bytes:
    """Serialised shard: compact JSON with ``<``, ``>`` and ``&`` escaped.

    The escapes keep the same JSON value but make the bytes safe to embed verbatim in a
    ``<script type="application/json">`` element of the offline page.
    """
    text = json.dumps(
        shard, ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False
    )
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text.encode("utf-8")


def previous_version(out: Path) -> int | None:
    """The version of the bundle already in ``out``, if any."""
    m = out / "manifest.json"
    if not m.exists():
        return None
    try:
        v = json.loads(m.read_bytes()).get("version")
    except (ValueError, AttributeError) as e:
        raise InputError(
            Problem(
                rule="previous-manifest", detail="existing manifest.json is unreadable", file=str(m)
            )
        ) from e
    if not isinstance(v, int) or isinstance(v, bool):
        raise InputError(
            Problem(
                rule="previous-manifest", detail="existing manifest has no version", file=str(m)
            )
        )
    return v


def _check_url(url: str, what: str) -> str:
    url = url.strip()
    if not _URL.match(url):
        raise InputError(
            Problem(rule=f"{what}-url", detail="must be an http(s) URL without spaces", value=url)
        )
    return url


def _ranges(numbers: Sequence[str]) -> str:
    """Station numbers as ranges, ``"1-5,7,9-12"``: what the page reads to find a region."""
    ns = sorted({int(n) for n in numbers if n.isdigit() and len(n) < 10})
    out: list[str] = []
    i = 0
    while i < len(ns):
        j = i
        while j + 1 < len(ns) and ns[j + 1] == ns[j] + 1:
            j += 1
        out.append(str(ns[i]) if i == j else f"{ns[i]}-{ns[j]}")
        i = j + 1
    return ",".join(out)


@dataclass(frozen=True, slots=True)
class _Options:
    """The campaign's settings for one bundle, checked (see :func:`build_bundle`)."""

    channels: list[dict[str, str]]
    mirrors: list[str]
    site_url: str | None
    valid_until: str | None


@dataclass(frozen=True, slots=True)
class _Region:
    """One region's shard, its file name and its entry in the manifest."""

    slug: str
    shard: dict[str, Any]  # as parsed back from ``data``: what verifiers see
    data: bytes
    path: str
    meta: dict[str, Any]


def _next_version(out: Path, version: int | None, previous: int | None) -> int:
    """``version`` if above the previous one (refused otherwise), else ``max(previous + 1,
    unix time)``; the previous one is the larger of ``previous`` and the bundle in ``out``."""
    prev = max((v for v in (previous, previous_version(out)) if v is not None), default=None)
    if version is None:
        return max(int(time.time()), (prev or 0) + 1)
    if prev is not None and version <= prev:
        raise InputError(
            Problem(
                rule="version-not-increasing",
                detail=f"version {version} is not above the previous version {prev}",
                value=str(version),
            )
        )
    return version


def _check_out(out: Path) -> None:
    """Refuse an ``out`` that is a file, a folder with other things, or a bundle folder
    holding files its manifest does not list (replacing the bundle would delete them)."""
    if out.exists() and not out.is_dir():
        raise InputError(
            Problem(rule="out-not-directory", detail="exists and is not a directory", file=str(out))
        )
    if out.is_dir() and any(out.iterdir()) and not (out / "manifest.json").exists():
        raise InputError(
            Problem(
                rule="out-not-bundle",
                detail="directory is not empty and holds no bundle",
                file=str(out),
            )
        )
    if (out / "manifest.json").is_file():
        # Replacing a bundle deletes the old folder: refuse when it holds anything the old
        # manifest does not list (a private key kept there, someone's notes), never lose it.
        try:
            listed = set(json.loads((out / "manifest.json").read_bytes()).get("files", {}))
        except (OSError, ValueError, AttributeError):
            listed = set()
        listed |= {"manifest.json", "manifest.sig"}
        foreign = sorted(
            str(f.relative_to(out))
            for f in out.rglob("*")
            if f.is_file() and str(f.relative_to(out)) not in listed
        )
        if foreign:
            raise InputError(
                Problem(
                    rule="out-has-foreign-files",
                    detail=f"{len(foreign)} file(s) in the bundle folder are not part of the "
                    "bundle and would be deleted; move them away first",
                    file=str(out / foreign[0]),
                )
            )


def _options(
    channels: Sequence[Mapping[str, str]],
    mirrors: Sequence[str],
    site_url: str | None,
    valid_until: str | None,
) -> _Options:
    chans = []
    for c in channels:
        name = " ".join(str(c.get("name") or "").split())
        if not name:
            raise InputError(Problem(rule="channel-name", detail="a channel needs a name"))
        chans.append({"name": name, "url": _check_url(str(c.get("url") or ""), "channel")})
    mirror_urls = [_check_url(m, "mirror") for m in mirrors]
    if site_url is not None:
        site_url = _check_url(site_url, "site")
    if valid_until is not None:
        try:
            valid_until = datetime.fromisoformat(valid_until).date().isoformat()
        except ValueError as e:
            raise InputError(
                Problem(
                    rule="valid-until", detail="not an ISO date (YYYY-MM-DD)", value=valid_until
                )
            ) from e
    return _Options(chans, mirror_urls, site_url, valid_until)


def _race_names(
    recommendations: Mapping[str, Mapping[str, Any]], race_names: Mapping[str, str] | None
) -> dict[str, str]:
    """Each recommendation's ``race_name``, else the stations file's column."""
    names = {r: n for r, n in (race_names or {}).items() if n}
    for r, rec in recommendations.items():
        n = rec.get("race_name")
        if isinstance(n, str) and n.strip():
            names[r] = " ".join(n.split())
    return names


def _regions(
    recommendations: Mapping[str, Mapping[str, Any]],
    stations: Sequence[StationBallot],
    names: Mapping[str, str],
    election: str,
    version: int,
) -> list[_Region]:
    """One shard per region (regions in sorted order): stations -> races -> picks."""
    by_region: dict[str, list[StationBallot]] = defaultdict(list)
    for s in stations:
        by_region[s.region].append(s)
    out = []
    for i, region in enumerate(sorted(by_region), start=1):
        sts = by_region[region]
        slug = _slug(i, region)
        race_ids = sorted({r for s in sts for r in s.races})
        shard = {
            "format": SHARD_FORMAT,
            "election": election,
            "version": version,
            "region": region,
            "races": {
                r: {**recommendations[r], **({"race_name": names[r]} if r in names else {})}
                for r in race_ids
                if r in recommendations
            },
            "race_names": {r: names[r] for r in race_ids if r in names},
            "stations": {
                s.unit: {
                    "number": s.number,
                    "address": s.address,
                    "races": list(s.races),
                    **({"serves": list(s.serves)} if s.serves else {}),
                }
                for s in sts
            },
        }
        data = shard_bytes(shard)
        parsed = json.loads(data)
        root = merkle_root([h for _, _, h in shard_leaves(parsed)])
        path = f"data/{slug}.{sha256_hex(data)[:16]}.json"  # content-addressed: never stale
        meta = {
            "region": region,
            "shard": path,
            "offline": f"offline/{slug}.html",
            "print": f"print/{slug}.html",
            "stations": len(sts),
            "races": len(race_ids),
            "numbers": _ranges([s.number for s in sts]),
            "merkle_root": root.hex(),
        }
        out.append(_Region(slug, parsed, data, path, meta))
    return out


def _manifest(header: Mapping[str, Any], files: Mapping[str, bytes]) -> bytes:
    """Canonical manifest bytes: ``header`` and the SHA-256 of every file in ``files``."""
    return canonical_bytes(
        {**header, "files": {p: sha256_hex(b) for p, b in sorted(files.items())}}
    )


def _write_bundle(
    out: Path, files: Mapping[str, bytes], manifest: bytes, signature: str, version: int
) -> None:
    """Write the bundle beside ``out`` and swap it in: a failure leaves ``out`` as it was."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for p, b in files.items():
            f = tmp / p
            f.parent.mkdir(parents=True, exist_ok=True)
            f.write_bytes(b)
        (tmp / "manifest.json").write_bytes(manifest)
        (tmp / "manifest.sig").write_text(signature + "\n", encoding="ascii")
        tmp.chmod(0o755)
        if out.exists():
            old = out.with_name(f".{out.name}.old-{version}")
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def build_bundle(
    recommendations: Mapping[str, Mapping[str, Any]],
    stations: Sequence[StationBallot],
    key: Ed25519PrivateKey,
    out: Path,
    *,
    election: str | None = None,
    version: int | None = None,
    previous: int | None = None,
    now: datetime | None = None,
    race_names: Mapping[str, str] | None = None,
    channels: Sequence[Mapping[str, str]] = (),
    mirrors: Sequence[str] = (),
    valid_until: str | None = None,
    announce_with: Ed25519PrivateKey | None = None,
    site_url: str | None = None,
) -> PublishResult:
    """Write a signed bundle to ``out`` (replacing a bundle there) and describe it.

    The version is ``version`` if given, else ``max(previous + 1, unix time)``, where
    ``previous`` is the larger of the argument and the version of a bundle already in
    ``out``. A version not above the previous one is refused.

    The signed manifest also carries ``key_words`` (the key as six words), the campaign's
    official ``channels`` (``{name, url}``: where voters compare the key words), the
    ``mirrors`` to try when this copy cannot be loaded, ``valid_until`` (ISO date after
    which an offline copy says it may be outdated) and, with ``announce_with`` (the
    previous signing key), a ``key_change`` statement by which the old key announces this
    one. Race names come from each recommendation's ``race_name``, else ``race_names``
    (the stations file's column); ``site_url`` goes into the leaflet's QR code.
    """
    version = _next_version(out, version, previous)
    _check_out(out)
    now = now or datetime.now(UTC)
    created = now.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    all_races = sorted({r for s in stations for r in s.races})
    if election is None:
        election = " + ".join(sorted({r.split("/", 1)[0] for r in all_races}))
    raw = public_raw(key)
    fp = fingerprint(raw)
    words = key_words(raw)
    opts = _options(channels, mirrors, site_url, valid_until)
    names = _race_names(recommendations, race_names)
    change = None if announce_with is None else key_change(announce_with, raw, election, version)
    regions = _regions(recommendations, stations, names, election, version)

    files: dict[str, bytes] = {}
    for reg in regions:
        files[reg.path] = reg.data
        files[reg.meta["print"]] = print_page(
            reg.shard,
            election=election,
            version=version,
            created=created,
            words=words,
            channels=opts.channels,
            site_url=opts.site_url,
            valid_until=opts.valid_until,
        ).encode()
    page = functools.partial(
        voter_page,
        public_key=base64.b64encode(raw).decode(),
        election=election,
        version=version,
        fp=fp,
        words=words,
        mirrors=opts.mirrors,
    )
    files["index.html"] = page().encode()
    for name in _SITE_FILES:
        files[name] = site_text(name).encode()

    header = {
        "format": BUNDLE_FORMAT,
        "election": election,
        "version": version,
        "created": created,
        "key_fingerprint": fp,
        "key_words": words,
        "channels": opts.channels,
        "mirrors": opts.mirrors,
        "valid_until": opts.valid_until,
        **({"key_change": change} if change is not None else {}),
        "stations": len(stations),
        "races": len(all_races),
        "regions": [reg.meta for reg in regions],
    }
    # Offline pages carry a manifest that lists every file but the offline pages themselves
    # (a page cannot contain its own hash); the published manifest lists them all.
    inner = _manifest(header, files)
    inner_b64, inner_sig = base64.b64encode(inner).decode(), sign_bytes(key, inner)
    for reg in regions:
        files[reg.meta["offline"]] = page(offline=Offline(inner_b64, inner_sig, reg.data)).encode()
    manifest = _manifest(header, files)
    signature = sign_bytes(key, manifest)
    _write_bundle(out, files, manifest, signature, version)
    return PublishResult(
        out=out,
        election=election,
        version=version,
        created=created,
        fingerprint=fp,
        stations=len(stations),
        races=len(all_races),
        regions=len(regions),
        files=len(files) + 2,
        bytes_total=sum(len(b) for b in files.values()) + len(manifest) + len(signature) + 1,
        races_without_recommendation=tuple(
            sorted({r for r in all_races if r not in recommendations})
        ),
        recommendations_without_station=tuple(sorted(set(recommendations) - set(all_races))),
        largest_shard_bytes=max((len(reg.data) for reg in regions), default=0),
        key_words=words,
    )
