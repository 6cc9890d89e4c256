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
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level=settings.log_level,
    )


def main() -> None:
    """Entry point of the console script."""
    app()
