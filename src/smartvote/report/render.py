"""The one rendering layer: Jinja2 templates with autoescape, shipped as package data.

Every HTML page smartvote writes comes from here: the forensics report and the assessment
report (``report/templates``), the voter page, its offline copies and the print leaflets
(``publish/site``). Templates are named with their folder: ``report/forensics.html``,
``site/page.html``. Autoescape is on for every template, so a value from data is escaped
wherever it lands (text or attribute); the one escape is Jinja's (MarkupSafe).

Renderers receive computed results and compute nothing: each page has a small view-model
step (``report/forensics.py``, ``assess/report.py``, ``publish/bundle.py``,
``publish/leaflet.py``) that turns results into strings, rows and figures, and a template
that lays them out. Raw HTML enters a page only as :class:`markupsafe.Markup` made here of
content smartvote generated itself (an embedded figure, the site's own script and style),
never of data: see :func:`inline_asset`.
"""

from __future__ import annotations

import base64
import functools
import io
from typing import Any

from jinja2 import Environment, PackageLoader, PrefixLoader, StrictUndefined
from markupsafe import Markup

__all__ = [
    "Markup",
    "data_uri",
    "environment",
    "fmt_num",
    "fmt_pct",
    "inline_asset",
    "png_data_uri",
    "render",
]


def fmt_num(x: Any, digits: int = 0) -> str:
    """Numbers with thin grouping; None/NaN as an en dash."""
    if x is None:
        return "–"
    try:
        f = float(x)
    except (TypeError, ValueError):
        return str(x)
    if f != f:
        return "–"
    return f"{f:,.{digits}f}"


def fmt_pct(x: Any, digits: int = 1) -> str:
    """A fraction as a percentage; None/NaN as an en dash."""
    if x is None:
        return "–"
    f = float(x)
    return "–" if f != f else f"{100 * f:.{digits}f}%"


def data_uri(data: bytes, mime: str) -> str:
    """``data:MIME;base64,...``: downloads and images that travel inside the page."""
    return f"data:{mime};base64," + base64.b64encode(data).decode("ascii")


def png_data_uri(fig: Any, dpi: int = 110) -> str:
    """The one figure embedder: a matplotlib figure as a PNG ``data:`` URI (figure closed)."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return data_uri(buf.getvalue(), "image/png")


def inline_asset(text: str, element: str) -> Markup:
    """One of smartvote's own site assets (script or style) to inline verbatim.

    Reviewed raw HTML: the text is a file shipped in the package, never data; it is
    refused when it could close its element early.
    """
    if f"</{element}" in text.lower():
        raise RuntimeError("site assets cannot be inlined")
    return Markup(text)


def _finalize(x: Any) -> Any:
    return "" if x is None else x


@functools.cache
def environment() -> Environment:
    """The shared Jinja2 environment (built on first use: importing this module is cheap)."""
    env = Environment(
        loader=PrefixLoader(
            {
                "report": PackageLoader("smartvote.report", "templates"),
                "site": PackageLoader("smartvote.publish", "site"),
            }
        ),
        autoescape=True,
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_finalize,
    )
    env.filters["num"] = fmt_num
    env.filters["pct"] = fmt_pct
    return env


def render(template: str, /, **context: Any) -> str:
    """Render ``template`` (``report/...`` or ``site/...``) with ``context``."""
    return environment().get_template(template).render(**context)
