"""The benchmark: generate a dataset, serve it (SQLite and PostgreSQL, 1 and 2 workers), drive load with
wrk from a separate process, and print per endpoint req/s, p50/p99, the ceiling measured in the same
run and the ratio.

    .venv/bin/python -m bench.run                      # 100,000 scanners, 1,000,000 changes, both backends
    .venv/bin/python -m bench.run --quick              # 2,000 scanners, 20,000 changes, 3 s per endpoint
    .venv/bin/python -m bench.run --backends postgresql --workers 1 --duration 10

Needs `wrk` (Debian package) and, for PostgreSQL, a server URL (default postgresql://postgres@127.0.0.1:5432/postgres)
on which a scratch database `perfbench_<random>` is created and dropped. Servers listen on 127.0.0.1:18140 (API)
and 18141 (ceiling) unless --port says otherwise. Ratios, not absolute numbers, are the figures to compare between runs and machines.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
API_PORT = 18140  # the ceiling listens on the next port
SECRET = "benchmark-secret"
HEAVY_CONNECTIONS = 2


@dataclass
class Endpoint:
    """One line of the table: what wrk requests, and what it is compared with."""

    name: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    role: str = "reader"
    script: tuple[str, ...] = ()
    heavy: bool = False
    ceiling: str | None = None  # ceiling path, measured in the same run
    compare: str | None = None  # or another endpoint of this table


@dataclass
class Result:
    backend: str
    workers: int
    endpoint: str
    rps: float
    p50: str
    p99: str
    errors: str
    reference: float | None = None
    reference_name: str = ""
    cpu: str = ""  # CPU time per completed request: the API's processes, and the database server's


def wrk(url: str, seconds: int, connections: int, headers: dict[str, str], script: tuple[str, ...] = ()) -> dict:
    threads = min(2, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "60s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", script[0], url, "--", *script[1:], str(threads)]
    else:
        command.append(url)
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout

    def find(pattern: str, default: str = "") -> str:
        match = re.search(pattern, output)
        return match.group(1) if match else default

    errors = []
    if bad := find(r"Non-2xx or 3xx responses: (\d+)"):
        errors.append(f"{bad} non-2xx")
    if sockets := find(r"Socket errors: ([^\n]+)"):
        errors.append(sockets.strip())
    return {
        "rps": float(find(r"Requests/sec:\s+([\d.]+)", "0")),
        "requests": int(find(r"(\d+) requests in", "0")),
        "p50": find(r"\s50%\s+(\S+)", "-"),
        "p99": find(r"\s99%\s+(\S+)", "-"),
        "errors": "; ".join(errors),
    }


def run_cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([PYTHON, "-m", "app.cli", *args], env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"inventory {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout.strip()


def serve(target: list[str], env: dict[str, str], port: int, workers: int) -> subprocess.Popen:
    command = [PYTHON, "-m", "uvicorn", *target, "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    probe = "/health/live" if "app.main:create_app" in target else "/docs"
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{probe}", timeout=2)
            return process
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"server on port {port} exited with {process.returncode}") from None
            time.sleep(0.2)
    stop(process)
    raise RuntimeError(f"server on port {port} did not start")


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _children(process: subprocess.Popen) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == process.pid:
            children.append(int(stat.parent.name))
    return children


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def worker_rss_mb(process: subprocess.Popen) -> list[float]:
    """Resident memory of each serving process: the process itself (1 worker) or its children."""
    # Workers only: uvicorn's supervisor also starts multiprocessing's resource tracker.
    workers = [pid for pid in _children(process) if b"resource_tracker" not in _cmdline(pid)]
    pids = workers or [process.pid]
    sizes = []
    for pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                sizes.append(int(line.split()[1]) / 1024)
    return sizes


def _cpu_ticks(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total


def _stat_fields(pid: int) -> list[str]:
    """The fields of ``/proc/<pid>/stat`` after the command name (state first); empty when the process is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return []


def _database_server_ticks() -> int:
    """CPU ticks the PostgreSQL server on this machine has used: the postmaster's own and those of the children it
    has reaped (``cutime``/``cstime``), plus its live children's. Backends come and go with connections; counted
    this way, what an ended one used still counts once."""
    commands = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            commands[int(stat.parent.name)] = stat.read_text().split(" (", 1)[1].split(")", 1)[0]
        except (OSError, IndexError):
            continue
    server = [pid for pid, command in commands.items() if command == "postgres"]
    total = 0
    for pid in server:
        fields = _stat_fields(pid)
        if not fields:
            continue
        parent = int(fields[1])
        total += int(fields[11]) + int(fields[12])  # utime + stime
        if parent not in server:  # the postmaster: the children it reaped
            total += int(fields[13]) + int(fields[14])  # cutime + cstime
    return total


