"""The voter page on a slow phone network: time to the first recommendation, bytes moved.

Publishes the real St Petersburg stations file (2,055 stations, two races per ballot) with
synthetic recommendations, serves it with ``smartvote serve``'s app (uvicorn, gzip) on
127.0.0.1, and opens a shared link ``#station=Санкт-Петербург/1004`` in Debian's chromium
under a slow-3G profile (400 ms round trip, 400 kbit/s, the WebPageTest "3G Slow"
figures, applied at the server so that the service worker's requests are slowed too) and
4x CPU throttling: a first visit (fresh browser profile) and a repeat
visit (same profile, page reloaded: what the service worker keeps) and a third visit (the
worker's cache then also holds what the second visit fetched through it). Figures: time from
navigation to the first endorsed name on screen, and bytes over the network (compressed,
counted at the server, the service worker's own requests included).

Two clocks for the time to the first recommendation: the wall clock (``page.goto`` until
Playwright's ``wait_for_selector`` sees the name: includes Playwright's own polling, 0.15-0.4 s
under 4x CPU) and the page's own ``performance.mark("sv:first-recommendation")``, set when the
endorsed name is put into the DOM, at the start of the next frame (the one that draws it:
``requestAnimationFrame``), in ms since navigation start (``in-page``). A page without
that mark (an older baseline) is measured by an injected ``MutationObserver`` that marks the
same moment (``sv:bench-endorsed``, also at the next frame; recorded for this branch too,
to show the two agree). The wall clock is split into goto-to-navigation-start, in-page and detection.
After the first visit the benchmark waits until the page has saved what it verified
(``html[data-saved]``) and its service worker is active, as a voter's browser would be by the
next day.

Baseline in the same run: with ``--baseline-src DIR`` (a checkout of an earlier version's
``src``, e.g. ``git archive main src | tar -x -C /tmp/base``), the same data published by
that version's code and measured the same way.

    .venv/bin/python benchmarks/voter_page.py [--baseline-src /tmp/base/src] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SPB = ROOT / ".." / "shared" / "data" / "ru_spb_2021" / "spb2021_stations.csv"
CHROMIUM = "/usr/bin/chromium"
STATION = "Санкт-Петербург/1004"
NET = {"latency": 400, "downloadThroughput": 50_000}  # ms round trip, bytes/s

BUILD = r"""
import json, sys
from pathlib import Path
from smartvote.publish.bundle import build_bundle
from smartvote.publish.recommendations import check_recommendations
from smartvote.publish.samples import synthetic_recommendations
from smartvote.publish.sign import generate_keypair, load_private_key
from smartvote.publish.stations import group_stations, read_stations_rows
out, spb = Path(sys.argv[1]), Path(sys.argv[2])
generate_keypair(out.parent / "key")
rows = read_stations_rows(spb, "spb2021")
sts = group_stations(rows)
recs = synthetic_recommendations({r for s in sts for r in s.races}, rng_seed=11)
kw = {}
try:
    from smartvote.publish.stations import race_names
    kw["race_names"] = race_names(rows)
except ImportError:
    pass
build_bundle(check_recommendations(recs), sts, load_private_key(out.parent / "key"), out, **kw)
"""


# The product's app, wrapped to shape and count what it sends. Shaping is done here, at the
# server, because the browser's network emulation (CDP) applies to the page's requests only,
# not to the service worker's: each answer waits one round trip, then its bytes go out at
# the profile's rate, one response at a time (the link is shared). GET /__bytes reads the
# byte counter (headers and bodies), service worker requests included.
COUNTING_SERVER = """
import asyncio, sys, uvicorn
from smartvote.web.app import create_app
app, sent, link = create_app(sys.argv[1]), [0], asyncio.Lock()
RTT, RATE = {rtt}, {rate}
async def counting(scope, receive, send):
    if scope["type"] == "http" and scope["path"] == "/__bytes":
        await send({{"type": "http.response.start", "status": 200, "headers": []}})
        await send({{"type": "http.response.body", "body": str(sent[0]).encode()}})
        return
    async def wrapped(m):
        if m["type"] == "http.response.start":
            n = sum(len(k) + len(v) + 4 for k, v in m.get("headers", [])) + 17
            sent[0] += n
            await asyncio.sleep(RTT)
        elif m["type"] == "http.response.body":
            n = len(m.get("body", b""))
            sent[0] += n
            async with link:
                await asyncio.sleep(n / RATE)
        await send(m)
    await app(scope, receive, wrapped)
