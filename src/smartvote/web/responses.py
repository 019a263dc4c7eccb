"""Precomputed responses of ``smartvote serve`` and the one rule that picks what goes out.

Every answer the server can give is built once as an :class:`Item`: its status, its
headers (as ``bytes`` pairs for ASGI and as ``str`` pairs for RSGI), its body, and where it
pays a gzip variant. :meth:`Item.reply` is the single place that applies ``If-None-Match``
(304), ``Accept-Encoding`` (gzip) and ``HEAD`` (no body); the ASGI and the RSGI fronts only
send what it returns. Every response, 304 included, carries :data:`SECURITY_HEADERS`.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
from collections.abc import Iterable
from typing import Any, NamedTuple

__all__ = [
    "CSP",
    "SECURITY_HEADERS",
    "Encoded",
    "Item",
    "Variant",
    "item",
    "json_bytes",
    "json_with",
]

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
#: Bodies shorter than this are never compressed (the gzip header would eat the gain).
GZIP_MIN = 512

Header = tuple[bytes, bytes]
StrHeader = tuple[str, str]


class _Pairs(NamedTuple):
    """Header pairs in both forms: ``bytes`` (ASGI) and ``str`` (RSGI)."""

    b: tuple[Header, ...]
    s: tuple[StrHeader, ...]


@functools.lru_cache(maxsize=4096)
def _pairs(*headers: Header) -> _Pairs:
    """Decoded once: 100,000 station answers share the pairs of their common headers."""
    return _Pairs(headers, tuple((k.decode("latin-1"), v.decode("latin-1")) for k, v in headers))


@functools.lru_cache(maxsize=64)
def _head(ctype: bytes) -> _Pairs:
    return _pairs(*SECURITY_HEADERS, (b"content-type", ctype))


_SECURITY = _pairs(*SECURITY_HEADERS)
_NOTHING = _pairs()


class Variant(NamedTuple):
    """One way of sending an item: status, headers for ASGI and RSGI, and the body.

    The headers are ``head``, then the ETag, then ``tail``. An immutable tuple (so is
    :class:`Item`): cheaper to make than a frozen dataclass, and 100,000 station answers
    are made at startup.
    """

    status: int
    headers: list[Header]
    r_headers: list[StrHeader]
    body: bytes

    @classmethod
    def of(
        cls,
        status: int,
        head: _Pairs,
        etag: str,
        tail: _Pairs,
        body: bytes,
        length: str | None = None,
    ) -> Variant:
        """``head``, the ETag, ``tail``, then (when given) ``content-length: length``.

        The length, unlike the shared pairs, differs from answer to answer: it is added
        here rather than through the cache of shared pairs, which it would only churn.
        """
        last_b = [(b"content-length", length.encode())] if length is not None else []
        last_s = [("content-length", length)] if length is not None else []
        return cls(
            status,
            [*head.b, (b"etag", etag.encode()), *tail.b, *last_b],
            [*head.s, ("etag", etag), *tail.s, *last_s],
            body,
        )


class Item(NamedTuple):
    """A precomputed response: identity, optional gzip and optional 304 variants."""

    plain: Variant
    etag: str
    gz: Variant | None = None
    not_modified: Variant | None = None

    # the plain variant's fields, as callers (tests, benchmarks) read them
    @property
    def status(self) -> int:
        return self.plain.status

    @property
    def headers(self) -> list[Header]:
        return self.plain.headers

    @property
    def r_headers(self) -> list[StrHeader]:
        return self.plain.r_headers

    @property
    def body(self) -> bytes:
        return self.plain.body

    @property
    def gz_body(self) -> bytes | None:
        return None if self.gz is None else self.gz.body

    def reply(
        self, method: str, if_none_match: str | None, accept_encoding: str | None
    ) -> tuple[Variant, bytes | None]:
        """What to send for a request: the variant (status and headers) and the body.

        304 (with no body) when the request's ``If-None-Match`` holds this item's ETag and
        the item is a 200; else the gzip variant when the client accepts gzip and there is
        one; no body for ``HEAD``, while the headers (length included) stay those
        of the ``GET``. ``None`` for the body: send none (``HEAD``, 304).
        """
        nm = self.not_modified
        if nm is not None and if_none_match is not None and self.etag in if_none_match:
            return nm, None
        v = self.plain
        if self.gz is not None and accept_encoding is not None and "gzip" in accept_encoding:
            v = self.gz
        return v, (None if method == "HEAD" else v.body)


def item(
    body: bytes,
    ctype: bytes,
    extra: Iterable[Header] = (),
    status: int = 200,
    *,
    gzip_ok: bool = True,
) -> Item:
    """The response ``body`` of type ``ctype`` with the security headers, an ETag and ``extra``.

    With ``gzip_ok`` and a body of at least :data:`GZIP_MIN` bytes that gzip makes smaller,
    the item also has a gzip variant (and both say ``Vary: Accept-Encoding``). A 200 has a
    304 variant: the security headers and the ETag.
    """
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    head = _head(ctype)
    extra = tuple(extra)
    not_modified = Variant.of(304, _SECURITY, etag, _NOTHING, b"") if status == 200 else None
    if gzip_ok and len(body) >= GZIP_MIN:
        length = (b"content-length", str(len(body)).encode())
        gz = gzip.compress(body, compresslevel=6, mtime=0)
        if len(gz) < len(body):
            vary = (b"vary", b"accept-encoding")
            gz_tail = _pairs(
                *extra,
                (b"content-encoding", b"gzip"),
                vary,
                (b"content-length", str(len(gz)).encode()),
            )
            return Item(
                Variant.of(status, head, etag, _pairs(*extra, length, vary), body),
                etag,
                Variant.of(status, head, etag, gz_tail, gz),
                not_modified,
            )
    plain = Variant.of(status, head, etag, _pairs(*extra), body, str(len(body)))
    return Item(plain, etag, None, not_modified)


_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_encode_str = json.encoder.encode_basestring  # what _ENCODE does to a str (ensure_ascii=False)


def json_bytes(o: Any) -> bytes:
    """Compact UTF-8 JSON (not canonical: key order as given), as every API body is sent."""
    return _ENCODE(o).encode()


class Encoded(bytes):
    """A value already encoded by :func:`json_bytes`, placed as it is by :func:`json_with`."""


def json_with(o: Any) -> bytes:
    """:func:`json_bytes` of ``o``, with every :class:`Encoded` inside it taken as is.

    The station answers of a region repeat the same race objects: each is encoded once and
    reused, byte for byte what encoding the whole answer at once would give. The walk
    encodes strings and integers itself, which is faster here than the C encoder's set-up
    for each small dict (100,000 answers are built at startup).
    """
    t = type(o)
    if t is Encoded:
        return o  # type: ignore[no-any-return]
    if t is str:
        return _encode_str(o).encode()
    if t is int:
        return str(o).encode()
    # members that are already encoded, strings or integers are done inline, without a
    # call each: the answers hold about 17 members each
    if t is dict:
        return (
            b"{"
            + b",".join(
                [
                    _json_key(k)
                    + (
                        v
                        if type(v) is Encoded
                        else _encode_str(v).encode()
                        if type(v) is str
                        else str(v).encode()
                        if type(v) is int
                        else json_with(v)
                    )
                    for k, v in o.items()
                ]
            )
            + b"}"
        )
    if t is list:
        return (
            b"["
            + b",".join(
                [
                    v
                    if type(v) is Encoded
                    else _encode_str(v).encode()
                    if type(v) is str
                    else json_with(v)
                    for v in o
                ]
            )
            + b"]"
        )
    return json_bytes(o)


@functools.lru_cache(maxsize=1024)
def _json_key(k: str) -> bytes:
    return json_bytes(k) + b":"
