"""Local files the service keeps (SQLite database, ``var/``, secrets): owner-only, created without races.

The SQLite database holds the whole inventory and the API keys' hashes; ``var/secret_key`` is the
key those hashes and the cursors are made with; ``var/admin.token`` is a working admin token. None
of them may be readable by other users of the machine, so folders the service creates are 0700 and
files 0600, whatever the umask. SQLite gives its ``-wal`` and ``-shm`` files the mode of the
database file, so creating the database file 0600 before SQLite opens it covers those too.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) owner-only; a folder that exists is left as it is."""
    missing = [parent for parent in (path, *path.parents) if not parent.exists()]
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:
            continue
        os.chmod(folder, PRIVATE_DIR)  # mkdir's mode is filtered by the umask


def prepare_sqlite_file(database: str) -> None:
    """Make sure the SQLite database file exists owner-only before SQLite opens it, and tighten the
    database and its companion files if an older version left them readable by others."""
    path = Path(database)
    private_dir(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        pass
    for suffix in SQLITE_COMPANIONS:
        companion = Path(f"{database}{suffix}")
        try:
            if companion.stat().st_mode & 0o077:
                os.chmod(companion, PRIVATE_FILE)
        except FileNotFoundError:
            continue


def read_or_create_secret(path: Path, make: Callable[[], str] = lambda: secrets.token_urlsafe(48)) -> str:
    """The secret in ``path``; when there is none, one made by ``make`` and stored there (0600).

    Race-free between processes starting together: the secret is written to a private temporary
    file and linked into place, which fails if the file exists. So the file never appears empty or
    half-written, exactly one process's secret wins, and every other process reads the winner's.
    """
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    private_dir(path.parent)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    try:
        with os.fdopen(descriptor, "w") as handle:
            handle.write(make() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process won: use its secret
    finally:
        temporary.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> str:
    value = path.read_text().strip()
    if not value:
        raise ValueError(f"{path} is empty; remove it to have a new secret generated")
    return value
