"""The ``inventory`` command: serve the API, migrate the database, load the seed data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    help="Customs scanner inventory: run the API and manage its database.",
    no_args_is_help=True,
    add_completion=False,
)


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
) -> None:
    """Load the seed data (the source document's facts); running it twice changes nothing."""
    from sqlmodel import Session

    from app.core.db import get_engine
    from app.seeding import DEFAULT_SEED_FILE, SeedError, load_seed

    try:
        with Session(get_engine()) as session:
            report = load_seed(session, file or DEFAULT_SEED_FILE)
    except SeedError as error:
        typer.echo(f"seed failed, nothing stored: {error}", err=True)
        raise typer.Exit(1) from error
    typer.echo(f"seed loaded: {report.summary()}")


def _parse_expiry(value: str | None):
    """``30d`` (days from now) or an RFC 3339 timestamp with a timezone."""
    from datetime import datetime, timedelta

    from app.core.db import utcnow

    if value is None:
        return None
    if value.endswith("d") and value[:-1].isdigit():
        return utcnow() + timedelta(days=int(value[:-1]))
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("give a number of days (e.g. 90d) or an RFC 3339 timestamp") from None
    if moment.tzinfo is None:
        raise typer.BadParameter("the timestamp needs a timezone, e.g. 2027-01-01T00:00:00Z")
    if moment <= utcnow():
        raise typer.BadParameter("the expiry must be in the future")
    return moment


@app.command("create-key")
def create_key(
    name: Annotated[str, typer.Option(help="Who or what the key is for.")],
    role: Annotated[str, typer.Option(help="reader, editor or admin.")],
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
    expires_at = _parse_expiry(expires)
    with Session(get_engine()) as session, session.begin():
        _, token = mint_key(session, name=name.strip(), role=chosen, expires_at=expires_at)
    typer.echo(token)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to listen on (default: INVENTORY_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default: INVENTORY_PORT, 8000).")] = None,
    workers: Annotated[int, typer.Option(min=1, help="uvicorn worker processes.")] = 1,
    prepare: Annotated[
        bool, typer.Option(help="Migrate and seed before serving, so a new database is ready to query.")
    ] = True,
) -> None:
    """Run the API with uvicorn, by default after migrating and seeding the database."""
    import uvicorn

    from app.core.config import get_settings

    settings = get_settings()
    if prepare:
        migrate("head")
        seed(None)
        _ensure_local_admin_key(
            settings.var_dir / "admin.token", f"http://{host or settings.host}:{port or settings.port}"
        )
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level=settings.log_level,
        server_header=False,  # do not name the server software to every client
    )


@app.command()
def openapi() -> None:
    """Print the OpenAPI document (JSON) the API serves at /openapi.json; `make openapi` commits it."""
    import json

    from app.main import create_app

    typer.echo(json.dumps(create_app().openapi(), indent=2, ensure_ascii=False))


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
