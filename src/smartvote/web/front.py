"""The app of ``smartvote serve``: precomputed answers looked up by path, under ASGI and RSGI.

:class:`Front` answers every HTTP request itself, without routing: a bundle file or a
station answer by dict lookup, ``/api/v1/find/…`` computed per request (web/lookup.py), a
precomputed 405 for other methods on known paths and a 404 elsewhere. Both interfaces ask
:meth:`Item.reply <smartvote.web.responses.Item.reply>` what to send (304, gzip, HEAD) and
differ only in how they send it. Only non-HTTP ASGI scopes (websockets) reach a small
Starlette app, which refuses them. Query strings are never read.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from smartvote.errors import InputError, Problem
from smartvote.web.api import API_PREFIX, BundleIndex, openapi_schema
from smartvote.web.lookup import FIND_PREFIX, Finder
from smartvote.web.responses import SECURITY_HEADERS, Item, item, json_bytes

__all__ = ["Front", "build_front", "create_app"]

_API_LEN = len(API_PREFIX)


class Front:
    """Precomputed GET/HEAD answers, looked up by path with no routing; ASGI and RSGI.

    Other methods get a precomputed 405 on known paths, unknown paths a 404 (the same under
    both interfaces); only non-HTTP ASGI scopes reach the Starlette app ``inner``.
    """

    def __init__(
        self, index: BundleIndex, inner: ASGIApp, extra: Mapping[str, Item], finder: Finder
    ) -> None:
        self.index = index
        self.inner = inner
        self.finder = finder
        self.files: dict[str, Item] = {**index.files, **extra}
        self.api = index.api
        self.ready = index.api.ready
        self.not_found = index.not_found
        self.no_route = item(
            b'{"error":"not found"}', b"application/json", [(b"cache-control", b"no-cache")], 404
        )
        self.no_method = item(
            b'{"error":"method not allowed"}',
            b"application/json",
            [(b"allow", b"GET, HEAD"), (b"cache-control", b"no-cache")],
            405,
        )

    def _lookup(self, path: str) -> Item | None:
        found = self.files.get(path)
        if found is None and path.startswith(API_PREFIX):
            sid = path[_API_LEN:]
            found = self.ready.get(sid)
            if found is None:
                found = self.api.get(sid, self.not_found)
        return found

    def _find(self, method: str, path: str, accept_language: str | None) -> Item:
        """``/api/v1/find/…`` (web/lookup.py): computed per request, never cached or logged."""
        if method not in ("GET", "HEAD"):
            return self.no_method
        status, body, lang = self.finder.answer(path, accept_language)
        extra = [(b"cache-control", b"no-store"), (b"vary", b"accept-language")]
        extra += [(b"content-language", lang.encode()), (b"access-control-allow-origin", b"*")]
        return item(body, b"application/json", extra, status)

    def route(self, method: str, path: str, accept_language: str | None) -> Item:
        """The item that answers ``method`` on ``path`` (the same for both interfaces)."""
        if path.startswith(FIND_PREFIX):
            return self._find(method, path, accept_language)
        if method == "GET" or method == "HEAD":
            return self._lookup(path) or self.no_route
        if path in self.files or path.startswith(API_PREFIX):
            return self.no_method
        return self.no_route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry (uvicorn)."""
        if scope["type"] != "http":
            await self.inner(scope, receive, _with_headers(send))  # websocket: refused
            return
        inm: str | None = None
        enc: str | None = None
        lang: str | None = None
        for k, v in scope["headers"]:
            if k == b"if-none-match":
                inm = v.decode("latin-1")
            elif k == b"accept-encoding":
                enc = v.decode("latin-1")
            elif k == b"accept-language":
                lang = lang or v.decode("latin-1")
        method = scope["method"]
        variant, body = self.route(method, scope["path"], lang).reply(method, inm, enc)
        await send(
            {"type": "http.response.start", "status": variant.status, "headers": variant.headers}
        )
        await send({"type": "http.response.body", "body": b"" if body is None else body})

    async def __rsgi__(self, scope: Any, proto: Any) -> None:
        """RSGI entry (granian): the same answers with the headers as ``str`` pairs."""
        req = scope.headers
        method = scope.method
        answer = self.route(method, scope.path, req.get("accept-language"))
        variant, body = answer.reply(method, req.get("if-none-match"), req.get("accept-encoding"))
        if body is not None:
            proto.response_bytes(variant.status, variant.r_headers, body)
        else:
            proto.response_empty(variant.status, variant.r_headers)


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
    return build_front(bundle_dir)


def build_front(bundle_dir: Path | str) -> Front:
    """:func:`create_app`, typed as the :class:`Front` it is (the server preloads it)."""
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
        "/api/v1/openapi.json": item(
            json_bytes(openapi_schema(index)), b"application/json", no_store
        ),
        "/healthz": item(
            json_bytes({"ok": True, "version": index.version, "stations": index.stations}),
            b"application/json",
            no_store,
        ),
    }

    async def not_found(_: Request, exc: Exception) -> Response:
        return JSONResponse({"error": "not found"}, status_code=404)

    inner = Starlette(routes=[], exception_handlers={404: not_found})
    regions = index.manifest["regions"]
    finder = Finder({r["shard"]: index.files["/" + r["shard"]].body for r in regions}, regions)
    return Front(index, inner, extra, finder)
