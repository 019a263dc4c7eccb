"""Generic HTML helpers: escaping and self-containment."""

from __future__ import annotations

from smartvote.report import html as H


def test_escapes_data_text() -> None:
    evil = '<script>alert("x")</script>&'
    out = (
        H.table(["a"], [[evil]])
        + H.p(evil)
        + H.key_figures([(evil, evil)])
        + H.download(b"x", evil, "text/csv", evil)
    )
    assert "<script>" not in out
    assert "&lt;script&gt;" in out
    page = H.page(evil, out)
    assert "<title>&lt;script&gt;" in page
    assert "Content-Security-Policy" in page and "default-src" in page


def test_formatting() -> None:
    assert H.fmt_num(1234567.8) == "1,234,568"
    assert H.fmt_num(None) == "–"
    assert H.fmt_pct(0.5123) == "51.2%"
    assert H.fmt_pct(float("nan")) == "–"
