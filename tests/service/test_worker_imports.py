"""What a serving worker loads: only what serving needs, so one worker stays small.

A worker on SQLite loads neither PostgreSQL driver; no worker loads the migrations, the seed data or
the command line (``serve --prepare`` runs them in a process of its own)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.serving import ROOT, server_env

LIST_MODULES = "import sys; from app.main import create_app; create_app(); print('\\n'.join(sorted(sys.modules)))"


def worker_modules(env: dict[str, str]) -> set[str]:
    """The modules loaded by a process that builds the app as a worker does."""
    run = subprocess.run(
        [sys.executable, "-c", LIST_MODULES], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    return set(run.stdout.split())


@pytest.fixture(scope="module")
def sqlite_worker_modules(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    tmp = tmp_path_factory.mktemp("worker")
    return worker_modules(server_env(tmp, f"sqlite:///{tmp / 'inventory.db'}"))


@pytest.mark.parametrize("driver", ["psycopg", "asyncpg"])
def test_a_sqlite_worker_does_not_load_a_postgresql_driver(sqlite_worker_modules, driver):
    assert driver not in sqlite_worker_modules


@pytest.mark.parametrize("module", ["alembic", "app.seeding", "app.cli", "typer"])
def test_a_worker_does_not_load_migrations_seeding_or_the_command_line(sqlite_worker_modules, module):
    assert module not in sqlite_worker_modules


def test_a_postgresql_worker_loads_both_drivers_for_their_fault_handlers(tmp_path, postgres_server_url):
    modules = worker_modules(server_env(tmp_path, postgres_server_url))
    assert {"psycopg", "asyncpg"} <= modules


UPKEEP = (
    "import app.changes.recording as recording; {entry}; before = recording.maintained_upkeep();"
    " import app.models; print(before == recording.maintained_upkeep(), len(before))"
)


@pytest.mark.parametrize(
    "entry",
    ["from app.main import create_app; create_app()", "import app.seeding"],
    ids=["worker", "seed loader"],
)
def test_a_process_that_writes_keeps_every_value_maintained_on_write(tmp_path, entry):
    """Every value maintained on write registers its upkeep where the process that writes imports it: a
    worker or the seed loader that missed one would leave that value stale (the exposure order once was)."""
    env = server_env(tmp_path, f"sqlite:///{tmp_path / 'inventory.db'}")
    run = subprocess.run(
        [sys.executable, "-c", UPKEEP.format(entry=entry)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["True", "2"]
