"""Ed25519 keys and signatures for the publisher (the signing side only).

The private key is written as unencrypted PKCS#8 PEM with mode 0600 and never printed;
the public key as SubjectPublicKeyInfo PEM in ``KEY.pub``. Signatures travel as base64
text so that they survive copy-paste and messengers.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from smartvote.errors import InputError, Problem

__all__ = ["KeyPair", "fingerprint", "generate_keypair", "load_private_key", "sign_bytes"]


@dataclass(frozen=True, slots=True)
class KeyPair:
    private_path: Path
    public_path: Path
    public_raw_b64: str
    fingerprint: str

    def to_dict(self) -> dict[str, str]:
        return {
            "private_key": str(self.private_path),
            "public_key": str(self.public_path),
            "public_key_raw": self.public_raw_b64,
            "fingerprint": self.fingerprint,
        }


def fingerprint(public_raw: bytes) -> str:
    """``SHA256:`` and the first 16 bytes of the key's hash, hex in groups of four."""
    h = hashlib.sha256(public_raw).hexdigest()[:32]
    return "SHA256:" + ":".join(h[i : i + 4] for i in range(0, 32, 4))


def public_raw(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def generate_keypair(out: Path, *, force: bool = False) -> KeyPair:
    """Write a new Ed25519 private key to ``out`` (mode 0600) and its public key to ``out.pub``."""
    pub = out.with_name(out.name + ".pub")
    for p in (out, pub):
        if p.exists() and not force:
            raise InputError(
                Problem(
                    rule="key-exists", detail="refusing to overwrite an existing key", file=str(p)
                )
            )
    if not out.parent.is_dir():
        raise InputError(
            Problem(rule="no-directory", detail="directory does not exist", file=str(out.parent))
        )
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    tmp = out.with_name(out.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, pem)
    finally:
        os.close(fd)
    os.replace(tmp, out)
    pub.write_bytes(
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    raw = public_raw(key)
    return KeyPair(out, pub, base64.b64encode(raw).decode("ascii"), fingerprint(raw))


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError(
            Problem(rule="key-unreadable", detail=str(e.strerror), file=str(path))
        ) from e
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as e:
        raise InputError(
            Problem(rule="key-format", detail="not an unencrypted PEM private key", file=str(path))
        ) from e
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(Problem(rule="key-type", detail="not an Ed25519 key", file=str(path)))
    if os.name == "posix" and path.stat().st_mode & 0o077:
        raise InputError(
            Problem(
                rule="key-permissions",
                detail="private key is readable by others; chmod 600 it",
                file=str(path),
            )
        )
    return key


def sign_bytes(key: Ed25519PrivateKey, data: bytes) -> str:
    """Base64 Ed25519 signature of ``data``."""
    return base64.b64encode(key.sign(data)).decode("ascii")
