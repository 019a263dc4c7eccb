"""Key continuity: a new signing key announced by the old one.

A voter (or a mirror's script) who trusted key A must be able to tell a legitimate new key
B from a forger's key. The publisher announces B with a *key-change statement* signed by
A, carried in the manifest that B signs::

    "key_change": {"statement": {"format": "smartvote-key-change/1", "election": ...,
                                 "old_key": <A, base64>, "new_key": <B, base64>,
                                 "announced": <version>},
                   "signature": <Ed25519 by A over canonical_bytes(statement), base64>}

The page, the offline file and ``smartvote verify`` check it and say that the key is new
and which key announced it. :func:`verify_continuing` lets ``verify`` be run with the old
key: it accepts a bundle signed by B only when A's signature announces B.
Checks here import nothing from the signer (``sign.py``) except in :func:`key_change`,
which makes the statement.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import time
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from smartvote.errors import Problem, VerificationError
from smartvote.publish.canonical import canonical_bytes
from smartvote.publish.keywords import key_words

__all__ = ["KEY_CHANGE_FORMAT", "check_key_change", "key_change", "verify_continuing"]

KEY_CHANGE_FORMAT = "smartvote-key-change/1"


def _raw_pub(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_change(
    old: Ed25519PrivateKey, new_public_raw: bytes, election: str, version: int
) -> dict[str, Any]:
    """The manifest's ``key_change`` field: ``old`` announces the key ``new_public_raw``."""
    old_raw = _raw_pub(old.public_key())
    if old_raw == new_public_raw:
        raise ValueError("the announcing key is the signing key itself")
    statement = {
        "format": KEY_CHANGE_FORMAT,
        "election": election,
        "old_key": base64.b64encode(old_raw).decode("ascii"),
        "new_key": base64.b64encode(new_public_raw).decode("ascii"),
        "announced": version,
    }
    sig = old.sign(canonical_bytes(statement))
    return {"statement": statement, "signature": base64.b64encode(sig).decode("ascii")}


def check_key_change(manifest: Any, signing_key_raw: bytes) -> dict[str, Any] | None:
    """Check a manifest's ``key_change``; ``None`` when it has none.

    Returns ``{old_key, old_words, new_key, new_words, announced}`` when the statement is
    signed by its old key and names ``signing_key_raw`` (the key that signed the manifest)
    for this manifest's election; raises :class:`VerificationError` (rule ``key-change``)
    otherwise.
    """
    kc = manifest.get("key_change") if isinstance(manifest, dict) else None
    if kc is None:
        return None

    def bad(detail: str) -> VerificationError:
        return VerificationError(Problem(rule="key-change", detail=detail, file="manifest.json"))

    try:
        st, sig_b64 = kc["statement"], kc["signature"]
        old_raw = base64.b64decode(st["old_key"], validate=True)
        new_raw = base64.b64decode(st["new_key"], validate=True)
        sig = base64.b64decode(sig_b64, validate=True)
        old = Ed25519PublicKey.from_public_bytes(old_raw)
    except (KeyError, TypeError, ValueError, binascii.Error) as e:
        raise bad(f"unreadable key-change statement: {e}") from e
    if st.get("format") != KEY_CHANGE_FORMAT:
        raise bad("not a key-change statement")
    if new_raw != signing_key_raw:
        raise bad("the statement announces another key than the one that signed the manifest")
    if st.get("election") != manifest.get("election"):
        raise bad("the statement is for another election")
    try:
        old.verify(sig, canonical_bytes(st))
    except InvalidSignature as e:
        raise bad("the old key's signature of the statement does not check") from e
    return {
        "old_key": st["old_key"],
        "old_words": key_words(old_raw),
        "new_key": st["new_key"],
        "new_words": key_words(new_raw),
        "announced": st.get("announced"),
    }


def verify_continuing(
    where: str | os.PathLike[str],
    public_key: Ed25519PublicKey,
    *,
    previous: int | None = None,
    deadline: float | None = None,
) -> dict[str, Any]:
    """``verify_bundle``, plus key continuity: accept a new key that ``public_key`` announced.

    When the manifest is signed by ``public_key`` this is :func:`verify_bundle` with
    ``key_words`` and the checked ``key_change`` (if any) added. When it is signed by
    another key B, the bundle is accepted only if its manifest carries a key-change
    statement signed by ``public_key`` that announces B; everything is then verified with B
    and ``key_changed`` is true. Otherwise the original ``bad-signature`` failure stands.
    """
    from smartvote.publish.verify import DEFAULT_DEADLINE, _Source, verify_bundle

    end = time.monotonic() + (DEFAULT_DEADLINE if deadline is None else deadline)

    def left() -> float:
        # one deadline for every fetch of this check (a trickling mirror cannot reset it)
        return max(end - time.monotonic(), 0.001)

    try:
        res = verify_bundle(where, public_key, previous=previous, deadline=left())
        key = public_key
        changed = False
    except VerificationError as e:
        if not any(p.rule == "bad-signature" for p in e.problems):
            raise
        raw = _Source(os.fspath(where), left()).read("manifest.json")
        try:
            if not isinstance(raw, bytes):  # missing, or over the size cap
                raise e from None
            man = json.loads(raw)
            st = man["key_change"]["statement"]
            new = Ed25519PublicKey.from_public_bytes(base64.b64decode(st["new_key"]))
            announcing = base64.b64decode(st["old_key"])
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise e from None
        if announcing != _raw_pub(public_key):
            raise
        check_key_change(man, _raw_pub(new))  # the old key really announced the new one
        res = verify_bundle(where, new, previous=previous, deadline=left())
        key, changed = new, True
    raw_key = _raw_pub(key)
    man_raw = _Source(os.fspath(where), left()).read("manifest.json")
    if not isinstance(man_raw, bytes):  # it verified a moment ago: the source changed since
        raise VerificationError(
            Problem(rule="fetch-failed", detail="manifest.json changed during the check")
        )
    change = check_key_change(json.loads(man_raw), raw_key)
    return {
        **res,
        "key": base64.b64encode(raw_key).decode("ascii"),
        "key_words": key_words(raw_key),
        "key_change": change,
        "key_changed": changed,
    }
