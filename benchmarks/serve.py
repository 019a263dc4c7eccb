"""Election-day load on `smartvote serve`, against nginx serving the same entries as files.

Builds a synthetic signed bundle of 100,000 stations, reports its size (total and per
region, gzip), serves it with ``smartvote serve --workers 2`` and with Debian's nginx on
127.0.0.1, and drives each with wrk (bounded connections, bounded time) for two requests:
a shard fetch (a random region's ``data/*.json``) and an API lookup (a random station's
``/api/v1/stations/{id}``; nginx serves the same answer bytes from one file per station).

    .venv/bin/python benchmarks/serve.py [--duration 60] [--connections 64] [--stations 100000]

With ``--baseline-src OLD/src`` it also times building every station answer of the same
bundle (what ``smartvote serve`` does before it listens: ``BundleIndex`` and
``build_all()``) in this tree and in ``OLD/src``, alternating, each in a fresh process,
and checks that both trees build the same answer bytes (bodies and headers). With
``--startup-only`` it times the start of ``smartvote serve`` on the bundle (until it
answers) and stops there, without the load runs (no wrk or nginx needed).

Needs ``wrk`` and ``nginx`` (``apt-get install wrk nginx``); without them it reports sizes
and says what it skipped. Everything runs on 127.0.0.1 and is torn down at the end.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

from smartvote.publish.bundle import build_bundle
from smartvote.publish.recommendations import check_recommendations
from smartvote.publish.samples import synthetic_recommendations, synthetic_station_rows
from smartvote.publish.sign import generate_keypair, load_private_key
from smartvote.publish.stations import group_stations
from smartvote.web.app import BundleIndex

NGINX_CONF = """
worker_processes {workers};
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {tmp}/nginx-body;
    proxy_temp_path {tmp}/nginx-proxy;
    fastcgi_temp_path {tmp}/nginx-fastcgi;
    uwsgi_temp_path {tmp}/nginx-uwsgi;
    scgi_temp_path {tmp}/nginx-scgi;
    types {{ application/json json; text/html html; }}
    default_type application/json;
    gzip_static on;
    server {{
        listen 127.0.0.1:{port};
        location /api/ {{ root {api_root}; }}
        location / {{ root {bundle}; }}
    }}
}}
"""

WRK_LUA = """
local paths = {{}}
for line in io.lines("{paths}") do paths[#paths + 1] = line end
math.randomseed({seed})
local headers = {{{headers}}}
request = function()
  return wrk.format("GET", paths[math.random(#paths)], headers)
end
"""


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, timeout: float = 120) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            urllib.request.urlopen(url, timeout=2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up in {timeout} s")


def _wrk(
    url: str,
    paths_file: Path,
    tmp: Path,
    duration: int,
    connections: int,
    threads: int,
    gzip_ok: bool = False,
) -> dict[str, Any]:
    lua = tmp / f"wrk-{paths_file.stem}-{int(gzip_ok)}.lua"
    headers = '["Accept-Encoding"] = "gzip"' if gzip_ok else ""
    lua.write_text(WRK_LUA.format(paths=paths_file, seed=1, headers=headers))
    cmd = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "5s",
        "--latency",
        "-s",
        str(lua),
        url,
    ]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60, check=True)
    out = r.stdout

    def ms(label: str) -> float:
        m = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return float("nan")
        v, unit = float(m.group(1)), m.group(2)
        return v / 1000 if unit == "us" else v * 1000 if unit == "s" else v

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    errors = (int(non2xx.group(1)) if non2xx else 0) + (
        sum(int(x) for x in sock.groups()) if sock else 0
    )
    return {"rps": rps, "p50_ms": ms("50"), "p99_ms": ms("99"), "requests": total, "errors": errors}


#: Run in a fresh process with PYTHONPATH set to a tree's src: build every station answer of
#: the bundle as ``smartvote serve`` does at startup; print one JSON line (seconds, hash).
STARTUP_CHILD = """
import hashlib, json, sys, time
from pathlib import Path
t0, c0 = time.perf_counter(), time.process_time()
import smartvote
from smartvote.web.app import BundleIndex
t1 = time.perf_counter()
index = BundleIndex(Path(sys.argv[1]))
t2, c2 = time.perf_counter(), time.process_time()
index.api.build_all()
t3, c3 = time.perf_counter(), time.process_time()
h = hashlib.sha256()
for sid in sorted(index.api):
    a = index.api[sid]
    h.update(repr((sid, a.status, a.headers, a.r_headers)).encode())
    h.update(a.body)
print(json.dumps({"import_s": t1 - t0, "index_s": t2 - t1, "answers_s": t3 - t2,
                  "answers_cpu_s": c3 - c2, "total_s": t3 - t0, "answers": len(index.api),
                  "sha256": h.hexdigest(), "source": smartvote.__file__}))
"""


def startup(bundle: Path, baseline_src: Path, rounds: int) -> dict[str, Any]:
    """Median seconds to build every station answer in this tree and in ``baseline_src``,
    alternating (``rounds`` each), and whether both build the same bytes."""
    here = Path(__file__).resolve().parents[1] / "src"
    runs: dict[str, list[dict[str, Any]]] = {"new": [], "old": []}
    for _ in range(rounds):
        for name, src in (("old", baseline_src), ("new", here)):
            env = {**os.environ, "PYTHONPATH": str(src)}
            r = subprocess.run([sys.executable, "-c", STARTUP_CHILD, str(bundle)], env=env,
                               capture_output=True, text=True, check=True)  # fmt: skip
            run = json.loads(r.stdout.splitlines()[-1])
            assert Path(run["source"]).is_relative_to(src), (run["source"], src)
            runs[name].append(run)
    out: dict[str, Any] = {"rounds": rounds, "load_average": os.getloadavg()}
    for name, rs in runs.items():
        for k in ("index_s", "answers_s", "answers_cpu_s", "total_s"):
            out[f"{name}_{k}"] = round(statistics.median(r[k] for r in rs), 3)
        out[f"{name}_sha256"] = {r["sha256"] for r in rs}
    out["same_bytes"] = out["new_sha256"] == out["old_sha256"] and len(out["new_sha256"]) == 1
    out["answers"] = runs["new"][0]["answers"]
    out["answers_ratio_new_over_old"] = round(out["new_answers_s"] / out["old_answers_s"], 3)
    out["answers_cpu_ratio_new_over_old"] = round(
        out["new_answers_cpu_s"] / out["old_answers_cpu_s"], 3
    )
    out["new_sha256"] = out["old_sha256"] = None  # sets are not JSON; same_bytes says it
    return out


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--stations", type=int, default=100_000)
    ap.add_argument("--regions", type=int, default=85)
    ap.add_argument("--duration", type=int, default=60, help="seconds per load run (4 runs)")
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2, help="wrk threads")
    ap.add_argument("--workers", type=int, default=2, help="server worker processes (both servers)")
    ap.add_argument("--server", choices=["auto", "granian", "uvicorn"], default="auto",
                    help="smartvote's HTTP server ($SMARTVOTE_SERVER)")  # fmt: skip
    ap.add_argument("--json", type=Path, help="also write the figures to this file")
    ap.add_argument("--baseline-src", type=Path,
                    help="another tree's src/: also time building the station answers there")  # fmt: skip
    ap.add_argument("--rounds", type=int, default=3, help="startup timings per tree (median)")
    ap.add_argument("--startup-only", action="store_true", help="no load runs (no wrk, nginx)")
    args = ap.parse_args()
    t_start = time.monotonic()
    tmp = Path(tempfile.mkdtemp(prefix="smartvote-bench-"))
    tmp.chmod(0o755)  # nginx workers run as an unprivileged user when started by root
    procs: list[subprocess.Popen[bytes]] = []
    res: dict[str, Any] = {"stations": args.stations, "regions": args.regions, "duration_s": args.duration,
                           "connections": args.connections, "workers": args.workers}  # fmt: skip
    try:
        # ---- build
        generate_keypair(tmp / "key")
        rows = synthetic_station_rows(
            args.stations, n_regions=args.regions, rng_seed=1, races_per_region=5
        )
        recs = check_recommendations(
            synthetic_recommendations({r["race"] for r in rows}, rng_seed=1)
        )
        t0 = time.perf_counter()
        bundle = tmp / "bundle"
        pub = build_bundle(recs, group_stations(rows), load_private_key(tmp / "key"), bundle)
        res["publish_s"] = round(time.perf_counter() - t0, 2)
        man = json.loads((bundle / "manifest.json").read_bytes())

        def gz(p: Path) -> int:
            return len(gzip.compress(p.read_bytes(), 9))

        files = [bundle / f for f in man["files"]] + [
            bundle / "manifest.json",
            bundle / "manifest.sig",
        ]
        shard_gz = [gz(bundle / r["shard"]) for r in man["regions"]]
        res["bundle_bytes"] = sum(p.stat().st_size for p in files)
        res["bundle_gzip_bytes"] = sum(gz(p) for p in files)
        res["shards_gzip_bytes"] = sum(shard_gz)
        res["shard_gzip_median_bytes"] = int(statistics.median(shard_gz))
        res["shard_gzip_max_bytes"] = max(shard_gz)
        res["shard_max_bytes"] = pub.largest_shard_bytes
        res["offline_gzip_max_bytes"] = max(gz(bundle / r["offline"]) for r in man["regions"])
        print(
            f"bundle: {args.stations:,} stations, {args.regions} regions, published in {res['publish_s']} s"
        )
        print(f"  total {res['bundle_bytes'] / 1e6:.1f} MB, gzip {res['bundle_gzip_bytes'] / 1e6:.2f} MB "
              f"(data shards {res['shards_gzip_bytes'] / 1e6:.2f} MB gzip)")  # fmt: skip
        print(f"  per region shard gzip: median {res['shard_gzip_median_bytes'] / 1e3:.1f} kB, "
              f"max {res['shard_gzip_max_bytes'] / 1e3:.1f} kB; largest shard raw {res['shard_max_bytes'] / 1e3:.0f} kB; "
              f"largest offline page gzip {res['offline_gzip_max_bytes'] / 1e3:.0f} kB")  # fmt: skip

        if args.baseline_src is not None:
            st = startup(bundle, args.baseline_src.resolve(), args.rounds)
            res["startup"] = st
            print(f"station answers at startup ({st['answers']:,}; median of {st['rounds']}, "
                  f"alternating; load {st['load_average'][0]:.1f}): this tree "
                  f"{st['new_answers_s']:.2f} s ({st['new_answers_cpu_s']:.2f} s CPU), "
                  f"{args.baseline_src} {st['old_answers_s']:.2f} s "
                  f"({st['old_answers_cpu_s']:.2f} s CPU): ratio {st['answers_ratio_new_over_old']:.2f}x "
                  f"wall, {st['answers_cpu_ratio_new_over_old']:.2f}x CPU; "
                  f"index (files, gzip) {st['new_index_s']:.2f} s vs {st['old_index_s']:.2f} s; "
                  f"same bytes: {st['same_bytes']}")  # fmt: skip
        if args.startup_only:
            # the whole start of `smartvote serve` (verify, build every answer, fork the
            # workers) until it answers, as in the load runs below
            port = _port()
            exe = Path(sys.executable).with_name("smartvote")
            env = {**os.environ, "SMARTVOTE_SERVER": args.server}
            t0 = time.perf_counter()
            procs.append(subprocess.Popen([str(exe), "serve", str(bundle), "--port", str(port), "--workers", str(args.workers)],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env))  # fmt: skip
            _wait(f"http://127.0.0.1:{port}/healthz")
            res["serve_startup_s"] = round(time.perf_counter() - t0, 1)
            print(f"smartvote serve --workers {args.workers} ({args.server}): answering after "
                  f"{res['serve_startup_s']} s (load {os.getloadavg()[0]:.1f})")  # fmt: skip
            if args.json:
                args.json.write_text(json.dumps(res, indent=2))
            return 0
        missing = [
            t
            for t in ("wrk", "nginx")
            if shutil.which(t) is None and not Path(f"/usr/sbin/{t}").exists()
        ]
        if "wrk" in missing:
            print("wrk not installed (apt-get install wrk): load runs skipped")
            return 0

        # ---- request lists (the same for both servers)
        index = BundleIndex(bundle)
        ids = list(index.api)
        rng = random.Random(1)
        sample = rng.sample(ids, min(20_000, len(ids)))
        api_paths = tmp / "api-paths.txt"
        api_paths.write_text(
            "".join("/api/v1/stations/" + urllib.parse.quote(s) + "\n" for s in sample)
        )
        shard_paths = tmp / "shard-paths.txt"
        shard_paths.write_text("".join("/" + r["shard"] + "\n" for r in man["regions"]))

        # ---- smartvote serve
        port = _port()
        exe = Path(sys.executable).with_name("smartvote")
        t0 = time.perf_counter()
        env = {**os.environ, "SMARTVOTE_SERVER": args.server}
        procs.append(subprocess.Popen([str(exe), "serve", str(bundle), "--port", str(port), "--workers", str(args.workers)],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env))  # fmt: skip
        res["server"] = args.server
        _wait(f"http://127.0.0.1:{port}/healthz")
        res["serve_startup_s"] = round(time.perf_counter() - t0, 1)
        # granian (the default) forks its workers after building every answer, so all are
        # ready together; under uvicorn each worker builds a region on its first request
        time.sleep(2.0)
        servers = {"smartvote": f"http://127.0.0.1:{port}"}

        # ---- nginx with the same entries as static files
        if "nginx" not in missing:
            api_root = tmp / "nginx-api"
            for sid, item in index.api.items():
                p = api_root / "api" / "v1" / "stations" / sid
                p.parent.mkdir(parents=True, exist_ok=True)
                p.write_bytes(item.body)
            for r in man["regions"]:  # gzip_static: the same precompressed shards we serve
                gz_body = index.files["/" + r["shard"]].gz_body
                assert gz_body is not None
                (bundle / (r["shard"] + ".gz")).write_bytes(gz_body)
            nport = _port()
            conf = tmp / "nginx.conf"
            conf.write_text(
                NGINX_CONF.format(
                    workers=args.workers, tmp=tmp, port=nport, api_root=api_root, bundle=bundle
                )
            )
            nginx = shutil.which("nginx") or "/usr/sbin/nginx"
            procs.append(subprocess.Popen([nginx, "-c", str(conf), "-g", "daemon off;"],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))  # fmt: skip
            _wait(f"http://127.0.0.1:{nport}/manifest.json")
            check = urllib.request.urlopen(
                f"http://127.0.0.1:{nport}{sample[0] and '/api/v1/stations/' + urllib.parse.quote(sample[0])}"
            ).read()
            assert check == index.api[sample[0]].body
            servers["nginx"] = f"http://127.0.0.1:{nport}"
        else:
            print("nginx not installed (apt-get install nginx): baseline skipped")
        del index

        # ---- load
        kinds = (("shard", shard_paths, False), ("shard_gzip", shard_paths, True),
                 ("api", api_paths, False))  # fmt: skip
        for name, url in servers.items():
            for kind, paths, gz_ok in kinds:
                _wrk(url, paths, tmp, 3, args.connections, args.threads, gz_ok)  # warm-up
                r = _wrk(url, paths, tmp, args.duration, args.connections, args.threads, gz_ok)
                res[f"{name}_{kind}"] = r
                print(f"{name:9s} {kind:10s}: {r['rps']:10,.0f} req/s  p50 {r['p50_ms']:6.2f} ms  "
                      f"p99 {r['p99_ms']:6.2f} ms  errors {r['errors']}  ({r['requests']:,} requests)")  # fmt: skip
        if "nginx" in servers:
            for kind, _, _ in kinds:
                ratio = res[f"smartvote_{kind}"]["rps"] / res[f"nginx_{kind}"]["rps"]
                res[f"ratio_{kind}"] = round(ratio, 3)
                print(f"smartvote / nginx, {kind}: {ratio:.0%} of nginx's rate")
        res["total_s"] = round(time.monotonic() - t_start, 1)
        print(f"done in {res['total_s']} s")
        if args.json:
            args.json.write_text(json.dumps(res, indent=2))
        return 0
    finally:
        for p in procs:
            p.send_signal(signal.SIGINT if p is procs[0] else signal.SIGQUIT)
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    raise SystemExit(main())