def cpu_seconds(api: subprocess.Popen, backend: str) -> tuple[float, float]:
    """CPU time used so far by the API's processes and by the database server (PostgreSQL; the whole server, so
    a quiet machine is assumed)."""
    tick = os.sysconf("SC_CLK_TCK")
    database = _database_server_ticks() if backend == "PostgreSQL" else 0
    return _cpu_ticks([api.pid, *_children(api)]) / tick, database / tick


def per_request(before: tuple[float, float], after: tuple[float, float], requests: int) -> str:
    """CPU milliseconds per completed request, the API's and (when measured) the database server's."""
    if requests <= 0:
        return ""
    api, database = ((end - start) * 1000 / requests for start, end in zip(before, after, strict=True))
    return f"{api:.1f} + {database:.1f}" if database else f"{api:.1f}"


def wait_idle(process: subprocess.Popen, timeout: float = 900) -> None:
    """Wait until the server's processes use (almost) no CPU: the work wrk left behind is done."""
    pids = [process.pid, *_children(process)]
    deadline = time.monotonic() + timeout
    before = _cpu_ticks(pids)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = _cpu_ticks(pids)
        if now - before <= 2:
            return
        before = now


def request(url: str, headers: dict[str, str], timeout: float = 600) -> tuple[int, dict, bytes]:
    req = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(req, timeout=timeout) as response:
        return response.status, dict(response.headers), response.read()


def endpoints(data, deep_cursor: str, patch_range: tuple[int, int, int], site_code: str, run_id: str) -> list[Endpoint]:
    item = data.first_scanner_id + 1
    first, count, version = patch_range
    points = {
        "start": data.first_recorded_at,
        "middle": data.middle_recorded_at,
        "end": data.last_recorded_at,
    }
    listed = [
        Endpoint("scanner by id", f"/api/v1/scanners/{item}", ceiling=f"/scanners/{item}"),
        Endpoint(
            "filtered list (site)", f"/api/v1/scanners?site={site_code}&limit=50", ceiling=f"/scanners?site={site_code}"
        ),
        Endpoint(
            "304 If-None-Match",
            f"/api/v1/scanners/{item}",
            headers={"If-None-Match": "{etag}"},
            compare="scanner by id",
        ),
        Endpoint("first page", "/api/v1/scanners?limit=50"),
        Endpoint("deep cursor page", f"/api/v1/scanners?limit=50&cursor={deep_cursor}", compare="first page"),
        # A derived value as a filter, matching no scanner (the worst case: nothing stops a scan early).
        Endpoint(
            "audit_status filter (rare)", "/api/v1/scanners?audit_status=open_findings&limit=50", compare="first page"
        ),
        Endpoint(
            "site + audit_status filter (rare)",
            f"/api/v1/scanners?site={site_code}&audit_status=open_findings&limit=50",
            compare="first page",
        ),
        # Stored fields as filters, alone, together and with a sort (at the default scale few scanners end decommissioned).
        Endpoint(
            "status filter (decommissioned)", "/api/v1/scanners?status=decommissioned&limit=50", compare="first page"
        ),
        Endpoint(
            "network_mode + use filter",
            "/api/v1/scanners?network_mode=fibre_linked&use=air_cargo&limit=50",
            compare="first page",
        ),
        Endpoint(
            "status filter, sort by asset_tag",
            "/api/v1/scanners?status=decommissioned&sort=-asset_tag&limit=50",
            compare="first page",
        ),
    ]
    listed += [
        Endpoint("verify (routine)", "/api/v1/changes/verify", heavy=True),
        Endpoint("exposure page (risk)", "/api/v1/reports/exposure?limit=50", heavy=True),
        Endpoint("exposure page (asset_tag)", "/api/v1/reports/exposure?limit=50&sort=asset_tag", heavy=True),
        Endpoint("summary", "/api/v1/reports/summary", heavy=True),
        Endpoint(
            "POST scanner",
            "/api/v1/scanners",
            role="editor",
            script=("bench/wrk/post.lua", str(data.first_site_id), run_id),
        ),
        Endpoint(
            "PATCH scanner",
            "/api/v1/scanners",
            role="editor",
            script=("bench/wrk/patch.lua", str(first), str(count), str(version)),
        ),
    ]
    # Last: the slowest, so whatever they leave running cannot slow the others down.
    for point, instant in points.items():
        listed.append(Endpoint(f"as_of list ({point})", f"/api/v1/scanners?limit=50&as_of={instant}", heavy=True))
        listed.append(Endpoint(f"as_of item ({point})", f"/api/v1/scanners/{item}?as_of={instant}", heavy=True))
    return listed


