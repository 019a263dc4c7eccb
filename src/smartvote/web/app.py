"""Serve a signed bundle and its station API, fast and without learning anything about voters.

Everything a GET can return is precomputed bytes: each file with its headers and a gzip
variant (computed at startup), and the JSON answer of ``/api/v1/stations/{id}`` (entry plus
Merkle audit path to the signed manifest), computed for a whole region the first time one of
its stations is asked for, so a worker starts in a few seconds instead of precomputing
100,000 answers. Those answers go out from a thin front without routing that speaks both
RSGI (granian, the default server: a Rust HTTP layer, about twice uvicorn's rate here) and
ASGI (uvicorn, the fallback). No cookies are set, no query string is read or logged (access
logs are off), and every response carries a strict Content-Security-Policy without inline
script.

The parts, one module each:

- :mod:`smartvote.web.responses`: precomputed responses, security headers, and the one
  rule for 304 / gzip / HEAD;
- :mod:`smartvote.web.api`: the bundle loaded for serving, station answers, the OpenAPI
  document (``openapi.json``);
- :mod:`smartvote.web.lookup`: ``/api/v1/find/…``;
- :mod:`smartvote.web.front`: the ASGI/RSGI app;
- :mod:`smartvote.web.server`: the launcher (granian or uvicorn);
- :mod:`smartvote.web.guard`: uvicorn's header deadline.

This module is the package's entry point and keeps the names it has always exported.
"""

from __future__ import annotations

from smartvote.web.api import API_PREFIX, BundleIndex, openapi_schema, safe_path
from smartvote.web.front import create_app
from smartvote.web.responses import SECURITY_HEADERS
from smartvote.web.server import app_from_env, serve_bundle

__all__ = [
    "API_PREFIX",
    "SECURITY_HEADERS",
    "BundleIndex",
    "app_from_env",
    "create_app",
    "openapi_schema",
    "safe_path",
    "serve_bundle",
]
