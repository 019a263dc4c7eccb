"""Before/after check of the rendering layer: render every kind of page, compare the DOMs.

A refactor of the rendering (issue 15 moved it to Jinja2) must not change what a reader
sees. This script renders the forensics report, the assessment report and two signed
bundles (voter page, offline copies, print leaflets) from the same inputs with whichever
``smartvote`` is importable, then compares two such folders file by file::

    python benchmarks/render_compare.py inputs /tmp/rc/in          # once (pickled results)
    PYTHONPATH=/path/to/old/src python benchmarks/render_compare.py render /tmp/rc/in /tmp/rc/before
    python benchmarks/render_compare.py render /tmp/rc/in /tmp/rc/after
    python benchmarks/render_compare.py compare /tmp/rc/before /tmp/rc/after

Inputs: a simulated election with stuffing whose region names are hostile (markup, quotes,
TeX, a spreadsheet formula), the federal 2021 file and Moscow 2021 (when ../shared/data is
present), St Petersburg's stations for a bundle. ``compare`` reports per file "bytes
identical", "DOM identical" (same tags, attributes and text once whitespace runs are
collapsed and whitespace a browser does not render, next to block elements, is dropped) or
the first difference; in a bundle the manifest is compared with the HTML pages' hashes
blanked and an offline page with its embedded manifest decoded the same way. Exit 1 on a
difference.
"""

from __future__ import annotations

import base64
import csv
import json
import pickle
import re
import subprocess
import sys
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

SHARED = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
EVIL = {
    "Регион 01": "$\\frac$ <script>alert('x')</script>",
    "Регион 02": "=HYPERLINK(\"http://evil.example\") & 'q'",
}
BLOCK = set(
    "html head body meta title style link script section h1 h2 h3 h4 p table thead tbody tr "
    "th td figure figcaption div ul ol li details summary footer header main form noscript "
    "label input select button".split()
)


def _rename(src: Path, out: Path) -> Path:
    with src.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    for r in rows[1:]:
        r[0] = EVIL.get(r[0], r[0])
    with out.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return out


def inputs(d: Path) -> None:
    """Compute the results once and pickle them, so both renderers see the same objects."""
    from smartvote.assess import assess, load
    from smartvote.forensics.suite import Options, run_file
    from smartvote.publish.sign import generate_keypair

    d.mkdir(parents=True, exist_ok=True)
    sim = d / "sim"
    if not sim.exists():
        cmd = ["smartvote", "simulate", "--out", str(sim), "--stuffing-share", "0.1", "--seed", "3"]
        subprocess.run(cmd, check=True)
    main = _rename(sim / "sim-2026.csv", d / "evil-2026.csv")
    smd = _rename(sim / "sim-2026-smd.csv", d / "evil-2026-smd.csv")
    opts = Options(monte_carlo=0, rng_seed=0)
    res: dict[str, Any] = {"fsim": run_file(main, election="evil <b>&'\"", options=opts)}
    res["asim"] = assess(load([smd, main], sim / "sim-2026-endorsements.csv"), n_boot=200)
    if SHARED.is_dir():
        from smartvote.convert import convert_all

        fed = SHARED / "ru_federal_precincts"
        res["freal"] = run_file(fed / "2021.csv.zip", options=opts)
        conv = d / "conv"
        convert_all(SHARED, conv)
        inp = load(
            [conv / "moscow-duma-2021-smd.csv", fed / "2021.csv.zip"],
            conv / "sv-2021-endorsements.csv",
            [conv / "moscow-duma-2016-smd.csv", fed / "2016.csv.zip"],
        )
        res["areal"] = assess(inp, n_boot=200)
    for k, v in res.items():
        (d / f"{k}.pkl").write_bytes(pickle.dumps(v))
    if not (d / "key").exists():
        generate_keypair(d / "key")
        generate_keypair(d / "old")


