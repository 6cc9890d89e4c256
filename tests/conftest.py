"""Test fixtures: every test runs through HTTP against SQLite, and against PostgreSQL when
``INVENTORY_TEST_POSTGRES_URL`` is set (CI sets it; an unreachable server fails the run).

Each backend gets a fresh database, migrated once; before each test its rows are wiped and
the seed data is loaded again, so tests are isolated and start from the document's facts.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from sqlmodel import Session, SQLModel

from app.auth.service import mint_key
from app.core import config
from app.core.choices import Role
from app.core.db import dispose_engines, get_engine
from app.core.migrate import upgrade
from app.main import create_app
from app.seeding import load_seed

# The shared helpers' asserts report their operands as the tests' own do.
pytest.register_assert_rewrite("tests.helpers", "tests.factories")

POSTGRES_URL = os.environ.get("INVENTORY_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]
SUITE_DATABASE_SETTINGS = {
    "INVENTORY_READ_POOL_SIZE": "3",
    "INVENTORY_DB_CONNECT_TIMEOUT": "10",
    "INVENTORY_DB_STATEMENT_TIMEOUT": "30",
    "INVENTORY_DB_ACQUIRE_TIMEOUT": "10",
    # In-process apps run no webhook delivery worker; the webhook tests run theirs (tests/webhooks/test_webhooks.py).
    "INVENTORY_WEBHOOK_WORKER": "false",
}


def _admin_engine(url: str) -> sa.Engine:
    return sa.create_engine(sa.make_url(url).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """The PostgreSQL server the suite may create databases on; fails (never skips) if unreachable."""
    if not POSTGRES_URL:
        pytest.fail("INVENTORY_TEST_POSTGRES_URL is not set")
    engine = _admin_engine(POSTGRES_URL)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as error:
        pytest.fail(f"PostgreSQL at INVENTORY_TEST_POSTGRES_URL is unreachable: {error}")
    finally:
        engine.dispose()
    return POSTGRES_URL


def new_database(backend: str, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> str:
    """A new empty database of ``backend``; dropped at the end of the session."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'inventory.db'}"
    server = request.getfixturevalue("postgres_server_url")
    name = f"inventory_test_{uuid.uuid4().hex[:12]}"
    engine = _admin_engine(server)
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        dispose_engines()
        with engine.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()

    request.addfinalizer(drop)
    return str(sa.make_url(server).set(database=name).render_as_string(hide_password=False))


def use_settings(monkeypatch_env: dict[str, str]) -> None:
    """Point the process's settings at a database (settings are cached; reset them)."""
    os.environ.update(monkeypatch_env)
    config.get_settings.cache_clear()
    config.get_secret_key.cache_clear()
    dispose_engines()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database of each backend under test."""
    url = new_database(request.param, tmp_path_factory, request)
    var_dir = tmp_path_factory.mktemp("var")
    use_settings(
        {
            "INVENTORY_DATABASE_URL": url,
            "INVENTORY_SECRET_KEY": "test-secret-" + uuid.uuid4().hex,
            "INVENTORY_VAR_DIR": str(var_dir),
            # Rate limits are off for the suite; tests/core/test_rate_limits.py builds apps with its own.
            "INVENTORY_RATE_LIMIT": "off",
            "INVENTORY_AUTH_FAILURE_LIMIT": "off",
            # In-process apps: small read pools (the suite's workers share one PostgreSQL server's
            # connections) and roomy database timeouts, so a busy machine is not mistaken for a fault.
            # Servers started by tests get the product's defaults (tests/servers.py).
            **SUITE_DATABASE_SETTINGS,
        }
    )
    upgrade(url)
    yield url
    dispose_engines()


def reset_database(url: str) -> None:
    """Remove every row, restart ids, and load the seed data."""
    engine = get_engine(url)
    tables = [table.name for table in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(sa.text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                connection.execute(sa.text(f"DELETE FROM {table}"))
    with Session(engine) as session:
        load_seed(session)


@pytest.fixture
def db(database_url: str) -> str:
    """The database under test, reset to the seed data; its URL."""
    use_settings({"INVENTORY_DATABASE_URL": database_url})
    reset_database(database_url)
    return database_url


def mint_token(url: str, role: str, *, name: str | None = None, owner: str | None = None, expires_at=None) -> str:
    """A new API key's token, minted straight into the test database (its owner: the name, unless given)."""
    name = name or f"test {role}"
    with Session(get_engine(url)) as session, session.begin():
        _, token = mint_key(session, name=name, owner=owner or name, role=Role(role), expires_at=expires_at)
    return token


@pytest.fixture
def tokens(db: str) -> dict[str, str]:
    """One token per role."""
    return {role.value: mint_token(db, role.value) for role in Role}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def app(db: str) -> AsyncIterator[FastAPI]:
    """A freshly started app on the test database."""
    application = create_app()
    async with application.router.lifespan_context(application):
        yield application


def http_client(app: FastAPI, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    """An HTTP client on ``app`` through ASGI, sending ``headers`` with every request."""
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    return httpx.AsyncClient(transport=transport, base_url="http://testserver", headers=headers)


@pytest.fixture
async def anonymous(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client that sends no credentials."""
    async with http_client(app) as http:
        yield http


@pytest.fixture
async def client(app: FastAPI, tokens: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client authenticated with an editor key (reads and inventory writes)."""
    async with http_client(app, bearer(tokens["editor"])) as http:
        yield http


@pytest.fixture
async def admin(app: FastAPI, tokens: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client authenticated with an admin key (every operation is open to it)."""
    async with http_client(app, bearer(tokens["admin"])) as http:
        yield http


@pytest.fixture
async def steward(app: FastAPI, tokens: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of an admin key that gives a reason with every request: the writes the approval policy
    covers apply at once (as emergency changes). For tests of a domain's own rules; the approval workflow
    itself is tested in ``tests/approvals/test_approvals.py``."""
    headers = {**bearer(tokens["admin"]), "X-Change-Reason": "maintaining the inventory"}
    async with http_client(app, headers) as http:
        yield http
