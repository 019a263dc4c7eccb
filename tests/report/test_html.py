"""The rendering layer: escaping and self-containment."""

from __future__ import annotations

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
