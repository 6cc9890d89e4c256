"""Loads the seed file: the facts of the source document, validated exactly as API request bodies are.

The seed is a first load of the source document, never a reset of user data. Each record is
matched on its natural key (site code, vendor slug, ...):

- present in the database: left exactly as it is, even where it differs from the file (a user
  may have corrected it); such records are reported as ``kept``;
- absent, but the change log shows an object with that key existed (a user deleted it, or
  changed its key): not recreated, reported as ``absent``; records of the file that refer to
  it are skipped too, unless it lives on under another key, which they then refer to;
- absent and never recorded: created. So an empty or partial database is filled, and a later
  seed file may add new facts.

``reconcile=True`` (``inventory seed --reconcile``, an explicit admin action) also sets every
present record that differs from the file back to the file's values, each as an update in the
change log with the reason ``reconciled with the seed file``. It never recreates deleted records
(``POST /<collection>/{id}/restore`` does that, one object at a time).

Every change is written to the change log (no API key, request id ``seed``). The first load
into an empty change log is stamped with the document's date (``document.received_on``), so
``as_of`` on that date shows what the document states; later runs record their changes at the
time they happen.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
import yaml
from pydantic import BaseModel
from sqlmodel import Session, col, select

import app.models  # noqa: F401  # every table, and with them every value maintained on write
from app.assessments.models import VendorAssessment
from app.assessments.schemas import VendorAssessmentCreate
from app.audits.models import Audit, AuditScanner, AuditSite
from app.audits.schemas import AuditCreate
from app.audits.service import check_stated_dates
from app.changes.models import ChangeRecord
from app.changes.recording import append_change, assign_id, canonical, collection_of, jsonable, lock_chain, row_state
from app.core.choices import ChangeAction
from app.core.context import SEED_REQUEST_ID, RequestContext, current_context, using_context
from app.core.db import refresh_statistics, utcnow
from app.core.errors import ProblemError
from app.core.migrate import PROJECT_ROOT
from app.core.models import TrackedColumns
from app.investigations.models import Investigation, InvestigationScanner, InvestigationVendor
from app.investigations.schemas import InvestigationCreate
from app.networks.models import Network
from app.networks.schemas import NetworkCreate
from app.operators.models import Operator, OperatorScanner, OperatorSite
from app.operators.schemas import OperatorCreate
from app.procurements.models import Procurement, ProcurementScanner
from app.procurements.schemas import ProcurementCreate
from app.scanners.models import Scanner
from app.scanners.schemas import ScannerCreate
from app.sites.models import Site
from app.sites.schemas import SiteCreate
from app.vendors.models import Vendor, VendorRestriction
from app.vendors.schemas import VendorCreate, VendorRestrictionCreate

logger = logging.getLogger("app.seed")
DEFAULT_SEED_FILE = PROJECT_ROOT / "seed" / "inventory.yaml"


class SeedError(ValueError):
    """The seed file is not valid; nothing was loaded."""


RECONCILE_REASON = "reconciled with the seed file"


@dataclass
class SeedReport:
    """What a seed run did, per table."""

    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    kept: Counter[str] = field(default_factory=Counter)
    absent: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)

    _OUTCOMES = (
        ("created", "created"),
        ("updated", "reconciled"),
        ("unchanged", "unchanged"),
        ("kept", "kept as edited"),
        ("absent", "deleted or re-keyed, not recreated"),
        ("skipped", "skipped, refer to a deleted record"),
    )

    def summary(self) -> str:
        counters = [(getattr(self, name), label) for name, label in self._OUTCOMES]
        tables = sorted(set().union(*(counter.keys() for counter, _ in counters)))
        return "; ".join(
            f"{table}: " + ", ".join(f"{counter[table]} {label}" for counter, label in counters if counter[table])
            for table in tables
        )


def _validated(schema: type[BaseModel], record: dict[str, Any], where: str) -> dict[str, Any]:
    # Through JSON, as an API body arrives, so the seed meets exactly the API's validation.
    try:
        return schema.model_validate_json(orjson.dumps(record)).model_dump()
    except ValueError as error:
        raise SeedError(f"{where}: {error}") from error


@dataclass
class _Loader:
    """Puts the file's records into one transaction: creates what was never there, keeps the rest."""

    session: Session
    stamp: datetime
    report: SeedReport
    reconcile: bool

    def put(self, model: type[TrackedColumns], key: dict[str, Any], values: dict[str, Any]) -> int | None:
        """The id of the record with natural ``key``: created when the database never held one,
        kept as users left it otherwise (reconciled with ``values`` when asked); None when a user
        deleted it."""
        session, table = self.session, model.__table__
        statement = select(model)
        for column, value in key.items():
            statement = statement.where(getattr(model, column) == value)
        existing = session.exec(statement).first()
        if existing is not None:
            changed = {name: value for name, value in values.items() if getattr(existing, name) != value}
            if not changed:
                self.report.unchanged[table.name] += 1
            elif self.reconcile:
                self._update(model, existing, changed)
                self.report.updated[table.name] += 1
            else:
                self.report.kept[table.name] += 1
            return existing.id
        recorded = _recorded_id(session, table, key)
        if recorded is not None:
            # A user deleted it or changed its key: the seed never undoes that.
            self.report.absent[table.name] += 1
            return recorded if session.get(model, recorded) is not None else None
        row = model(**values, created_at=self.stamp, updated_at=self.stamp)
        assign_id(session, row)
        session.add(row)
        session.flush()
        assert row.id is not None  # set by assign_id or the flush
        append_change(
            session, ChangeAction.CREATE, table, row.id, None, row_state(session, table, row.id), at=self.stamp
        )
        self.report.created[table.name] += 1
        return row.id

    def _update(self, model: type[TrackedColumns], existing: Any, changed: dict[str, Any]) -> None:
        table = model.__table__
        before = row_state(self.session, table, existing.id)
        now = utcnow()
        for name, value in changed.items():
            setattr(existing, name, value)
        existing.version += 1
        existing.updated_at = now
        self.session.flush()
        context = current_context()
        context.reason = RECONCILE_REASON
        try:
            after = row_state(self.session, table, existing.id)
            append_change(self.session, ChangeAction.UPDATE, table, existing.id, before, after, at=now)
        finally:
            context.reason = None


