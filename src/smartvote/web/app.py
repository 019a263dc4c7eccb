"""Serve a signed bundle and its station API, fast and without learning anything about voters.

Everything a GET can return is precomputed bytes: each file with its headers and a gzip
variant (computed at startup), and the JSON answer of ``/api/v1/stations/{id}`` (entry plus
Merkle audit path to the signed manifest), computed for a whole region the first time one of
its stations is asked for, so a worker starts in a few seconds instead of precomputing
100,000 answers. Those answers go out from a thin front without routing that speaks both
RSGI (granian, the default server: a Rust HTTP layer, about twice uvicorn's rate here) and
ASGI (uvicorn, the fallback); under ASGI, what the front does not answer (other methods,
unknown paths) goes to a small Starlette app. No cookies are set, no query string is read
or logged (access logs are off), and every response carries a strict
Content-Security-Policy without inline script.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
import mimetypes
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smartvote.errors import InputError, Problem
from smartvote.publish.canonical import all_audit_paths, shard_leaves
from smartvote.web.lookup import FIND_PREFIX, Finder, add_find_api

__all__ = [
    "API_PREFIX",
    "SECURITY_HEADERS",
    "BundleIndex",
    "app_from_env",
    "create_app",
    "serve_bundle",
]

API_PREFIX = "/api/v1/stations/"
_API_LEN = len(API_PREFIX)
ENV_DIR = "SMARTVOTE_BUNDLE"
ENV_SERVER = "SMARTVOTE_SERVER"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"content-security-policy", CSP.encode()),
    (b"referrer-policy", b"no-referrer"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (
        b"permissions-policy",
        b"geolocation=(), camera=(), microphone=(), interest-cohort=(), browsing-topics=()",
    ),
)
_TYPES = {
    ".html": b"text/html; charset=utf-8",
    ".js": b"text/javascript; charset=utf-8",
    ".css": b"text/css; charset=utf-8",
    ".json": b"application/json",
    ".sig": b"text/plain; charset=utf-8",
}
_GZIP_MIN = 512


@dataclass(frozen=True, slots=True)
class _Item:
    """One precomputed response: ASGI (bytes) and RSGI (str) header lists, gzip variant."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    gz_headers: list[tuple[bytes, bytes]] | None = None
    gz_body: bytes | None = None
    etag: bytes | None = None
    r_headers: list[tuple[str, str]] = field(default_factory=list)
    r_gz_headers: list[tuple[str, str]] | None = None
    r_etag: str | None = None
    r_304: list[tuple[str, str]] | None = None


def _str_headers(headers: Iterable[tuple[bytes, bytes]]) -> list[tuple[str, str]]:
    return [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers]


def _finish(
    status: int,
    headers: list[tuple[bytes, bytes]],
    body: bytes,
    gz_headers: list[tuple[bytes, bytes]] | None = None,
    gz_body: bytes | None = None,
    etag: bytes | None = None,
) -> _Item:
    return _Item(
        status,
        headers,
        body,
        gz_headers,
        gz_body,
        etag,
        _str_headers(headers),
        None if gz_headers is None else _str_headers(gz_headers),
        None if etag is None else etag.decode("latin-1"),
        None if etag is None else _str_headers([*SECURITY_HEADERS, (b"etag", etag)]),
    )


