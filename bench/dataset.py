"""Generate a benchmark dataset fast: sites, vendors, scanners and a valid hash-chained change log,
written with bulk SQL (COPY on PostgreSQL, executemany in one transaction on SQLite), not the API.

The database must be migrated and seeded first (the seed's facts stay; generated rows come after
them). Every generated object has a create record; then ``changes`` records in total are reached
with updates spread round-robin over the scanners (so each scanner's history spans the whole log),
and the final rows are the last recorded states. The object versions (what ``as_of`` reads) are
rebuilt from the whole log afterwards, in the same transaction, as the migration builds them. ``recorded_at`` runs evenly from 2021-05-01 to
yesterday, so ``as_of`` at the start, middle and end of the log are all meaningful. The chain
continues the seed's: the generated log verifies.

    python -m bench.dataset --url sqlite:///var/bench.db --scanners 1000 --changes 10000
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

import app.models  # noqa: F401  # every table, and with them every value maintained on write
from app.changes.recording import canonical, rebuild_maintained, record_content, record_hash
from app.changes.versions import rebuild_versions
from app.core.db import format_timestamp, get_engine
from app.core.timeouts import without_timeouts

START = datetime(2021, 5, 1, tzinfo=UTC)
STATUSES = ["active", "maintenance", "active", "planned", "decommissioned"]
USES = ["container_cargo", "air_cargo", "baggage", "post_and_courier"]
KINDS = ["seaport", "airport", "postal_sorting_centre", "courier_hub", "land_border"]
CHANGE_COLUMNS = (
    "id",
    "recorded_at",
    "api_key_id",
    "request_id",
    "action",
    "object_type",
    "object_id",
    "before",
    "after",
    "reason",
    "previous_hash",
    "hash",
)


@dataclass(frozen=True)
class Scale:
    """How much to generate."""

    scanners: int = 100_000
    sites: int = 500
    vendors: int = 20
    changes: int = 1_000_000

    @property
    def updates(self) -> int:
        return max(0, self.changes - self.scanners - self.sites - self.vendors)


@dataclass
class Generated:
    """What the benchmark needs to know about the dataset it generated."""

    first_site_id: int
    first_vendor_id: int
    first_scanner_id: int
    scanner_versions: dict[int, int]
    first_record_id: int
    last_record_id: int
    first_recorded_at: str
    middle_recorded_at: str
    last_recorded_at: str


def _site_state(site_id: int, n: int, at: str, version: int) -> dict[str, Any]:
    return {
        "id": site_id,
        "code": f"bench-site-{n:04d}",
        "name": f"Benchmark site {n}" + ("" if version == 1 else f" (rev {version})"),
        "kind": KINDS[n % len(KINDS)],
        "country": "NL",
        "locality": None,
        "scanner_list": "unknown",
        "scanner_list_as_stated": None,
        "notes": None,
        "source": "benchmark",
        "created_at": at,
        "updated_at": at,
        "version": version,
    }


def _vendor_state(vendor_id: int, n: int, at: str) -> dict[str, Any]:
    return {
        "id": vendor_id,
        "slug": f"bench-vendor-{n:02d}",
        "name": f"Benchmark vendor {n}",
        "country": "NL",
        "ownership": "private",
        "ownership_note": None,
        "notes": None,
        "source": "benchmark",
        "created_at": at,
        "updated_at": at,
        "version": 1,
    }


class Scanners:
    """Scanner states computed from (id, version, times), so a million of them need no memory."""

    def __init__(self, first_id: int, count: int, site_ids: list[int], vendor_ids: list[int], network_id: int):
        self.first_id, self.count = first_id, count
        self.site_ids, self.vendor_ids, self.network_id = site_ids, vendor_ids, network_id
        self.created_at: list[str] = [""] * count
        self.updated_at: list[str] = [""] * count
        self.version: list[int] = [0] * count

    def state(self, index: int) -> dict[str, Any]:
        version = self.version[index]
        fibre = index % 5 == 0
        return {
            "id": self.first_id + index,
            "asset_tag": f"BENCH-{index:07d}",
            "site_id": self.site_ids[index % len(self.site_ids)],
            "vendor_id": None if index % 50 == 0 else self.vendor_ids[index % len(self.vendor_ids)],
            "network_id": self.network_id if fibre else None,
            "network_mode": "fibre_linked" if fibre else "standalone",
            "model": None,
            "use": USES[index % len(USES)],
            "status": STATUSES[version % len(STATUSES)],
            "count_basis": "unit",
            "notes": None if version == 1 else f"benchmark revision {version}",
            "source": "benchmark",
            "created_at": self.created_at[index],
            "updated_at": self.updated_at[index],
            "version": version,
        }


class Chain:
    """Appends change records after the existing head, hashing them like the application does."""

    def __init__(self, head_id: int, head_hash: str | None, total: int):
        self.next_id, self.previous_hash = head_id + 1, head_hash
        self.first_id = self.next_id
        self.total = total
        span = (datetime.now(UTC) - timedelta(days=1) - START).total_seconds()
        self.step = span / max(1, total)
        self.index = 0

    def now(self) -> str:
        return format_timestamp(START + timedelta(seconds=self.step * self.index))

    def append(self, action: str, object_type: str, object_id: int, before: Any, after: Any, at: str) -> tuple:
        content = record_content(
            id=self.next_id,
            recorded_at=at,
            api_key_id=None,
            request_id="benchmark",
            action=action,
            object_type=object_type,
            object_id=object_id,
            before=None if before is None else canonical(before),
            after=None if after is None else canonical(after),
            reason=None,
            previous_hash=self.previous_hash,
        )
        digest = record_hash(content)
        row = tuple(content[column] for column in CHANGE_COLUMNS[:-1]) + (digest,)
        self.previous_hash = digest
        self.next_id += 1
        self.index += 1
        return row


def _columns(table: str) -> list[str]:
    from sqlmodel import SQLModel

    return [column.name for column in SQLModel.metadata.tables[table].columns]


def generate(url: str, scale: Scale, *, log=print) -> Generated:
    """Add the generated rows and change records to a migrated, seeded database."""
    engine = get_engine(url)
    postgres = engine.dialect.name == "postgresql"
    started = time.monotonic()
    with engine.connect() as connection:
        ids = {
            table: (connection.execute(sa.text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar_one())
            for table in ("site", "vendor", "scanner")
        }
        head = connection.execute(sa.text("SELECT id, hash FROM change_record ORDER BY id DESC LIMIT 1")).first()
        network_id = connection.execute(sa.text("SELECT MIN(id) FROM network")).scalar_one()
    chain = Chain(head.id if head else 0, head.hash if head else None, scale.changes)
    site_ids = [ids["site"] + 1 + n for n in range(scale.sites)]
    vendor_ids = [ids["vendor"] + 1 + n for n in range(scale.vendors)]
    scanners = Scanners(ids["scanner"] + 1, scale.scanners, site_ids, vendor_ids, network_id)

    sites: list[dict[str, Any]] = []
    vendors: list[dict[str, Any]] = []

    def records() -> Iterator[tuple]:
        for n, site_id in enumerate(site_ids):
            at = chain.now()
            state = _site_state(site_id, n, at, 1)
            sites.append(state)
            yield chain.append("create", "sites", site_id, None, state, at)
        for n, vendor_id in enumerate(vendor_ids):
            at = chain.now()
            state = _vendor_state(vendor_id, n, at)
            vendors.append(state)
            yield chain.append("create", "vendors", vendor_id, None, state, at)
        for index in range(scale.scanners):
            at = chain.now()
            scanners.created_at[index] = scanners.updated_at[index] = at
            scanners.version[index] = 1
            yield chain.append("create", "scanners", scanners.first_id + index, None, scanners.state(index), at)
        for update in range(scale.updates):
            at = chain.now()
            if scale.scanners:
                index = update % scale.scanners
                before = scanners.state(index)
                scanners.version[index] += 1
                scanners.updated_at[index] = at
                yield chain.append("update", "scanners", before["id"], before, scanners.state(index), at)
            else:
                site = sites[update % len(sites)]
                after = {**site, "version": site["version"] + 1, "updated_at": at, "name": f"{site['name']}+"}
                sites[update % len(sites)] = after
                yield chain.append("update", "sites", site["id"], site, after, at)

    with engine.begin() as connection, without_timeouts(connection):
        raw = connection.connection.driver_connection
        _write(raw, postgres, "change_record", list(CHANGE_COLUMNS), records())
        log(f"  {chain.next_id - chain.first_id:,} change records in {time.monotonic() - started:.0f} s")
        for table, rows in (("site", sites), ("vendor", vendors)):
            columns = _columns(table)
            _write(raw, postgres, table, columns, (tuple(row[c] for c in columns) for row in rows))
        columns = _columns("scanner")
        _write(
            raw,
            postgres,
            "scanner",
            columns,
            (tuple(scanners.state(index)[c] for c in columns) for index in range(scale.scanners)),
        )
        versions = rebuild_versions(connection)
        log(f"  {versions:,} object versions built from the log in {time.monotonic() - started:.0f} s")
        rebuild_maintained(connection)  # written around the application: its derived values too
        if postgres:
            for table in ("site", "vendor", "scanner"):
                connection.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"
                )
    with engine.begin() as connection, without_timeouts(connection):
        connection.exec_driver_sql("ANALYZE")
    log(f"  dataset written in {time.monotonic() - started:.0f} s")
    # The start is the first record after the generated objects were created (so they all exist then).
    start = chain.first_id + scale.sites + scale.vendors + scale.scanners
    start = min(start, chain.next_id - 1)
    middle = chain.first_id + (chain.next_id - chain.first_id) // 2
    with engine.connect() as connection:
        times = {
            record_id: connection.execute(
                sa.text("SELECT recorded_at FROM change_record WHERE id = :id"), {"id": record_id}
            ).scalar_one()
            for record_id in (start, middle, chain.next_id - 1)
        }
    text = {key: value if isinstance(value, str) else format_timestamp(value) for key, value in times.items()}
    return Generated(
        first_site_id=site_ids[0] if site_ids else 0,
        first_vendor_id=vendor_ids[0] if vendor_ids else 0,
        first_scanner_id=scanners.first_id,
        scanner_versions={scanners.first_id + i: v for i, v in enumerate(scanners.version)},
        first_record_id=chain.first_id,
        last_record_id=chain.next_id - 1,
        first_recorded_at=text[start],
        middle_recorded_at=text[middle],
        last_recorded_at=text[chain.next_id - 1],
    )


def _write(raw: Any, postgres: bool, table: str, columns: list[str], rows: Iterator[tuple], chunk: int = 20_000):
    """Bulk-insert rows: COPY on PostgreSQL, executemany in chunks on SQLite (one transaction)."""
    names = ", ".join(columns)
    if postgres:
        with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' for _ in columns)})"
    batch: list[tuple] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= chunk:
            raw.executemany(sql, batch)
            batch.clear()
    if batch:
        raw.executemany(sql, batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="A migrated and seeded database.")
    parser.add_argument("--scanners", type=int, default=Scale.scanners)
    parser.add_argument("--sites", type=int, default=Scale.sites)
    parser.add_argument("--vendors", type=int, default=Scale.vendors)
    parser.add_argument("--changes", type=int, default=Scale.changes)
    options = parser.parse_args()
    generate(options.url, Scale(options.scanners, options.sites, options.vendors, options.changes))


if __name__ == "__main__":
    main()
