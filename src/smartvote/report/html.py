"""Small, generic helpers for self-contained HTML reports.

Everything a report needs travels inside the one file: figures as base64 PNG (or inline
SVG), downloads as ``data:`` URIs, CSS inline. No external requests, no scripts. Every
piece of text that comes from data passes through :func:`esc` (``html.escape``); helpers
that take text escape it themselves, helpers that take markup say so (``*_html``).
"""

from __future__ import annotations

import base64
import html as _html
import io
from collections.abc import Iterable, Sequence
from typing import Any

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1100px;margin:0 auto;
padding:1rem 1.2rem 4rem;color:#1b1b1b;line-height:1.45}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:2px solid #ddd;padding-bottom:.2rem}
h3{margin-top:1.4rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
th{background:#f4f4f4}
figure{margin:1rem 0}figure img{max-width:100%;height:auto}figcaption{font-size:.9rem;color:#444}
.lead{font-size:1.1rem}.note{color:#555;font-size:.9rem}.warn{background:#fff6dd;border-left:4px solid #e0a800;padding:.5rem .8rem}
.key{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:.8rem;margin:1rem 0}
.key div{background:#f6f8fa;border-radius:6px;padding:.6rem .8rem}.key b{display:block;font-size:1.4rem}
details{margin:.6rem 0}summary{cursor:pointer;font-weight:600}
"""


def esc(x: Any) -> str:
    """Escape any value for HTML text or attribute context."""
    return _html.escape("" if x is None else str(x), quote=True)


def tag(name: str, inner_html: str = "", **attrs: Any) -> str:
    """``<name attrs>inner</name>``; attribute values are escaped, ``inner_html`` is not."""
    a = "".join(
        f' {esc(k.rstrip("_").replace("_", "-"))}="{esc(v)}"'
        for k, v in attrs.items()
        if v is not None
    )
    return f"<{name}{a}>{inner_html}</{name}>"


def p(text: str, cls: str | None = None) -> str:
    return tag("p", esc(text), class_=cls)


def p_html(inner_html: str, cls: str | None = None) -> str:
    return tag("p", inner_html, class_=cls)


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
    if x is None:
        return "–"
    f = float(x)
    return "–" if f != f else f"{100 * f:.{digits}f}%"


def table(
    columns: Sequence[str], rows: Iterable[Sequence[Any]], numeric: Sequence[bool] | None = None
) -> str:
    """A table of escaped cells; ``numeric[i]`` right-aligns column i."""
    num = list(numeric) if numeric is not None else [False] * len(columns)
    head = "".join(
        tag("th", esc(c), class_="num" if n else None) for c, n in zip(columns, num, strict=True)
    )
    body = []
    for r in rows:
        body.append(
            tag(
                "tr",
                "".join(
                    tag("td", esc(v), class_="num" if n else None)
                    for v, n in zip(r, num, strict=True)
                ),
            )
        )
    return tag("table", tag("thead", tag("tr", head)) + tag("tbody", "".join(body)))


def key_figures(items: Iterable[tuple[str, str]]) -> str:
    """A grid of (label, value) boxes, both escaped."""
    return tag(
        "div", "".join(tag("div", tag("b", esc(v)) + esc(k)) for k, v in items), class_="key"
    )


def png_data_uri(fig: Any, dpi: int = 110) -> str:
    """A matplotlib figure as a ``data:image/png;base64`` URI (the figure is closed)."""
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def figure(fig: Any, caption: str, alt: str | None = None) -> str:
    """``<figure>`` with the embedded PNG and an escaped caption."""
    img = f'<img src="{png_data_uri(fig)}" alt="{esc(alt or caption)}">'
    return tag("figure", img + tag("figcaption", esc(caption)))


def download(data: bytes, filename: str, mime: str, label: str) -> str:
    """A link that downloads ``data`` from a ``data:`` URI (no server needed)."""
    uri = f"data:{mime};base64," + base64.b64encode(data).decode("ascii")
    return f'<a download="{esc(filename)}" href="{esc(uri)}">{esc(label)}</a>'


def section(title: str, inner_html: str, id_: str | None = None) -> str:
    return tag("section", tag("h2", esc(title)) + inner_html, id=id_)


def details(summary: str, inner_html: str) -> str:
    return tag("details", tag("summary", esc(summary)) + inner_html)


def page(title: str, body_html: str, lang: str = "en", css: str = CSS) -> str:
    """A complete HTML document with inline CSS and a restrictive CSP (no requests)."""
    csp = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
    return (
        "<!doctype html>\n"
        f'<html lang="{esc(lang)}"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(csp)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{css}</style></head>"
        f"<body>{body_html}</body></html>\n"
    )