def _item(
    body: bytes,
    ctype: bytes,
    extra: Iterable[tuple[bytes, bytes]] = (),
    status: int = 200,
    *,
    gzip_ok: bool = True,
) -> _Item:
    etag = b'"' + hashlib.sha256(body).hexdigest()[:32].encode() + b'"'
    base = [*SECURITY_HEADERS, (b"content-type", ctype), (b"etag", etag), *extra]
    headers = [*base, (b"content-length", str(len(body)).encode())]
    if gzip_ok and len(body) >= _GZIP_MIN:
        gz = gzip.compress(body, compresslevel=6, mtime=0)
        if len(gz) < len(body):
            headers.append((b"vary", b"accept-encoding"))
            gz_headers = [
                *base,
                (b"content-encoding", b"gzip"),
                (b"vary", b"accept-encoding"),
                (b"content-length", str(len(gz)).encode()),
            ]
            return _finish(status, headers, body, gz_headers, gz, etag)
    return _finish(status, headers, body, None, None, etag)


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
        self.files: dict[str, _Item] = {}
        offline = {r["offline"] for r in self.manifest["regions"]}
        for rel in [*self.manifest["files"], "manifest.json", "manifest.sig"]:
            p = safe_path(root, rel)
            body = p.read_bytes()
            ctype = (
                _TYPES.get(p.suffix)
                or (mimetypes.guess_type(p.name)[0] or "application/octet-stream").encode()
            )
            if rel in ("manifest.json", "manifest.sig"):
                extra = [(b"cache-control", b"no-cache"), (b"access-control-allow-origin", b"*")]
            elif rel.startswith("data/"):
                # a shard named by its hash never changes: cached for good, so a CDN can
                # never pair a new manifest with a stale shard (a new release = new names)
                named = rel.rsplit(".", 2)[-2] == hashlib.sha256(body).hexdigest()[:16]
                cache = b"public, max-age=31536000, immutable" if named else b"public, max-age=300"
                extra = [(b"cache-control", cache), (b"access-control-allow-origin", b"*")]
            elif rel in offline:
                name = rel.rsplit("/", 1)[-1]
                extra = [
                    (b"cache-control", b"public, max-age=300"),
                    (b"content-disposition", f'attachment; filename="smartvote-{name}"'.encode()),
                ]
            else:
                extra = [(b"cache-control", b"public, max-age=300")]
            self.files["/" + rel] = _item(body, ctype, extra)
        self.files["/"] = self.files["/index.html"]
        self.api = _Answers(self.files, self.manifest, self.version)
        self.stations = len(self.api)
        self.not_found = _item(
            b'{"error":"unknown station"}',
            b"application/json",
            [(b"cache-control", b"public, max-age=60")],
            404,
        )


