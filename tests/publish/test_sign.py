"""Key generation and signing."""

from __future__ import annotations

import base64
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from smartvote.errors import InputError
from smartvote.publish.sign import generate_keypair, load_private_key, sign_bytes
from smartvote.publish.verify import load_public_key


def test_keygen_writes_private_key_0600_and_public_key(tmp_path: Path) -> None:
    kp = generate_keypair(tmp_path / "key")
    mode = stat.S_IMODE(os.stat(tmp_path / "key").st_mode)
    assert mode == 0o600
    assert (tmp_path / "key").read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert (tmp_path / "key.pub").read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    assert kp.fingerprint.startswith("SHA256:")
    assert "PRIVATE" not in str(kp.to_dict())


def test_keygen_refuses_to_overwrite(tmp_path: Path) -> None:
    generate_keypair(tmp_path / "key")
    with pytest.raises(InputError) as e:
        generate_keypair(tmp_path / "key")
    assert e.value.rule == "key-exists"
    generate_keypair(tmp_path / "key", force=True)


def test_signature_verifies_with_the_public_key_only(tmp_path: Path) -> None:
    kp = generate_keypair(tmp_path / "key")
    sig = sign_bytes(load_private_key(tmp_path / "key"), b"hello")
    pub = load_public_key(tmp_path / "key.pub")
    pub.verify(base64.b64decode(sig), b"hello")
    raw = load_public_key(kp.public_raw_b64)
    assert isinstance(raw, Ed25519PublicKey)
    raw.verify(base64.b64decode(sig), b"hello")


def test_private_key_readable_by_others_is_refused(tmp_path: Path) -> None:
    generate_keypair(tmp_path / "key")
    os.chmod(tmp_path / "key", 0o644)
    with pytest.raises(InputError) as e:
        load_private_key(tmp_path / "key")
    assert e.value.rule == "key-permissions"


@pytest.mark.parametrize(("content", "rule"), [(b"junk", "key-format"), (None, "key-unreadable")])
def test_bad_private_key_files(tmp_path: Path, content: bytes | None, rule: str) -> None:
    p = tmp_path / "k"
    if content is not None:
        p.write_bytes(content)
    with pytest.raises(InputError) as e:
        load_private_key(p)
    assert e.value.rule == rule


def test_bad_public_keys(tmp_path: Path) -> None:
    (tmp_path / "pub").write_bytes(b"not a key")
    with pytest.raises(InputError):
        load_public_key(tmp_path / "pub")
    with pytest.raises(InputError):
        load_public_key(str(tmp_path / "missing.pub"))
