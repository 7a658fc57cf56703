"""Printable documents: an HTML template rendered to PDF (WeasyPrint), QR codes as inline SVG
(segno).

Nothing is fetched while printing: the templates name no external URL, the fonts are the
system's (Debian ``fonts-noto-cjk``; CSS ``font-family: "Noto Sans CJK SC"``), and a QR code is
SVG text inside the page, with no file left behind. WeasyPrint's fetcher is told to refuse
anything but ``data:`` URLs (and files under ``base_url`` when the caller passes one), so a stray
``http://`` in a template fails loudly in tests instead of waiting on the network in production.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import segno
from django.template.loader import render_to_string

PDF_CONTENT_TYPE = "application/pdf"
CJK_FONT = '"Noto Sans CJK SC", "Noto Sans CJK", sans-serif'


class ExternalFetchRefused(ValueError):
    """A printed template asked for a URL outside ``data:`` and its ``base_url``."""


def qr_svg(data: str, *, error: str = "m", border: int = 2) -> str:
    """The QR code of ``data`` as an inline ``<svg>`` element (no XML declaration, no size: the
    page's CSS sizes it), drawn in black on white."""
    qr = segno.make(data, error=error, micro=False)
    out = io.BytesIO()
    qr.save(
        out,
        kind="svg",
        xmldecl=False,
        svgns=True,
        nl=False,
        omitsize=True,
        border=border,
        dark="#000",
        light="#fff",
        svgclass="qr",
        lineclass=None,
    )
    return out.getvalue().decode("ascii")


def qr_matrix(data: str, *, error: str = "m") -> tuple[tuple[int, ...], ...]:
    """The modules of ``data``'s QR code (1 dark, 0 light), as ``qr_svg`` draws them."""
    qr = segno.make(data, error=error, micro=False)
    return tuple(tuple(1 if m else 0 for m in row) for row in qr.matrix)


def _fetcher(base_url: str | None) -> Any:
    """A fetcher that takes ``data:`` URLs, and files under ``base_url`` when given; anything
    else stops the rendering (no network while printing)."""
    from weasyprint.urls import URLFetcher

    class LocalOnly(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            if not (url.startswith("data:") or (base_url and url.startswith(base_url))):
                raise ExternalFetchRefused(url)
            return super().fetch(url, headers)

    return LocalOnly(allowed_protocols={"data", "file"}, fail_on_errors=True)


@dataclass
class Printed:
    """A rendered document: the PDF's bytes, its page count, and each page's text in reading
    order (from the layout WeasyPrint wrote, for tests and checks)."""

    pdf: bytes
    pages: int
    text: list[str]


def _page_text(box: Any, out: list[str]) -> None:
    text = getattr(box, "text", None)
    if isinstance(text, str):
        out.append(text)
    for child in getattr(box, "children", ()):
        _page_text(child, out)


def html_to_pdf(html: str, *, base_url: str | None = None, with_text: bool = False) -> Printed:
    """Render ``html`` to PDF. ``with_text`` also collects each page's text (costs a walk of the
    layout; tests use it)."""
    from weasyprint import HTML

    document = HTML(string=html, base_url=base_url, url_fetcher=_fetcher(base_url)).render()
    texts: list[str] = []
    if with_text:
        for page in document.pages:
            parts: list[str] = []
            _page_text(page._page_box, parts)
            texts.append("".join(parts))
    pdf = document.write_pdf()
    return Printed(pdf=pdf, pages=len(document.pages), text=texts)


def render_pdf(
    template: str,
    context: dict[str, Any],
    *,
    base_url: str | None = None,
    with_text: bool = False,
) -> Printed:
    """Render a Django template to HTML, then to PDF."""
    html = render_to_string(template, {"cjk_font": CJK_FONT, **context})
    return html_to_pdf(html, base_url=base_url, with_text=with_text)
