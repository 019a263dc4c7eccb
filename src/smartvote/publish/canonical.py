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
import json
import math
from collections.abc import Mapping, Sequence
from typing import Any

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


def _number(x: int | float) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    if not math.isfinite(x):
        raise ValueError(f"canonical JSON has no {x!r}")
    if x == 0:
        return "0"
    # shortest round-trip digits, then ECMAScript Number::toString layout
    sign = "-" if x < 0 else ""
    mant, _, exp_s = repr(abs(x)).partition("e")
    int_part, _, frac = mant.partition(".")
    digits = (int_part + frac).lstrip("0")
    lead_zeros = len(int_part + frac) - len((int_part + frac).lstrip("0"))
    exp = (int(exp_s) if exp_s else 0) + len(int_part) - lead_zeros  # value = 0.DIGITS × 10^exp
    digits = digits.rstrip("0") or "0"
    k, n = len(digits), exp
    if k <= n <= 21:
        s = digits + "0" * (n - k)
    elif 0 < n <= 21:
        s = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        s = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        es = f"e+{e}" if e >= 0 else f"e-{-e}"
        s = (digits[0] + ("." + digits[1:] if k > 1 else "")) + es
    return sign + s


def _key(k: str) -> bytes:
    return k.encode("utf-16-be")


def _encode(o: Any, out: list[str]) -> None:
    if o is None:
        out.append("null")
    elif o is True:
        out.append("true")
    elif o is False:
        out.append("false")
    elif isinstance(o, str):
        out.append(json.dumps(o, ensure_ascii=False))
    elif isinstance(o, int | float):
        out.append(_number(o))
    elif isinstance(o, Mapping):
        items = list(o.items())
        for k, _ in items:
            if not isinstance(k, str):
                raise TypeError(f"canonical JSON keys must be strings, not {type(k).__name__}")
        out.append("{")
        for i, (k, v) in enumerate(sorted(items, key=lambda kv: _key(kv[0]))):
            if i:
                out.append(",")
            out.append(json.dumps(k, ensure_ascii=False))
            out.append(":")
            _encode(v, out)
        out.append("}")
    elif isinstance(o, Sequence) and not isinstance(o, bytes | bytearray):
        out.append("[")
        for i, v in enumerate(o):
            if i:
                out.append(",")
            _encode(v, out)
        out.append("]")
    else:
        raise TypeError(f"canonical JSON cannot encode {type(o).__name__}")


def canonical_bytes(obj: Any) -> bytes:
    """RFC 8785 canonical JSON of ``obj`` as UTF-8 bytes."""
    out: list[str] = []
    _encode(obj, out)
    return "".join(out).encode("utf-8")


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
