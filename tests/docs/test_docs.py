"""Offline documentation: Swagger UI and ReDoc from the package's own assets, and the problem pages.

The browser test starts a real server and drives Debian's headless Chromium (through Playwright)
with every request to another host blocked and logged: a closed customs network has no CDN.
"""

from __future__ import annotations

import hashlib
import inspect
import io
import re
import tarfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

import app as app_package
from app.core import errors
from app.core.config import default_docs_assets_dir, get_settings
from app.core.migrate import upgrade
from app.docs import assets
from app.docs.assets import PINS_DIR
from app.docs.problems import PROBLEM_TYPES
from tests.conftest import bearer
from tests.serving import Server, server_env

CHROMIUM = Path("/usr/bin/chromium")
REDOC_VENDOR_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


class _Links(HTMLParser):
    """Every URL an HTML page refers to (src, href, and url() in inline styles and scripts)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.urls += [value for name, value in attrs if name in ("src", "href", "action") and value]

    def handle_data(self, data):
        self.text.append(data)


def referenced_urls(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    inline = "\n".join(parser.text)
    return parser.urls + re.findall(r"""(?:url\(|['"])((?:https?:)?//[^'")\s]+)""", inline)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
async def test_documentation_pages_refer_to_no_other_host(anonymous, page):
    response = await anonymous.get(page)
    assert response.status_code == 200
    urls = referenced_urls(response.text)
    assert urls, "the page refers to its assets"
    for url in urls:
        parts = urlsplit(url)
        assert not parts.scheme
        assert not parts.netloc, f"{page} refers to another host: {url}"
    for url in urls:
        if url.startswith("/"):
            assert (await anonymous.get(url)).status_code == 200, url
    assert 'href="/favicon.ico"' in response.text
    policy = response.headers["content-security-policy"]
    assert "default-src 'self'" in policy
    assert "img-src 'self' data:" in policy


async def test_vendored_assets_are_the_pinned_npm_files_with_their_licences(anonymous):
    installed = get_settings().docs_assets_dir
    sums = (PINS_DIR / "SHA256SUMS").read_text().splitlines()
    assert {line.split()[1] for line in sums} >= {
        "swagger-ui/swagger-ui-bundle.js",
        "swagger-ui/swagger-ui.css",
        "swagger-ui/LICENSE",
        "swagger-ui/NOTICE",
        "redoc/redoc.standalone.js",
        "redoc/LICENSE",
    }
    for line in sums:
        digest, name = line.split()
        assert hashlib.sha256((installed / name).read_bytes()).hexdigest() == digest, name
        response = await anonymous.get(f"/docs-assets/{name}")
        assert response.status_code == 200
        assert hashlib.sha256(response.content).hexdigest() == digest, name
    assert (PINS_DIR / "VERSIONS").read_text().split() == ["swagger-ui-dist", "5.35.0", "redoc", "2.5.4"]
    favicon = await anonymous.get("/favicon.ico")
    assert favicon.status_code == 200
    assert favicon.headers["content-type"] == "image/png"


def slugs_the_app_produces() -> set[str]:
    """Every problem slug in the code: the ProblemError classes and the literal slugs the handlers use."""
    found: set[str] = set()
    pending = [errors.ProblemError]
    while pending:
        cls = pending.pop()
        found.add(cls.slug)
        pending += cls.__subclasses__()
    for path in Path(inspect.getfile(app_package)).parent.rglob("*.py"):
        source = path.read_text()
        found.update(re.findall(r"""\bslug\s*=\s*["']([a-z0-9-]+)["']""", source))
        found.update(re.findall(r"""\bslug\s*,\s*title\s*=\s*\d+\s*,\s*["']([a-z0-9-]+)["']""", source))
    found.update(slug for slug, _title in errors._HTTP_TITLES.values())
    found.add("http-error")  # the fallback for any other HTTP status
    return found


def test_the_slug_finder_sees_every_kind_of_declaration():
    slugs = slugs_the_app_produces()
    assert {"not-found", "validation-error", "internal-error", "method-not-allowed", "invalid-cursor"} <= slugs


async def test_every_problem_the_app_can_produce_has_a_page(anonymous):
    slugs = slugs_the_app_produces()
    assert slugs <= set(PROBLEM_TYPES), f"no explanation for {sorted(slugs - set(PROBLEM_TYPES))}"
    for slug in sorted(slugs):
        as_json = await anonymous.get(f"/problems/{slug}")
        assert as_json.status_code == 200, slug
        assert as_json.headers["content-type"] == "application/json"
        body = as_json.json()
        assert body["type"] == f"/problems/{slug}"
        assert body["title"]
        assert body["description"]
        assert body["resolution"]
        as_html = await anonymous.get(f"/problems/{slug}", headers={"Accept": "text/html"})
        assert as_html.status_code == 200
        assert as_html.headers["content-type"].startswith("text/html")
        assert PROBLEM_TYPES[slug].title.replace("'", "&#x27;") in as_html.text
        assert all(not urlsplit(url).netloc for url in referenced_urls(as_html.text))
    index = await anonymous.get("/problems")
    assert {item["type"] for item in index.json()["items"]} == {f"/problems/{slug}" for slug in PROBLEM_TYPES}


async def test_the_type_of_real_problems_resolves(anonymous, tokens):
    answers = [
        await anonymous.get("/api/v1/scanners"),  # 401
        await anonymous.get("/api/v1/api-keys", headers=bearer(tokens["reader"])),  # 403
        await anonymous.get("/api/v1/scanners/999999", headers=bearer(tokens["reader"])),  # 404
        await anonymous.get("/api/v1/scanners?limit=0", headers=bearer(tokens["reader"])),  # 422
        await anonymous.get("/api/v1/scanners?cursor=forged", headers=bearer(tokens["reader"])),  # 400
        await anonymous.delete("/api/v1/scanners", headers=bearer(tokens["editor"])),  # 405
        await anonymous.get("/nowhere"),  # 404
    ]
    for answer in answers:
        problem = answer.json()
        page = await anonymous.get(problem["type"])
        assert page.status_code == 200, problem
        assert page.json()["status"] == problem["status"] or problem["type"] == "/problems/http-error"


async def test_an_unknown_problem_type_is_a_404_problem(anonymous):
    response = await anonymous.get("/problems/no-such-problem")
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"


async def test_documentation_routes_stay_out_of_the_api_contract(anonymous):
    paths = (await anonymous.get("/openapi.json")).json()["paths"]
    assert not [path for path in paths if path.startswith(("/docs", "/redoc", "/problems", "/metrics", "/favicon"))]


@pytest.fixture
def docs_server(tmp_path):
    if not CHROMIUM.exists():
        pytest.fail("Debian's chromium is not installed (.ci/run installs it)")
    url = f"sqlite:///{tmp_path / 'docs.db'}"
    upgrade(url)
    server = Server(server_env(tmp_path, url), tmp_path / "server.log", ["--no-prepare"])
    try:
        server.wait_until_live()
        yield server
    finally:
        server.stop()


def test_docs_and_redoc_render_in_a_browser_without_the_internet(docs_server):
    from playwright.sync_api import sync_playwright

    spec = httpx.get(f"{docs_server.base_url}/openapi.json", timeout=30).json()
    operations = [op for methods in spec["paths"].values() for op in methods.values()]
    requested: list[str] = []
    blocked: list[str] = []

    def only_loopback(route):
        url = route.request.url
        requested.append(url)
        if urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            # Defence in depth: even a request the route below missed cannot resolve a name.
            args=["--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1", "--no-sandbox"],
        )
        try:
            context = browser.new_context(service_workers="block")
            context.route("**/*", only_loopback)
            page = context.new_page()
            failed: list[str] = []
            page.on("requestfailed", lambda request: failed.append(request.url))

            page.goto(f"{docs_server.base_url}/docs", wait_until="networkidle", timeout=30_000)
            expected = {  # every operation under each of its tags
                f"operations-{tag}-{operation['operationId']}" for operation in operations for tag in operation["tags"]
            }
            # Swagger UI renders tag by tag: wait (bounded) until it has drawn as many blocks as there are.
            # (Polled from here: the page's CSP rightly forbids the eval that wait_for_function needs.)
            page.wait_for_selector(".opblock", timeout=30_000)
            for _ in range(150):
                if page.locator(".opblock").count() >= len(expected):
                    break
                page.wait_for_timeout(200)
            shown = {element.get_attribute("id") for element in page.locator(".opblock").element_handles()}
            assert shown == expected
            assert page.locator(".opblock-summary-path", has_text="/api/v1/scanners/{scanner_id}").count() >= 1

            page.goto(f"{docs_server.base_url}/redoc", wait_until="networkidle", timeout=30_000)
            page.wait_for_selector("[data-section-id^='operation/']", timeout=30_000)
            sections = page.locator("[data-section-id^='operation/']").element_handles()
            rendered = {element.get_attribute("data-section-id").removeprefix("operation/") for element in sections}
            assert rendered == {operation["operationId"] for operation in operations}
            create = page.locator("[data-section-id='operation/createScanner']")
            assert create.get_by_text("Request Body schema").count() == 1
            assert create.get_by_text("asset_tag", exact=True).count() >= 1
            ready = page.locator("[data-section-id='operation/getReadiness']")
            assert '"migrations"' in ready.inner_text()  # the response sample built from the Readiness schema
        finally:
            browser.close()
    assert not blocked, f"the pages asked other hosts for {blocked}"
    # The one request that fails is ReDoc's vendor logo under its menu, which the pages'
    # Content-Security-Policy keeps the browser from sending at all (so it never reached the route).
    assert [url for url in failed if url != REDOC_VENDOR_LOGO] == [], failed
    assert any(url.endswith("/docs-assets/swagger-ui/swagger-ui-bundle.js") for url in requested)
    assert any(url.endswith("/docs-assets/redoc/redoc.standalone.js") for url in requested)


def _tarballs_of(static: Path, tamper: str | None = None):
    """A stand-in for the npm registry: each package's tarball built from the installed files (one of them
    altered when ``tamper`` names it)."""

    def fetch(package: str, version: str) -> bytes:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            for name, member in assets.FILES[package].items():
                data = (static / name).read_bytes() + (b"/* changed */" if name == tamper else b"")
                info = tarfile.TarInfo(member)
                info.size = len(data)
                archive.addfile(info, io.BytesIO(data))
        return buffer.getvalue()

    return fetch


def test_the_docs_assets_install_only_with_their_pinned_checksums(tmp_path):
    target = tmp_path / "docs-assets"
    target.mkdir()
    source = get_settings().docs_assets_dir
    assert not assets.installed(target)
    tampered = _tarballs_of(source, tamper="redoc/redoc.standalone.js")
    with pytest.raises(assets.AssetMismatch, match="redoc/redoc.standalone.js"):
        assets.install(target, fetch=tampered)
    assert list(target.iterdir()) == []  # nothing written
    written = assets.install(target, fetch=_tarballs_of(source))
    assert set(written) == set(assets.checksums())
    assert assets.installed(target)


def test_the_third_party_builds_stay_out_of_the_source_tree():
    """The installed Swagger UI and ReDoc builds live in the docs-assets folder (the user's cache by default),
    never under app/: the source tree holds our code and the pins only."""
    app_dir = Path(assets.__file__).resolve().parents[1]
    default = default_docs_assets_dir().resolve()
    assert app_dir not in default.parents
    assert sorted(path.name for path in PINS_DIR.iterdir()) == ["SHA256SUMS", "VERSIONS"]
    assert [path for path in app_dir.rglob("*") if path.suffix in {".js", ".css", ".png"}] == []
