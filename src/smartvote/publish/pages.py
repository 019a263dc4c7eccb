"""The voter page and its offline copies: the view-model step of ``site/page.html``.

``index.html`` links the site's script and style; an offline copy (one per region) inlines
them, carries the region's shard and the signed manifest, and pins the inlined script and
style by hash in its Content-Security-Policy. Rendering goes through the one Jinja2 layer
(:mod:`smartvote.report.render`): every value is escaped by the template, and the only
raw text is our own (the site's ``app.js`` and ``style.css``, and the shard serialised by
:func:`smartvote.publish.bundle.shard_bytes`, which escapes ``<``, ``>`` and ``&``).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from smartvote.report.render import Markup, inline_asset, render

__all__ = ["PAGE_CSP", "Offline", "site_text", "voter_page"]

#: The page's policy, also set as a <meta> so that mirrors without headers keep it.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'"
)


def site_text(name: str) -> str:
    """A file of the voter site shipped in ``publish/site``."""
    return resources.files("smartvote.publish").joinpath("site", name).read_text(encoding="utf-8")


@dataclass(frozen=True, slots=True)
class Offline:
    """What makes the page an offline copy: the signed manifest (base64) and its
    signature, and the region's shard (bytes of :func:`~smartvote.publish.bundle.shard_bytes`)."""

    manifest_b64: str
    signature: str
    shard: bytes


def _sha256_b64(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def _shard_markup(shard: bytes) -> Markup:
    """The shard JSON to place verbatim in ``<script type="application/json">``.

    Reviewed raw text: bytes we serialised ourselves with ``<``, ``>`` and ``&`` escaped as
    ``\\u003c`` etc., so nothing in it can end the element; checked again here.
    """
    text = shard.decode("utf-8")
    if any(c in text for c in "<>&"):
        raise RuntimeError("shard bytes must escape <, > and & (use shard_bytes)")
    return Markup(text)


def voter_page(
    *,
    public_key: str,
    election: str,
    version: int,
    fp: str,
    words: str = "",
    mirrors: Sequence[str] = (),
    offline: Offline | None = None,
) -> str:
    """The voter page (``index.html``); with ``offline``, a self-contained copy."""
    ctx: dict[str, Any] = {
        "public_key": public_key,
        "election": election,
        "version": version,
        "fingerprint": fp,
        "words": words,
        "mirrors": " ".join(mirrors),
        "mode": "offline" if offline else "online",
        "csp": PAGE_CSP,
        "offline": None,
    }
    if offline is not None:
        js, css = site_text("app.js"), site_text("style.css")
        ctx["csp"] = (
            f"default-src 'none'; script-src 'sha256-{_sha256_b64(js)}'; "
            f"style-src 'sha256-{_sha256_b64(css)}'; "
            "img-src data:; base-uri 'none'; form-action 'none'"
        )
        ctx["offline"] = {
            "manifest": offline.manifest_b64,
            "signature": offline.signature,
            "shard": _shard_markup(offline.shard),
            "js": inline_asset(js, "script"),
            "css": inline_asset(css, "style"),
        }
    return render("site/page.html", **ctx)
