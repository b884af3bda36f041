"""HTML to PDF with WeasyPrint, fetching nothing from elsewhere.

A document may use ``data:`` URIs (the charts are SVG data URIs, drawn as vectors) and files
that ``find`` resolves under ``static_prefix`` (the project's own stylesheets); any other
address stops the rendering with :class:`RefusedAddress`, so a PDF can never make a network
request, nor read a file beside the static files. Fonts come from the system (fontconfig).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from pathlib import Path

from weasyprint import HTML
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

BASE_URL = "https://walkthetalk.invalid/"
"""The address documents are rendered at: never reached, it only anchors relative links."""


class RefusedAddress(ValueError):
    """A document asked for something that is neither a data URI nor one of our static files."""


class LocalOnlyFetcher(URLFetcher):
    """Serves ``data:`` URIs and the static files ``find`` knows; refuses everything else."""

    def __init__(self, static_prefix: str, find: Callable[[str], Path | None]) -> None:
        super().__init__(fail_on_errors=True, allowed_protocols=("data", "https"))
        self._prefix = static_prefix
        self._find = find

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        if url.startswith("data:"):
            return super().fetch(url, headers)
        if url.startswith(self._prefix):
            name = url[len(self._prefix) :].split("?")[0].split("#")[0]
            path = self._find(name) if ".." not in name.split("/") else None
            if path is not None:
                kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind}, 200)
        raise RefusedAddress(f"A printed report fetches nothing from elsewhere: {url}")


def html_to_pdf(html: str, static_prefix: str, find: Callable[[str], Path | None]) -> bytes:
    """The PDF of ``html`` (rendered for print), with only local resources."""
    fetcher = LocalOnlyFetcher(static_prefix, find)
    try:
        return bytes(HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).write_pdf())
    except FatalURLFetchingError as error:  # WeasyPrint's wrapper (not an Exception)
        cause = error.__cause__
        raise cause if isinstance(cause, RefusedAddress) else RefusedAddress(str(error)) from error
