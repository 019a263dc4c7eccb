"""The rendering layer: escaping and self-containment."""

from __future__ import annotations

import re
from pathlib import Path

from smartvote.report import render as R
from smartvote.report.forensics import Download


def test_escapes_data_text() -> None:
    evil = '<script>alert("x")</script>&'
    out = (
        R.environment()
        .from_string(
            '{% from "report/macros.html" import table, key_figures, download %}'
            "{{ table(['a'], [[evil]]) }}<p>{{ evil }}</p>{{ key_figures([(evil, evil)]) }}"
            "{{ download(d) }}"
        )
        .render(evil=evil, d=Download(R.data_uri(b"x", "text/csv"), evil, evil))
    )
    assert "<script>" not in out
    assert "&lt;script&gt;" in out
    page = R.render("report/base.html", lang="en", title=evil)
    assert "<title>&lt;script&gt;" in page
    assert "Content-Security-Policy" in page and "default-src" in page


def test_formatting() -> None:
    assert R.fmt_num(1234567.8) == "1,234,568"
    assert R.fmt_num(None) == "–"
    assert R.fmt_pct(0.5123) == "51.2%"
    assert R.fmt_pct(float("nan")) == "–"


def test_raw_html_only_from_our_own_assets() -> None:
    """inline_asset refuses text that would close its element (the one way to raw HTML)."""
    assert str(R.inline_asset("a{color:red}", "style")) == "a{color:red}"
    import pytest

    with pytest.raises(RuntimeError):
        R.inline_asset("x</ScRipt><script>alert(1)", "script")


def _metas(page: str) -> list[dict[str, str | None]]:
    """The attributes of every ``<meta>`` in the page's head."""
    from html.parser import HTMLParser

    head = page[: page.index("</head>")]
    found: list[dict[str, str | None]] = []

    class P(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag == "meta":
                found.append(dict(attrs))

    P().feed(head)
    return found


def test_assessment_report_has_the_reports_security_head(sim_dir: Path) -> None:
    """The assessment report, like the forensics report, forbids every request (CSP) and
    fits a phone's width (viewport); and it needs no request: its images are ``data:``."""
    from smartvote.assess import assess, load
    from smartvote.assess.report import render

    d = sim_dir
    a = assess(
        load([d / "sim-2026-smd.csv", d / "sim-2026.csv"], d / "sim-2026-endorsements.csv"),
        n_boot=50,
    )
    page = render(a)
    metas = _metas(page)
    csp = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    assert {"http-equiv": "Content-Security-Policy", "content": csp} in metas
    assert {"name": "viewport", "content": "width=device-width, initial-scale=1"} in metas
    assert metas == _metas(R.render("report/base.html", lang="en", title="x"))
    assert '<html lang="en">' in page
    srcs = re.findall(r"""\ssrc=["']?([^"' >]*)""", page)
    assert srcs and all(s.startswith("data:image/png;base64,") for s in srcs)
    assert "<script" not in page and "<link" not in page
