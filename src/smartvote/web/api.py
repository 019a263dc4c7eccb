"""A bundle loaded for serving: its files as responses, and the station API's answers.

:class:`BundleIndex` reads a bundle directory (only the files its manifest lists, each
checked by :func:`safe_path`) into precomputed items (:class:`~smartvote.web.responses.Item`).
The answer of ``/api/v1/stations/{id}`` (the station's entry plus its Merkle audit path to
the signed manifest) is built for a whole region the first time one of its stations is
asked for (:class:`StationAnswers`), so a worker starts in a few seconds instead of
encoding 100,000 answers. The API is described by the static ``openapi.json`` beside this
module (:func:`openapi_schema`).
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from smartvote.errors import InputError, Problem
from smartvote.gcpause import no_gc
from smartvote.publish.canonical import all_audit_paths, shard_leaves
from smartvote.web.responses import Encoded, Item, item, json_bytes, json_with

__all__ = [
    "API_PREFIX",
    "BundleIndex",
    "StationAnswers",
    "openapi_schema",
    "safe_path",
]

API_PREFIX = "/api/v1/stations/"
_TYPES = {
    ".html": b"text/html; charset=utf-8",
    ".js": b"text/javascript; charset=utf-8",
    ".css": b"text/css; charset=utf-8",
    ".json": b"application/json",
    ".sig": b"text/plain; charset=utf-8",
}
_SHARED = [(b"access-control-allow-origin", b"*")]


def safe_path(root: Path, rel: object) -> Path:
    """``root / rel`` only when ``rel`` is a plain relative path that stays inside ``root``.

    The manifest is data: a listed ``../../etc/passwd`` or ``/etc/passwd`` must never make
    the server read (and serve) a file outside the bundle.
    """
    if (
        not isinstance(rel, str)
        or not rel
        or rel.startswith(("/", "\\"))
        or "\\" in rel
        or any(part in ("", ".", "..") for part in rel.split("/"))
    ):
        raise InputError(
            Problem(
                rule="unsafe-path",
                detail="manifest lists a path outside the bundle",
                value=str(rel),
            )
        )
    base = root.resolve()
    p = (base / rel).resolve()
    if not p.is_relative_to(base):
        raise InputError(
            Problem(rule="unsafe-path", detail="manifest path leaves the bundle", value=str(rel))
        )
    return p


def _file_headers(rel: str, body: bytes, offline: set[str]) -> list[tuple[bytes, bytes]]:
    """Caching (and download) headers of the bundle file ``rel``."""
    if rel in ("manifest.json", "manifest.sig"):
        return [(b"cache-control", b"no-cache"), *_SHARED]
    if rel.startswith("data/"):
        # a shard named by its hash never changes: cached for good, so a CDN can never
        # pair a new manifest with a stale shard (a new release = new names)
        named = rel.rsplit(".", 2)[-2] == hashlib.sha256(body).hexdigest()[:16]
        cache = b"public, max-age=31536000, immutable" if named else b"public, max-age=300"
        return [(b"cache-control", cache), *_SHARED]
    if rel in offline:
        name = rel.rsplit("/", 1)[-1]
        return [
            (b"cache-control", b"public, max-age=300"),
            (b"content-disposition", f'attachment; filename="smartvote-{name}"'.encode()),
        ]
    return [(b"cache-control", b"public, max-age=300")]


def _content_type(p: Path) -> bytes:
    return (
        _TYPES.get(p.suffix)
        or (mimetypes.guess_type(p.name)[0] or "application/octet-stream").encode()
    )


class BundleIndex:
    """A bundle directory loaded into memory: files, and API answers per station."""

    def __init__(self, root: Path) -> None:
        self.root = root
        man_path = root / "manifest.json"
        try:
            self.manifest_bytes = man_path.read_bytes()
            self.manifest: dict[str, Any] = json.loads(self.manifest_bytes)
        except (OSError, ValueError) as e:
            raise InputError(
                Problem(
                    rule="bundle-missing", detail="no readable manifest.json", file=str(man_path)
                )
            ) from e
        self.version: int = int(self.manifest["version"])
        self.files: dict[str, Item] = {}
        offline = {r["offline"] for r in self.manifest["regions"]}
        for rel in [*self.manifest["files"], "manifest.json", "manifest.sig"]:
            p = safe_path(root, rel)
            body = p.read_bytes()
            self.files["/" + rel] = item(body, _content_type(p), _file_headers(rel, body, offline))
        self.files["/"] = self.files["/index.html"]
        self.api = StationAnswers(self.files, self.manifest, self.version)
        self.stations = len(self.api)
        self.not_found = item(
            b'{"error":"unknown station"}',
            b"application/json",
            [(b"cache-control", b"public, max-age=60")],
            404,
        )


class StationAnswers(Mapping[str, Item]):
    """Station id → precomputed API answer, built a whole region at a time on first use.

    At startup only the station ids are read (to know each one's region); the first request
    for a station of a region encodes every answer of that region (its Merkle tree is needed
    anyway: about 0.1 s for 1,200 stations) and later requests are a dict lookup in ``ready``.
    """

    def __init__(
        self, files: Mapping[str, Item], manifest: Mapping[str, Any], version: int
    ) -> None:
        self.files = files  # the shards' bytes, as served
        self.regions: list[Mapping[str, Any]] = list(manifest["regions"])
        self.ready: dict[str, Item] = {}
        self._done: set[int] = set()
        self._region_of: dict[str, int] = {}
        for i, region in enumerate(self.regions):
            for sid in json.loads(files["/" + region["shard"]].body)["stations"]:
                self._region_of[sid] = i
        self._headers = [(b"cache-control", b"public, max-age=300"), *_SHARED]
        manifest_ref = {
            "url": "/manifest.json",
            "signature_url": "/manifest.sig",
            "version": version,
            "election": manifest["election"],
        }
        self._manifest_ref = Encoded(json_bytes(manifest_ref))

    def __len__(self) -> int:
        return len(self._region_of)

    def __iter__(self) -> Iterator[str]:
        return iter(self._region_of)

    def __contains__(self, sid: object) -> bool:
        return sid in self._region_of

    def __getitem__(self, sid: str) -> Item:
        answer = self.ready.get(sid)
        if answer is None:
            self._build(self._region_of[sid])  # KeyError for an unknown station
            answer = self.ready[sid]
        return answer

    def _build(self, i: int) -> None:
        """Encode the answer of every station of region ``i``.

        An answer is ``{"entry", "proof", "manifest"}``: the entry whose canonical form is
        the Merkle leaf, the audit path from that leaf to the region's root (RFC 6962), and
        where to fetch the signed manifest that holds the root.
        """
        self._done.add(i)
        region = self.regions[i]
        shard = json.loads(self.files["/" + region["shard"]].body)
        entries = shard_leaves(shard)
        root_hash, paths = all_audit_paths([h for _, _, h in entries])
        root_hex = root_hash.hex()
        races: dict[str, Encoded] = {}  # each race's recommendation, encoded once

        def race(r: dict[str, Any]) -> Encoded:
            b = races.get(r["race"])
            if b is None:
                b = races[r["race"]] = Encoded(json_bytes(r))
            return b

        for k, ((sid, entry, _), path) in enumerate(zip(entries, paths, strict=True)):
            proof = {
                "index": k,
                "path": _hex_array(path),
                "shard": region["shard"],
                "size": len(entries),
                "merkle_root": root_hex,
            }
            answer = {
                "entry": {**entry, "races": [race(r) for r in entry["races"]]},
                "proof": proof,
                "manifest": self._manifest_ref,
            }
            body = json_with(answer)
            self.ready[sid] = item(body, b"application/json", self._headers, gzip_ok=False)

    def build_all(self) -> None:
        """Encode every region's answers now (before forking workers, to share them).

        The cyclic garbage collector is paused meanwhile: the answers hold no reference
        cycles, and its passes over the growing heap of answers (each a few lists and
        tuples) took a good part of the time (``benchmarks/serve.py --baseline-src``).
        """
        with no_gc():
            for i in range(len(self.regions)):
                if i not in self._done:
                    self._build(i)


def _hex_array(hashes: list[bytes]) -> Encoded:
    """The JSON array of the hashes' hex strings (what :func:`json_with` makes of
    ``[h.hex() for h in hashes]``: hex digits need no escaping), joined at once."""
    if not hashes:
        return Encoded(b"[]")
    return Encoded(b'["' + b'","'.join([h.hex().encode() for h in hashes]) + b'"]')


def openapi_schema(index: BundleIndex | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 description of the API (``openapi.json`` beside this module).

    With ``index``, ``info`` also names the bundle's version and election.
    """
    text = resources.files("smartvote.web").joinpath("openapi.json").read_text(encoding="utf-8")
    doc: dict[str, Any] = json.loads(text)
    if index is not None:
        doc["info"]["x-bundle-version"] = index.version
        doc["info"]["x-election"] = index.manifest["election"]
    return doc
