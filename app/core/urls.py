"""URLs the service hands out (``Location``, ``Link: rel="next"``), never built from the request's ``Host``.

A client controls the ``Host`` header (and, behind a proxy, often ``X-Forwarded-Host``), so a URL
built from it could point a follower of ``Link`` or ``Location`` at the attacker's server, and a
cache could store that for everyone. The service therefore answers with relative references
(``/api/v1/scanners?cursor=...``), which a client resolves against the URL it called; or, when
``INVENTORY_PUBLIC_BASE_URL`` is set (e.g. ``https://inventory.example.org``), with absolute URLs
under that configured base.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request

from app.core.config import get_settings


def public_url(path: str, query: str = "") -> str:
    """``path`` (and ``query``) as a relative reference, or absolute under the configured public base URL."""
    reference = f"{path}?{query}" if query else path
    base = get_settings().public_base_url
    return f"{base.rstrip('/')}{reference}" if base else reference


def with_query_params(request: Request, **params: str) -> str:
    """The request's own path and query, with ``params`` set (replacing any of the same name)."""
    pairs = [(name, value) for name, value in request.query_params.multi_items() if name not in params]
    pairs.extend(params.items())
    return public_url(request.url.path, urlencode(pairs))
