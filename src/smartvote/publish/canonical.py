"""The one definition of every byte string that is hashed or signed.

``canonical_bytes`` follows RFC 8785 (JSON Canonicalization Scheme): object keys sorted by
their UTF-16 code units, no whitespace, UTF-8, numbers in ECMAScript's shortest form,
no NaN or infinity. The manifest is *stored* in canonical form, so a browser verifies the
signature over the file's bytes as fetched and needs no canonicaliser of its own.

Each shard also gets a Merkle tree (RFC 6962 hashing: ``0x00`` before a leaf, ``0x01``
before an inner node) over its stations' entries, so that one entry served by the API can
be checked against the signed manifest without downloading the whole shard.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from typing import Any

import rfc8785

__all__ = [
    "all_audit_paths",
    "audit_path",
    "canonical_bytes",
    "leaf_hash",
    "merkle_root",
    "root_from_path",
    "sha256_hex",
    "shard_entries",
    "shard_leaves",
]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_bytes(obj: Any) -> bytes:
    """RFC 8785 canonical JSON of ``obj`` as UTF-8 bytes (the ``rfc8785`` package).

    RFC 8785 numbers are IEEE 754 doubles, as a JavaScript verifier reads them: an integer
    beyond ±(2**53 - 1) is written as the double it stands for (equal to it, or written with
    its digits), and one that a verifier would read as another number (2**53 + 1 is read as
    2**53) is refused with ``ValueError``, as are
    NaN and infinities. Keys that are not strings and values that are not JSON raise
    ``TypeError``. Objects are dicts; arrays are lists or tuples.
    """
    try:
        return rfc8785.dumps(obj)
    except rfc8785.IntegerDomainError:
        return rfc8785.dumps(_big_ints_as_doubles(obj))
    except rfc8785.FloatDomainError:
        raise
    except rfc8785.CanonicalizationError as e:
        if isinstance(e.__cause__, UnicodeEncodeError):  # a lone surrogate in a string
            raise ValueError(f"canonical JSON: {e}") from e
        raise TypeError(f"canonical JSON: {e}") from e


_SAFE = 2**53 - 1


def _big_ints_as_doubles(o: Any) -> Any:
    """``o`` with each integer beyond ±(2**53 - 1) replaced by the double it stands for."""
    if isinstance(o, int) and not isinstance(o, bool) and not -_SAFE <= o <= _SAFE:
        try:
            d = float(o)
        except OverflowError:
            d = math.inf
        # the double equal to o, or whose ECMAScript form is o's digits (as JSON.parse reads it)
        if d != o and (math.isinf(d) or rfc8785.dumps(d) != str(o).encode()):
            raise ValueError(f"canonical JSON: {o} is read as another number by a double reader")
        return d
    if isinstance(o, dict):
        return {k: _big_ints_as_doubles(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [_big_ints_as_doubles(v) for v in o]
    return o


# ----------------------------------------------------------------------------- shards


def shard_entries(shard: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Every station of a shard as ``(station id, entry)``, sorted by id.

    An entry is what the API returns for one station: the station, its region and address,
    and the full recommendation of every race on its ballot (``null`` where none).
    """
    races: Mapping[str, Any] = shard["races"]
    out = []
    for sid in sorted(shard["stations"]):
        st = shard["stations"][sid]
        out.append(
            (
                sid,
                {
                    "election": shard["election"],
                    "region": shard["region"],
                    "station": sid,
                    "number": st["number"],
                    "address": st["address"],
                    "races": [{"race": r, "recommendation": races.get(r)} for r in st["races"]],
                },
            )
        )
    return out


def leaf_hash(entry: Any) -> bytes:
    return hashlib.sha256(b"\x00" + canonical_bytes(entry)).digest()


def shard_leaves(shard: Mapping[str, Any]) -> list[tuple[str, dict[str, Any], bytes]]:
    """``(station id, entry, leaf_hash(entry))`` for every entry of :func:`shard_entries`.

    Equal to calling :func:`leaf_hash` on each entry, but each race's canonical bytes are
    computed once per shard rather than once per station (the entries share them).
    """
    cache: dict[str, bytes] = {}
    out = []
    for sid, entry in shard_entries(shard):
        parts = []
        for item in entry["races"]:
            b = cache.get(item["race"])
            if b is None:
                b = cache[item["race"]] = canonical_bytes(item)
            parts.append(b)
        # the entry's keys in canonical order: address, election, number, races, region, station
        data = b"".join(
            (
                b'\x00{"address":',
                canonical_bytes(entry["address"]),
                b',"election":',
                canonical_bytes(entry["election"]),
                b',"number":',
                canonical_bytes(entry["number"]),
                b',"races":[',
                b",".join(parts),
                b'],"region":',
                canonical_bytes(entry["region"]),
                b',"station":',
                canonical_bytes(entry["station"]),
                b"}",
            )
        )
        out.append((sid, entry, hashlib.sha256(data).digest()))
    return out


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """Largest power of two strictly below ``n`` (RFC 6962 §2.1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """RFC 6962 Merkle tree hash of leaf hashes (the hash of nothing for no leaves)."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = _split(n)
    return _node(merkle_root(leaves[:k]), merkle_root(leaves[k:]))


def audit_path(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """RFC 6962 audit path of leaf ``index``: sibling hashes from the leaf up."""
    n = len(leaves)
    if n <= 1:
        return []
    k = _split(n)
    if index < k:
        return [*audit_path(leaves[:k], index), merkle_root(leaves[k:])]
    return [*audit_path(leaves[k:], index - k), merkle_root(leaves[:k])]


def all_audit_paths(leaves: Sequence[bytes]) -> tuple[bytes, list[list[bytes]]]:
    """The root and every leaf's audit path in one pass (O(n log n))."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest(), []
    if n == 1:
        return leaves[0], [[]]
    k = _split(n)
    lroot, lpaths = all_audit_paths(leaves[:k])
    rroot, rpaths = all_audit_paths(leaves[k:])
    for p in lpaths:
        p.append(rroot)
    for p in rpaths:
        p.append(lroot)
    return _node(lroot, rroot), lpaths + rpaths


def root_from_path(leaf: bytes, index: int, size: int, path: Sequence[bytes]) -> bytes:
    """Recompute the root from a leaf, its index, the tree size and its audit path."""
    if not 0 <= index < size:
        raise ValueError("leaf index outside the tree")
    # collect the (left/right) decisions top-down, then fold bottom-up
    sides: list[bool] = []  # True when the sibling is on the right
    n, i = size, index
    while n > 1:
        k = _split(n)
        if i < k:
            sides.append(True)
            n = k
        else:
            sides.append(False)
            i -= k
            n -= k
    if len(sides) != len(path):
        raise ValueError("audit path has the wrong length")
    h = leaf
    for sib, right in zip(path, reversed(sides), strict=True):
        h = _node(h, sib) if right else _node(sib, h)
    return h
