"""Key continuity: a new key announced by the old one, checked by verify and the CLI."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smartvote.cli import app
from smartvote.errors import VerificationError
from smartvote.publish.canonical import canonical_bytes
from smartvote.publish.continuity import check_key_change, verify_continuing
from smartvote.publish.keywords import key_words
from smartvote.publish.sign import load_private_key, public_raw
from smartvote.publish.verify import load_public_key, verify_bundle

from .conftest import BundleFactory, resign

runner = CliRunner()


def test_new_key_announced_by_the_old_one(make_bundle: BundleFactory, keydir: Path) -> None:
    # the campaign moves from key "key" to key "other"; "key" signs the announcement
    b = make_bundle("new", key="other", announce_with=load_private_key(keydir / "key"))
    old_raw = public_raw(load_private_key(keydir / "key"))
    new_raw = public_raw(load_private_key(keydir / "other"))
    man = json.loads((b / "manifest.json").read_bytes())
    assert man["key_words"] == key_words(new_raw)
    change = check_key_change(man, new_raw)
    assert change is not None
    assert change["old_words"] == key_words(old_raw) and change["new_words"] == key_words(new_raw)
    # a mirror that pinned the old key accepts the bundle, and is told the key changed
    res = verify_continuing(b, load_public_key(keydir / "key.pub"))
    assert res["ok"] and res["key_changed"] is True
    assert res["key_words"] == key_words(new_raw)
    # with the new key it verifies directly, still saying which key announced it
    res = verify_continuing(b, load_public_key(keydir / "other.pub"))
    assert res["key_changed"] is False and res["key_change"]["old_words"] == key_words(old_raw)


def test_forger_cannot_claim_an_announcement(
    make_bundle: BundleFactory, keydir: Path, tmp_path: Path
) -> None:
    # an attacker signs with their own key and copies a statement naming another key
    b = make_bundle("fake", key="other", announce_with=load_private_key(keydir / "key"))
    man = json.loads((b / "manifest.json").read_bytes())
    st = man["key_change"]["statement"]
    forged = dict(st, new_key=base64.b64encode(b"\x01" * 32).decode())
    man["key_change"]["statement"] = forged
    (b / "manifest.json").write_bytes(canonical_bytes(man))
    resign(b, keydir / "other")
    with pytest.raises(VerificationError) as e:
        verify_continuing(b, load_public_key(keydir / "key.pub"))
    assert {p.rule for p in e.value.problems} & {"bad-signature", "key-change"}
    with pytest.raises(VerificationError) as e:
        verify_continuing(b, load_public_key(keydir / "other.pub"))
    assert [p.rule for p in e.value.problems] == ["key-change"]


def test_unannounced_key_is_still_a_bad_signature(make_bundle: BundleFactory, keydir: Path) -> None:
    b = make_bundle("other", key="other")
    with pytest.raises(VerificationError) as e:
        verify_continuing(b, load_public_key(keydir / "key.pub"))
    assert [p.rule for p in e.value.problems] == ["bad-signature"]
    assert verify_bundle(b, load_public_key(keydir / "other.pub"))["ok"]


def test_cli_says_new_key(inputs: tuple[Path, Path], keydir: Path, tmp_path: Path) -> None:
    recs, stations = inputs
    b = tmp_path / "b"
    r = runner.invoke(
        app,
        ["publish", "--recommendations", str(recs), "--stations", str(stations),
         "--key", str(keydir / "other"), "--announce-with", str(keydir / "key"),
         "--channel", "Telegram https://t.me/example", "--mirror", "https://mirror.example/sv/",
         "--valid-until", "2026-09-19", "--out", str(b), "--json"],
    )  # fmt: skip
    assert r.exit_code == 0, r.stdout
    man = json.loads((b / "manifest.json").read_bytes())
    assert man["channels"] == [{"name": "Telegram", "url": "https://t.me/example"}]
    assert man["mirrors"] == ["https://mirror.example/sv/"] and man["valid_until"] == "2026-09-19"
    r = runner.invoke(app, ["verify", str(b), "--public-key", str(keydir / "key.pub")])
    assert r.exit_code == 0, r.stdout
    assert "NEW KEY" in r.stdout
    words = key_words(public_raw(load_private_key(keydir / "other")))
    assert words in " ".join(r.stdout.split())
    r = runner.invoke(app, ["verify", str(b), "--public-key", str(keydir / "key.pub"), "--json"])
    assert json.loads(r.stdout)["key_changed"] is True
