"""The app of ``smartvote serve``: headers, API answers, no cookies, no logging.

Requests go through Starlette's ``TestClient`` (ASGI, in process) and a recorder of what
the app sends under RSGI (granian's interface), which must agree.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from smartvote.errors import InputError
from smartvote.publish.bundle import build_bundle
from smartvote.publish.recommendations import check_recommendations
from smartvote.publish.samples import synthetic_recommendations, synthetic_station_rows
from smartvote.publish.sign import generate_keypair, load_private_key
from smartvote.publish.stations import group_stations
from smartvote.publish.verify import load_public_key, verify_entry
from smartvote.web.app import create_app


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("web")
    generate_keypair(d / "key")
    rows = synthetic_station_rows(40, n_regions=2, rng_seed=3, hostile=True)
    recs = check_recommendations(synthetic_recommendations({r["race"] for r in rows}, rng_seed=3))
    build_bundle(recs, group_stations(rows), load_private_key(d / "key"), d / "bundle", version=42)
    return d


@pytest.fixture(scope="module")
def client(served: Path) -> TestClient:
    return TestClient(create_app(served / "bundle"))


def _station_url(sid: str) -> str:
    return "/api/v1/stations/" + urllib.parse.quote(sid)


def test_security_headers_everywhere(client: TestClient) -> None:
    for path in (
        "/",
        "/index.html",
        "/app.js",
        "/manifest.json",
        _station_url("Регион 01/1"),
        "/nope",
    ):
        r = client.get(path)
        csp = r.headers["content-security-policy"]
        assert (
            "script-src 'self'" in csp
            and "unsafe-inline" not in csp
            and "frame-ancestors 'none'" in csp
        )
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert "set-cookie" not in r.headers
        assert "server" not in r.headers


def test_files_match_the_bundle(client: TestClient, served: Path) -> None:
    for rel in ("index.html", "app.js", "style.css", "manifest.json", "manifest.sig"):
        r = client.get("/" + rel)
        assert r.status_code == 200 and r.content == (served / "bundle" / rel).read_bytes()
    assert client.get("/").content == (served / "bundle" / "index.html").read_bytes()
    assert client.get("/app.js").headers["content-type"].startswith("text/javascript")


def test_offline_copies_download_instead_of_running_on_the_origin(
    client: TestClient, served: Path
) -> None:
    man = json.loads((served / "bundle" / "manifest.json").read_bytes())
    r = client.get("/" + man["regions"][0]["offline"])
    assert r.status_code == 200 and r.headers["content-disposition"].startswith("attachment")


def test_api_answer_verifies_against_the_signed_manifest(client: TestClient, served: Path) -> None:
    r = client.get(_station_url("Регион 02/3") + "?utm=tracking")
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "*"
    answer = r.json()
    assert answer["entry"]["station"] == "Регион 02/3" and answer["manifest"]["version"] == 42
    man, sig = client.get("/manifest.json").content, client.get("/manifest.sig").content
    entry = verify_entry(answer, man, sig, load_public_key(served / "key.pub"))
    assert entry["races"][0]["recommendation"]["endorsed"]


def test_api_unknown_station_and_other_methods(client: TestClient) -> None:
    r = client.get(_station_url("Регион 09/999"))
    assert r.status_code == 404 and r.json() == {"error": "unknown station"}
    assert client.post("/api/v1/stations/x").status_code in (404, 405)


def test_gzip_head_and_etag(client: TestClient, served: Path) -> None:
    man = json.loads((served / "bundle" / "manifest.json").read_bytes())
    path = "/" + man["regions"][0]["shard"]
    raw = (served / "bundle" / man["regions"][0]["shard"]).read_bytes()
    r = client.get(path, headers={"accept-encoding": "gzip"})
    assert r.headers["content-encoding"] == "gzip" and r.content == raw  # httpx decodes
    r2 = client.get(path, headers={"accept-encoding": "identity"})
    assert "content-encoding" not in r2.headers and r2.content == raw
    assert int(r2.headers["content-length"]) == len(raw)
    assert gzip.decompress(gzip.compress(raw)) == raw
    h = client.head(path)
    assert h.status_code == 200 and h.content == b""
    r3 = client.get(path, headers={"if-none-match": r2.headers["etag"]})
    assert r3.status_code == 304 and r3.content == b""


def test_openapi_documents_the_station_api(client: TestClient) -> None:
    doc = client.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/stations/{id}" in doc["paths"]
    assert doc["info"]["x-bundle-version"] == 42


def test_missing_bundle_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        create_app(tmp_path)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_served_logs_no_query_strings(served: Path, server: str) -> None:
    port = _free_port()
    exe = Path(sys.executable).with_name("smartvote")
    proc = subprocess.Popen(
        [str(exe), "serve", str(served / "bundle"), "--port", str(port), "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "COLUMNS": "200", "SMARTVOTE_SERVER": server},
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(600):  # startup verifies the bundle; slow on a loaded machine
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        q = url + _station_url("Регион 01/2") + "?voter=SECRET-QUERY"
        with urllib.request.urlopen(q, timeout=30) as r:
            assert r.status == 200 and r.headers.get("set-cookie") is None
            assert r.headers["x-content-type-options"] == "nosniff"
            assert json.loads(r.read())["entry"]["number"] == "2"
        if server == "uvicorn":  # granian always sends `server: granian` (documented)
            with urllib.request.urlopen(url + "/manifest.sig", timeout=30) as r:
                assert r.headers.get("server") is None
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=90)
    text = out.decode("utf-8", "replace")
    assert "SECRET-QUERY" not in text and "Регион 01/2" not in text and "GET /" not in text


class _Proto:
    """Records what an RSGI app sends (granian's HTTP protocol object)."""

    def __init__(self) -> None:
        self.sent: list[tuple[int, list[tuple[str, str]], bytes]] = []

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.sent.append((status, headers, body))

    def response_empty(self, status: int, headers: list[tuple[str, str]]) -> None:
        self.sent.append((status, headers, b""))


class _Scope:
    def __init__(self, method: str, path: str, headers: dict[str, str] | None = None) -> None:
        self.proto, self.method, self.path = "http", method, path
        self.headers = headers or {}
        self.query_string = "voter=SECRET"


def _rsgi(app: Any, method: str, path: str, headers: dict[str, str] | None = None) -> Any:
    proto = _Proto()
    asyncio.run(app.__rsgi__(_Scope(method, path, headers), proto))
    assert len(proto.sent) == 1
    status, hdrs, body = proto.sent[0]
    return status, dict(hdrs), body


def test_rsgi_answers_equal_asgi_answers(client: TestClient, served: Path) -> None:
    app = client.app
    man = json.loads((served / "bundle" / "manifest.json").read_bytes())
    shard = "/" + man["regions"][0]["shard"]
    for path in ("/", "/app.js", "/manifest.sig", shard, "/api/v1/openapi.json", "/healthz",
                 "/api/v1/stations/Регион 02/3", "/api/v1/stations/Регион 09/999", "/nope"):  # fmt: skip
        status, hdrs, body = _rsgi(app, "GET", path)
        r = client.get(urllib.parse.quote(path), headers={"accept-encoding": "identity"})
        assert (status, body) == (r.status_code, r.content)
        assert hdrs == dict(r.headers.items())
        assert hdrs["referrer-policy"] == "no-referrer" and "set-cookie" not in hdrs
    status, hdrs, body = _rsgi(app, "GET", shard, {"accept-encoding": "gzip, br"})
    assert (
        hdrs["content-encoding"] == "gzip"
        and gzip.decompress(body) == (served / "bundle" / shard[1:]).read_bytes()
    )
    status, hdrs, body = _rsgi(app, "GET", shard, {"if-none-match": hdrs["etag"]})
    assert status == 304 and body == b"" and "content-security-policy" in hdrs
    status, hdrs, body = _rsgi(app, "HEAD", shard)
    assert status == 200 and body == b"" and int(hdrs["content-length"]) > 0
    status, hdrs, body = _rsgi(app, "POST", "/api/v1/stations/x")
    assert status == 405 and hdrs["allow"] == "GET, HEAD" and json.loads(body)
    assert _rsgi(app, "DELETE", "/elsewhere")[0] == 404


def test_answers_built_lazily_equal_answers_built_at_once(served: Path) -> None:
    from smartvote.web.app import BundleIndex

    lazy, eager = BundleIndex(served / "bundle"), BundleIndex(served / "bundle")
    eager.api.build_all()
    assert len(eager.api.ready) == len(lazy.api) == lazy.stations == 40
    assert not lazy.api.ready and "Регион 01/2" in lazy.api and "x" not in lazy.api
    for sid in reversed(list(lazy.api)):
        assert lazy.api[sid].body == eager.api[sid].body
        assert lazy.api[sid].r_headers == eager.api[sid].r_headers
    with pytest.raises(KeyError):
        lazy.api["Регион 09/999"]


def test_unknown_server_choice_is_an_input_error(served: Path) -> None:
    from smartvote.web.app import serve_bundle

    with pytest.raises(InputError):
        serve_bundle(served / "bundle", server="apache")


@pytest.mark.slow
def test_uvicorn_closes_idle_and_partial_header_connections(served: Path) -> None:
    """Slowloris: a connection that sends nothing, or half its headers, is closed."""
    port = _free_port()
    exe = Path(sys.executable).with_name("smartvote")
    proc = subprocess.Popen(
        [str(exe), "serve", str(served / "bundle"), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "SMARTVOTE_SERVER": "uvicorn", "SMARTVOTE_HEADER_TIMEOUT": "1"},
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        for first in (b"", b"GET / HTTP/1.1\r\nHost: x\r\n"):
            with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
                c.sendall(first)
                t = time.monotonic()
                assert c.recv(100) == b""  # closed by the server, without an answer
                assert time.monotonic() - t < 8
        # a normal request still works
        with urllib.request.urlopen(url + "/healthz", timeout=5) as r:
            assert r.status == 200
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)


def test_shards_are_content_addressed_and_cached_for_good(served: Path, client: TestClient) -> None:
    """A release never mixes with stale shards behind a CDN: names change with content."""
    import hashlib

    man = json.loads((served / "bundle" / "manifest.json").read_bytes())
    for region in man["regions"]:
        rel = region["shard"]
        body = (served / "bundle" / rel).read_bytes()
        assert rel.endswith("." + hashlib.sha256(body).hexdigest()[:16] + ".json")
        r = client.get("/" + rel)
        assert r.status_code == 200 and "immutable" in r.headers["cache-control"]
    assert client.get("/manifest.json").headers["cache-control"] == "no-cache"
    # another release (new recommendations) gets new shard names
    d = served / "again"
    rows = synthetic_station_rows(40, n_regions=2, rng_seed=3, hostile=True)
    recs = check_recommendations(synthetic_recommendations({r["race"] for r in rows}, rng_seed=4))
    build_bundle(recs, group_stations(rows), load_private_key(served / "key"), d, version=43)
    again = json.loads((d / "manifest.json").read_bytes())
    assert not {r["shard"] for r in again["regions"]} & {r["shard"] for r in man["regions"]}


def test_static_openapi_document_matches_the_routes(client: TestClient, served: Path) -> None:
    """openapi.json (package data) describes what the app serves, and nothing else.

    Each documented path answers (its templated parameter filled with a real station or
    query), with the documented status and JSON whose top-level keys are the schema's;
    every API route the app answers is documented; every ``$ref`` resolves.
    """
    from smartvote.web.api import openapi_schema

    doc = client.get("/api/v1/openapi.json").json()
    static = openapi_schema()
    assert {k: v for k, v in doc["info"].items() if not k.startswith("x-")} == static["info"]
    assert {k: v for k, v in doc.items() if k != "info"} == {
        k: v for k, v in static.items() if k != "info"
    }
    man = json.loads((served / "bundle" / "manifest.json").read_bytes())
    fill = {"{id}": urllib.parse.quote("Регион 02/3"), "{query}": "3"}
    schemas = doc["components"]["schemas"]
    for template, ops in doc["paths"].items():
        path = template
        for k, v in fill.items():
            path = path.replace(k, v)
        assert "{" not in path, template
        assert set(ops) == {"get"}, template
        r = client.get(path)
        assert str(r.status_code) in ops["get"]["responses"], (template, r.status_code)
        assert r.status_code == 200, template
        schema = ops["get"]["responses"]["200"].get("content", {}).get("application/json")
        if schema is not None:
            target = schemas[schema["schema"]["$ref"].rsplit("/", 1)[-1]]
            body = r.json()
            assert set(target.get("required", [])) <= set(body), template
            assert set(body) <= set(target["properties"]) | {"error"}, template
    # the API routes the app answers are all documented
    answered = {"/api/v1/stations/{id}", "/api/v1/find/{query}", "/manifest.json", "/manifest.sig"}
    assert answered <= set(doc["paths"])
    assert client.get("/api/v1/nothing-else").status_code == 404
    assert man["version"] == doc["info"]["x-bundle-version"] == 42
    # every reference points at a schema that exists
    refs = re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(doc))
    assert refs and set(refs) <= set(schemas)


