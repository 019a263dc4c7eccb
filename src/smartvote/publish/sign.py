"""Ed25519 keys and signatures for the publisher (the signing side only).

The private key is written as unencrypted PKCS#8 PEM with mode 0600 and never printed;
the public key as SubjectPublicKeyInfo PEM in ``KEY.pub``. Signatures travel as base64
text so that they survive copy-paste and messengers.
"""

from __future__ import annotations

import base64
import hashlib
import os
import tempfile
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
        if os.path.lexists(p) and not force:  # lexists: a dangling symlink counts too
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
    _write_new(out, pem)
    _write_new(
        pub,
        key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        0o644,
    )
    raw = public_raw(key)
    return KeyPair(out, pub, base64.b64encode(raw).decode("ascii"), fingerprint(raw))


def _write_new(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write ``data`` to a fresh file (``mode``, 0600 by default) and move it over ``path``.

    The temporary file gets an unpredictable name and is created with ``O_EXCL`` (and
    ``O_NOFOLLOW``): a planted ``OUT.tmp`` symlink can no longer redirect the private key.
    ``os.replace`` then swaps the name itself, never a link's target.
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        os.write(fd, data)
        os.fsync(fd)
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    os.close(fd)
    os.replace(tmp, path)


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
