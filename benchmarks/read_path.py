"""Read-path benchmark: the API against a raw-driver ceiling, as ratios measured in one run.

For each backend (SQLite always; PostgreSQL with --postgres URL) it prepares a database with the
seed data plus synthetic scanners, then serves, one uvicorn worker each:
- the ceiling: a bare FastAPI app answering the same SQL on the raw driver (sqlite3 / asyncpg),
  serialised with orjson, with no authentication, validation or shaping;
- the API itself, called with a reader key (authentication, strict parameters and ETags on).
wrk (Debian package `wrk`) loads each with 32 connections. Absolute numbers depend on the
machine; the ratio API / ceiling is the figure to track.

    .venv/bin/python benchmarks/read_path.py [--postgres postgresql://postgres@127.0.0.1:5432/test] [--seconds 10]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

CEILING_APP = '''
import os, orjson, sqlite3
from fastapi import FastAPI
from starlette.responses import Response
from app.scanners.service import SCANNERS

URL = os.environ["INVENTORY_DATABASE_URL"]
SQL_ONE = SCANNERS.select + " WHERE scanner.id = :id"
SQL_PAGE = SCANNERS.select + " ORDER BY scanner.id LIMIT 50"
app = FastAPI()

if URL.startswith("sqlite"):
    connection = sqlite3.connect(URL.split("///", 1)[1], check_same_thread=False)
    connection.row_factory = sqlite3.Row

    @app.get("/one/{item_id}")
    async def one(item_id: int):
        row = connection.execute(SQL_ONE, {"id": item_id}).fetchone()
        return Response(orjson.dumps(dict(row)), media_type="application/json")

    @app.get("/page")
    async def page():
        rows = connection.execute(SQL_PAGE).fetchall()
        return Response(orjson.dumps({"items": [dict(r) for r in rows]}), media_type="application/json")
else:
    import asyncpg
    from app.core.reads import to_numbered

    ONE, _ = to_numbered(SQL_ONE)
    pool = None

    @app.on_event("startup")
    async def start():
        global pool
        pool = await asyncpg.create_pool(URL, min_size=1, max_size=10)

    @app.get("/one/{item_id}")
    async def one(item_id: int):
        async with pool.acquire() as c:
            row = await c.fetchrow(ONE, item_id)
        return Response(orjson.dumps(dict(row)), media_type="application/json")

    @app.get("/page")
    async def page():
        async with pool.acquire() as c:
            rows = await c.fetch(SQL_PAGE)
        return Response(orjson.dumps({"items": [dict(r) for r in rows]}), media_type="application/json")
'''

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


def prepare(url: str, env: dict[str, str]) -> str:
    """Migrate, seed, add synthetic scanners and mint a reader key; return its token."""
    subprocess.run([PYTHON, "-m", "app.cli", "migrate"], env=env, check=True, capture_output=True)
    subprocess.run([PYTHON, "-m", "app.cli", "seed"], env=env, check=True, capture_output=True)
    code = (
        "import app.models  # noqa: F401\nfrom sqlmodel import Session\n"
        "from app.core.db import get_engine, utcnow\n"
        "from app.scanners.models import Scanner\n"
        "with Session(get_engine()) as s, s.begin():\n"
        "    for n in range(500):\n"
        "        s.add(Scanner(asset_tag=f'BENCH-{n:04d}', site_id=2, vendor_id=1, use='baggage', status='active',"
        " network_mode='standalone', count_basis='unit', created_at=utcnow(), updated_at=utcnow()))\n"
    )
    subprocess.run([PYTHON, "-c", code], env=env, check=True, cwd=ROOT)
    token = subprocess.run(
        [PYTHON, "-m", "app.cli", "create-key", "--name", "benchmark", "--role", "reader"],
        env=env, check=True, capture_output=True, text=True,
    ).stdout.strip()
    return token


def serve(args: list[str], env: dict[str, str], port: int, cwd: Path) -> subprocess.Popen:
    process = subprocess.Popen(
        [PYTHON, "-m", "uvicorn", *args, "--port", str(port), "--log-level", "warning", "--no-access-log"],
        env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/docs", timeout=1)
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"server on port {port} did not start")


def wrk(url: str, seconds: int, token: str | None = None) -> float:
    command = ["wrk", "-t2", "-c32", f"-d{seconds}s", url]
    if token:
        command[1:1] = ["-H", f"Authorization: Bearer {token}"]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        raise RuntimeError(f"{url}: {non_2xx.group(1)} error responses\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def bench(label: str, url: str, seconds: int, workdir: Path) -> list[tuple[str, str, float, float]]:
    env = {**os.environ, "INVENTORY_DATABASE_URL": url, "INVENTORY_SECRET_KEY": "benchmark-secret",
           "INVENTORY_VAR_DIR": str(workdir / "var"), "PYTHONPATH": str(ROOT),
           # The load would exhaust any real limit; set these to measure the limiter's own cost.
           "INVENTORY_RATE_LIMIT": os.environ.get("INVENTORY_RATE_LIMIT", "off"),
           "INVENTORY_AUTH_FAILURE_LIMIT": os.environ.get("INVENTORY_AUTH_FAILURE_LIMIT", "off")}
    token = prepare(url, env)
    (workdir / "ceiling.py").write_text(CEILING_APP)
    results = []
    ceiling = serve(["ceiling:app"], {**env, "PYTHONPATH": f"{workdir}:{ROOT}"}, 8701, workdir)
    try:
        ceiling_one = wrk("http://127.0.0.1:8701/one/3", seconds)
        ceiling_page = wrk("http://127.0.0.1:8701/page", seconds)
    finally:
        ceiling.terminate()
        ceiling.wait()
    api = serve(["--factory", "app.main:create_app"], env, 8702, ROOT)
    try:
        api_one = wrk("http://127.0.0.1:8702/api/v1/scanners/3", seconds, token)
        api_page = wrk("http://127.0.0.1:8702/api/v1/scanners?limit=50", seconds, token)
    finally:
        api.terminate()
        api.wait()
    results.append((label, "single-row GET", ceiling_one, api_one))
    results.append((label, "50-row list", ceiling_page, api_page))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", help="PostgreSQL server URL; a scratch database is created and dropped on it")
    parser.add_argument("--seconds", type=int, default=10)
    options = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        workdir = Path(scratch)
        rows += bench("SQLite", f"sqlite:///{workdir / 'bench.db'}", options.seconds, workdir)
        if options.postgres:
            import sqlalchemy as sa

            name = f"inventory_bench_{uuid.uuid4().hex[:8]}"
            admin = sa.create_engine(sa.make_url(options.postgres).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
            try:
                url = sa.make_url(options.postgres).set(database=name).render_as_string(hide_password=False)
                rows += bench("PostgreSQL", url, options.seconds, workdir)
            finally:
                with admin.connect() as connection:
                    connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    print(f"{'backend':<11} {'request':<15} {'ceiling req/s':>14} {'API req/s':>10} {'API/ceiling':>12}")
    for backend, request, ceiling, api in rows:
        print(f"{backend:<11} {request:<15} {ceiling:>14.0f} {api:>10.0f} {api / ceiling:>11.0%}")


if __name__ == "__main__":
    main()
