"""Queries over audits and findings, their writes, and the audit status rules."""

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlmodel import Session

from app.approvals.policy import approval_target, resource_target
from app.audits.models import Audit, AuditScanner, AuditSite, Finding, FindingScanner
from app.audits.schemas import (
    STATED_DATES,
    AuditCreate,
    AuditPublic,
    AuditUpdate,
    FindingCreate,
    FindingPublic,
    FindingUpdate,
)
from app.audits.status import audit_covers
from app.changes.links import check_ids_exist
from app.changes.resources import (
    LinkSet,
    Reference,
    Resource,
    check_unique,
    create,
    load,
    relink,
    standard_sorts,
    stored,
    table_listing,
    unique,
    unique_problems,
)
from app.changes.writes import expected_version, update_row
from app.core.choices import AuditStatus, DatePrecision
from app.core.db import utcnow
from app.core.errors import Conflict, InvalidRequest, invalid_field
from app.core.http import ref_condition
from app.core.pagination import Listing
from app.core.periods import check_source_date, period_end, period_start_problem
from app.core.reads import ReadDatabase, Row, iso_date
from app.investigations.models import Investigation
from app.scanners.models import Scanner
from app.sites.models import Site

if TYPE_CHECKING:
    from app.audits.router import AuditQuery, FindingQuery

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

_FINDING_FIELDS = ("id", "audit_id", "severity", "title", "description", "status", "due_on", "notes")
_AUDIT_SCANNERS = LinkSet(AuditScanner, Scanner)
_AUDIT_SITES = LinkSet(AuditSite, Site)
_FINDING_SCANNERS = LinkSet(FindingScanner, Scanner)


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


AUDITS = Listing(
    resource="audits",
    select=_AUDIT_SELECT,
    id_column="audit.id",
    sort_fields=standard_sorts("audit", "title", "status"),
    shape=shape_audit,
)

FINDINGS = table_listing(
    "findings", "finding", _FINDING_FIELDS, sorts=("severity", "status", "title"), dates=("due_on",)
)

AUDIT = Resource(
    model=Audit,
    public=AuditPublic,
    listing=AUDITS,
    unique=(unique("title", ignore_case=True),),
    links=(_AUDIT_SCANNERS, _AUDIT_SITES),
    referenced_by=(
        Reference(Finding, "audit_id", "finding(s)"),
        Reference(Investigation, "builds_on_audit_id", "investigation(s)"),
    ),
)


def _within_audit_scope(session: Session, finding: Finding | None, values: dict[str, Any]) -> None:
    """A finding belongs to an existing audit and concerns only scanners that audit covers."""
    audit_id = values["audit_id"] if finding is None else finding.audit_id
    audit = session.get(Audit, audit_id)
    if audit is None:
        raise _invalid("audit_id", f"no audit with id {audit_id}")
    if values.get("scanner_ids") is not None:
        _check_in_scope(session, audit, values["scanner_ids"])


FINDING = Resource(
    model=Finding,
    public=FindingPublic,
    listing=FINDINGS,
    tag="audits",
    links=(_FINDING_SCANNERS,),
    check=_within_audit_scope,
)

COVERS_SCANNER = audit_covers(
    "audit", scanner_id=":scanner", site_id="(SELECT sc.site_id FROM scanner sc WHERE sc.id = :scanner)"
)
"""The audit covers the scanner whose id is the parameter ``:scanner``."""


