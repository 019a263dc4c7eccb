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
import http.client
import json
import os
import stat
import time
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

__all__ = ["load_public_key", "page_public_key", "verify_bundle", "verify_entry"]

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


def page_public_key(bundle: str | os.PathLike[str]) -> Ed25519PublicKey:
    """The public key the bundle's own voter page verifies with (``index.html``'s meta).

    ``serve`` without ``--public-key`` checks the bundle against it: that proves no file was
    changed after signing (not who signed: only a key from elsewhere proves that).
    """
    page = Path(bundle) / "index.html"
    try:
        if page.is_symlink() or page.stat().st_size > _MAX_BYTES:
            raise OSError("not a plain file of sane size")
        raw = _page_meta(page.read_bytes()).meta.get("smartvote-public-key", "")
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(raw, validate=True))
    except (OSError, ValueError, binascii.Error) as e:
        raise VerificationError(
            Problem(
                rule="page-key",
                detail="the voter page carries no readable public key; pass --public-key",
                file=str(page),
            )
        ) from e


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


#: Overall time a ``verify URL`` may take (a mirror trickling one byte every 10 s would
#: otherwise hold it forever); ``smartvote verify --deadline`` changes it.
DEFAULT_DEADLINE = 300.0
_CHUNK = 1 << 16


class _TooLarge:
    """Marker: the file exceeds the size cap (reported, never read whole)."""


TOO_LARGE = _TooLarge()


