"""Build a signed static bundle from recommendations and stations.

Layout of a bundle directory::

    manifest.json        canonical JSON: election, version, created, regions, every file's SHA-256
    manifest.sig         base64 Ed25519 signature over the bytes of manifest.json
    index.html app.js style.css     the voter page (public key and minimum version inside)
    data/NNN-slug.json   one shard per region: stations -> races -> recommendations
    offline/NNN-slug.html  one self-contained page per region (data and signature inside)
    print/NNN-slug.html  a printable list per region

The directory is built next to ``out`` and swapped in at the end, so a failure never
leaves a half-written bundle behind.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from smartvote.errors import InputError, Problem
from smartvote.publish.canonical import canonical_bytes, merkle_root, sha256_hex, shard_leaves
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
#: The page's policy, also set as a <meta> so that mirrors without headers keep it.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'"
)
_SITE_FILES = ("app.js", "style.css")
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

    def to_dict(self) -> dict[str, Any]:
        return {
            "out": str(self.out),
            "election": self.election,
            "version": self.version,
            "created": self.created,
            "fingerprint": self.fingerprint,
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


def _site_text(name: str) -> str:
    return resources.files("smartvote.publish").joinpath("site", name).read_text(encoding="utf-8")


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


def _page(
    *,
    public_key: str,
    election: str,
    version: int,
    fp: str,
    offline: tuple[str, str, bytes] | None = None,
) -> str:
    """The voter page; with ``offline=(manifest_b64, signature, shard)`` a self-contained copy."""
    tpl = _site_text("page.html")
    js = _site_text("app.js")
    css = _site_text("style.css")
    esc = html.escape
    if offline is None:
        csp = PAGE_CSP
        style = '<link rel="stylesheet" href="style.css">'
        script = '<script src="app.js" defer></script>'
        data = ""
    else:
        if "</script" in js.lower() or "</style" in css.lower():
            raise RuntimeError("site assets cannot be inlined")
        man_b64, sig, shard = offline
        h_js = base64.b64encode(hashlib.sha256(js.encode()).digest()).decode()
        h_css = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
        csp = (
            f"default-src 'none'; script-src 'sha256-{h_js}'; style-src 'sha256-{h_css}'; "
            "img-src data:; base-uri 'none'; form-action 'none'"
        )
        style = f"<style>{css}</style>"
        script = f"<script>{js}</script>"
        data = (
            f'<meta name="smartvote-manifest" content="{man_b64}">\n'
            f'<meta name="smartvote-signature" content="{esc(sig)}">\n'
            f'<script type="application/json" id="sv-shard">{shard.decode("utf-8")}</script>'
        )
    subs = {
        "CSP": esc(csp),
        "PUBLIC_KEY": esc(public_key),
        "ELECTION": esc(election),
        "VERSION": str(version),
        "FINGERPRINT": esc(fp),
        "STYLE": style,
        "DATA": data,
        "SCRIPT": script,
        "MODE": "offline" if offline else "online",
    }
    return re.sub(r"\{\{([A-Z_]+)\}\}", lambda m: subs[m.group(1)], tpl)


def _number_key(n: str) -> tuple[int, int | str]:
    return (0, int(n)) if n.isdigit() else (1, n)


def _print_page(
    shard: Mapping[str, Any],
    election: str,
    version: int,
    created: str,
    fp: str,
    race_order: Sequence[str],
) -> str:
    esc = html.escape
    races: Mapping[str, Any] = shard["races"]
    region = shard["region"]
    rows_r = []
    for r in race_order:
        rec = races.get(r)
        if rec is None or not rec.get("endorsed"):
            who, party, p = "нет рекомендации / no recommendation", "", ""
        else:
            who, party = str(rec["endorsed"]), str(rec.get("party") or "")
            p = "" if rec.get("p_win") is None else f"{round(100 * float(rec['p_win']))}%"
        rows_r.append(
            f"<tr><td>{esc(r)}</td><td><strong>{esc(who)}</strong></td><td>{esc(party)}</td><td>{p}</td></tr>"
        )
    rows_s = []
    stations = shard["stations"]
    for sid in sorted(stations, key=lambda s: _number_key(stations[s]["number"])):
        st = stations[sid]
        rows_s.append(
            f"<tr><td>{esc(st['number'])}</td><td>{esc(st['address'])}</td>"
            f"<td>{esc(', '.join(st['races']))}</td></tr>"
        )
    return (
        '<!doctype html>\n<html lang="ru"><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta http-equiv="Content-Security-Policy" '
        "content=\"default-src 'none'; style-src 'self'\">\n"
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{esc(region)}: рекомендации для печати</title>\n"
        '<link rel="stylesheet" href="../style.css"></head>\n<body class="print">\n'
        f"<h1>{esc(region)}</h1>\n"
        f"<p>{esc(election)} · выпуск / version {version} · {esc(created)}<br>"
        f"Ключ / key {esc(fp)}. Проверка: <code>smartvote verify</code>.</p>\n"
        "<h2>За кого голосовать / Whom to vote for</h2>\n"
        '<table><thead><tr><th scope="col">Округ / race</th>'
        '<th scope="col">Кандидат / candidate</th><th scope="col">Партия / party</th>'
        '<th scope="col">Шанс победы / p(win)</th></tr></thead><tbody>\n'
        + "\n".join(rows_r)
        + "\n</tbody></table>\n<h2>Участки / Polling stations</h2>\n"
        '<table><thead><tr><th scope="col">№</th><th scope="col">Адрес / address</th>'
        '<th scope="col">Округа / races</th></tr></thead><tbody>\n'
        + "\n".join(rows_s)
        + "\n</tbody></table>\n</body></html>\n"
    )


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
) -> PublishResult:
    """Write a signed bundle to ``out`` (replacing a bundle there) and describe it.

    The version is ``version`` if given, else ``max(previous + 1, unix time)``, where
    ``previous`` is the larger of the argument and the version of a bundle already in
    ``out``. A version not above the previous one is refused.
    """
    prev = max((v for v in (previous, previous_version(out)) if v is not None), default=None)
    if version is None:
        version = max(int(time.time()), (prev or 0) + 1)
    elif prev is not None and version <= prev:
        raise InputError(
            Problem(
                rule="version-not-increasing",
                detail=f"version {version} is not above the previous version {prev}",
                value=str(version),
            )
        )
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
    now = now or datetime.now(UTC)
    created = now.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    all_races = sorted({r for s in stations for r in s.races})
    if election is None:
        election = " + ".join(sorted({r.split("/", 1)[0] for r in all_races}))
    raw = public_raw(key)
    pub_b64 = base64.b64encode(raw).decode()
    fp = fingerprint(raw)

    by_region: dict[str, list[StationBallot]] = defaultdict(list)
    for s in stations:
        by_region[s.region].append(s)

    files: dict[str, bytes] = {}
    regions_meta: list[dict[str, Any]] = []
    shards: list[tuple[str, dict[str, Any], bytes]] = []
    largest = 0
    for i, region in enumerate(sorted(by_region), start=1):
        sts = by_region[region]
        slug = _slug(i, region)
        race_ids = sorted({r for s in sts for r in s.races})
        shard = {
            "format": SHARD_FORMAT,
            "election": election,
            "version": version,
            "region": region,
            "races": {r: dict(recommendations[r]) for r in race_ids if r in recommendations},
            "stations": {
                s.unit: {"number": s.number, "address": s.address, "races": list(s.races)}
                for s in sts
            },
        }
        data = shard_bytes(shard)
        parsed = json.loads(data)
        root = merkle_root([h for _, _, h in shard_leaves(parsed)])
        path = f"data/{slug}.{sha256_hex(data)[:16]}.json"  # content-addressed: never stale
        files[path] = data
        largest = max(largest, len(data))
        shards.append((slug, parsed, data))
        regions_meta.append(
            {
                "region": region,
                "shard": path,
                "offline": f"offline/{slug}.html",
                "print": f"print/{slug}.html",
                "stations": len(sts),
                "races": len(race_ids),
                "merkle_root": root.hex(),
            }
        )
        files[f"print/{slug}.html"] = _print_page(
            parsed, election, version, created, fp, race_ids
        ).encode()

    files["index.html"] = _page(
        public_key=pub_b64, election=election, version=version, fp=fp
    ).encode()
    for name in _SITE_FILES:
        files[name] = _site_text(name).encode()

    def manifest_for(file_map: Mapping[str, bytes]) -> dict[str, Any]:
        return {
            "format": BUNDLE_FORMAT,
            "election": election,
            "version": version,
            "created": created,
            "key_fingerprint": fp,
            "stations": len(stations),
            "races": len(all_races),
            "regions": regions_meta,
            "files": {p: sha256_hex(b) for p, b in sorted(file_map.items())},
        }

    # Offline pages carry a manifest that lists every file but the offline pages themselves
    # (a page cannot contain its own hash); the published manifest lists them all.
    inner = canonical_bytes(manifest_for(files))
    inner_sig = sign_bytes(key, inner)
    for slug, _parsed, data in shards:
        files[f"offline/{slug}.html"] = _page(
            public_key=pub_b64,
            election=election,
            version=version,
            fp=fp,
            offline=(base64.b64encode(inner).decode(), inner_sig, data),
        ).encode()
    manifest = canonical_bytes(manifest_for(files))
    signature = sign_bytes(key, manifest)

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
    missing = tuple(sorted({r for r in all_races if r not in recommendations}))
    orphan = tuple(sorted(set(recommendations) - set(all_races)))
    return PublishResult(
        out=out,
        election=election,
        version=version,
        created=created,
        fingerprint=fp,
        stations=len(stations),
        races=len(all_races),
        regions=len(by_region),
        files=len(files) + 2,
        bytes_total=sum(len(b) for b in files.values()) + len(manifest) + len(signature) + 1,
        races_without_recommendation=missing,
        recommendations_without_station=orphan,
        largest_shard_bytes=largest,
    )