def prepare(url: str, env: dict[str, str], scale, log) -> tuple:
    from bench.dataset import generate

    log(f"  migrating and seeding {url.split('@')[-1]}")
    run_cli(env, "migrate")
    run_cli(env, "seed")
    log(
        f"  generating {scale.scanners:,} scanners, {scale.sites} sites, {scale.vendors} vendors, {scale.changes:,} changes"
    )
    data = generate(url, scale, log=log)
    tokens = {
        role: run_cli(env, "create-key", "--name", f"benchmark {role}", "--owner", f"benchmark {role}", "--role", role)
        for role in ("reader", "editor")
    }
    return data, tokens


def bench_backend(backend: str, url: str, options, scale, workdir: Path, log) -> tuple[list[Result], list[str]]:
    api_port, ceiling_port = options.port, options.port + 1
    from app.core import config
    from app.core.pagination import encode_cursor

    env = {
        **os.environ,
        "INVENTORY_DATABASE_URL": url,
        "INVENTORY_SECRET_KEY": SECRET,
        "INVENTORY_VAR_DIR": str(workdir / "var"),
        "PYTHONPATH": str(ROOT),
        # The API's per-key limit (600/minute by default) would answer most of a run with 429s.
        "INVENTORY_RATE_LIMIT": os.environ.get("INVENTORY_RATE_LIMIT", "off"),
        "INVENTORY_AUTH_FAILURE_LIMIT": os.environ.get("INVENTORY_AUTH_FAILURE_LIMIT", "off"),
    }
    os.environ.update(
        {key: env[key] for key in ("INVENTORY_DATABASE_URL", "INVENTORY_SECRET_KEY", "INVENTORY_VAR_DIR")}
    )
    config.get_settings.cache_clear()
    config.get_secret_key.cache_clear()
    data, tokens = prepare(url, env, scale, log)
    deep = encode_cursor("scanners", "id", [data.first_scanner_id + int(scale.scanners * 0.9)])
    # PATCH targets: scanners sharing one version, a separate slice per server configuration.
    versions = data.scanner_versions
    top = max(versions.values())
    same = [
        scanner_id
        for scanner_id, version in versions.items()
        if version == top and scanner_id > data.first_scanner_id + 1
    ]
    slices = len(options.workers)
    site_code = "bench-site-0007"
    results, notes = [], []
    for slot, workers in enumerate(options.workers):
        slice_size = len(same) // slices
        patch_range = (same[slot * slice_size], slice_size, top)
        run_id = uuid.uuid4().hex[:6]
        listed = endpoints(data, deep, patch_range, site_code, run_id)
        log(f"  {backend}, {workers} worker(s): starting the API and the ceiling")
        ceiling = serve(["bench.ceiling:app"], env, ceiling_port, workers)
        api = serve(["--factory", "app.main:create_app"], env, api_port, workers)
        try:
            started = time.monotonic()
            request(
                f"http://127.0.0.1:{api_port}/api/v1/changes/verify", {"Authorization": f"Bearer {tokens['reader']}"}
            )
            notes.append(
                f"{backend}, {workers} worker(s): first verify (no checkpoint yet) took {time.monotonic() - started:.1f} s"
            )
            item_url = f"http://127.0.0.1:{api_port}/api/v1/scanners/{data.first_scanner_id + 1}"
            etag = request(item_url, {"Authorization": f"Bearer {tokens['reader']}"})[1]["etag"]
            measured: dict[str, float] = {}
            for endpoint in listed:
                if options.only and not any(word in endpoint.name for word in options.only):
                    continue
                headers = {"Authorization": f"Bearer {tokens[endpoint.role]}"}
                headers.update({k: v.replace("{etag}", etag) for k, v in endpoint.headers.items()})
                if endpoint.script:
                    headers.pop("Content-Type", None)
                connections = HEAVY_CONNECTIONS if endpoint.heavy else options.connections
                reference, reference_name = None, ""
                if endpoint.ceiling:
                    ceiling_run = wrk(
                        f"http://127.0.0.1:{ceiling_port}{endpoint.ceiling}", options.duration, connections, {}
                    )
                    reference, reference_name = ceiling_run["rps"], "ceiling"
                cpu_before = cpu_seconds(api, backend)
                run = wrk(
                    f"http://127.0.0.1:{api_port}{endpoint.path}",
                    options.duration,
                    connections,
                    headers,
                    endpoint.script,
                )
                if endpoint.compare and endpoint.compare in measured:
                    reference, reference_name = measured[endpoint.compare], endpoint.compare
                # wrk stops at its deadline, not the server's work: let what is still running finish.
                wait_idle(api)
                cpu = per_request(cpu_before, cpu_seconds(api, backend), run["requests"])
                if run["rps"] == 0:
                    # Slower than the whole window: time one request alone instead.
                    started = time.monotonic()
                    status = request(f"http://127.0.0.1:{api_port}{endpoint.path}", headers)[0]
                    elapsed = time.monotonic() - started
                    run.update(
                        rps=1 / elapsed,
                        p50=f"{elapsed:.2f}s",
                        p99="(1 request)",
                        errors="" if status < 400 else str(status),
                    )
                measured[endpoint.name] = run["rps"]
                result = Result(backend, workers, endpoint.name, run["rps"], run["p50"], run["p99"], run["errors"])
                result.reference, result.reference_name, result.cpu = reference, reference_name, cpu
                results.append(result)
                log("  " + format_row(result))
            rss = worker_rss_mb(api)
            notes.append(
                f"{backend}, {workers} worker(s): resident memory per API worker after the run: "
                + ", ".join(f"{size:.0f} MB" for size in rss)
            )
        finally:
            stop(api)
            stop(ceiling)
    return results, notes


