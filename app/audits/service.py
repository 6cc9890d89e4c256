"""Queries over audits and findings, their writes, and the audit status rules."""

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from app.audits.models import Audit, AuditScanner, AuditSite, Finding, FindingScanner
from app.audits.schemas import STATED_DATES, AuditCreate, AuditUpdate, FindingCreate, FindingUpdate
from app.changes.versions import at_instant, no_such, past
from app.core.choices import AuditStatus, DatePrecision, FindingSeverity, FindingStatus
from app.core.db import utcnow
from app.core.errors import Conflict, InvalidRequest
from app.core.http import ref_condition
from app.core.links import attach_links, attach_links_in_session, check_ids_exist, delete_links, replace_links
from app.core.pagination import Filters, Listing, SortField, fetch_page
from app.core.periods import period_end, period_start_problem
from app.core.reads import ReadDatabase, Row, iso_date
from app.core.writes import (
    count_references,
    delete_row,
    expected_version,
    get_or_404,
    insert_row,
    load_item,
    same_key_ignoring_case,
    update_row,
)
from app.investigations.models import Investigation
from app.scanners.models import Scanner
from app.sites.models import Site

NEXT_STATUS: dict[AuditStatus, tuple[AuditStatus, ...]] = {
    AuditStatus.COMMISSIONED: (AuditStatus.IN_PROGRESS,),
    AuditStatus.IN_PROGRESS: (AuditStatus.REPORTED,),
    AuditStatus.REPORTED: (AuditStatus.CLOSED,),
    AuditStatus.CLOSED: (),
}
"""An audit moves one step forward at a time; skipping a step or going back is a 409."""

_DATE_COLUMNS = ", ".join(f"audit.{name}_{part}" for name in STATED_DATES for part in ("on", "precision", "as_stated"))
_AUDIT_SELECT = (
    "SELECT audit.id, audit.title, audit.auditor, audit.status, audit.status_known_on, audit.dates_stated_on,"
    " audit.covers_all_scanners, audit.objective,"
    f" audit.notes, {_DATE_COLUMNS}, audit.source, audit.created_at, audit.updated_at, audit.version FROM audit"
)
_FINDING_SELECT = (
    "SELECT finding.id, finding.audit_id, finding.severity, finding.title, finding.description, finding.status,"
    " finding.due_on, finding.notes, finding.source, finding.created_at, finding.updated_at, finding.version"
    " FROM finding"
)
_AUDIT_SCANNERS = {"table": "audit_scanner", "owner": "audit_id", "target": "scanner_id", "field": "scanner_ids"}
_AUDIT_SITES = {"table": "audit_site", "owner": "audit_id", "target": "site_id", "field": "site_ids"}
_FINDING_SCANNERS = {"table": "finding_scanner", "owner": "finding_id", "target": "scanner_id", "field": "scanner_ids"}


def shape_audit(reads: ReadDatabase, row: Row) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": row["id"],
        "title": row["title"],
        "auditor": row["auditor"],
        "status": row["status"],
        "status_known_on": iso_date(row["status_known_on"]),
        "dates_stated_on": iso_date(row["dates_stated_on"]),
        "allowed_next_status": [status.value for status in NEXT_STATUS[AuditStatus(row["status"])]],
        "covers_all_scanners": reads.boolean(row["covers_all_scanners"]),
        "objective": row["objective"],
        "notes": row["notes"],
    }
    for name in STATED_DATES:
        on = row[f"{name}_on"]
        on = date.fromisoformat(on) if isinstance(on, str) else on
        item[f"{name}_on"] = iso_date(on)
        item[f"{name}_precision"] = row[f"{name}_precision"]
        item[f"{name}_as_stated"] = row[f"{name}_as_stated"]
        item[f"{name}_by"] = iso_date(period_end(on, row[f"{name}_precision"]))
    item.update(
        source=row["source"],
        created_at=reads.timestamp(row["created_at"]),
        updated_at=reads.timestamp(row["updated_at"]),
        version=row["version"],
    )
    return item