uvicorn.run(counting, host="127.0.0.1", port={port}, access_log=False, log_level="warning", lifespan="off")
"""


def sent_bytes(url: str) -> int:
    import urllib.request

    with urllib.request.urlopen(url + "__bytes", timeout=5) as r:
        return int(r.read())


def build(src: Path, out: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(src)}
    subprocess.run([sys.executable, "-c", BUILD, str(out), str(SPB)], check=True, env=env)


def serve(bundle: Path, src: Path) -> tuple[str, subprocess.Popen[bytes]]:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    rtt, rate = NET["latency"] / 1000, NET["downloadThroughput"]
    code = COUNTING_SERVER.format(port=port, rtt=rtt, rate=rate)
    env = {**os.environ, "PYTHONPATH": str(src)}
    p = subprocess.Popen([sys.executable, "-c", code, str(bundle)], env=env)
    import urllib.request

    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/manifest.json", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    return f"http://127.0.0.1:{port}/", p


# Marks the moment the first endorsed name enters the DOM, for pages without their own mark.
OBSERVE = """
new MutationObserver(function (m, ob) {
  if (document.querySelector(".endorsed")) {
    ob.disconnect();
    requestAnimationFrame(function () { performance.mark("sv:bench-endorsed"); });
  }
}).observe(document, { childList: true, subtree: true });
"""
READ_MARKS = """() => {
  const m = n => { const e = performance.getEntriesByName(n)[0]; return e ? e.startTime : null; };
  return [m("sv:first-recommendation"), m("sv:bench-endorsed"), performance.timeOrigin];
}"""

Visit = tuple[float, int, int, float | None, float | None, tuple[float, float, float]]


def visit(ctx: Any, url: str, settle: bool = False) -> Visit:
    """(seconds to the first endorsed name on the wall clock, bytes the server sent, page
    requests not answered by the service worker, the page's own mark and the observer's mark
    in ms since navigation start)."""
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")  # the network is shaped at the server (see COUNTING_SERVER)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
    sw: set[str] = set()
    sizes: dict[str, int] = {}
    lock = threading.Lock()

    def on_response(e: dict[str, Any]) -> None:
        if e["response"].get("fromServiceWorker"):
            with lock:
                sw.add(e["requestId"])

    def on_done(e: dict[str, Any]) -> None:
        with lock:
            sizes[e["requestId"]] = int(e["encodedDataLength"])

    cdp.on("Network.responseReceived", on_response)
    cdp.on("Network.loadingFinished", on_done)
    before = sent_bytes(url)
    t0, e0 = time.perf_counter(), time.time()
    page.goto(url + "#station=" + STATION, wait_until="commit")
    page.wait_for_selector(".endorsed", timeout=120_000)
    dt, e1 = time.perf_counter() - t0, time.time()
    page.wait_for_function("performance.getEntriesByName('sv:bench-endorsed').length > 0")
    page.evaluate("new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)))")
    own, observed, origin = page.evaluate(READ_MARKS)
    # the wall clock split: goto until navigation start (the browser), navigation start until
    # the name is in the DOM (the page), until Playwright saw it (the benchmark's detection)
    mark = own if own is not None else observed
    split = (origin - e0 * 1000, mark, e1 * 1000 - origin - mark)
    page.wait_for_timeout(3000)  # the worker's background refreshes, the release check finish
    if settle:
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        if own is not None:  # this page saves what it verified for the next visit
            page.wait_for_selector("html[data-saved]", state="attached", timeout=60_000)
    with lock:
        net = {k: v for k, v in sizes.items() if k not in sw}
    page.close()
    return dt, sent_bytes(url) - before, len(net), own, observed, split


def measure(name: str, bundle: Path, src: Path, runs: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    url, proc = serve(bundle, src)
    first, repeat, third = [], [], []
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
            for _ in range(runs):
                ctx = b.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
                ctx.add_init_script(OBSERVE)
                first.append(visit(ctx, url, settle=True))
                time.sleep(1.0)
                repeat.append(visit(ctx, url))
                third.append(visit(ctx, url))
                ctx.close()
            b.close()
    finally:
        proc.terminate()
        proc.wait(10)

    def summary(xs: list[Visit]) -> dict[str, Any]:
        own = [x[3] for x in xs if x[3] is not None]
        obs = [x[4] for x in xs if x[4] is not None]
        marks = own if len(own) == len(xs) else obs
        return {
            "seconds_median": round(statistics.median(x[0] for x in xs), 2),
            "seconds": [round(x[0], 2) for x in xs],
            "in_page_ms_median": round(statistics.median(marks)) if marks else None,
            "in_page_ms": [round(m) for m in marks],
            "in_page_source": "page mark" if marks is own else "observer",
            "observer_ms": [round(m) for m in obs],
            "wall_split_ms": [[round(v) for v in x[5]] for x in xs],
            "wall_split_ms_median": {
                k: round(statistics.median(x[5][i] for x in xs))
                for i, k in enumerate(("before_navigation", "in_page", "detection"))
            },
            "bytes_median": int(statistics.median(x[1] for x in xs)),
            "requests_median": int(statistics.median(x[2] for x in xs)),
        }

    return {
        "version": name,
        "first_visit": summary(first),
        "repeat_visit": summary(repeat),
        "third_visit": summary(third),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline-src", type=Path, help="src/ of an earlier version to compare")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    if not SPB.exists():
        sys.exit(f"needs {SPB}")
    results = []
    with tempfile.TemporaryDirectory() as d:
        versions = [("this branch", ROOT / "src")]
        if args.baseline_src:
            versions.insert(0, ("baseline", args.baseline_src.resolve()))
        for name, src in versions:
            out = Path(d) / name.replace(" ", "_") / "site"
            out.parent.mkdir()
            build(src, out)
            results.append(measure(name, out, src, args.runs))
    print(
        f"slow 3G ({NET['latency']} ms RTT, {NET['downloadThroughput'] * 8 // 1000} kbit/s), CPU 4x:"
    )
    print(
        "  (wall clock s / in-page ms to the first endorsed name, medians; bytes over the network)"
    )
    for r in results:
        f, rp, th = r["first_visit"], r["repeat_visit"], r["third_visit"]

        def fig(v: dict[str, Any]) -> str:
            ms = v["in_page_ms_median"]
            return f"{v['seconds_median']:5.2f} s / {'—' if ms is None else f'{ms:,} ms'}"

        print(
            f"  {r['version']:>12} ({f['in_page_source']}): first {fig(f)}, "
            f"{f['bytes_median']:>7,} B, {f['requests_median']} req | repeat {fig(rp)}, "
            f"{rp['bytes_median']:>6,} B, {rp['requests_median']} req | third {fig(th)}, "
            f"{th['bytes_median']:>6,} B"
        )
    print(
        "  wall clock split, ms (goto → navigation start | in the page | Playwright's detection):"
    )
    for r in results:
        parts = []
        for k in ("first_visit", "repeat_visit", "third_visit"):
            w = r[k]["wall_split_ms_median"]
            parts.append(
                f"{k.split('_')[0]} {w['before_navigation']} | {w['in_page']} | {w['detection']}"
            )
        print(f"  {r['version']:>12}: " + "; ".join(parts))
    print(json.dumps(results, ensure_ascii=False))


if __name__ == "__main__":
    main()