class _Answers(Mapping[str, _Item]):
    """Station id → precomputed API answer, built a whole region at a time on first use.

    At startup only the station ids are read (to know each one's region); the first request
    for a station of a region encodes every answer of that region (its Merkle tree is needed
    anyway: about 0.1 s for 1,200 stations) and later requests are a dict lookup in ``ready``.
    """

    def __init__(
        self, files: Mapping[str, _Item], manifest: Mapping[str, Any], version: int
    ) -> None:
        self.files = files  # the shards' bytes, as served
        self.regions: list[Mapping[str, Any]] = list(manifest["regions"])
        self.ready: dict[str, _Item] = {}
        self._done: set[int] = set()
        self._region_of: dict[str, int] = {}
        for i, region in enumerate(self.regions):
            for sid in json.loads(files["/" + region["shard"]].body)["stations"]:
                self._region_of[sid] = i
        self._extra = [
            (b"cache-control", b"public, max-age=300"),
            (b"access-control-allow-origin", b"*"),
        ]
        self._man_ref = _json(
            {
                "url": "/manifest.json",
                "signature_url": "/manifest.sig",
                "version": version,
                "election": manifest["election"],
            }
        )

    def __len__(self) -> int:
        return len(self._region_of)

    def __iter__(self) -> Iterator[str]:
        return iter(self._region_of)

    def __contains__(self, sid: object) -> bool:
        return sid in self._region_of

    def __getitem__(self, sid: str) -> _Item:
        item = self.ready.get(sid)
        if item is None:
            self._build(self._region_of[sid])  # KeyError for an unknown station
            item = self.ready[sid]
        return item

    def _build(self, i: int) -> None:
        self._done.add(i)
        region = self.regions[i]
        shard = json.loads(self.files["/" + region["shard"]].body)
        entries = shard_leaves(shard)
        root_hash, paths = all_audit_paths([h for _, _, h in entries])
        # the answer's JSON is assembled from pieces: each race's part is encoded once
        races: dict[str, bytes] = {}
        head = (
            b'{"entry":{"election":' + _json(shard["election"]) + b',"region":' + _json(region["region"])
        )  # fmt: skip
        tail = (
            b',"shard":' + _json(region["shard"]) + b',"size":' + str(len(entries)).encode()
            + b',"merkle_root":"' + root_hash.hex().encode() + b'"},"manifest":' + self._man_ref + b"}"
        )  # fmt: skip
        ready = self.ready
        b_pre = [*SECURITY_HEADERS, (b"content-type", b"application/json")]
        b_post = self._extra
        s_pre, s_post, s_sec = (
            _str_headers(b_pre),
            _str_headers(b_post),
            _str_headers(SECURITY_HEADERS),
        )
        for k, ((sid, entry, _), path) in enumerate(zip(entries, paths, strict=True)):
            parts = []
            for item in entry["races"]:
                b = races.get(item["race"])
                if b is None:
                    b = races[item["race"]] = _json(item)
                parts.append(b)
            body = b"".join(
                (
                    head,
                    b',"station":', _json(sid),
                    b',"number":', _json(entry["number"]),
                    b',"address":', _json(entry["address"]),
                    b',"races":[', b",".join(parts), b"]}",
                    b',"proof":{"index":', str(k).encode(),
                    b',"path":[', b",".join(b'"' + h.hex().encode() + b'"' for h in path), b"]",
                    tail,
                )
            )  # fmt: skip
            # what _item(body, b"application/json", self._extra, gzip_ok=False) returns, with
            # the shared header pairs reused rather than rebuilt for each of 100,000 answers
            etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
            size = str(len(body))
            etag_b, size_b = etag.encode(), size.encode()
            ready[sid] = _Item(
                200,
                [*b_pre, (b"etag", etag_b), *b_post, (b"content-length", size_b)],
                body,
                None,
                None,
                etag_b,
                [*s_pre, ("etag", etag), *s_post, ("content-length", size)],
                None,
                etag,
                [*s_sec, ("etag", etag)],
            )

    def build_all(self) -> None:
        """Encode every region's answers now (before forking workers, to share them)."""
        for i in range(len(self.regions)):
            if i not in self._done:
                self._build(i)


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _json(o: Any) -> bytes:
    return _ENCODE(o).encode()