async def list_audits(
    reads: ReadDatabase, query: "AuditQuery", at: datetime | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """Audits matching every given filter, each with its scope (as they stood at ``at``, when given)."""
    filters = AUDIT.filters(query, "status")
    if query.scanner is not None:
        filters.add(COVERS_SCANNER, scanner=query.scanner)
    if query.site:
        condition, params = ref_condition(query.site, id_column="st.id", key_column="st.code", param="site")
        filters.add(
            "(audit.covers_all_scanners = TRUE OR EXISTS (SELECT 1 FROM audit_site p JOIN site st ON st.id = p.site_id"
            f" WHERE p.audit_id = audit.id AND {condition}) OR EXISTS (SELECT 1 FROM audit_scanner s"
            f" JOIN scanner sc ON sc.id = s.scanner_id JOIN site st ON st.id = sc.site_id"
            f" WHERE s.audit_id = audit.id AND {condition}))",
            **params,
        )
    return await AUDIT.list_page(reads, query, filters, at)


async def list_findings(
    reads: ReadDatabase, query: "FindingQuery", at: datetime | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """Findings matching every given filter, each with the scanners it concerns (as they stood at ``at``,
    when given)."""
    filters = FINDING.filters(query, "status", "severity", audit_id="audit")
    if query.scanner is not None:
        filters.add(
            "(EXISTS (SELECT 1 FROM finding_scanner fs WHERE fs.finding_id = finding.id AND fs.scanner_id = :scanner)"
            " OR (NOT EXISTS (SELECT 1 FROM finding_scanner fs WHERE fs.finding_id = finding.id)"
            f" AND EXISTS (SELECT 1 FROM audit WHERE audit.id = finding.audit_id AND {COVERS_SCANNER})))",
            scanner=query.scanner,
        )
    return await FINDING.list_page(reads, query, filters, at)


# Writes. They run in the request's transaction (SessionDep) and return the item as GET shows it.


def _invalid(field: str, message: str) -> InvalidRequest:
    return invalid_field(field, message, f"{field}: {message}.")


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
    return load(session, AUDIT, audit_id)


def _known_on(field: str, value: date | None) -> date:
    """The date of a source: the one given (not in the future), else today."""
    check_source_date(field, value)
    return utcnow().date() if value is None else value


def create_audit(session: Session, data: AuditCreate) -> dict[str, Any]:
    """Record an audit with its scope; any starting status is allowed (an audit may be recorded late)."""
    values = data.model_dump()
    scanner_ids, site_ids = values.pop("scanner_ids"), values.pop("site_ids")
    check_stated_dates(values)
    values["status_known_on"] = _known_on("status_known_on", values["status_known_on"])
    values["dates_stated_on"] = _known_on("dates_stated_on", values["dates_stated_on"] or values["status_known_on"])
    _check_scope(session, values["covers_all_scanners"], scanner_ids, site_ids)
    return create(session, AUDIT, {**values, "scanner_ids": scanner_ids, "site_ids": site_ids})


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
    audit = stored(session, AUDIT, audit_id)
    version = expected_version(if_match, AUDIT.etag, audit_id, audit.version)
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
        check_unique(session, AUDIT, {"title": sent["title"]}, audit)
    bookkeeping = {"created_at", "updated_at", "version"}
    changes = {
        name: value for name, value in merged.items() if name not in bookkeeping and getattr(audit, name) != value
    }
    sent_links = {_AUDIT_SCANNERS: scanner_ids, _AUDIT_SITES: site_ids}
    links_changed = relink(session, audit_id, {links: ids for links, ids in sent_links.items() if ids is not None})
    if changes or links_changed:
        update_row(session, Audit, audit_id, version, changes, unique_problems(AUDIT, {"title": audit.title} | changes))
    return load_audit(session, audit_id)


# A finding leaving open and an audit reaching closed are covered by the approval policy (app/approvals/policy.py).
approval_target(
    "audits",
    resource_target(
        AUDIT, create_schema=AuditCreate, update_schema=AuditUpdate, create=create_audit, update=update_audit
    ),
)
approval_target("findings", resource_target(FINDING, create_schema=FindingCreate, update_schema=FindingUpdate))


def _check_in_scope(session: Session, audit: Audit, scanner_ids: list[int]) -> None:
    check_ids_exist(session, Scanner, scanner_ids, "scanner_ids", "scanner")
    if audit.covers_all_scanners or not scanner_ids:
        return
    uncovered = sa.text(
        "SELECT scanner.id FROM scanner JOIN audit ON audit.id = :audit"
        f" WHERE scanner.id IN :scanner_ids AND NOT {audit_covers('audit')} ORDER BY scanner.id"
    ).bindparams(sa.bindparam("scanner_ids", expanding=True))
    outside = list(session.execute(uncovered, {"audit": audit.id, "scanner_ids": scanner_ids}).scalars())
    if outside:
        raise _invalid("scanner_ids", f"scanner(s) {', '.join(map(str, outside))} are outside audit {audit.id}'s scope")
