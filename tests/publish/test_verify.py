"""The verifier: a good bundle passes; each kind of tampering fails with its own rule."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartvote.errors import VerificationError
from smartvote.publish.canonical import sha256_hex
from smartvote.publish.sign import load_private_key, sign_bytes
from smartvote.publish.verify import load_public_key, verify_bundle, verify_entry

from .conftest import resign

BundleFactory = Callable[..., Path]


def _pub(keydir: Path, name: str = "key") -> Any:
    return load_public_key(keydir / f"{name}.pub")


def _rules(bundle: Path, keydir: Path, **kw: Any) -> set[str]:
    with pytest.raises(VerificationError) as e:
        verify_bundle(bundle, _pub(keydir), **kw)
    return {p.rule for p in e.value.problems}


def _manifest(bundle: Path) -> dict[str, Any]:
    return dict(json.loads((bundle / "manifest.json").read_bytes()))


def test_good_bundle_verifies(bundle: Path, keydir: Path) -> None:
    res = verify_bundle(bundle, _pub(keydir))
    assert res["ok"] and res["version"] == 1000 and res["stations"] == 60 and res["regions"] == 3
    assert verify_bundle(bundle, _pub(keydir), previous=1000)["ok"]


def test_wrong_key(bundle: Path, keydir: Path) -> None:
    with pytest.raises(VerificationError) as e:
        verify_bundle(bundle, _pub(keydir, "other"))
    assert e.value.rule == "bad-signature"


def test_signed_by_another_key(bundle: Path, keydir: Path) -> None:
    resign(bundle, keydir / "other")
    assert _rules(bundle, keydir) == {"bad-signature"}


def test_tampered_manifest(bundle: Path, keydir: Path) -> None:
    p = bundle / "manifest.json"
    p.write_bytes(p.read_bytes().replace(b'"stations":60', b'"stations":61'))
    assert _rules(bundle, keydir) == {"bad-signature"}


def test_missing_signature(bundle: Path, keydir: Path) -> None:
    (bundle / "manifest.sig").unlink()
    assert _rules(bundle, keydir) == {"missing-file"}


def test_garbage_signature(bundle: Path, keydir: Path) -> None:
    (bundle / "manifest.sig").write_text("not base64!")
    assert _rules(bundle, keydir) == {"bad-signature"}


def test_tampered_shard(bundle: Path, keydir: Path) -> None:
    shard = bundle / _manifest(bundle)["regions"][0]["shard"]
    shard.write_bytes(shard.read_bytes().replace(b'"p_win":0.', b'"p_win":0.9', 1))
    assert _rules(bundle, keydir) == {"hash-mismatch"}


def test_tampered_page_and_offline_copy(bundle: Path, keydir: Path) -> None:
    (bundle / "app.js").write_text("alert(1)")
    off = bundle / _manifest(bundle)["regions"][1]["offline"]
    off.write_bytes(off.read_bytes() + b"<!-- -->")
    assert _rules(bundle, keydir) == {"hash-mismatch"}


def test_missing_and_unlisted_files(bundle: Path, keydir: Path) -> None:
    (bundle / "style.css").unlink()
    (bundle / "data" / "extra.json").write_text("{}")
    assert _rules(bundle, keydir) == {"missing-file", "unlisted-file"}


def test_rollback_is_rejected(bundle: Path, keydir: Path) -> None:
    assert _rules(bundle, keydir, previous=1001) == {"rollback"}


def test_non_canonical_manifest(bundle: Path, keydir: Path) -> None:
    man = _manifest(bundle)
    data = json.dumps(man, indent=1).encode()
    (bundle / "manifest.json").write_bytes(data)
    (bundle / "manifest.sig").write_text(sign_bytes(load_private_key(keydir / "key"), data))
    assert "manifest-not-canonical" in _rules(bundle, keydir)


def test_unsafe_path_in_a_signed_manifest(bundle: Path, keydir: Path) -> None:
    resign(bundle, keydir / "key", lambda m: m["files"].update({"../../etc/passwd": "0" * 64}))
    assert "unsafe-path" in _rules(bundle, keydir)


def test_merkle_root_mismatch(bundle: Path, keydir: Path) -> None:
    resign(bundle, keydir / "key", lambda m: m["regions"][0].update(merkle_root="00" * 32))
    assert "merkle-root" in _rules(bundle, keydir)


def test_shard_of_another_version(bundle: Path, keydir: Path) -> None:
    man = _manifest(bundle)
    rel = man["regions"][0]["shard"]
    shard = json.loads((bundle / rel).read_bytes())
    shard["version"] = 999
    data = json.dumps(shard, ensure_ascii=False).encode()
    (bundle / rel).write_bytes(data)
    resign(bundle, keydir / "key", lambda m: m["files"].update({rel: sha256_hex(data)}))
    assert "shard-header" in _rules(bundle, keydir)


def test_page_with_another_key(bundle: Path, keydir: Path) -> None:
    other = base64.b64encode(load_public_key(keydir / "other.pub").public_bytes_raw()).decode()
    own = base64.b64encode(load_public_key(keydir / "key.pub").public_bytes_raw()).decode()
    page = (bundle / "index.html").read_bytes().replace(own.encode(), other.encode())
    (bundle / "index.html").write_bytes(page)
    resign(bundle, keydir / "key", lambda m: m["files"].update({"index.html": sha256_hex(page)}))
    # the offline copies still embed the original manifest, which no longer matches
    assert _rules(bundle, keydir) == {"page-key", "offline-manifest"}


@pytest.fixture
def http_bundle(bundle: Path) -> Iterator[str]:
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    srv = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(bundle)))
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}/"
    finally:
        srv.shutdown()
        srv.server_close()
        t.join()


def test_verify_a_mirror_by_url(http_bundle: str, bundle: Path, keydir: Path) -> None:
    assert verify_bundle(http_bundle, _pub(keydir))["stations"] == 60
    shard = bundle / _manifest(bundle)["regions"][2]["shard"]
    shard.write_bytes(shard.read_bytes()[:-1] + b" ")
    with pytest.raises(VerificationError) as e:
        verify_bundle(http_bundle, _pub(keydir))
    assert {p.rule for p in e.value.problems} == {"hash-mismatch"}


def test_verify_entry_from_the_api(bundle: Path, keydir: Path) -> None:
    from smartvote.web.app import BundleIndex

    idx = BundleIndex(bundle)
    sid = next(iter(idx.api))
    answer = json.loads(idx.api[sid].body)
    man, sig = (bundle / "manifest.json").read_bytes(), (bundle / "manifest.sig").read_bytes()
    entry = verify_entry(answer, man, sig, _pub(keydir))
    assert entry["station"] == sid
    forged = json.loads(json.dumps(answer))
    forged["entry"]["races"][0]["recommendation"]["endorsed"] = "Someone Else"
    with pytest.raises(VerificationError) as e:
        verify_entry(forged, man, sig, _pub(keydir))
    assert e.value.rule == "entry-proof"
    with pytest.raises(VerificationError):
        verify_entry(answer, man, sig, _pub(keydir, "other"))


# --------------------------------------------------------------------------- property


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    target=st.sampled_from(["manifest.json", "manifest.sig", "shard", "index.html", "offline"]),
    pos=st.floats(min_value=0, max_value=1, exclude_max=True),
    flip=st.integers(min_value=1, max_value=255),
)
@pytest.mark.slow
def test_random_corruption_never_verifies(
    bundle: Path, keydir: Path, target: str, pos: float, flip: int
) -> None:
    man = _manifest(bundle)
    rel = {"shard": man["regions"][0]["shard"], "offline": man["regions"][0]["offline"]}.get(
        target, target
    )
    p = bundle / rel
    original = p.read_bytes()
    data = bytearray(original)
    i = int(pos * len(data))
    data[i] ^= flip
    p.write_bytes(bytes(data))
    try:
        if bytes(data).strip() == original.strip():
            return  # only trailing whitespace of the signature changed: not a corruption
        with pytest.raises(VerificationError):
            verify_bundle(bundle, _pub(keydir))
    finally:
        p.write_bytes(original)