def _raw(port: int, data: bytes) -> bytes:
    """What the server sends back to ``data`` before it closes the connection."""
    out = b""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
        with contextlib.suppress(OSError):  # the server may answer and close before reading all
            c.sendall(data)
        try:
            while chunk := c.recv(65536):
                out += chunk
        except OSError:  # a timeout, or a reset after the answer
            pass
    return out


def _head_fields(raw: bytes) -> tuple[int, dict[str, str]]:
    lines = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    fields = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in fields.items()}


MALFORMED = b"GARBAGE\x01 / HTTP/9\r\n\r\n"
BIG_HEADER = b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 500_000 + b"\r\n\r\n"
MANY_HEADERS = b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-N: 1\r\n" * 120 + b"\r\n"


@pytest.mark.slow
@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_requests_the_server_refuses_before_the_app(served: Path, server: str) -> None:
    """What each server answers itself, without our app (issue 14, docs/3-publish.md).

    granian (hyper) answers a malformed request line 400 and headers over its buffer
    (``max_buffer_size``) or over 100 fields 431, with an empty body and none of our
    headers: no granian option reaches those answers, so a deployment that must carry the
    headers on every byte puts a reverse proxy in front. uvicorn's 400 goes through
    ``GuardedHttpTools`` and carries them; uvicorn has no header size limit (the header
    deadline bounds what a client can send).
    """
    port = _free_port()
    exe = Path(sys.executable).with_name("smartvote")
    proc = subprocess.Popen(
        [str(exe), "serve", str(served / "bundle"), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "SMARTVOTE_SERVER": server},
    )
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        status, fields = _head_fields(_raw(port, MALFORMED))
        assert status == 400
        if server == "granian":
            assert "content-security-policy" not in fields and fields["content-length"] == "0"
            for request in (BIG_HEADER, MANY_HEADERS):
                # hyper checks its buffer as bytes arrive: on a loaded machine a large
                # header read in pieces may pass, and then the app answers with its headers
                status, fields = _head_fields(_raw(port, request))
                if status == 431:
                    assert fields["content-length"] == "0"
                    assert "x-content-type-options" not in fields
                else:
                    assert status == 200 and fields["x-content-type-options"] == "nosniff"
        else:
            assert fields["content-security-policy"].startswith("default-src 'none'")
            assert fields["x-content-type-options"] == "nosniff"
            assert fields["content-type"].startswith("text/plain")
            status, fields = _head_fields(_raw(port, BIG_HEADER))
            assert status == 200 and fields["x-frame-options"] == "DENY"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