async def _send_item(item: _Item, scope: Scope, send: Send) -> None:
    accept_gzip = False
    inm: bytes | None = None
    for k, v in scope["headers"]:
        if k == b"accept-encoding":
            accept_gzip = b"gzip" in v
        elif k == b"if-none-match":
            inm = v
    if inm is not None and item.etag is not None and item.etag in inm and item.status == 200:
        await send(
            {
                "type": "http.response.start",
                "status": 304,
                "headers": [*SECURITY_HEADERS, (b"etag", item.etag)],
            }
        )
        await send({"type": "http.response.body", "body": b""})
        return
    if accept_gzip and item.gz_body is not None and item.gz_headers is not None:
        headers, body = item.gz_headers, item.gz_body
    else:
        headers, body = item.headers, item.body
    await send({"type": "http.response.start", "status": item.status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


def openapi_schema(index: BundleIndex | None = None) -> dict[str, Any]:
    """OpenAPI 3.1 description of the station API."""
    entry = {
        "type": "object",
        "required": ["election", "region", "station", "number", "address", "races"],
        "properties": {
            "election": {"type": "string"},
            "region": {"type": "string"},
            "station": {
                "type": "string",
                "description": "station (unit) id, e.g. Санкт-Петербург/1",
            },
            "number": {"type": "string"},
            "address": {"type": "string"},
            "races": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "race": {"type": "string"},
                        "recommendation": {
                            "description": "the `smartvote recommend` object of the race, or null",
                            "type": ["object", "null"],
                            "properties": {
                                "race": {"type": "string"},
                                "endorsed": {"type": ["string", "null"]},
                                "party": {"type": ["string", "null"]},
                                "p_strongest": {"type": ["number", "null"]},
                                "p_win": {"type": ["number", "null"]},
                                "alternatives": {"type": "array", "items": {"type": "object"}},
                                "reasons": {"type": "array", "items": {"type": "string"}},
                            },
                        },
                    },
                },
            },
        },
    }
    answer = {
        "type": "object",
        "required": ["entry", "proof", "manifest"],
        "properties": {
            "entry": {"$ref": "#/components/schemas/Entry"},
            "proof": {
                "type": "object",
                "description": (
                    "RFC 6962 audit path. leaf = SHA-256(0x00 || RFC 8785 canonical JSON of "
                    "entry); "
                    "node = SHA-256(0x01 || left || right). The recomputed root must equal "
                    "merkle_root of the region whose shard is `shard` in the signed manifest."
                ),
                "properties": {
                    "shard": {"type": "string"},
                    "index": {"type": "integer"},
                    "size": {"type": "integer"},
                    "path": {
                        "type": "array",
                        "items": {"type": "string", "description": "hex SHA-256"},
                    },
                    "merkle_root": {"type": "string"},
                },
            },
            "manifest": {
                "type": "object",
                "description": (
                    "where to fetch the signed manifest "
                    "(Ed25519 over its bytes, base64 in manifest.sig)"
                ),
                "properties": {
                    "url": {"type": "string"},
                    "signature_url": {"type": "string"},
                    "version": {"type": "integer"},
                    "election": {"type": "string"},
                },
            },
        },
    }
    info: dict[str, Any] = {
        "title": "smartvote station API",
        "version": "1",
        "description": (
            "Signed recommendations per polling station for bots and partner sites. "
            "The server keeps no log of what is asked and sets no cookies."
        ),
    }
    if index is not None:
        info["x-bundle-version"] = index.version
        info["x-election"] = index.manifest["election"]
    return {
        "openapi": "3.1.0",
        "info": info,
        "paths": {
            "/api/v1/stations/{id}": {
                "get": {
                    "summary": "The signed shard entry of one polling station",
                    "parameters": [
                        {
                            "name": "id",
                            "in": "path",
                            "required": True,
                            "description": (
                                "station id; may contain '/' "
                                "(percent-encode other reserved characters)"
                            ),
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "the entry and its proof",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/Answer"}
                                }
                            },
                        },
                        "404": {"description": "no such station in the bundle"},
                    },
                }
            },
            "/manifest.json": {
                "get": {
                    "summary": "the signed manifest",
                    "responses": {"200": {"description": "canonical JSON"}},
                }
            },
            "/manifest.sig": {
                "get": {
                    "summary": "base64 Ed25519 signature of manifest.json",
                    "responses": {"200": {"description": "text"}},
                }
            },
        },
        "components": {"schemas": {"Entry": entry, "Answer": answer}},
    }