def render(d: Path, out: Path) -> None:
    """Every page from the pickled inputs, with the smartvote on ``sys.path``."""
    from smartvote.assess.report import render as assess_html
    from smartvote.publish.bundle import build_bundle
    from smartvote.publish.recommendations import check_recommendations
    from smartvote.publish.samples import synthetic_recommendations, synthetic_station_rows
    from smartvote.publish.sign import load_private_key
    from smartvote.publish.stations import group_stations, race_names, read_stations_rows
    from smartvote.report.forensics import build_report

    out.mkdir(parents=True, exist_ok=True)
    for p in sorted(d.glob("*.pkl")):
        obj = pickle.loads(p.read_bytes())
        if p.stem.startswith("f"):
            (out / f"{p.stem}.html").write_text(build_report(obj), encoding="utf-8")
        else:
            (out / f"{p.stem}.html").write_text(assess_html(obj), encoding="utf-8")
            html = assess_html(obj, title="Simulated <campaign> & 'demo'")
            (out / f"{p.stem}-titled.html").write_text(html, encoding="utf-8")
    key, old = load_private_key(d / "key"), load_private_key(d / "old")
    kw: dict[str, Any] = {
        "now": datetime(2026, 9, 1, 12, 0, tzinfo=UTC),
        "version": 1000,
        "channels": [{"name": "Канал <x> & 'y'", "url": "https://t.me/sv?a=1&b=2"}],
        "mirrors": ["https://m1.example/a?b=1&c=2"],
        "valid_until": "2026-09-20",
        "site_url": "https://sv.example/?q=1&r=2",
    }
    rows = synthetic_station_rows(60, n_regions=3, rng_seed=7, races_per_region=3, hostile=True)
    recs = synthetic_recommendations({r["race"] for r in rows}, rng_seed=7, hostile=True)
    build_bundle(
        check_recommendations(recs),
        group_stations(rows),
        key,
        out / "bsyn",
        announce_with=old,
        **kw,
    )
    spb = SHARED / "ru_spb_2021" / "spb2021_stations.csv"
    if spb.exists():
        srows = read_stations_rows(spb, "spb2021")
        sts = group_stations(srows)
        srecs = synthetic_recommendations({r for s in sts for r in s.races}, rng_seed=11)
        for r in srecs:
            r.pop("race_name")
        names = race_names(srows)
        build_bundle(check_recommendations(srecs), sts, key, out / "bspb", race_names=names, **kw)


class _Events(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ev: list[tuple[Any, ...]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ev.append(("start", tag, tuple(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.ev.append(("start", tag, tuple(attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.ev.append(("end", tag))

    def handle_data(self, data: str) -> None:
        if self.ev and self.ev[-1][0] == "text":
            self.ev[-1] = ("text", self.ev[-1][1] + data)
        else:
            self.ev.append(("text", data))

    def handle_decl(self, decl: str) -> None:
        self.ev.append(("decl", decl.lower()))


def dom(text: str) -> list[tuple[Any, ...]]:
    """Tags with attributes and text, whitespace a browser does not render dropped."""
    p = _Events()
    p.feed(text)
    p.close()
    ev, out = p.ev, []
    for k, e in enumerate(ev):
        if e[0] != "text":
            out.append(e)
            continue
        t = re.sub(r"\s+", " ", e[1])
        if t == " ":
            near = [ev[j] for j in (k - 1, k + 1) if 0 <= j < len(ev)]
            if any(x[0] == "decl" or (x[0] in ("start", "end") and x[1] in BLOCK) for x in near):
                continue
        out.append(("text", t))
    return out


def _manifest(doc: dict[str, Any]) -> dict[str, Any]:
    files = {k: "<html>" if k.endswith(".html") else v for k, v in doc["files"].items()}
    return {**doc, "files": files}


def _offline_meta(text: str) -> str:
    def man(m: re.Match[str]) -> str:
        doc = _manifest(json.loads(base64.b64decode(m.group(1))))
        return (
            'name="smartvote-manifest" content="'
            + base64.b64encode(json.dumps(doc, sort_keys=True).encode()).decode()
            + '"'
        )

    text = re.sub(r'name="smartvote-manifest" content="([^"]*)"', man, text)
    return re.sub(r'name="smartvote-signature" content="[^"]*"', "", text)


def compare_file(a: Path, b: Path) -> str:
    x, y = a.read_bytes(), b.read_bytes()
    if x == y:
        return "bytes identical"
    if a.name == "manifest.json":
        same = _manifest(json.loads(x)) == _manifest(json.loads(y))
        return "same but the HTML pages' hashes" if same else "DIFFERENT manifest"
    if a.name == "manifest.sig":
        return "differs (it signs the manifest)"
    if a.suffix != ".html":
        return "DIFFERENT bytes"
    ta, tb = _offline_meta(x.decode()), _offline_meta(y.decode())
    ea, eb = dom(ta), dom(tb)
    if ea == eb:
        return f"DOM identical (bytes differ: {len(x)} vs {len(y)})"
    for i, (u, v) in enumerate(zip(ea, eb, strict=False)):
        if u != v:
            return f"DIFFERENT at node {i}: {str(u)[:200]} | {str(v)[:200]}"
    return f"DIFFERENT: {len(ea)} vs {len(eb)} nodes"


def compare(a: Path, b: Path) -> int:
    bad = 0
    for f in sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file()):
        r = compare_file(a / f, b / f) if (b / f).exists() else "MISSING after"
        bad += r.startswith(("DIFFERENT", "MISSING"))
        print(f"{f}: {r}")
    extra = sorted(
        p.relative_to(b)
        for p in b.rglob("*")
        if p.is_file() and not (a / p.relative_to(b)).exists()
    )
    for f in extra:
        print(f"{f}: only after")
    print(f"{'no difference a reader can see' if not bad else f'{bad} file(s) differ'}")
    return 1 if bad or extra else 0


if __name__ == "__main__":
    cmd, *args = sys.argv[1:]
    if cmd == "inputs":
        inputs(Path(args[0]))
    elif cmd == "render":
        render(Path(args[0]), Path(args[1]))
    else:
        sys.exit(compare(Path(args[0]), Path(args[1])))
