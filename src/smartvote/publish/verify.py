"""The verifier: checks a bundle (a directory or a mirror's URL) against a public key.

Deliberately small and independent of the signer: it imports only the canonical-bytes
definitions and ``cryptography``'s Ed25519 verification, and trusts nothing in the bundle
until the manifest's signature checks. Every failed rule becomes a :class:`Problem`;
:func:`verify_bundle` raises one :class:`VerificationError` listing them all.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html.parser
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from smartvote.errors import InputError, Problem, VerificationError
from smartvote.publish.canonical import (
    canonical_bytes,
    leaf_hash,
    merkle_root,
    root_from_path,
    shard_leaves,
)

__all__ = ["load_public_key", "verify_bundle", "verify_entry"]

_FORMAT = "smartvote-bundle/1"
_SHARD = "smartvote-shard/1"
_MAX_BYTES = 64 * 1024 * 1024


def load_public_key(spec: str | Path) -> Ed25519PublicKey:
    """A public key from a PEM file (``KEY.pub``), or a raw key given as base64 text."""
    p = Path(spec)
    if p.is_file():
        data = p.read_bytes()
        try:
            key = serialization.load_pem_public_key(data)
        except ValueError:
            try:
                return Ed25519PublicKey.from_public_bytes(
                    base64.b64decode(data.strip(), validate=True)
                )
            except (ValueError, binascii.Error) as e:
                raise InputError(
                    Problem(
                        rule="public-key-format",
                        detail="not a PEM or base64 Ed25519 public key",
                        file=str(p),
                    )
                ) from e
        if not isinstance(key, Ed25519PublicKey):
            raise InputError(
                Problem(rule="public-key-type", detail="not an Ed25519 key", file=str(p))
            )
        return key
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(str(spec), validate=True))
    except (ValueError, binascii.Error) as e:
        raise InputError(
            Problem(
                rule="public-key-missing",
                detail="no such key file, nor a base64 raw key",
                value=str(spec),
            )
        ) from e


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class _Source:
    """Reads files of a bundle from a directory or below a URL."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.is_url = urllib.parse.urlparse(where).scheme in ("http", "https")
        if self.is_url:
            self.base = where if where.endswith("/") else where + "/"
        elif not Path(where).is_dir():
            raise InputError(
                Problem(rule="bundle-missing", detail="not a directory or http(s) URL", file=where)
            )

    def read(self, rel: str) -> bytes | None:
        if self.is_url:
            url = urllib.parse.urljoin(self.base, urllib.parse.quote(rel))
            req = urllib.request.Request(url, headers={"User-Agent": "smartvote-verify"})
            try:
                with urllib.request.urlopen(req, timeout=30) as r:
                    data: bytes = r.read(_MAX_BYTES + 1)
            except urllib.error.HTTPError as e:
                if e.code == 404:
                    return None
                raise VerificationError(
                    Problem(rule="fetch-failed", detail=f"HTTP {e.code}", file=url)
                ) from e
            except (urllib.error.URLError, OSError) as e:
                raise VerificationError(
                    Problem(rule="fetch-failed", detail=str(e), file=url)
                ) from e
            return data[: _MAX_BYTES + 1]
        p = Path(self.where, rel)
        try:
            return p.read_bytes() if p.is_file() else None
        except OSError:
            return None

    def listing(self) -> set[str] | None:
        if self.is_url:
            return None
        root = Path(self.where)
        return {
            p.relative_to(root).as_posix()
            for p in root.rglob("*")
            if p.is_file() or (p.is_symlink() and not p.is_dir())
        }


def _safe_path(p: Any) -> bool:
    return (
        isinstance(p, str)
        and p != ""
        and not p.startswith("/")
        and "\\" not in p
        and all(part not in ("", ".", "..") for part in p.split("/"))
    )


