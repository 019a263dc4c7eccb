"""Serve a signed bundle and its station API, fast and without learning anything about voters.

Everything a GET can return is computed once at startup: each file with its headers and a
gzip variant, and the JSON answer of ``/api/v1/stations/{id}`` for every station (entry plus
Merkle audit path to the signed manifest). Those answers go out from a thin ASGI front
without routing; everything else (OpenAPI, errors, other methods) is a Starlette app.
No cookies are set, no query string is read or logged (uvicorn's access log is off), and
every response carries a strict Content-Security-Policy without inline script.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import mimetypes
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smartvote.errors import InputError, Problem
from smartvote.publish.canonical import all_audit_paths, shard_leaves

__all__ = [
    "API_PREFIX",
    "SECURITY_HEADERS",
    "BundleIndex",
    "app_from_env",
    "create_app",
    "serve_bundle",
]

API_PREFIX = "/api/v1/stations/"
ENV_DIR = "SMARTVOTE_BUNDLE"
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
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    gz_headers: list[tuple[bytes, bytes]] | None = None
    gz_body: bytes | None = None
    etag: bytes | None = None


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
            return _Item(status, headers, body, gz_headers, gz, etag)
    return _Item(status, headers, body, None, None, etag)


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
            p = root / rel
            body = p.read_bytes()
            ctype = (
                _TYPES.get(p.suffix)
                or (mimetypes.guess_type(p.name)[0] or "application/octet-stream").encode()
            )
            if rel in ("manifest.json", "manifest.sig"):
                extra = [(b"cache-control", b"no-cache"), (b"access-control-allow-origin", b"*")]
            elif rel.startswith("data/"):
                extra = [
                    (b"cache-control", b"public, max-age=300"),
                    (b"access-control-allow-origin", b"*"),
                ]
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
        self.api: dict[str, _Item] = {}
        self.stations = 0
        api_extra = [
            (b"cache-control", b"public, max-age=300"),
            (b"access-control-allow-origin", b"*"),
        ]
        man_ref = {
            "url": "/manifest.json",
            "signature_url": "/manifest.sig",
            "version": self.version,
            "election": self.manifest["election"],
        }
        man_ref_bytes = _json(man_ref)
        for region in self.manifest["regions"]:
            shard = json.loads((root / region["shard"]).read_bytes())
            entries = shard_leaves(shard)
            root_hash, paths = all_audit_paths([h for _, _, h in entries])
            # the answer's JSON is assembled from pieces: each race's part is encoded once
            races: dict[str, bytes] = {}
            head = (
                b'{"entry":{"election":'
                + _json(shard["election"])
                + b',"region":'
                + _json(region["region"])
            )
            tail = (
                b',"shard":' + _json(region["shard"]) + b',"size":' + str(len(entries)).encode()
                + b',"merkle_root":"' + root_hash.hex().encode() + b'"},"manifest":' + man_ref_bytes + b"}"
            )  # fmt: skip
            for i, ((sid, entry, _), path) in enumerate(zip(entries, paths, strict=True)):
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
                        b',"proof":{"index":', str(i).encode(),
                        b',"path":[', b",".join(b'"' + h.hex().encode() + b'"' for h in path), b"]",
                        tail,
                    )
                )  # fmt: skip
                self.api[sid] = _item(body, b"application/json", api_extra, gzip_ok=False)
            self.stations += len(entries)
        self.not_found = _item(
            b'{"error":"unknown station"}',
            b"application/json",
            [(b"cache-control", b"public, max-age=60")],
            404,
        )


def _json(o: Any) -> bytes:
    return json.dumps(o, ensure_ascii=False, separators=(",", ":")).encode()


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
    """Precomputed GET/HEAD answers first; everything else to the Starlette app."""

    def __init__(self, index: BundleIndex, inner: ASGIApp) -> None:
        self.index = index
        self.inner = inner
        self.files = index.files
        self.api = index.api

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            path: str = scope["path"]
            item = self.files.get(path)
            if item is None and path.startswith(API_PREFIX):
                item = self.api.get(path[len(API_PREFIX) :], self.index.not_found)
            if item is not None:
                await _send_item(item, scope, send)
                return
        if scope["type"] == "http":
            await self.inner(scope, receive, _with_headers(send))
            return
        await self.inner(scope, receive, send)


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
    """The ASGI app serving the bundle in ``bundle_dir``."""
    index = BundleIndex(Path(bundle_dir))
    schema = openapi_schema(index)

    async def openapi(_: Request) -> Response:
        return JSONResponse(schema)

    async def health(_: Request) -> Response:
        return JSONResponse({"ok": True, "version": index.version, "stations": index.stations})

    async def not_found(_: Request, exc: Exception) -> Response:
        return JSONResponse({"error": "not found"}, status_code=404)

    inner = Starlette(
        routes=[
            Route("/api/v1/openapi.json", openapi, methods=["GET"]),
            Route("/healthz", health, methods=["GET"]),
        ],
        exception_handlers={404: not_found},
    )
    return _Front(index, inner)


def _check_dir(root: Path) -> None:
    try:
        man = json.loads((root / "manifest.json").read_bytes())
        missing = [f for f in man["files"] if not (root / f).is_file()]
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
    return create_app(d)


def serve_bundle(
    bundle_dir: Path | str,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    workers: int = 1,
    log_level: str = "warning",
) -> None:
    """Run uvicorn on the bundle (blocking). No access log, no server header."""
    import uvicorn

    os.environ[ENV_DIR] = str(Path(bundle_dir).resolve())
    _check_dir(Path(bundle_dir))  # fail early, in this process, on an unreadable bundle
    uvicorn.run(
        "smartvote.web.app:app_from_env",
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
