"""Printing (core.printing): HTML to PDF with the system's CJK font, QR codes inline, and no
network while printing."""

from __future__ import annotations

import contextlib
import re
import zlib

import pytest

from gridgov.core.printing import CJK_FONT, html_to_pdf, qr_matrix, qr_png_uri, qr_svg


def page(body: str) -> str:
    return f"<html><style>body {{ font-family: {CJK_FONT}; }}</style><body>{body}</body></html>"


def test_chinese_text_prints_and_reads_back():
    printed = html_to_pdf(
        page("<p>党员联户连心卡</p><p style='page-break-before: always'>二</p>"), with_text=True
    )
    assert printed.pdf.startswith(b"%PDF-")
    assert printed.pages == 2
    assert printed.text == ["党员联户连心卡", "二"]


def _pdf_objects(pdf: bytes) -> bytes:
    """The PDF's bytes with every Flate stream inflated (WeasyPrint packs its dictionaries into
    compressed object streams)."""
    parts = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        with contextlib.suppress(zlib.error):
            parts.append(zlib.decompress(match[1]))
    return b"\n".join(parts)


def test_the_cjk_font_is_embedded():
    """The Noto CJK font is embedded as a subset with its ToUnicode map, not substituted."""
    objects = _pdf_objects(html_to_pdf(page("<p>连心卡</p>")).pdf)
    fonts = re.findall(rb"/BaseFont\s*/([A-Z]{6})\+(\S+?)[\s/>]", objects)
    assert any(name.startswith(b"Noto-Sans-CJK-SC") for _subset, name in fonts), fonts
    assert re.search(rb"/FontFile[23]?\s", objects)  # the font program is in the file
    assert b"/ToUnicode" in objects  # its text can be searched and copied


@pytest.mark.parametrize(
    "tag",
    [
        '<img src="http://example.org/x.png">',
        '<link rel="stylesheet" href="https://example.org/x.css">',
        '<img src="file:///etc/hostname">',
    ],
)
def test_nothing_outside_data_urls_is_fetched(tag):
    with pytest.raises(BaseException) as refused:
        html_to_pdf(page(tag + "x"))
    assert "Error fetching" in str(refused.value)


def test_a_data_url_image_prints():
    printed = html_to_pdf(page(f'<img src="{qr_png_uri("https://gov.example.cn/c/x/")}">x'))
    assert printed.pages == 1


def test_qr_codes_are_strings_and_the_mask_can_be_fixed():
    url = "https://gov.example.cn/c/abc:def/"
    assert qr_svg(url).startswith("<svg")
    assert qr_png_uri(url, mask=2).startswith("data:image/png;base64,")
    assert qr_matrix(url, mask=2) != qr_matrix(url, mask=5)
    assert len(qr_matrix(url)) == len(qr_matrix(url, mask=2))
