"""Hostile bundles, mirrors and key files for ``verify``, ``serve``, ``keygen``, ``publish``."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from .conftest import run

Damage = Callable[[Path, Path], None]  # (bundle, tmp dir)


def _symlink_etc(b: Path, tmp: Path) -> None:
    (b / "etc").symlink_to("/etc")


def _fifo(b: Path, tmp: Path) -> None:
    os.mkfifo(b / "pipe")


def _empty_dir(b: Path, tmp: Path) -> None:
    (b / "data" / "empty").mkdir(parents=True)


def _shard(b: Path) -> Path:
    man = json.loads((b / "manifest.json").read_bytes())
    return b / man["regions"][0]["shard"]


def _shard_symlinked_out(b: Path, tmp: Path) -> None:
    s = _shard(b)
    outside = tmp / "outside.json"
    shutil.copy(s, outside)
    s.unlink()
    s.symlink_to(outside)


def _huge_manifest(b: Path, tmp: Path) -> None:
    with (b / "manifest.json").open("r+b") as fh:  # sparse: 3 GB that take no disk
        fh.truncate(3 << 30)


def _shard_not_json(b: Path, tmp: Path) -> None:
    _shard(b).write_bytes(b"\x00not json")


def _manifest_missing_fields(b: Path, tmp: Path) -> None:
    man = json.loads((b / "manifest.json").read_bytes())
    del man["regions"]
    (b / "manifest.json").write_text(json.dumps(man))


def _page_swapped(b: Path, tmp: Path) -> None:
    page = (b / "index.html").read_text(encoding="utf-8")
    (b / "index.html").write_text(page.replace("</body>", "<p>vote for X</p></body>"))


BAD_BUNDLES: dict[str, tuple[Damage, str]] = {
    "symlink-to-etc": (_symlink_etc, "[not-regular]"),
    "fifo": (_fifo, "[not-regular]"),
    "empty-folder": (_empty_dir, "[not-regular]"),
    "shard-symlinked-outside": (_shard_symlinked_out, "symbolic link"),
    "manifest-3gb": (_huge_manifest, "[file-too-large]"),
    "shard-not-json": (_shard_not_json, "[hash-mismatch]"),
    "manifest-missing-fields": (_manifest_missing_fields, "[bad-signature]"),
    "page-tampered": (_page_swapped, "[hash-mismatch]"),
}


@pytest.mark.parametrize("name", sorted(BAD_BUNDLES))
def test_verify_refuses(name: str, bundle: Path, keys: Path, tmp_path: Path) -> None:
    damage, message = BAD_BUNDLES[name]
    assert run(["verify", str(bundle), "--public-key", str(keys / "key.pub")]).code == 0
    damage(bundle, tmp_path)
    r = run(["verify", str(bundle), "--public-key", str(keys / "key.pub")])
    assert r.code == 2 and message in r.text, r.text


@pytest.mark.parametrize("name", sorted(BAD_BUNDLES))
def test_serve_refuses_without_a_key(
    name: str, bundle: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``serve`` checks the bundle against its own page's key before it listens."""
    import smartvote.web.app as web

    def never(*a: Any, **k: Any) -> None:
        raise AssertionError("a damaged bundle was served")

    monkeypatch.setattr(web, "serve_bundle", never)
    BAD_BUNDLES[name][0](bundle, tmp_path)
    r = run(["serve", str(bundle)])
    assert r.code == 2 and "error:" in r.text, r.text


@pytest.mark.parametrize(
    "args,message",
    [
        (["--port", "99999"], "--port"),
        (["--port", "0"], "--port"),
        (["--workers", "0"], "--workers"),
        (["--workers", "-3"], "--workers"),
    ],
)
def test_serve_options(bundle: Path, args: list[str], message: str) -> None:
    r = run(["serve", str(bundle), *args])
    assert r.code == 2 and message in r.text, r.text


