"""The ``inventory`` command: serve the API, migrate the database, load the seed data, rebuild the object versions."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Customs scanner inventory: run the API and manage its database.",
    no_args_is_help=True,
    add_completion=False,
)


@app.callback()
def configure() -> None:
    """Log as the settings ask (INVENTORY_LOG_FORMAT, INVENTORY_LOG_LEVEL) in every command."""
    from app.core.config import get_settings
    from app.core.logs import configure_logging

    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)


@app.command()
def migrate(
    revision: Annotated[str, typer.Argument(help="Target revision (default: the newest).")] = "head",
) -> None:
    """Migrate the configured database (INVENTORY_DATABASE_URL) up to a revision."""
    from app.core.config import get_settings
    from app.core.migrate import upgrade

    upgrade(get_settings().database_url, revision)
    typer.echo(f"database migrated to {revision}")


@app.command()
def seed(
    file: Annotated[
        Path | None, typer.Option(help="Seed file to load (default: seed/inventory.yaml).", exists=True, dir_okay=False)
    ] = None,
    reconcile: Annotated[
        bool,
        typer.Option(
            "--reconcile",
            help="Also set every record that differs from the file back to the file's values "
            "(recorded in the change log). Deleted records are not recreated.",
        ),
    ] = False,
) -> None:
    """Load the seed data (the source document's facts): creates what the database never held and
    never changes or recreates a record a user has edited or deleted."""
    from sqlmodel import Session

    from app.core.db import get_engine
    from app.seeding import DEFAULT_SEED_FILE, SeedError, load_seed

    try:
        with Session(get_engine()) as session:
            report = load_seed(session, file or DEFAULT_SEED_FILE, reconcile=reconcile)
    except SeedError as error:
        typer.echo(f"seed failed, nothing stored: {error}", err=True)
        raise typer.Exit(1) from error
    typer.echo(f"seed {'reconciled' if reconcile else 'loaded'}: {report.summary()}")


@app.command("rebuild-versions")
def rebuild_versions_command() -> None:
    """Rebuild the object versions (what as_of reads) from the change log, and the values derived from the
    objects (the scanners' audit status and exposure ranks), in one transaction under the chain lock: for a log written around
    the application (bulk SQL, a restored backup)."""
    import sqlalchemy as sa

    import app.models  # noqa: F401  # every table, and with them every value maintained on write
    from app.changes.recording import CHAIN_LOCK, rebuild_maintained
    from app.changes.versions import rebuild_versions
    from app.core.db import get_engine
    from app.core.timeouts import without_timeouts

    with get_engine().begin() as connection, without_timeouts(connection):
        if connection.dialect.name == "postgresql":  # no change is sealed meanwhile (SQLite: BEGIN IMMEDIATE)
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHAIN_LOCK})
        count = rebuild_versions(connection)
        rebuild_maintained(connection)
    typer.echo(f"{count} object versions rebuilt from the change log; the values maintained on write recomputed")


def _parse_expiry(value: str | None):
    """``30d`` (days from now) or an RFC 3339 timestamp with a timezone."""
    from datetime import UTC, datetime, timedelta

    from app.core.db import utcnow

    if value is None:
        return None
    if value.endswith("d") and value[:-1].isascii() and value[:-1].isdigit():
        return utcnow() + timedelta(days=int(value[:-1]))
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("give a number of days (e.g. 90d) or an RFC 3339 timestamp") from None
    if moment.tzinfo is None:
        raise typer.BadParameter("the timestamp needs a timezone, e.g. 2027-01-01T00:00:00Z")
    try:
        moment.astimezone(UTC)
    except OverflowError:
        raise typer.BadParameter("the timestamp is outside the years 0001 to 9999 in UTC") from None
    if moment <= utcnow():
        raise typer.BadParameter("the expiry must be in the future")
    return moment


@app.command("create-key")
def create_key(
    name: Annotated[str, typer.Option(help="Who or what the key is for.")],
    owner: Annotated[
        str,
        typer.Option(
            help="The person answerable for the key (keys of one owner cannot approve each other's change requests)."
        ),
    ],
    role: Annotated[str, typer.Option(help="reader, editor, approver or admin.")],
    expires: Annotated[
        str | None, typer.Option(help="Expiry: days from now (90d) or an RFC 3339 timestamp. Default: never.")
    ] = None,
) -> None:
    """Mint an API key and print its token alone on stdout (shown once; only its hash is stored)."""
    from sqlmodel import Session

    from app.auth.service import mint_key
    from app.core.choices import Role
    from app.core.db import get_engine

    try:
        chosen = Role(role)
    except ValueError:
        raise typer.BadParameter(
            f"role must be one of: {', '.join(r.value for r in Role)}", param_hint="--role"
        ) from None
    if not name.strip() or len(name) > 200:
        raise typer.BadParameter("give a name of 1 to 200 characters", param_hint="--name")
    if not owner.strip() or len(owner) > 200:
        raise typer.BadParameter("give an owner of 1 to 200 characters", param_hint="--owner")
    expires_at = _parse_expiry(expires)
    with Session(get_engine()) as session, session.begin():
        _, token = mint_key(session, name=name.strip(), owner=owner.strip(), role=chosen, expires_at=expires_at)
    typer.echo(token)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on (default: INVENTORY_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default: INVENTORY_PORT, 8000).")] = None,
    workers: Annotated[
        int | None, typer.Option(min=1, help="uvicorn worker processes (default: INVENTORY_WORKERS, 1).")
    ] = None,
    prepare: Annotated[
        bool | None,
        typer.Option(
            help="Migrate, seed and keep a local admin key in var/admin.token before serving, so a new database is "
            "ready to query. Default: yes in development, never in production (INVENTORY_MODE=production)."
        ),
    ] = None,
) -> None:
    """Run the API with uvicorn; in development first migrate, seed and keep a local admin key."""
    import uvicorn

    from app.core.config import UnsafeConfiguration, check_settings, get_settings
    from app.core.limits import server_head_limit
    from app.core.logs import logging_config
    from app.core.startup import DatabaseNotReady, run_server, wait_for_database

    settings = get_settings()
    try:
        check_settings(settings)
    except UnsafeConfiguration as error:
        typer.echo(f"refusing to start: {error}", err=True)
        raise typer.Exit(2) from None
    production = settings.mode == "production"
    if prepare and production:
        typer.echo(
            "refusing to prepare in production: run `inventory migrate` as a one-off step and mint keys with "
            "`inventory create-key`",
            err=True,
        )
        raise typer.Exit(2)
    if prepare is None:
        prepare = not production
    try:
        wait_for_database(settings)
    except DatabaseNotReady as error:
        typer.echo(f"cannot start: {error}", err=True)
        raise typer.Exit(1) from error
    if prepare:
        _prepare_apart(settings.var_dir / "admin.token", f"http://{host or settings.host}:{port or settings.port}")
    from app.core.db import dispose_engines

    dispose_engines()  # the workers open their own connections
    config = uvicorn.Config(
        "app.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        log_config=logging_config(settings.log_format, settings.log_level),
        access_log=False,  # app/core/observability.py logs each request with its route and API key
        timeout_graceful_shutdown=30,
        # A worker importing the app on a busy small machine can take more than uvicorn's 5 s
        # to answer the supervisor's ping; it would be killed and restarted in a loop.
        timeout_worker_healthcheck=30,
        # The request head is bounded while it arrives, before the application sees it
        # (app/core/limits.py); h11_max_incomplete_event_size does the same when h11 is used.
        http="app.core.limits:LimitedHttpToolsProtocol",
        h11_max_incomplete_event_size=server_head_limit(settings),
        server_header=False,  # do not name the server software to every client
    )
    with _metrics_directory():
        status = run_server(config)
    if status:
        typer.echo("stopped: the server could not start (see the log above)", err=True)
        raise typer.Exit(status)


def _prepare(token_path: Path, base_url: str) -> None:
    """Migrate, seed and keep the local admin key (the body of ``serve --prepare``)."""
    try:
        migrate("head")
        seed(None, reconcile=False)
        _ensure_local_admin_key(token_path, base_url)
    except typer.Exit as stop:
        raise SystemExit(stop.exit_code) from None


def _prepare_apart(token_path: Path, base_url: str) -> None:
    """Run the preparation in a process of its own, so the serving process (the worker, with one
    worker) never loads Alembic, the seed data or their modules: they are gone when it ends."""
    import multiprocessing

    child = multiprocessing.get_context("spawn").Process(target=_prepare, args=(token_path, base_url))
    child.start()
    child.join()
    if child.exitcode:
        typer.echo("cannot start: preparing the database failed (see above)", err=True)
        raise typer.Exit(child.exitcode if child.exitcode > 0 else 1)


@contextmanager
def _metrics_directory() -> Iterator[None]:
    """A fresh prometheus-client multiprocess directory for this run, shared by its workers.

    Set before any worker imports the metrics, so every worker writes its own files there and
    /metrics adds them up. A directory given in PROMETHEUS_MULTIPROC_DIR is emptied first (values
    of an earlier run would otherwise be counted again); one made here is removed at exit.
    """
    import shutil
    import tempfile

    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if given:
        directory = Path(given)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()
        yield
        return
    directory = Path(tempfile.mkdtemp(prefix="inventory-metrics-"))
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    try:
        yield
    finally:
        del os.environ["PROMETHEUS_MULTIPROC_DIR"]
        shutil.rmtree(directory, ignore_errors=True)


@app.command()
def healthcheck(
    timeout: Annotated[float, typer.Option(min=0.1, help="Seconds to wait for the answer.")] = 4.0,
) -> None:
    """Exit 0 when the server on INVENTORY_HOST:INVENTORY_PORT is ready (/health/ready answers 200), else 1."""
    import urllib.error
    import urllib.request

    from app.core.config import get_settings

    settings = get_settings()
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    url = f"http://{host}:{settings.port}/health/ready"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (a fixed http URL)
            typer.echo(response.read().decode())
    except urllib.error.HTTPError as error:
        typer.echo(f"not ready ({error.code}): {error.read().decode()}", err=True)
        raise typer.Exit(1) from None
    except (urllib.error.URLError, OSError) as error:
        typer.echo(f"no answer from {url}: {error}", err=True)
        raise typer.Exit(1) from None


@app.command()
def openapi() -> None:
    """Print the OpenAPI document (JSON) the API serves at /openapi.json; `make openapi` commits it."""
    import json

    from app.main import create_app

    typer.echo(json.dumps(create_app().openapi(), indent=2, ensure_ascii=False))


@app.command("install-docs-assets")
def install_docs_assets(
    update: Annotated[
        bool, typer.Option("--update", help="Take the versions in VERSIONS as they are and write new checksums.")
    ] = False,
) -> None:
    """Download the pinned Swagger UI and ReDoc files that /docs and /redoc serve (from the npm registry) into
    INVENTORY_DOCS_ASSETS_DIR, refusing any file whose SHA-256 differs from app/docs/pins/SHA256SUMS. Does
    nothing when they are already installed."""
    from app.core.config import get_settings
    from app.docs import assets

    target = get_settings().docs_assets_dir
    if not update and assets.installed(target):
        typer.echo("docs assets already installed")
        return
    try:
        written = assets.install(target, update=update)
    except (assets.AssetMismatch, OSError) as error:
        typer.echo(f"docs assets not installed: {error}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"docs assets installed: {len(written)} files of {', '.join(assets.versions())}")


@app.command()
def deliver() -> None:
    """Deliver webhooks until stopped (SIGTERM, Ctrl-C): for deployments whose API replicas run with
    INVENTORY_WEBHOOK_WORKER=false. Several may run against one PostgreSQL database; each subscription is
    delivered by one of them at a time."""
    import signal
    import threading

    from app.core.config import get_settings
    from app.webhooks.delivery import deliver_forever

    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    typer.echo("delivering webhooks; stop with SIGTERM or Ctrl-C", err=True)
    deliver_forever(get_settings(), stop)


def _ensure_local_admin_key(path: Path, base_url: str) -> None:
    from sqlmodel import Session

    from app.auth.service import ensure_local_admin_key
    from app.core.db import get_engine

    with Session(get_engine()) as session, session.begin():
        minted = ensure_local_admin_key(session, path)
    typer.echo(f"{'a new' if minted else 'the'} local admin API key is in {path} (owner-only); use it as")
    typer.echo(f'  curl -H "Authorization: Bearer $(cat {path})" {base_url}/api/v1/scanners')


def main() -> None:
    """Entry point of the console script."""
    app()


if __name__ == "__main__":
    main()
