"""The PDF renderer fetches nothing but data URIs and the static files it is given."""

from pathlib import Path

import pytest

from walkthetalk.reports.render.pdf import BASE_URL, RefusedAddress, html_to_pdf

PREFIX = BASE_URL + "static/"


def _finder(tmp_path: Path):  # type: ignore[no-untyped-def]
    css = tmp_path / "print.css"
    css.write_text("h1 { color: #0b5d6b }")
    return lambda name: css if name == "print.css" else None


def test_a_document_with_our_stylesheet_and_a_data_uri_renders(tmp_path: Path) -> None:
    svg = "data:image/svg+xml;utf8,<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>"
    html = f'<link rel="stylesheet" href="/static/print.css"><h1>Hello</h1><img src="{svg}">'
    pdf = html_to_pdf(html, PREFIX, _finder(tmp_path))
    assert pdf.startswith(b"%PDF-")


@pytest.mark.parametrize(
    "markup",
    [
        '<img src="https://example.org/logo.png">',
        '<img src="http://127.0.0.1:9/x.png">',
        '<img src="file:///etc/hostname">',
        '<link rel="stylesheet" href="https://fonts.example.org/font.css">',
        "<style>@font-face { font-family: X; src: url(https://example.org/x.woff2) }"
        " h1 { font-family: X }</style>",
        '<link rel="stylesheet" href="/static/missing.css">',
        '<link rel="stylesheet" href="/static/../print.css">',
        '<link rel="stylesheet" href="/elsewhere/print.css">',
    ],
)
def test_anything_else_stops_the_rendering(tmp_path: Path, markup: str) -> None:
    with pytest.raises(RefusedAddress):
        html_to_pdf(markup + "<h1>Hello</h1>", PREFIX, _finder(tmp_path))