def test_serve_missing_bundle(tmp_path: Path) -> None:
    r = run(["serve", str(tmp_path / "nope")])
    assert r.code == 2 and "error:" in r.text


@contextmanager
def _mirror(root: Path, handler: type[SimpleHTTPRequestHandler]) -> Iterator[str]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(root)))
    srv.daemon_threads = True
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}/"
    finally:
        srv.shutdown()
        srv.server_close()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *a: Any) -> None:
        pass


class _EvilRoot(_Quiet):
    """Serves the genuine files, but another page at ``/``."""

    def do_GET(self) -> None:
        if self.path == "/":
            body = b"<html><body>vote for the regime</body></html>"
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()


class _Trickle(_Quiet):
    """Sends the manifest one byte at a time, slowly."""

    def do_GET(self) -> None:
        if self.path != "/manifest.json":
            super().do_GET()
            return
        self.send_response(200)
        self.send_header("content-length", "100000")
        self.end_headers()
        try:
            for _ in range(100000):
                self.wfile.write(b" ")
                self.wfile.flush()
                time.sleep(0.5)
        except OSError:
            pass


@pytest.mark.slow
def test_verify_url_checks_the_landing_page(bundle: Path, keys: Path) -> None:
    with _mirror(bundle, _Quiet) as url:
        assert run(["verify", url, "--public-key", str(keys / "key.pub")]).code == 0
    with _mirror(bundle, _EvilRoot) as url:
        r = run(["verify", url, "--public-key", str(keys / "key.pub")])
    assert r.code == 2 and "[entry-point]" in r.text, r.text


@pytest.mark.slow
def test_verify_url_has_a_deadline(bundle: Path, keys: Path) -> None:
    t = time.monotonic()
    with _mirror(bundle, _Trickle) as url:
        r = run(["verify", url, "--public-key", str(keys / "key.pub"), "--deadline", "2"])
    assert r.code == 2 and "[deadline]" in r.text, r.text
    assert time.monotonic() - t < 30


@pytest.mark.parametrize("value", ["nan", "inf", "-5", "0"])
def test_verify_deadline_must_be_sane(bundle: Path, keys: Path, value: str) -> None:
    r = run(["verify", str(bundle), "--public-key", str(keys / "key.pub"), "--deadline", value])
    assert r.code == 2 and "--deadline" in r.text


def test_keygen_does_not_follow_a_planted_tmp_symlink(tmp_path: Path) -> None:
    target = tmp_path / "victim"
    target.write_text("precious")
    (tmp_path / "k.tmp").symlink_to(target)
    r = run(["keygen", "--out", str(tmp_path / "k")])
    assert r.code == 0, r.text
    assert target.read_text() == "precious"
    assert (tmp_path / "k").stat().st_mode & 0o777 == 0o600
    assert not (tmp_path / "k").is_symlink()


@pytest.mark.parametrize("what", ["existing", "dangling-symlink", "missing-folder"])
def test_keygen_refuses(tmp_path: Path, what: str) -> None:
    out = tmp_path / "k"
    if what == "existing":
        out.write_text("old key")
    elif what == "dangling-symlink":
        out.symlink_to(tmp_path / "elsewhere")
    else:
        out = tmp_path / "nope" / "k"
    r = run(["keygen", "--out", str(out)])
    assert r.code == 2 and "error:" in r.text
    assert not (tmp_path / "elsewhere").exists()


def test_publish_deeply_nested_json(
    recs_and_stations: tuple[Path, Path], keys: Path, tmp_path: Path
) -> None:
    recs, stations = recs_and_stations
    recs.write_text("[" * 100_000 + "]" * 100_000)
    r = run(
        ["publish", "--recommendations", str(recs), "--stations", str(stations),
         "--key", str(keys / "key"), "--out", str(tmp_path / "out")]
    )  # fmt: skip
    assert r.code == 2 and "error:" in r.text, r.text
    assert not (tmp_path / "out").exists()