def shape_finding(reads: ReadDatabase, row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "audit_id": row["audit_id"],
        "severity": row["severity"],
        "title": row["title"],
        "description": row["description"],
        "status": row["status"],
        "due_on": iso_date(row["due_on"]),
        "notes": row["notes"],
        "source": row["source"],
        "created_at": reads.timestamp(row["created_at"]),
        "updated_at": reads.timestamp(row["updated_at"]),
        "version": row["version"],
    }


AUDITS = Listing(
    resource="audits",
    select=_AUDIT_SELECT,
    id_column="audit.id",
    sort_fields={
        "id": SortField("audit.id", "int"),
        "title": SortField("audit.title"),
        "status": SortField("audit.status"),
        "created_at": SortField("audit.created_at", "timestamp"),
        "updated_at": SortField("audit.updated_at", "timestamp"),
    },
    shape=shape_audit,
)

FINDINGS = Listing(
    resource="findings",
    select=_FINDING_SELECT,
    id_column="finding.id",
    sort_fields={
        "id": SortField("finding.id", "int"),
        "severity": SortField("finding.severity"),
        "status": SortField("finding.status"),
        "title": SortField("finding.title"),
        "created_at": SortField("finding.created_at", "timestamp"),
        "updated_at": SortField("finding.updated_at", "timestamp"),
    },
    shape=shape_finding,
)

COVERS_SCANNER = (
    "(audit.covers_all_scanners = TRUE"
    " OR EXISTS (SELECT 1 FROM audit_scanner s WHERE s.audit_id = audit.id AND s.scanner_id = :scanner)"
    " OR EXISTS (SELECT 1 FROM audit_site p JOIN scanner sc ON sc.site_id = p.site_id"
    " WHERE p.audit_id = audit.id AND sc.id = :scanner))"
)


async def _attach_audit_scope(reads: ReadDatabase, items: list[dict[str, Any]], at: datetime | None = None) -> None:
    await attach_links(reads, items, **_AUDIT_SCANNERS, past=past(at))
    await attach_links(reads, items, **_AUDIT_SITES, past=past(at))


