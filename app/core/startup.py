"""Starting against a database that is not there yet: retry for a bounded time, then fail loudly.

A supervisor (systemd, Kubernetes, docker) restarts a process that exits non-zero; one that
hangs, or exits 0, it leaves alone. So both the ``inventory serve`` parent and each worker wait
up to ``INVENTORY_DB_STARTUP_TIMEOUT`` seconds for the database, and then exit non-zero, also
with several workers (where uvicorn itself would stop with status 0).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterator

import sqlalchemy as sa
import uvicorn
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess

from app.core.config import Settings
from app.core.faults import is_database_fault
from app.core.reads import ReadDatabase, open_reads

logger = logging.getLogger("app.startup")

FIRST_DELAY = 0.5
MAX_DELAY = 5.0


class DatabaseNotReady(RuntimeError):
    """The database stayed unreachable for the whole startup wait."""


def _delays(budget: float) -> Iterator[float]:
    """Back-off pauses (0.5 s doubling to 5 s) that fit in ``budget`` seconds, then stop."""
    deadline = time.monotonic() + budget
    delay = FIRST_DELAY
    while time.monotonic() + delay <= deadline:
        yield delay
        delay = min(delay * 2, MAX_DELAY)


def _pause_after(error: Exception, pauses: Iterator[float], settings: Settings) -> float:
    """The pause before the next attempt; re-raises errors that are not faults, gives up when the wait is over."""
    if not is_database_fault(error):
        raise error
    pause = next(pauses, None)
    if pause is None:
        raise DatabaseNotReady(
            f"the database did not answer within INVENTORY_DB_STARTUP_TIMEOUT={settings.db_startup_timeout:g} s: "
            f"{error}"
        ) from error
    logger.warning("database not reachable yet (%s); retrying in %.1f s", error.__class__.__name__, pause)
    return pause


async def open_reads_when_ready(settings: Settings) -> ReadDatabase:
    """The read backend, retrying an unreachable database for the startup wait; else ``DatabaseNotReady``."""
    pauses = _delays(settings.db_startup_timeout)
    while True:
        try:
            return await open_reads(settings.database_url, settings.read_pool_size)
        except Exception as error:
            await asyncio.sleep(_pause_after(error, pauses, settings))


def wait_for_database(settings: Settings) -> None:
    """Block until the configured database answers ``SELECT 1``, or raise ``DatabaseNotReady``."""
    from app.core.db import get_engine

    pauses = _delays(settings.db_startup_timeout)
    while True:
        try:
            with get_engine(settings.database_url).connect() as connection:
                connection.execute(sa.text("SELECT 1"))
            return
        except Exception as error:
            time.sleep(_pause_after(error, pauses, settings))


def run_server(config: uvicorn.Config) -> int:
    """Serve ``config`` until stopped; the exit status: non-zero when a worker could not start."""
    if config.workers > 1:
        supervisor = Multiprocess(config, sockets=[config.bind_socket()])
        supervisor.run()
        failed = any(process.exitcode == STARTUP_FAILURE for process in supervisor.processes)
        return STARTUP_FAILURE if failed else 0
    server = uvicorn.Server(config)
    server.run()
    return 0 if server.started else STARTUP_FAILURE
