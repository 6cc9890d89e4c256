"""Loads the seed file: the facts of the source document, validated exactly as API request bodies are.

Idempotent: each record is matched on its natural key (site code, vendor slug, ...). A record
already present and equal is left alone; one that differs from the file is updated (its
version goes up); a missing one is created. Running the loader twice changes nothing.

Every creation and update is written to the change log (no API key, request id ``seed``).
The first load into an empty change log is stamped with the document's date
(``document.received_on``), so ``as_of`` on that date shows what the document states; later
runs record their changes at the time they happen.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import yaml
from pydantic import BaseModel
from sqlmodel import Session, SQLModel, select

from app.assessments.schemas import VendorAssessmentCreate
from app.audits.schemas import AuditCreate
from app.audits.service import check_stated_dates
from app.changes.models import ChangeRecord
from app.changes.recording import append_change, assign_id, lock_chain, row_state
from app.core.choices import ChangeAction
from app.core.context import SEED_REQUEST_ID, RequestContext, using_context
from app.core.db import utcnow
from app.core.errors import ProblemError
from app.core.migrate import PROJECT_ROOT
from app.models import (
    Audit,
    AuditScanner,
    AuditSite,
    Network,
    Procurement,
    ProcurementScanner,
    Scanner,
    Site,
    Vendor,
    VendorAssessment,
    VendorRestriction,
)
from app.networks.schemas import NetworkCreate
from app.procurements.schemas import ProcurementCreate
from app.scanners.schemas import ScannerCreate
from app.sites.schemas import SiteCreate
from app.vendors.schemas import VendorCreate, VendorRestrictionCreate

DEFAULT_SEED_FILE = PROJECT_ROOT / "seed" / "inventory.yaml"


class SeedError(ValueError):
    """The seed file is not valid; nothing was loaded."""


@dataclass
class SeedReport:
    """What a seed run did, per table."""

    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)

    def summary(self) -> str:
        tables = sorted(set(self.created) | set(self.updated) | set(self.unchanged))
        return "; ".join(
            f"{table}: {self.created[table]} created, {self.updated[table]} updated, {self.unchanged[table]} unchanged"
            for table in tables
        )


def _validated(schema: type[BaseModel], record: dict[str, Any], where: str) -> dict[str, Any]:
    # Through JSON, as an API body arrives, so the seed meets exactly the API's validation.
    try:
        return schema.model_validate_json(orjson.dumps(record)).model_dump()
    except ValueError as error:
        raise SeedError(f"{where}: {error}") from error


def _upsert(
    session: Session,
    model: type[SQLModel],
    key: dict[str, Any],
    values: dict[str, Any],
    stamp: datetime,
    report: SeedReport,
) -> Any:
    statement = select(model)
    for column, value in key.items():
        statement = statement.where(getattr(model, column) == value)
    existing = session.exec(statement).first()
    table = model.__tablename__
    if existing is None:
        row = model(**values, created_at=stamp, updated_at=stamp)
        assign_id(session, row)
        session.add(row)
        session.flush()
        append_change(
            session,
            ChangeAction.CREATE,
            model.__table__,
            row.id,
            None,
            row_state(session, model.__table__, row.id),
            at=stamp,
        )
        report.created[table] += 1
        return row
    changed = {name: value for name, value in values.items() if getattr(existing, name) != value}
    if changed:
        before = row_state(session, model.__table__, existing.id)
        now = utcnow()
        for name, value in changed.items():
            setattr(existing, name, value)
        existing.version += 1
        existing.updated_at = now
        session.flush()
        append_change(
            session,
            ChangeAction.UPDATE,
            model.__table__,
            existing.id,
            before,
            row_state(session, model.__table__, existing.id),
            at=now,
        )
        report.updated[table] += 1
    else:
        report.unchanged[table] += 1
    return existing


def _lookup(index: dict[str, int], kind: str, key: str | None, where: str) -> int | None:
    if key is None:
        return None
    if key not in index:
        raise SeedError(f"{where}: no {kind} '{key}' in the seed file")
    return index[key]


def load_seed(session: Session, path: Path = DEFAULT_SEED_FILE) -> SeedReport:
    """Load ``path`` into the database in one transaction; on any invalid record nothing is stored."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise SeedError(f"cannot read seed file {path}: {error}") from error
    received_on = data.get("document", {}).get("received_on")
    if not isinstance(received_on, date):
        raise SeedError("document.received_on must be a date (the facts are recorded as of it)")
    report = SeedReport()
    with using_context(RequestContext(request_id=SEED_REQUEST_ID)), session.begin():
        lock_chain(session)
        initial = session.exec(select(ChangeRecord.id).limit(1)).first() is None
        stamp = datetime(received_on.year, received_on.month, received_on.day, tzinfo=UTC) if initial else utcnow()
        sites: dict[str, int] = {}
        for n, record in enumerate(data.get("sites", [])):
            values = _validated(SiteCreate, record, f"sites[{n}]")
            sites[values["code"]] = _upsert(session, Site, {"code": values["code"]}, values, stamp, report).id
        vendors: dict[str, int] = {}
        for n, record in enumerate(data.get("vendors", [])):
            values = _validated(VendorCreate, record, f"vendors[{n}]")
            vendors[values["slug"]] = _upsert(session, Vendor, {"slug": values["slug"]}, values, stamp, report).id
        for n, record in enumerate(data.get("vendor_restrictions", [])):
            where = f"vendor_restrictions[{n}]"
            body = {**record, "vendor_id": _lookup(vendors, "vendor", record.get("vendor"), where)}
            body.pop("vendor", None)
            values = _validated(VendorRestrictionCreate, body, where)
            key = {name: values[name] for name in ("vendor_id", "country", "kind", "authority")}
            _upsert(session, VendorRestriction, key, values, stamp, report)
        networks: dict[str, int] = {}
        for n, record in enumerate(data.get("networks", [])):
            values = _validated(NetworkCreate, record, f"networks[{n}]")
            networks[values["code"]] = _upsert(session, Network, {"code": values["code"]}, values, stamp, report).id
        scanners: dict[str, int] = {}
        for n, record in enumerate(data.get("scanners", [])):
            where = f"scanners[{n}]"
            body = {name: value for name, value in record.items() if name not in ("site", "vendor", "network")}
            body["site_id"] = _lookup(sites, "site", record.get("site"), where)
            body["vendor_id"] = _lookup(vendors, "vendor", record.get("vendor"), where)
            body["network_id"] = _lookup(networks, "network", record.get("network"), where)
            values = _validated(ScannerCreate, body, where)
            scanners[values["asset_tag"]] = _upsert(
                session, Scanner, {"asset_tag": values["asset_tag"]}, values, stamp, report
            ).id
        _load_assurance(session, data, stamp, report, sites=sites, vendors=vendors, scanners=scanners)
    return report