class _Front:
    """Precomputed GET/HEAD answers, looked up by path with no routing; ASGI and RSGI.

    Other methods get a precomputed 405 on known paths, unknown paths a 404 (the same under
    both interfaces); only non-HTTP ASGI scopes reach the Starlette app ``inner``. Query
    strings are never read.
    """

    def __init__(self, index: BundleIndex, inner: ASGIApp, extra: Mapping[str, _Item]) -> None:
        self.index = index
        self.inner = inner
        self.finder: Finder
        self.files: dict[str, _Item] = {**index.files, **extra}
        self.api = index.api
        self.ready = index.api.ready
        self.not_found = index.not_found
        self.no_route = _item(
            b'{"error":"not found"}', b"application/json", [(b"cache-control", b"no-cache")], 404
        )
        self.no_method = _item(
            b'{"error":"method not allowed"}',
            b"application/json",
            [(b"allow", b"GET, HEAD"), (b"cache-control", b"no-cache")],
            405,
        )

    def _lookup(self, path: str) -> _Item | None:
        item = self.files.get(path)
        if item is None and path.startswith(API_PREFIX):
            sid = path[_API_LEN:]
            item = self.ready.get(sid)
            if item is None:
                item = self.api.get(sid, self.not_found)
        return item

    def _find(self, method: str, path: str, accept_language: str | None) -> _Item:
        """``/api/v1/find/…`` (web/lookup.py): computed per request, never cached or logged."""
        if method not in ("GET", "HEAD"):
            return self.no_method
        status, body, lang = self.finder.answer(path, accept_language)
        extra = [(b"cache-control", b"no-store"), (b"vary", b"accept-language")]
        extra += [(b"content-language", lang.encode()), (b"access-control-allow-origin", b"*")]
        return _item(body, b"application/json", extra, status)

    def _route(self, method: str, path: str) -> _Item:
        if method == "GET" or method == "HEAD":
            return self._lookup(path) or self.no_route
        if path in self.files or path.startswith(API_PREFIX):
            return self.no_method
        return self.no_route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            if path.startswith(FIND_PREFIX):
                al = next(
                    (v.decode("latin-1") for k, v in scope["headers"] if k == b"accept-language"),
                    None,
                )
                await _send_item(self._find(scope["method"], path, al), scope, send)
                return
            await _send_item(self._route(scope["method"], path), scope, send)
            return
        await self.inner(scope, receive, _with_headers(send))  # websocket: refused

    async def __rsgi__(self, scope: Any, proto: Any) -> None:
        """RSGI entry (granian): the same answers with the headers as ``str`` pairs."""
        method = scope.method
        if scope.path.startswith(FIND_PREFIX):
            item = self._find(method, scope.path, scope.headers.get("accept-language"))
        else:
            item = self._route(method, scope.path)
        headers = item.r_headers
        body = item.body
        if item.r_etag is not None or item.r_gz_headers is not None:
            req = scope.headers
            if item.r_etag is not None and item.status == 200:
                inm = req.get("if-none-match")
                if inm is not None and item.r_etag in inm:
                    proto.response_empty(304, item.r_304)
                    return
            if (
                item.r_gz_headers is not None
                and item.gz_body is not None
                and "gzip" in req.get("accept-encoding", "")
            ):
                headers, body = item.r_gz_headers, item.gz_body
        if method == "HEAD":
            proto.response_empty(item.status, headers)
        else:
            proto.response_bytes(item.status, headers, body)


def _with_headers(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"set-cookie"]
            have = {k.lower() for k, _ in headers}
            headers.extend(h for h in SECURITY_HEADERS if h[0] not in have)
            message = {**message, "headers": headers}
        await send(message)

    return wrapped


def create_app(bundle_dir: Path | str) -> ASGIApp:
    """The app serving the bundle in ``bundle_dir`` (ASGI; also RSGI via ``__rsgi__``)."""
    return _front(bundle_dir)


def _front(bundle_dir: Path | str) -> _Front:
    try:
        index = BundleIndex(Path(bundle_dir))
    except (KeyError, TypeError, ValueError, AttributeError, OSError) as e:
        # the manifest and shards are data: a missing field or a shard that is not JSON is
        # a bad bundle, said in words, never a traceback
        raise InputError(
            Problem(
                rule="bundle-format",
                detail=f"not a servable bundle ({type(e).__name__}: {e})",
                file=str(bundle_dir),
            )
        ) from e
    no_store = [(b"cache-control", b"no-cache")]
    extra = {
        "/api/v1/openapi.json": _item(
            _json(add_find_api(openapi_schema(index))), b"application/json", no_store
        ),
        "/healthz": _item(
            _json({"ok": True, "version": index.version, "stations": index.stations}),
            b"application/json",
            no_store,
        ),
    }

    async def not_found(_: Request, exc: Exception) -> Response:
        return JSONResponse({"error": "not found"}, status_code=404)

    inner = Starlette(routes=[], exception_handlers={404: not_found})
    front = _Front(index, inner, extra)
    regions = index.manifest["regions"]
    front.finder = Finder(
        {r["shard"]: index.files["/" + r["shard"]].body for r in regions}, regions
    )
    return front


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