async def list_audits(
    reads: ReadDatabase,
    *,
    status: AuditStatus | None,
    scanner: int | None,
    site: str | None,
    sort: str | None,
    limit: int,
    cursor: str | None,
    at: datetime | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Audits matching every given filter, each with its scope (as they stood at ``at``, when given)."""
    filters = Filters()
    if status:
        filters.add("audit.status = :status", status=status)
    if scanner is not None:
        filters.add(COVERS_SCANNER, scanner=scanner)
    if site:
        condition, params = ref_condition(site, id_column="st.id", key_column="st.code", param="site")
        filters.add(
            "(audit.covers_all_scanners = TRUE OR EXISTS (SELECT 1 FROM audit_site p JOIN site st ON st.id = p.site_id"
            f" WHERE p.audit_id = audit.id AND {condition}) OR EXISTS (SELECT 1 FROM audit_scanner s"
            f" JOIN scanner sc ON sc.id = s.scanner_id JOIN site st ON st.id = sc.site_id"
            f" WHERE s.audit_id = audit.id AND {condition}))",
            **params,
        )
    items, next_cursor = await fetch_page(reads, AUDITS, filters, sort=sort, limit=limit, cursor=cursor, past=past(at))
    await _attach_audit_scope(reads, items, at)
    return items, next_cursor


async def get_audit(reads: ReadDatabase, audit_id: int, at: datetime | None = None) -> dict[str, Any]:
    """One audit by id (as it stood at ``at``, when given), or NotFound."""
    rows = await reads.fetch(*at_instant(reads, f"{_AUDIT_SELECT} WHERE audit.id = :id", {"id": audit_id}, at))
    if not rows:
        raise no_such("audit", audit_id, at)
    item = shape_audit(reads, rows[0])
    await _attach_audit_scope(reads, [item], at)
    return item


async def list_findings(
    reads: ReadDatabase,
    *,
    audit: int | None,
    status: FindingStatus | None,
    severity: FindingSeverity | None,
    scanner: int | None,
    sort: str | None,
    limit: int,
    cursor: str | None,
    at: datetime | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Findings matching every given filter, each with the scanners it concerns (as they stood at ``at``,
    when given)."""
    filters = Filters()
    if audit is not None:
        filters.add("finding.audit_id = :audit", audit=audit)
    if status:
        filters.add("finding.status = :status", status=status)
    if severity:
        filters.add("finding.severity = :severity", severity=severity)
    if scanner is not None:
        filters.add(
            "(EXISTS (SELECT 1 FROM finding_scanner fs WHERE fs.finding_id = finding.id AND fs.scanner_id = :scanner)"
            " OR (NOT EXISTS (SELECT 1 FROM finding_scanner fs WHERE fs.finding_id = finding.id)"
            f" AND EXISTS (SELECT 1 FROM audit WHERE audit.id = finding.audit_id AND {COVERS_SCANNER})))",
            scanner=scanner,
        )
    items, next_cursor = await fetch_page(
        reads, FINDINGS, filters, sort=sort, limit=limit, cursor=cursor, past=past(at)
    )
    await attach_links(reads, items, **_FINDING_SCANNERS, past=past(at))
    return items, next_cursor


async def get_finding(reads: ReadDatabase, finding_id: int, at: datetime | None = None) -> dict[str, Any]:
    """One finding by id (as it stood at ``at``, when given), or NotFound."""
    sql = f"{_FINDING_SELECT} WHERE finding.id = :id"
    rows = await reads.fetch(*at_instant(reads, sql, {"id": finding_id}, at))
    if not rows:
        raise no_such("finding", finding_id, at)
    item = shape_finding(reads, rows[0])
    await attach_links(reads, [item], **_FINDING_SCANNERS, past=past(at))
    return item


# Writes. They run in the request's transaction (SessionDep) and return the item as GET shows it.


def _invalid(field: str, message: str) -> InvalidRequest:
    return InvalidRequest(
        f"{field}: {message}.", errors=[{"location": "body", "field": field, "message": message, "type": "value_error"}]
    )


def _duplicate_title(title: str) -> Conflict:
    return Conflict(f"An audit titled '{title}' already exists (titles are unique ignoring case).")


def check_stated_dates(values: dict[str, Any]) -> None:
    """Each date: precision only with a date (default ``day``), and the date must start its period."""
    for name in STATED_DATES:
        on, precision = values.get(f"{name}_on"), values.get(f"{name}_precision")
        if on is None:
            if precision is not None or values.get(f"{name}_as_stated") is not None:
                raise _invalid(f"{name}_on", f"{name}_precision and {name}_as_stated need a date in {name}_on")
            continue
        if precision is None:
            precision = values[f"{name}_precision"] = DatePrecision.DAY
        problem = period_start_problem(on, DatePrecision(precision))
        if problem:
            raise _invalid(f"{name}_on", problem)


def _check_scope(session: Session, covers_all: bool, scanner_ids: list[int], site_ids: list[int]) -> None:
    check_ids_exist(session, Scanner, scanner_ids, "scanner_ids", "scanner")
    check_ids_exist(session, Site, site_ids, "site_ids", "site")
    if not covers_all and not scanner_ids and not site_ids:
        raise _invalid(
            "covers_all_scanners", "an audit's scope must cover all scanners or name at least one scanner or site"
        )


def _current_ids(session: Session, model: Any, owner: str, owner_id: int, target: str) -> list[int]:
    table = model.__table__
    return list(session.execute(sa.select(table.c[target]).where(table.c[owner] == owner_id)).scalars())


def load_audit(session: Session, audit_id: int) -> dict[str, Any]:
    """An audit with its scope, read inside the write transaction."""
    item = load_item(session, AUDITS, audit_id)
    attach_links_in_session(session, [item], **_AUDIT_SCANNERS)
    attach_links_in_session(session, [item], **_AUDIT_SITES)
    return item


def _known_on(field: str, value: date | None) -> date:
    """The date of a source: the one given (not in the future), else today."""
    today = utcnow().date()
    if value is None:
        return today
    if value > today:
        raise InvalidRequest(
            f"{field} {value.isoformat()} is in the future; give the date of the source.",
            errors=[{"location": "body", "field": field, "message": "in the future", "type": "value_error"}],
        )
    return value


def create_audit(session: Session, data: AuditCreate) -> dict[str, Any]:
    """Record an audit with its scope; any starting status is allowed (an audit may be recorded late)."""
    values = data.model_dump()
    scanner_ids, site_ids = values.pop("scanner_ids"), values.pop("site_ids")
    check_stated_dates(values)
    values["status_known_on"] = _known_on("status_known_on", values["status_known_on"])
    values["dates_stated_on"] = _known_on("dates_stated_on", values["dates_stated_on"] or values["status_known_on"])
    _check_scope(session, values["covers_all_scanners"], scanner_ids, site_ids)
    taken = same_key_ignoring_case(session, Audit, "title", data.title)
    if taken:
        raise _duplicate_title(taken)
    audit_id = insert_row(session, Audit(**values), {"uq_audit_title": _duplicate_title(data.title)})
    replace_links(
        session, AuditScanner, owner="audit_id", owner_id=audit_id, target="scanner_id", target_ids=scanner_ids
    )
    replace_links(session, AuditSite, owner="audit_id", owner_id=audit_id, target="site_id", target_ids=site_ids)
    return load_audit(session, audit_id)


def check_transition(audit_id: int, current: AuditStatus, wanted: AuditStatus) -> None:
    """A 409 naming the allowed next status when ``wanted`` skips a step or goes back."""
    allowed = NEXT_STATUS[current]
    if wanted not in allowed:
        options = ", ".join(status.value for status in allowed) or "none (closed is final)"
        raise Conflict(
            f"Audit {audit_id} is {current.value} and cannot move to {wanted.value}; allowed next status: {options}. "
            "An audit moves one step at a time: commissioned -> in_progress -> reported -> closed.",
            allowed_next_status=[status.value for status in allowed],
        )


def update_audit(session: Session, audit_id: int, patch: AuditUpdate, if_match: str | None) -> dict[str, Any]:
    """Change the fields sent, if ``if_match`` names the current version; status only one step forward."""
    audit = get_or_404(session, Audit, audit_id, "audit")
    version = expected_version(if_match, "audit", audit_id, audit.version)
    sent = patch.model_dump(exclude_unset=True)
    scanner_ids, site_ids = sent.pop("scanner_ids", None), sent.pop("site_ids", None)
    merged = {name: sent.get(name, getattr(audit, name)) for name in type(audit).model_fields if name != "id"}
    for name in STATED_DATES:
        # Clearing a date clears its precision and wording unless those are sent too.
        if f"{name}_on" in sent and sent[f"{name}_on"] is None:
            for part in ("precision", "as_stated"):
                if f"{name}_{part}" not in sent:
                    merged[f"{name}_{part}"] = None
    check_stated_dates(merged)
    if "status" in sent and sent["status"] != audit.status:
        check_transition(audit_id, AuditStatus(audit.status), AuditStatus(sent["status"]))
        if "status_known_on" not in sent:
            merged["status_known_on"] = _known_on("status_known_on", None)
    for name in ("status_known_on", "dates_stated_on"):
        if sent.get(name) is not None:
            merged[name] = _known_on(name, sent[name])
    scope_scanners = (
        scanner_ids
        if scanner_ids is not None
        else _current_ids(session, AuditScanner, "audit_id", audit_id, "scanner_id")
    )
    scope_sites = (
        site_ids if site_ids is not None else _current_ids(session, AuditSite, "audit_id", audit_id, "site_id")
    )
    _check_scope(session, merged["covers_all_scanners"], scope_scanners, scope_sites)
    if "title" in sent and sent["title"] != audit.title:
        taken = same_key_ignoring_case(session, Audit, "title", sent["title"], exclude_id=audit_id)
        if taken:
            raise _duplicate_title(taken)
    bookkeeping = {"created_at", "updated_at", "version"}
    changes = {
        name: value for name, value in merged.items() if name not in bookkeeping and getattr(audit, name) != value
    }
    links_changed = False
    if scanner_ids is not None:
        links_changed |= replace_links(
            session, AuditScanner, owner="audit_id", owner_id=audit_id, target="scanner_id", target_ids=scanner_ids
        )
    if site_ids is not None:
        links_changed |= replace_links(
            session, AuditSite, owner="audit_id", owner_id=audit_id, target="site_id", target_ids=site_ids
        )
    if changes or links_changed:
        update_row(
            session, Audit, audit_id, version, changes, {"uq_audit_title": _duplicate_title(str(sent.get("title")))}
        )
    return load_audit(session, audit_id)


def delete_audit(session: Session, audit_id: int, if_match: str | None) -> None:
    """Delete an audit without findings, and its scope (409 while findings or investigations refer to it)."""
    audit = get_or_404(session, Audit, audit_id, "audit")
    version = expected_version(if_match, "audit", audit_id, audit.version)
    findings = count_references(session, Finding, "audit_id", audit_id)
    if findings:
        raise Conflict(f"Audit {audit_id} still has {findings} finding(s); delete those first.")
    investigations = count_references(session, Investigation, "builds_on_audit_id", audit_id)
    if investigations:
        raise Conflict(f"Audit {audit_id} is still built on by {investigations} investigation(s); unlink them first.")
    delete_links(session, AuditScanner, owner="audit_id", owner_id=audit_id)
    delete_links(session, AuditSite, owner="audit_id", owner_id=audit_id)
    delete_row(session, Audit, audit_id, version)


def _check_in_scope(session: Session, audit: Audit, scanner_ids: list[int]) -> None:
    check_ids_exist(session, Scanner, scanner_ids, "scanner_ids", "scanner")
    if audit.covers_all_scanners or not scanner_ids:
        return
    named = set(_current_ids(session, AuditScanner, "audit_id", audit.id, "scanner_id"))
    sites = set(_current_ids(session, AuditSite, "audit_id", audit.id, "site_id"))
    rows = session.execute(sa.select(Scanner.id, Scanner.site_id).where(Scanner.id.in_(scanner_ids))).all()
    outside = sorted(scanner_id for scanner_id, site_id in rows if scanner_id not in named and site_id not in sites)
    if outside:
        raise _invalid("scanner_ids", f"scanner(s) {', '.join(map(str, outside))} are outside audit {audit.id}'s scope")


def load_finding(session: Session, finding_id: int) -> dict[str, Any]:
    """A finding with its scanners, read inside the write transaction."""
    item = load_item(session, FINDINGS, finding_id)
    attach_links_in_session(session, [item], **_FINDING_SCANNERS)
    return item


def create_finding(session: Session, data: FindingCreate) -> dict[str, Any]:
    """Record a finding of an existing audit, concerning scanners within its scope."""
    values = data.model_dump()
    scanner_ids = values.pop("scanner_ids")
    audit = session.get(Audit, data.audit_id)
    if audit is None:
        raise _invalid("audit_id", f"no audit with id {data.audit_id}")
    _check_in_scope(session, audit, scanner_ids)
    finding_id = insert_row(session, Finding(**values))
    replace_links(
        session, FindingScanner, owner="finding_id", owner_id=finding_id, target="scanner_id", target_ids=scanner_ids
    )
    return load_finding(session, finding_id)


def update_finding(session: Session, finding_id: int, patch: FindingUpdate, if_match: str | None) -> dict[str, Any]:
    """Change the fields sent, if ``if_match`` names the current version; ``scanner_ids`` replaces the list."""
    finding = get_or_404(session, Finding, finding_id, "finding")
    version = expected_version(if_match, "finding", finding_id, finding.version)
    sent = patch.model_dump(exclude_unset=True)
    scanner_ids = sent.pop("scanner_ids", None)
    changes = {name: value for name, value in sent.items() if getattr(finding, name) != value}
    links_changed = False
    if scanner_ids is not None:
        _check_in_scope(session, session.get(Audit, finding.audit_id), scanner_ids)
        links_changed = replace_links(
            session,
            FindingScanner,
            owner="finding_id",
            owner_id=finding_id,
            target="scanner_id",
            target_ids=scanner_ids,
        )
    if changes or links_changed:
        update_row(session, Finding, finding_id, version, changes)
    return load_finding(session, finding_id)


def delete_finding(session: Session, finding_id: int, if_match: str | None) -> None:
    """Delete a finding and its links to scanners."""
    finding = get_or_404(session, Finding, finding_id, "finding")
    version = expected_version(if_match, "finding", finding_id, finding.version)
    delete_links(session, FindingScanner, owner="finding_id", owner_id=finding_id)
    delete_row(session, Finding, finding_id, version)
