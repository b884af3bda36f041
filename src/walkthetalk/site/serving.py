"""Serving the site with waitress, a production WSGI server (never Django's runserver)."""

from __future__ import annotations

from waitress import serve


def serve_site(host: str, port: int, threads: int = 4) -> None:
    from walkthetalk.site.wsgi import application

    # No access log is configured: participants' addresses are never written anywhere.
    serve(application, host=host, port=port, threads=threads)