class _Meta(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.shard: str | None = None
        self._in_shard = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "meta" and (a.get("name") or "").startswith("smartvote-"):
            self.meta[str(a["name"])] = a.get("content") or ""
        if tag == "script" and a.get("id") == "sv-shard":
            self._in_shard = True
            self.shard = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_shard = False

    def handle_data(self, data: str) -> None:
        if self._in_shard and self.shard is not None:
            self.shard += data


def _page_meta(data: bytes) -> _Meta:
    m = _Meta()
    m.feed(data.decode("utf-8", errors="replace"))
    m.close()
    return m


def _check_sig(key: Ed25519PublicKey, data: bytes, sig_text: bytes) -> bool:
    try:
        sig = base64.b64decode(sig_text.strip(), validate=True)
        if base64.b64encode(sig) != sig_text.strip():
            return False  # only the canonical base64 spelling of a signature is accepted
        key.verify(sig, data)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def verify_bundle(
    where: str | os.PathLike[str],
    public_key: Ed25519PublicKey,
    *,
    previous: int | None = None,
) -> dict[str, Any]:
    """Check signature, canonical form, every hash, shards, pages and version of a bundle.

    Returns a summary when every check passes; raises :class:`VerificationError` listing
    each failure otherwise (a bad signature stops the checks: nothing else is trusted).
    """
    src = _Source(os.fspath(where))
    problems: list[Problem] = []

    def bad(rule: str, detail: str, file: str | None = None, value: Any = None) -> None:
        problems.append(
            Problem(
                rule=rule, detail=detail, file=file, value=None if value is None else str(value)
            )
        )

    man_bytes, sig = src.read("manifest.json"), src.read("manifest.sig")
    if man_bytes is None or sig is None:
        missing = "manifest.json" if man_bytes is None else "manifest.sig"
        raise VerificationError(
            Problem(rule="missing-file", detail="bundle has no " + missing, file=missing)
        )
    if not _check_sig(public_key, man_bytes, sig):
        raise VerificationError(
            Problem(
                rule="bad-signature",
                detail="manifest.sig is not a valid signature of manifest.json by this public key",
                file="manifest.sig",
            )
        )
    try:
        man = json.loads(man_bytes)
    except ValueError as e:
        raise VerificationError(
            Problem(rule="manifest-json", detail=str(e), file="manifest.json")
        ) from e
    if not isinstance(man, dict):
        raise VerificationError(
            Problem(rule="manifest-format", detail="not an object", file="manifest.json")
        )
    if canonical_bytes(man) != man_bytes:
        bad("manifest-not-canonical", "manifest.json is not in canonical form", "manifest.json")
    version, election, files, regions = (
        man.get("version"),
        man.get("election"),
        man.get("files"),
        man.get("regions"),
    )
    if (
        man.get("format") != _FORMAT
        or not isinstance(version, int)
        or isinstance(version, bool)
        or not isinstance(election, str)
        or not isinstance(files, dict)
        or not isinstance(regions, list)
    ):
        raise VerificationError(
            [
                *problems,
                Problem(
                    rule="manifest-format", detail=f"not a {_FORMAT} manifest", file="manifest.json"
                ),
            ]
        )
    if previous is not None and version < previous:
        bad(
            "rollback",
            f"version {version} is older than the previous version {previous}",
            "manifest.json",
            version,
        )

    contents: dict[str, bytes] = {}
    for rel, want in sorted(files.items()):
        if not _safe_path(rel) or rel in ("manifest.json", "manifest.sig"):
            bad("unsafe-path", "manifest lists a path outside the bundle", rel)
            continue
        data = src.read(rel)
        if data is None:
            bad("missing-file", "listed in the manifest but absent", rel)
            continue
        if len(data) > _MAX_BYTES:
            bad("file-too-large", f"more than {_MAX_BYTES} bytes", rel)
            continue
        if hashlib.sha256(data).hexdigest() != want:
            bad("hash-mismatch", "SHA-256 differs from the manifest", rel)
            continue
        contents[rel] = data
    listing = src.listing()
    if listing is not None:
        for extra in sorted(listing - set(files) - {"manifest.json", "manifest.sig"}):
            bad("unlisted-file", "in the bundle but not in the signed manifest", extra)

    raw_b64 = base64.b64encode(_raw(public_key)).decode()
    if "index.html" not in files:
        bad("missing-file", "manifest lists no voter page", "index.html")
    elif "index.html" in contents:
        _check_page(contents["index.html"], "index.html", raw_b64, election, version, bad)

    stations = 0
    offline_files = {r.get("offline") for r in regions if isinstance(r, dict)}
    inner_expected = {k: v for k, v in files.items() if k not in offline_files}
    for r in regions:
        if not isinstance(r, dict) or not all(
            k in r for k in ("region", "shard", "merkle_root", "stations")
        ):
            bad(
                "manifest-format",
                "region entry lacks region, shard, merkle_root or stations",
                "manifest.json",
            )
            continue
        path = r["shard"]
        if path not in files:
            bad(
                "shard-unlisted", f"shard of {r['region']!r} has no hash in the manifest", str(path)
            )
            continue
        if path not in contents:
            continue
        try:
            shard = json.loads(contents[path])
            leaves = [h for _, _, h in shard_leaves(shard)]
        except (ValueError, KeyError, TypeError, AttributeError):
            bad("shard-format", "not a readable shard", path)
            continue
        if (
            shard.get("format") != _SHARD
            or shard.get("election") != election
            or shard.get("version") != version
            or shard.get("region") != r["region"]
        ):
            bad(
                "shard-header", "format, election, version or region differ from the manifest", path
            )
        if len(leaves) != r["stations"]:
            bad("shard-stations", f"{len(leaves)} stations, manifest says {r['stations']}", path)
        if merkle_root(leaves).hex() != r["merkle_root"]:
            bad("merkle-root", "Merkle root of the shard's entries differs from the manifest", path)
        stations += len(leaves)
        off = r.get("offline")
        if isinstance(off, str) and off in contents:
            _check_offline(
                contents[off],
                off,
                public_key,
                raw_b64,
                election,
                version,
                inner_expected,
                files[path],
                bad,
            )
    if problems:
        raise VerificationError(problems)
    return {
        "source": src.where,
        "election": election,
        "version": version,
        "created": man.get("created"),
        "files": len(files),
        "regions": len(regions),
        "stations": stations,
        "key_fingerprint": man.get("key_fingerprint"),
        "ok": True,
    }


def _check_page(
    data: bytes, rel: str, raw_b64: str, election: str, version: int, bad: Any
) -> _Meta:
    m = _page_meta(data)
    if m.meta.get("smartvote-public-key") != raw_b64:
        bad("page-key", "the page verifies with a different public key", rel)
    if m.meta.get("smartvote-election") != election:
        bad("page-election", "the page is for a different election", rel)
    if m.meta.get("smartvote-min-version") != str(version):
        bad(
            "page-version",
            f"the page's minimum version is not {version}",
            rel,
            m.meta.get("smartvote-min-version"),
        )
    return m


def _check_offline(
    data: bytes,
    rel: str,
    key: Ed25519PublicKey,
    raw_b64: str,
    election: str,
    version: int,
    expected_files: Mapping[str, str],
    shard_hash: str,
    bad: Any,
) -> None:
    m = _check_page(data, rel, raw_b64, election, version, bad)
    try:
        inner = base64.b64decode(m.meta.get("smartvote-manifest", ""), validate=True)
        ok = _check_sig(key, inner, m.meta.get("smartvote-signature", "").encode())
    except (ValueError, binascii.Error):
        ok = False
    if not ok:
        bad("offline-signature", "the embedded manifest's signature does not check", rel)
        return
    try:
        im = json.loads(inner)
    except ValueError:
        bad("offline-manifest", "embedded manifest is not JSON", rel)
        return
    if (
        im.get("version") != version
        or im.get("election") != election
        or im.get("files") != dict(expected_files)
    ):
        bad("offline-manifest", "embedded manifest differs from the bundle's", rel)
    if m.shard is None or hashlib.sha256(m.shard.encode("utf-8")).hexdigest() != shard_hash:
        bad("offline-shard", "embedded data differs from the signed shard", rel)


def verify_entry(
    response: Mapping[str, Any],
    manifest_bytes: bytes,
    signature: bytes,
    public_key: Ed25519PublicKey,
) -> dict[str, Any]:
    """Check one ``/api/v1/stations/{id}`` answer against a signed manifest; return its entry."""
    if not _check_sig(public_key, manifest_bytes, signature):
        raise VerificationError(
            Problem(rule="bad-signature", detail="manifest signature does not check")
        )
    man = json.loads(manifest_bytes)
    try:
        entry, proof = response["entry"], response["proof"]
        region = next(r for r in man["regions"] if r["shard"] == proof["shard"])
        path = [bytes.fromhex(h) for h in proof["path"]]
        root = root_from_path(leaf_hash(entry), int(proof["index"]), int(proof["size"]), path)
    except (KeyError, TypeError, ValueError, StopIteration) as e:
        raise VerificationError(
            Problem(rule="entry-format", detail=f"malformed answer: {e}")
        ) from e
    if int(proof["size"]) != region["stations"] or root.hex() != region["merkle_root"]:
        raise VerificationError(
            Problem(rule="entry-proof", detail="entry is not in the signed shard")
        )
    if entry.get("election") != man["election"] or entry.get("region") != region["region"]:
        raise VerificationError(
            Problem(rule="entry-header", detail="entry's election or region differ")
        )
    return dict(entry)