def _link(
    session: Session, model: type[SQLModel], owner: str, owner_id: int, target: str, ids: list[int], stamp, report
) -> None:
    for target_id in ids:
        values = {owner: owner_id, target: target_id}
        _upsert(session, model, values, values, stamp, report)


def _load_assurance(
    session: Session,
    data: dict[str, Any],
    stamp: datetime,
    report: SeedReport,
    *,
    sites: dict[str, int],
    vendors: dict[str, int],
    scanners: dict[str, int],
) -> None:
    """Procurements, audits and vendor assessments, after the inventory they refer to."""
    for n, record in enumerate(data.get("procurements", [])):
        where = f"procurements[{n}]"
        body = {name: value for name, value in record.items() if name not in ("vendor", "scanners")}
        body["vendor_id"] = _lookup(vendors, "vendor", record.get("vendor"), where)
        body["scanner_ids"] = [_lookup(scanners, "scanner", tag, where) for tag in record.get("scanners", [])]
        values = _validated(ProcurementCreate, body, where)
        scanner_ids = values.pop("scanner_ids")
        key = {"vendor_id": values["vendor_id"], "title": values["title"]}
        procurement = _upsert(session, Procurement, key, values, stamp, report)
        _link(session, ProcurementScanner, "procurement_id", procurement.id, "scanner_id", scanner_ids, stamp, report)
    for n, record in enumerate(data.get("audits", [])):
        where = f"audits[{n}]"
        body = {name: value for name, value in record.items() if name not in ("scanners", "sites")}
        body["scanner_ids"] = [_lookup(scanners, "scanner", tag, where) for tag in record.get("scanners", [])]
        body["site_ids"] = [_lookup(sites, "site", code, where) for code in record.get("sites", [])]
        values = _validated(AuditCreate, body, where)
        scanner_ids, site_ids = values.pop("scanner_ids"), values.pop("site_ids")
        try:
            check_stated_dates(values)
        except ProblemError as error:
            raise SeedError(f"{where}: {error.detail}") from error
        audit = _upsert(session, Audit, {"title": values["title"]}, values, stamp, report)
        _link(session, AuditScanner, "audit_id", audit.id, "scanner_id", scanner_ids, stamp, report)
        _link(session, AuditSite, "audit_id", audit.id, "site_id", site_ids, stamp, report)
    for n, record in enumerate(data.get("vendor_assessments", [])):
        where = f"vendor_assessments[{n}]"
        body = {**record, "vendor_id": _lookup(vendors, "vendor", record.get("vendor"), where)}
        body.pop("vendor", None)
        values = _validated(VendorAssessmentCreate, body, where)
        key = {"vendor_id": values["vendor_id"], "assessed_on": values["assessed_on"]}
        _upsert(session, VendorAssessment, key, values, stamp, report)