class _Source:
    """Reads files of a bundle from a directory or below a URL, within size and time caps.

    A directory is read without following symbolic links: every listed file must be a
    regular file inside the folder. A URL is fetched in chunks against one deadline.
    """

    def __init__(self, where: str, deadline: float = DEFAULT_DEADLINE) -> None:
        self.where = where
        self.deadline = time.monotonic() + deadline
        self.seconds = deadline
        self.is_url = urllib.parse.urlparse(where).scheme in ("http", "https")
        if self.is_url:
            self.base = where if where.endswith("/") else where + "/"
        elif not Path(where).is_dir():
            raise InputError(
                Problem(rule="bundle-missing", detail="not a directory or http(s) URL", file=where)
            )

    def _fetch(self, url: str) -> bytes | _TooLarge | None:
        req = urllib.request.Request(url, headers={"User-Agent": "smartvote-verify"})
        left = self.deadline - time.monotonic()
        try:
            if left <= 0:
                raise TimeoutError
            with urllib.request.urlopen(req, timeout=min(30.0, left)) as r:
                length = r.headers.get("content-length")
                if length is not None and length.isdigit() and int(length) > _MAX_BYTES:
                    return TOO_LARGE
                buf = bytearray()
                while chunk := r.read1(_CHUNK):
                    buf += chunk
                    if len(buf) > _MAX_BYTES:
                        return TOO_LARGE
                    if time.monotonic() > self.deadline:
                        raise TimeoutError
                return bytes(buf)
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return None
            raise VerificationError(
                Problem(rule="fetch-failed", detail=f"HTTP {e.code}", file=url)
            ) from e
        except TimeoutError as e:
            raise VerificationError(
                Problem(
                    rule="deadline",
                    detail=f"the mirror did not deliver the bundle within {self.seconds:g} s",
                    file=url,
                )
            ) from e
        except (urllib.error.URLError, OSError, http.client.HTTPException) as e:
            raise VerificationError(Problem(rule="fetch-failed", detail=str(e), file=url)) from e

    def read(self, rel: str) -> bytes | _TooLarge | None:
        if self.is_url:
            return self._fetch(urllib.parse.urljoin(self.base, urllib.parse.quote(rel)))
        root = Path(self.where)
        parts = rel.split("/")
        for i in range(1, len(parts)):  # no symlinked folder on the way
            if Path(root, *parts[:i]).is_symlink():
                return None
        try:
            fd = os.open(Path(root, rel), os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            return None  # absent, a symlink (ELOOP) or unreadable
        with os.fdopen(fd, "rb") as fh:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                return None
            if st.st_size > _MAX_BYTES:
                return TOO_LARGE
            data = fh.read(_MAX_BYTES + 1)
        return TOO_LARGE if len(data) > _MAX_BYTES else data

    def entry_point(self, rel: str) -> bytes | _TooLarge | None:
        """What a browser gets at ``rel``'s folder URL (``/`` for ``index.html``)."""
        folder = rel[: -len("index.html")]
        return self._fetch(urllib.parse.urljoin(self.base, urllib.parse.quote(folder)))

    def listing(self) -> tuple[set[str], list[tuple[str, str]]] | None:
        """Regular files below the folder, and every entry that is anything else."""
        if self.is_url:
            return None
        root = Path(self.where)
        files: set[str] = set()
        odd: list[tuple[str, str]] = []
        for d, dirs, names in os.walk(root, followlinks=False):
            here = Path(d)
            for name in list(dirs):
                p = here / name
                if p.is_symlink():
                    odd.append((p.relative_to(root).as_posix(), "a symbolic link to a folder"))
                    dirs.remove(name)
            if here != root and not dirs and not names:
                odd.append((here.relative_to(root).as_posix(), "an empty folder"))
            for name in names:
                p = here / name
                rel = p.relative_to(root).as_posix()
                mode = p.lstat().st_mode
                if stat.S_ISLNK(mode):
                    odd.append((rel, "a symbolic link"))
                elif not stat.S_ISREG(mode):
                    odd.append((rel, "not a regular file (a FIFO, socket or device)"))
                else:
                    files.add(rel)
        return files, odd


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
    deadline: float = DEFAULT_DEADLINE,
) -> dict[str, Any]:
    """Check signature, canonical form, every hash, shards, pages and version of a bundle.

    Returns a summary when every check passes; raises :class:`VerificationError` listing
    each failure otherwise (a bad signature stops the checks: nothing else is trusted).
    """
    src = _Source(os.fspath(where), deadline)
    problems: list[Problem] = []

    def bad(rule: str, detail: str, file: str | None = None, value: Any = None) -> None:
        problems.append(
            Problem(
                rule=rule, detail=detail, file=file, value=None if value is None else str(value)
            )
        )

    man_bytes, sig = src.read("manifest.json"), src.read("manifest.sig")
    for name, got in (("manifest.json", man_bytes), ("manifest.sig", sig)):
        if isinstance(got, _TooLarge):
            raise VerificationError(
                Problem(rule="file-too-large", detail=f"more than {_MAX_BYTES} bytes", file=name)
            )
    if not isinstance(man_bytes, bytes) or not isinstance(sig, bytes):
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
            bad("missing-file", "listed in the manifest but absent (or not a regular file)", rel)
            continue
        if isinstance(data, _TooLarge):
            bad("file-too-large", f"more than {_MAX_BYTES} bytes", rel)
            continue
        if hashlib.sha256(data).hexdigest() != want:
            bad("hash-mismatch", "SHA-256 differs from the manifest", rel)
            continue
        contents[rel] = data
    listing = src.listing()
    if listing is not None:
        regular, odd = listing
        for extra in sorted(regular - set(files) - {"manifest.json", "manifest.sig"}):
            bad("unlisted-file", "in the bundle but not in the signed manifest", extra)
        for rel, what in odd:
            # a static server would serve it (a link to /etc, a FIFO that hangs a reader)
            bad("not-regular", f"{what}: a bundle holds only the files its manifest lists", rel)
    else:
        # voters land on the folder URL, not on index.html: what is served there must be the
        # signed page too (a mirror could serve an evil page at / beside a genuine index.html)
        for rel in sorted(r for r in files if r == "index.html" or r.endswith("/index.html")):
            if rel not in contents:
                continue
            got = src.entry_point(rel)
            if not isinstance(got, bytes) or got != contents[rel]:
                where_ = "/" + rel[: -len("index.html")]
                bad("entry-point", f"the page served at {where_} is not the signed {rel}", where_)

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