def _recorded_id(session: Session, table: sa.Table, key: dict[str, Any]) -> int | None:
    """The id of the latest object of ``table`` the change log shows with ``key``, or None.

    Every object that ever held a key has a record (its creation, or the update that gave it the
    key) whose ``after`` holds it; canonical JSON makes ``"name":value`` a cheap text filter,
    confirmed on the parsed state.
    """
    wanted = {name: jsonable(value) for name, value in key.items()}
    statement = (
        sa.select(col(ChangeRecord.object_id), col(ChangeRecord.after))
        .where(col(ChangeRecord.object_type) == collection_of(table.name))
        .order_by(col(ChangeRecord.id).desc())
    )
    for name, value in wanted.items():
        statement = statement.where(col(ChangeRecord.after).contains(f'"{name}":{canonical(value)}', autoescape=True))
    for object_id, after in session.execute(statement):
        state = orjson.loads(after)
        if all(state.get(name) == value for name, value in wanted.items()):
            return object_id
    return None


STAND_IN_ID = 1
"""Stands in for a reference to a deleted record while its referrer is validated (then skipped)."""


class _Refs:
    """Resolves the file's references (codes, slugs, asset tags) to ids for one record."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.gone = False

    def one(self, index: dict[str, int | None], kind: str, key: str | None) -> int | None:
        if key is None:
            return None
        if key not in index:
            raise SeedError(f"{self.where}: no {kind} '{key}' in the seed file")
        found = index[key]
        if found is None:
            self.gone = True
            return STAND_IN_ID
        return found

    def many(self, index: dict[str, int | None], kind: str, keys: list[str]) -> list[int]:
        """Ids of the listed records; those a user deleted are left out (their links are not recreated)."""
        ids: list[int] = []
        for key in keys:
            if key not in index:
                raise SeedError(f"{self.where}: no {kind} '{key}' in the seed file")
            found = index[key]
            if found is not None:
                ids.append(found)
        return ids


def load_seed(session: Session, path: Path = DEFAULT_SEED_FILE, *, reconcile: bool = False) -> SeedReport:
    """Load ``path`` into the database in one transaction; on any invalid record nothing is stored.

    Creates what the database never held; with ``reconcile`` also sets records that differ from
    the file back to it (see the module docstring).
    """
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
        loader = _Loader(session, stamp, report, reconcile)
        sites: dict[str, int | None] = {}
        for n, record in enumerate(data.get("sites", [])):
            values = _validated(SiteCreate, record, f"sites[{n}]")
            sites[values["code"]] = loader.put(Site, {"code": values["code"]}, values)
        vendors: dict[str, int | None] = {}
        for n, record in enumerate(data.get("vendors", [])):
            values = _validated(VendorCreate, record, f"vendors[{n}]")
            vendors[values["slug"]] = loader.put(Vendor, {"slug": values["slug"]}, values)
        for n, record in enumerate(data.get("vendor_restrictions", [])):
            refs = _Refs(f"vendor_restrictions[{n}]")
            body = {**record, "vendor_id": refs.one(vendors, "vendor", record.get("vendor"))}
            body.pop("vendor", None)
            values = _validated(VendorRestrictionCreate, body, refs.where)
            key = {name: values[name] for name in ("vendor_id", "country", "kind", "authority")}
            _put_unless_gone(loader, refs, VendorRestriction, key, values)
        networks: dict[str, int | None] = {}
        for n, record in enumerate(data.get("networks", [])):
            values = _validated(NetworkCreate, record, f"networks[{n}]")
            networks[values["code"]] = loader.put(Network, {"code": values["code"]}, values)
        scanners: dict[str, int | None] = {}
        for n, record in enumerate(data.get("scanners", [])):
            refs = _Refs(f"scanners[{n}]")
            body = {name: value for name, value in record.items() if name not in ("site", "vendor", "network")}
            body["site_id"] = refs.one(sites, "site", record.get("site"))
            body["vendor_id"] = refs.one(vendors, "vendor", record.get("vendor"))
            body["network_id"] = refs.one(networks, "network", record.get("network"))
            values = _validated(ScannerCreate, body, refs.where)
            scanners[values["asset_tag"]] = _put_unless_gone(
                loader, refs, Scanner, {"asset_tag": values["asset_tag"]}, values
            )
        _load_assurance(loader, data, sites=sites, vendors=vendors, scanners=scanners)
    refresh_statistics(session.get_bind().engine)
    logger.info("seed loaded", extra={"file": path.name, "summary": report.summary()})
    return report


def _put_unless_gone(
    loader: _Loader, refs: _Refs, model: type[TrackedColumns], key: dict[str, Any], values: dict[str, Any]
) -> int | None:
    """``loader.put`` unless the record refers to something a user deleted (then it is skipped)."""
    if refs.gone:
        loader.report.skipped[model.__table__.name] += 1
        return None
    return loader.put(model, key, values)


def _link(loader: _Loader, model: type[TrackedColumns], owner_id: int, ids: list[int]) -> None:
    """Rows of the link table ``model`` linking the owner ``owner_id`` to each of ``ids``."""
    owner, target = model.__link__
    for target_id in ids:
        values = {owner: owner_id, target: target_id}
        loader.put(model, values, values)


def _load_assurance(
    loader: _Loader,
    data: dict[str, Any],
    *,
    sites: dict[str, int | None],
    vendors: dict[str, int | None],
    scanners: dict[str, int | None],
) -> None:
    """Procurements, audits, vendor assessments, operators and investigations, after the inventory they refer to."""
    for n, record in enumerate(data.get("procurements", [])):
        refs = _Refs(f"procurements[{n}]")
        body = {name: value for name, value in record.items() if name not in ("vendor", "scanners")}
        body["vendor_id"] = refs.one(vendors, "vendor", record.get("vendor"))
        body["scanner_ids"] = refs.many(scanners, "scanner", record.get("scanners", []))
        values = _validated(ProcurementCreate, body, refs.where)
        scanner_ids = values.pop("scanner_ids")
        key = {"vendor_id": values["vendor_id"], "title": values["title"]}
        procurement_id = _put_unless_gone(loader, refs, Procurement, key, values)
        if procurement_id is not None:
            _link(loader, ProcurementScanner, procurement_id, scanner_ids)
    audits: dict[str, int | None] = {}
    for n, record in enumerate(data.get("audits", [])):
        refs = _Refs(f"audits[{n}]")
        body = {name: value for name, value in record.items() if name not in ("scanners", "sites")}
        body["scanner_ids"] = refs.many(scanners, "scanner", record.get("scanners", []))
        body["site_ids"] = refs.many(sites, "site", record.get("sites", []))
        values = _validated(AuditCreate, body, refs.where)
        scanner_ids, site_ids = values.pop("scanner_ids"), values.pop("site_ids")
        try:
            check_stated_dates(values)
        except ProblemError as error:
            raise SeedError(f"{refs.where}: {error.detail}") from error
        audit_id = loader.put(Audit, {"title": values["title"]}, values)
        audits[values["title"]] = audit_id
        if audit_id is not None:
            _link(loader, AuditScanner, audit_id, scanner_ids)
            _link(loader, AuditSite, audit_id, site_ids)
    for n, record in enumerate(data.get("vendor_assessments", [])):
        refs = _Refs(f"vendor_assessments[{n}]")
        body = {**record, "vendor_id": refs.one(vendors, "vendor", record.get("vendor"))}
        body.pop("vendor", None)
        values = _validated(VendorAssessmentCreate, body, refs.where)
        key = {"vendor_id": values["vendor_id"], "assessed_on": values["assessed_on"]}
        _put_unless_gone(loader, refs, VendorAssessment, key, values)
    _load_coverage(loader, data, sites=sites, vendors=vendors, scanners=scanners, audits=audits)


def _load_coverage(
    loader: _Loader,
    data: dict[str, Any],
    *,
    sites: dict[str, int | None],
    vendors: dict[str, int | None],
    scanners: dict[str, int | None],
    audits: dict[str, int | None],
) -> None:
    """Operators and investigations, with their links to sites, vendors, scanners and audits."""
    for n, record in enumerate(data.get("operators", [])):
        refs = _Refs(f"operators[{n}]")
        body = {name: value for name, value in record.items() if name not in ("sites", "scanners")}
        body["site_ids"] = refs.many(sites, "site", record.get("sites", []))
        body["scanner_ids"] = refs.many(scanners, "scanner", record.get("scanners", []))
        values = _validated(OperatorCreate, body, refs.where)
        site_ids, scanner_ids = values.pop("site_ids"), values.pop("scanner_ids")
        operator_id = loader.put(Operator, {"code": values["code"]}, values)
        if operator_id is not None:
            _link(loader, OperatorSite, operator_id, site_ids)
            _link(loader, OperatorScanner, operator_id, scanner_ids)
    for n, record in enumerate(data.get("investigations", [])):
        refs = _Refs(f"investigations[{n}]")
        body = {name: value for name, value in record.items() if name not in ("vendors", "scanners", "builds_on_audit")}
        body["builds_on_audit_id"] = refs.one(audits, "audit", record.get("builds_on_audit"))
        body["vendor_ids"] = refs.many(vendors, "vendor", record.get("vendors", []))
        body["scanner_ids"] = refs.many(scanners, "scanner", record.get("scanners", []))
        values = _validated(InvestigationCreate, body, refs.where)
        vendor_ids, scanner_ids = values.pop("vendor_ids"), values.pop("scanner_ids")
        investigation_id = _put_unless_gone(loader, refs, Investigation, {"title": values["title"]}, values)
        if investigation_id is not None:
            _link(loader, InvestigationVendor, investigation_id, vendor_ids)
            _link(loader, InvestigationScanner, investigation_id, scanner_ids)