HEADER = (
    "| backend | workers | endpoint | req/s | p50 | p99 | compared with | its req/s | ratio | CPU ms per request"
    " (API + database) | errors |"
)


def format_row(result: Result) -> str:
    ratio = f"{result.rps / result.reference:.0%}" if result.reference else ""
    reference = f"{result.reference:,.0f}" if result.reference else ""
    return (
        f"| {result.backend} | {result.workers} | {result.endpoint} | {result.rps:,.1f} | {result.p50} | {result.p99}"
        f" | {result.reference_name} | {reference} | {ratio} | {result.cpu} | {result.errors} |"
    )


def main() -> None:
    from bench.dataset import Scale

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--quick", action="store_true", help="2,000 scanners, 20,000 changes, 3 s per endpoint, 1 worker"
    )
    parser.add_argument("--scanners", type=int)
    parser.add_argument("--sites", type=int)
    parser.add_argument("--vendors", type=int)
    parser.add_argument("--changes", type=int)
    parser.add_argument("--backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--workers", default=None, help="comma-separated worker counts (default 1,2; quick: 1)")
    parser.add_argument(
        "--duration", type=int, default=None, help="seconds of load per endpoint (default 10; quick: 3)"
    )
    parser.add_argument("--connections", type=int, default=32, help="wrk connections for the hot endpoints")
    parser.add_argument("--port", type=int, default=API_PORT, help="the API's port; the ceiling uses the next one")
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--only", action="append", help="measure only endpoints whose name contains this (repeatable)")
    parser.add_argument("--output", help="also write the table (Markdown) to this file")
    options = parser.parse_args()
    quick = Scale(scanners=2_000, sites=50, vendors=20, changes=20_000)
    base = quick if options.quick else Scale()
    scale = Scale(
        scanners=options.scanners or base.scanners,
        sites=options.sites or base.sites,
        vendors=options.vendors or base.vendors,
        changes=options.changes or base.changes,
    )
    options.duration = options.duration or (3 if options.quick else 10)
    options.workers = [int(w) for w in (options.workers or ("1" if options.quick else "1,2")).split(",")]
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    results, notes = [], []
    for backend in options.backends.split(","):
        with tempfile.TemporaryDirectory(prefix="perfbench_") as scratch:
            workdir = Path(scratch)
            if backend == "sqlite":
                found, said = bench_backend("SQLite", f"sqlite:///{workdir / 'bench.db'}", options, scale, workdir, log)
            else:
                import sqlalchemy as sa

                name = f"perfbench_{uuid.uuid4().hex[:8]}"
                server = sa.make_url(options.postgres)
                admin = sa.create_engine(server.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
                with admin.connect() as connection:
                    connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
                try:
                    url = server.set(database=name).render_as_string(hide_password=False)
                    found, said = bench_backend("PostgreSQL", url, options, scale, workdir, log)
                finally:
                    from app.core.db import dispose_engines

                    dispose_engines()
                    with admin.connect() as connection:
                        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    admin.dispose()
            results += found
            notes += said
    lines = [
        f"Scale: {scale.scanners:,} scanners, {scale.sites} sites, {scale.vendors} vendors, {scale.changes:,} change records;"
        f" {options.duration} s per endpoint, wrk with {options.connections} connections"
        f" ({HEAVY_CONNECTIONS} for the heavy endpoints).",
        "",
        HEADER,
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *(format_row(result) for result in results),
        "",
        *(f"- {note}" for note in notes),
    ]
    print("\n".join(lines))
    if options.output:
        Path(options.output).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
