"""Printing (core.printing): HTML to PDF with the system's CJK font, QR codes inline, and no
network while printing."""

from __future__ import annotations

import shutil
import subprocess

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


def test_the_cjk_font_is_embedded(tmp_path):
    """The Noto CJK font is embedded (a subset), not substituted (read by poppler's pdffonts
    where installed)."""
    pdffonts = shutil.which("pdffonts")
    if pdffonts is None:
        pytest.skip("pdffonts (poppler-utils) is not installed")
    path = tmp_path / "x.pdf"
    path.write_bytes(html_to_pdf(page("<p>连心卡</p>")).pdf)
    fonts = subprocess.run([pdffonts, path], capture_output=True, text=True, check=True).stdout
    assert "Noto-Sans-CJK-SC" in fonts
    row = next(line for line in fonts.splitlines() if "Noto-Sans-CJK-SC" in line)
    assert row.split()[-5:-2] == ["yes", "yes", "yes"]  # embedded, subset, with ToUnicode


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