def _check_dir(root: Path) -> None:
    try:
        man = json.loads((root / "manifest.json").read_bytes())
        missing = [f for f in man["files"] if not safe_path(root, f).is_file()]
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise InputError(
            Problem(rule="bundle-missing", detail="no readable manifest.json", file=str(root))
        ) from e
    if missing:
        raise InputError(
            Problem(
                rule="bundle-incomplete",
                detail=f"{len(missing)} listed files missing",
                file=missing[0],
            )
        )


def app_from_env() -> ASGIApp:
    """Factory for uvicorn workers: the bundle directory comes from ``$SMARTVOTE_BUNDLE``."""
    d = os.environ.get(ENV_DIR)
    if not d:
        raise RuntimeError(f"${ENV_DIR} is not set")
    pre = _PRELOADED.get(d)  # built by serve_bundle before the workers were forked
    return pre if pre is not None else create_app(d)


_PRELOADED: dict[str, _Front] = {}


def _server_choice(server: str | None) -> str:
    choice = (server or os.environ.get(ENV_SERVER) or "auto").lower()
    if choice not in ("auto", "granian", "uvicorn"):
        raise InputError(
            Problem(
                rule="serve-server", detail="server must be auto, granian or uvicorn", value=choice
            )
        )
    if choice == "auto":
        choice = "granian" if importlib.util.find_spec("granian") is not None else "uvicorn"
    return choice


def serve_bundle(
    bundle_dir: Path | str,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    workers: int = 1,
    log_level: str = "warning",
    server: str | None = None,
) -> None:
    """Run the server on the bundle (blocking). No access log, no cookies.

    ``server`` (else ``$SMARTVOTE_SERVER``, else ``auto``): ``granian`` (RSGI, Rust HTTP
    layer; the default when installed, about twice uvicorn's rate on API lookups here, but
    it always sends ``server: granian``) or ``uvicorn`` (ASGI with httptools/uvloop, no
    ``Server`` header). Under granian (which forks) and with one uvicorn worker, every
    answer is built once here before serving; several uvicorn workers (spawned) each build
    answers per region on first use.
    """
    choice = _server_choice(server)
    root = str(Path(bundle_dir).resolve())
    _check_dir(Path(bundle_dir))  # fail early, in this process, on an unreadable bundle
    os.environ[ENV_DIR] = root
    if choice == "granian" or workers <= 1:
        # granian forks its workers (and uvicorn runs one in this process): build every
        # answer once here and the workers share it, instead of each building its own
        front = _front(root)
        front.api.build_all()
        _PRELOADED[root] = front
    if choice == "granian":
        from granian import Granian
        from granian.constants import HTTPModes, Interfaces
        from granian.log import LogLevels

        Granian(
            "smartvote.web.app:app_from_env",
            factory=True,
            address=host,
            port=port,
            interface=Interfaces.RSGI,
            workers=workers,
            http=HTTPModes.http1,
            websockets=False,
            log_level=LogLevels(log_level),
            log_access=False,
        ).serve()
        return
    import uvicorn

    from smartvote.web.guard import GuardedHttpTools

    uvicorn.run(
        "smartvote.web.app:app_from_env",
        http=GuardedHttpTools,  # closes idle and partial-header connections (slowloris)
        timeout_keep_alive=5,
        factory=True,
        host=host,
        port=port,
        workers=workers if workers > 1 else None,
        access_log=False,
        server_header=False,
        proxy_headers=False,
        log_level=log_level,
        lifespan="off",
    )
