"""Swagger UI at ``/docs``, ReDoc at ``/redoc`` and the problem pages, all served from this package.

Customs networks are closed: the pages load nothing from another host. The JavaScript and CSS are
the npm packages ``swagger-ui-dist`` and ``redoc``, installed with their licences into the docs-assets
folder (``INVENTORY_DOCS_ASSETS_DIR``, outside the source tree) by ``inventory install-docs-assets``
(``app/docs/assets.py``; versions in ``pins/VERSIONS``, each file pinned by ``pins/SHA256SUMS``). None of these routes is
part of the API contract, so they stay out of the OpenAPI document.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.staticfiles import StaticFiles

from app.core.errors import NotFound
from app.core.pagination import json_response
from app.docs.problems import PROBLEM_TYPES, ProblemType

ASSETS = "/docs-assets"
FAVICON = "/favicon.ico"

# The browser may load nothing from another host, whatever a future asset version refers to (ReDoc
# 2.x puts an image from its vendor's CDN under its menu; blocked here, it is simply not shown).
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)

router = APIRouter(include_in_schema=False)


def _local_only(response: HTMLResponse) -> HTMLResponse:
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    return response


def _viewer(request: Request, render: Callable[..., HTMLResponse], name: str, **assets: Any) -> HTMLResponse:
    """A viewer of the OpenAPI document (``render``: FastAPI's page for it) titled ``name``, loading ``assets``."""
    return _local_only(render(openapi_url=request.app.openapi_url, title=f"{request.app.title} - {name}", **assets))


@router.get("/docs", operation_id="getSwaggerUi")
async def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI for the OpenAPI document, from the installed assets."""
    return _viewer(
        request,
        get_swagger_ui_html,
        "Swagger UI",
        swagger_js_url=f"{ASSETS}/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui/swagger-ui.css",
        swagger_favicon_url=FAVICON,
        # The public validator badge would call validator.swagger.io.
        swagger_ui_parameters={"validatorUrl": None},
    )


@router.get("/redoc", operation_id="getRedoc")
async def redoc(request: Request) -> HTMLResponse:
    """ReDoc for the OpenAPI document, from the installed assets and without web fonts."""
    return _viewer(
        request,
        get_redoc_html,
        "ReDoc",
        redoc_js_url=f"{ASSETS}/redoc/redoc.standalone.js",
        redoc_favicon_url=FAVICON,
        with_google_fonts=False,
    )


@router.get(FAVICON, operation_id="getFavicon")
async def favicon(request: Request) -> FileResponse:
    """The site icon (Swagger UI's), so browsers do not ask another host for one."""
    assets: Path = request.app.state.docs_assets_dir
    return FileResponse(assets / "swagger-ui" / "favicon-32x32.png", media_type="image/png")


@router.get("/problems", operation_id="listProblemTypes")
async def list_problem_types(request: Request) -> Response:
    """Every problem type the API answers with: HTML for a browser, else JSON."""
    problems = sorted(PROBLEM_TYPES.values(), key=lambda problem: (problem.status, problem.slug))
    if _wants_html(request):
        rows = "".join(
            f'<li><a href="{escape(problem.type)}"><code>{escape(problem.slug)}</code></a> '
            f"({problem.status}) {escape(problem.title)}</li>"
            for problem in problems
        )
        return _local_only(HTMLResponse(_page("Problem types", f"<ul>{rows}</ul>")))
    return json_response({"items": [problem.as_json() for problem in problems]})


@router.get("/problems/{slug}", operation_id="getProblemType")
async def get_problem_type(slug: str, request: Request) -> Response:
    """What one problem type means and what to do about it: HTML for a browser, else JSON."""
    problem = PROBLEM_TYPES.get(slug)
    if problem is None:
        raise NotFound(f"No problem type '{slug}'; /problems lists them all.")
    if _wants_html(request):
        return _local_only(HTMLResponse(_page(problem.title, _describe(problem))))
    return json_response(problem.as_json())


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept or "application/xhtml+xml" in accept


def _describe(problem: ProblemType) -> str:
    return (
        f"<p><code>type: {escape(problem.type)}</code> &middot; <code>status: {problem.status}</code></p>"
        f"<h2>What it means</h2><p>{_code(problem.description)}</p>"
        f"<h2>What to do</h2><p>{_code(problem.resolution)}</p>"
        '<p><a href="/problems">All problem types</a> &middot; <a href="/docs">API documentation</a></p>'
    )


def _code(text: str) -> str:
    """Markdown-style `code` spans as <code>, everything else escaped."""
    parts = escape(text).split("`")
    return "".join(f"<code>{part}</code>" if index % 2 else part for index, part in enumerate(parts))


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)} - Customs scanner inventory</title>"
        f'<link rel="icon" href="{FAVICON}">'
        "<style>body{font-family:sans-serif;max-width:46em;margin:2em auto;padding:0 1em;line-height:1.5}"
        "code{background:#f2f2f2;padding:0 .2em}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )


def install_docs(app: FastAPI, assets: Path) -> None:
    """Serve the documentation pages, their assets (installed in ``assets``) and the problem pages on ``app``."""
    app.state.docs_assets_dir = assets
    app.include_router(router)
    # Not checked at start: before `inventory install-docs-assets` has run, the assets answer 404.
    app.mount(ASSETS, StaticFiles(directory=assets, check_dir=False), name="docs-assets")
