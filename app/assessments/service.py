"""Queries over vendor assessments, supplier-access facts, access overrides and mitigation measures, and their
writes."""

from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.assessments.criteria import aspects_sql, derived_3a
from app.assessments.models import AccessOverride, MitigationMeasure, SupplierAccessFact, VendorAssessment
from app.assessments.schemas import (
    AccessOverrideCreate,
    AccessOverrideUpdate,
    MitigationMeasureCreate,
    MitigationMeasureUpdate,
    SupplierAccessFactCreate,
    SupplierAccessFactUpdate,
    VendorAssessmentCreate,
    VendorAssessmentUpdate,
)
from app.changes.versions import at_instant, no_such, past
from app.core.choices import AccessAspect, Answer, MeasureStatus
from app.core.errors import Conflict, InvalidRequest
from app.core.http import ref_condition
from app.core.pagination import Filters, Listing, SortField, fetch_page
from app.core.reads import ReadDatabase, Row, iso_date
from app.core.writes import (
    changed_fields,
    delete_row,
    exists,
    expected_version,
    get_or_404,
    insert_row,
    load_item,
    update_row,
)
from app.scanners.models import Scanner
from app.vendors.models import Vendor

CURRENT_ASSESSMENT_ID = (
    "(SELECT cur.id FROM vendor_assessment cur WHERE cur.vendor_id = {vendor}"
    " ORDER BY cur.assessed_on DESC, cur.id DESC LIMIT 1)"
)
"""The id of a vendor's current (latest) assessment; ``{vendor}`` is the SQL naming the vendor id."""

_ASSESSMENT_SELECT = (
    "SELECT vendor_assessment.id, vendor_assessment.vendor_id, vendor_assessment.criterion_1,"
    " vendor_assessment.criterion_1_rationale, vendor_assessment.criterion_1_source, vendor_assessment.criterion_2,"
    " vendor_assessment.criterion_2_rationale, vendor_assessment.criterion_2_source, vendor_assessment.assessed_on,"
    " vendor_assessment.valid_until, vendor_assessment.assessor, vendor_assessment.status, vendor_assessment.basis,"
    " vendor_assessment.caveat, vendor_assessment.notes, vendor_assessment.source,"
    " vendor_assessment.created_at, vendor_assessment.updated_at, vendor_assessment.version,"
    " (vendor_assessment.id = " + CURRENT_ASSESSMENT_ID.format(vendor="vendor_assessment.vendor_id") + ") AS is_current"
    " FROM vendor_assessment JOIN vendor ON vendor.id = vendor_assessment.vendor_id"
)
_OVERRIDE_SELECT = (
    "SELECT access_override.id, access_override.scanner_id, access_override.criterion_3a, access_override.reason,"
    " access_override.source, access_override.created_at, access_override.updated_at, access_override.version,"
    f" {aspects_sql('access_override.scanner_id')} FROM access_override"
)
_FACT_SELECT = (
    "SELECT supplier_access_fact.id, supplier_access_fact.scanner_id, supplier_access_fact.aspect,"
    " supplier_access_fact.answer, supplier_access_fact.basis, supplier_access_fact.source,"
    " supplier_access_fact.created_at, supplier_access_fact.updated_at, supplier_access_fact.version"
    " FROM supplier_access_fact"
)
_MEASURE_SELECT = (
    "SELECT mitigation_measure.id, mitigation_measure.scanner_id, mitigation_measure.title,"
    " mitigation_measure.description, mitigation_measure.status, mitigation_measure.implemented_on,"
    " mitigation_measure.source, mitigation_measure.created_at, mitigation_measure.updated_at,"
    " mitigation_measure.version FROM mitigation_measure"
)


def shape_assessment(reads: ReadDatabase, row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "vendor_id": row["vendor_id"],
        "criterion_1": row["criterion_1"],
        "criterion_1_rationale": row["criterion_1_rationale"],
        "criterion_1_source": row["criterion_1_source"],
        "criterion_2": row["criterion_2"],
        "criterion_2_rationale": row["criterion_2_rationale"],
        "criterion_2_source": row["criterion_2_source"],
        "assessed_on": iso_date(row["assessed_on"]),
        "valid_until": iso_date(row["valid_until"]),
        "assessor": row["assessor"],
        "status": row["status"],
        "basis": row["basis"],
        "caveat": row["caveat"],
        "current": reads.boolean(row["is_current"]),
        "notes": row["notes"],
        "source": row["source"],
        "created_at": reads.timestamp(row["created_at"]),
        "updated_at": reads.timestamp(row["updated_at"]),
        "version": row["version"],
    }


def shape_override(reads: ReadDatabase, row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "scanner_id": row["scanner_id"],
        "criterion_3a": row["criterion_3a"],
        "derived_criterion_3a": derived_3a({a.value: row[f"access_{a.value}"] for a in AccessAspect}).value,
        "reason": row["reason"],
        "source": row["source"],
        "created_at": reads.timestamp(row["created_at"]),
        "updated_at": reads.timestamp(row["updated_at"]),
        "version": row["version"],
    }


def shape_fact(reads: ReadDatabase, row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "scanner_id": row["scanner_id"],
        "aspect": row["aspect"],
        "answer": row["answer"],
        "basis": row["basis"],
        "source": row["source"],
        "created_at": reads.timestamp(row["created_at"]),
        "updated_at": reads.timestamp(row["updated_at"]),
        "version": row["version"],
    }


def shape_measure(reads: ReadDatabase, row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "scanner_id": row["scanner_id"],
        "title": row["title"],
        "description": row["description"],
        "status": row["status"],
        "implemented_on": iso_date(row["implemented_on"]),
        "source": row["source"],
        "created_at": reads.timestamp(row["created_at"]),
        "updated_at": reads.timestamp(row["updated_at"]),
        "version": row["version"],
    }


def _timestamps(table: str) -> dict[str, SortField]:
    return {
        "id": SortField(f"{table}.id", "int"),
        "created_at": SortField(f"{table}.created_at", "timestamp"),
        "updated_at": SortField(f"{table}.updated_at", "timestamp"),
    }


ASSESSMENTS = Listing(
    resource="vendor-assessments",
    select=_ASSESSMENT_SELECT,
    id_column="vendor_assessment.id",
    sort_fields=_timestamps("vendor_assessment"),
    shape=shape_assessment,
)
OVERRIDES = Listing(
    resource="access-overrides",
    select=_OVERRIDE_SELECT,
    id_column="access_override.id",
    sort_fields=_timestamps("access_override"),
    shape=shape_override,
)
FACTS = Listing(
    resource="supplier-access-facts",
    select=_FACT_SELECT,
    id_column="supplier_access_fact.id",
    sort_fields={**_timestamps("supplier_access_fact"), "aspect": SortField("supplier_access_fact.aspect")},
    shape=shape_fact,
)
MEASURES = Listing(
    resource="mitigation-measures",
    select=_MEASURE_SELECT,
    id_column="mitigation_measure.id",
    sort_fields={**_timestamps("mitigation_measure"), "status": SortField("mitigation_measure.status")},
    shape=shape_measure,
)


async def list_assessments(
    reads: ReadDatabase,
    *,
    vendor: str | None,
    current: bool | None,
    sort: str | None,
    limit: int,
    cursor: str | None,
    at: datetime | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Vendor assessments, optionally of one vendor or only the current ones."""
    filters = Filters()
    if vendor:
        condition, params = ref_condition(vendor, id_column="vendor.id", key_column="vendor.slug", param="vendor")
        filters.add(condition, **params)
    if current is not None:
        test = "=" if current else "<>"
        filters.add(
            f"vendor_assessment.id {test} " + CURRENT_ASSESSMENT_ID.format(vendor="vendor_assessment.vendor_id")
        )
    return await fetch_page(reads, ASSESSMENTS, filters, sort=sort, limit=limit, cursor=cursor, past=past(at))


async def _get(reads: ReadDatabase, listing: Listing, item_id: int, label: str, at: datetime | None) -> dict[str, Any]:
    rows = await reads.fetch(
        *at_instant(reads, f"{listing.select} WHERE {listing.id_column} = :id", {"id": item_id}, at)
    )
    if not rows:
        raise no_such(label, item_id, at)
    return listing.shape(reads, rows[0])


async def get_assessment(reads: ReadDatabase, assessment_id: int, at: datetime | None = None) -> dict[str, Any]:
    """One vendor assessment by id (as it stood at ``at``, when given), or NotFound."""
    return await _get(reads, ASSESSMENTS, assessment_id, "vendor assessment", at)


async def list_overrides(
    reads: ReadDatabase,
    *,
    scanner: int | None,
    sort: str | None,
    limit: int,
    cursor: str | None,
    at: datetime | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Access overrides, optionally of one scanner."""
    filters = Filters()
    if scanner is not None:
        filters.add("access_override.scanner_id = :scanner", scanner=scanner)
    return await fetch_page(reads, OVERRIDES, filters, sort=sort, limit=limit, cursor=cursor, past=past(at))


async def get_override(reads: ReadDatabase, override_id: int, at: datetime | None = None) -> dict[str, Any]:
    """One access override by id (as it stood at ``at``, when given), or NotFound."""
    return await _get(reads, OVERRIDES, override_id, "access override", at)


async def list_facts(
    reads: ReadDatabase,
    *,
    scanner: int | None,
    aspect: AccessAspect | None,
    answer: Answer | None,
    sort: str | None,
    limit: int,
    cursor: str | None,
    at: datetime | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Supplier-access facts, optionally of one scanner, one aspect or one answer."""
    filters = Filters()
    if scanner is not None:
        filters.add("supplier_access_fact.scanner_id = :scanner", scanner=scanner)
    if aspect:
        filters.add("supplier_access_fact.aspect = :aspect", aspect=aspect)
    if answer:
        filters.add("supplier_access_fact.answer = :answer", answer=answer)
    return await fetch_page(reads, FACTS, filters, sort=sort, limit=limit, cursor=cursor, past=past(at))


async def get_fact(reads: ReadDatabase, fact_id: int, at: datetime | None = None) -> dict[str, Any]:
    """One supplier-access fact by id (as it stood at ``at``, when given), or NotFound."""
    return await _get(reads, FACTS, fact_id, "supplier-access fact", at)


async def list_measures(
    reads: ReadDatabase,
    *,
    scanner: int | None,
    status: MeasureStatus | None,
    sort: str | None,
    limit: int,
    cursor: str | None,
    at: datetime | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Mitigation measures, optionally of one scanner or in one status."""
    filters = Filters()
    if scanner is not None:
        filters.add("mitigation_measure.scanner_id = :scanner", scanner=scanner)
    if status:
        filters.add("mitigation_measure.status = :status", status=status)
    return await fetch_page(reads, MEASURES, filters, sort=sort, limit=limit, cursor=cursor, past=past(at))


async def get_measure(reads: ReadDatabase, measure_id: int, at: datetime | None = None) -> dict[str, Any]:
    """One mitigation measure by id (as it stood at ``at``, when given), or NotFound."""
    return await _get(reads, MEASURES, measure_id, "mitigation measure", at)


# Writes. They run in the request's transaction (SessionDep) and return the item as GET shows it.


def _reference(session: Session, model: Any, field: str, value: int, kind: str) -> None:
    if session.get(model, value) is None:
        raise InvalidRequest(
            f"{field} {value} names no {kind}.",
            errors=[{"location": "body", "field": field, "message": f"no such {kind}", "type": "reference"}],
        )


def _check_validity(assessed_on: Any, valid_until: Any) -> None:
    if valid_until is not None and valid_until < assessed_on:
        raise InvalidRequest(
            f"valid_until {valid_until} is before assessed_on {assessed_on}.",
            errors=[
                {"location": "body", "field": "valid_until", "message": "before assessed_on", "type": "value_error"}
            ],
        )


def _same_day(vendor_id: int, assessed_on: Any) -> Conflict:
    return Conflict(f"Vendor {vendor_id} already has an assessment dated {assessed_on}; change that one instead.")


def _assessment_taken(session: Session, vendor_id: int, assessed_on: Any) -> bool:
    return exists(session, VendorAssessment, vendor_id=vendor_id, assessed_on=assessed_on)


def create_assessment(session: Session, data: VendorAssessmentCreate) -> dict[str, Any]:
    """Record an assessment of an existing vendor; one per vendor and date."""
    _reference(session, Vendor, "vendor_id", data.vendor_id, "vendor")
    _check_validity(data.assessed_on, data.valid_until)
    if _assessment_taken(session, data.vendor_id, data.assessed_on):
        raise _same_day(data.vendor_id, data.assessed_on)
    problems = {"uq_vendor_assessment_vendor_id_assessed_on": _same_day(data.vendor_id, data.assessed_on)}
    row_id = insert_row(session, VendorAssessment(**data.model_dump()), problems)
    return load_item(session, ASSESSMENTS, row_id)


def update_assessment(
    session: Session, assessment_id: int, patch: VendorAssessmentUpdate, if_match: str | None
) -> dict[str, Any]:
    """Change the fields sent, if ``if_match`` names the current version."""
    row = get_or_404(session, VendorAssessment, assessment_id, "vendor assessment")
    version = expected_version(if_match, "vendor-assessment", assessment_id, row.version)
    changes = changed_fields(row, patch)
    _check_validity(changes.get("assessed_on", row.assessed_on), changes.get("valid_until", row.valid_until))
    if "assessed_on" in changes and _assessment_taken(session, row.vendor_id, changes["assessed_on"]):
        raise _same_day(row.vendor_id, changes["assessed_on"])
    if changes:
        problems = {"uq_vendor_assessment_vendor_id_assessed_on": _same_day(row.vendor_id, changes.get("assessed_on"))}
        update_row(session, VendorAssessment, assessment_id, version, changes, problems)
    return load_item(session, ASSESSMENTS, assessment_id)


def delete_assessment(session: Session, assessment_id: int, if_match: str | None) -> None:
    """Delete a vendor assessment; the previous one, if any, becomes current."""
    row = get_or_404(session, VendorAssessment, assessment_id, "vendor assessment")
    version = expected_version(if_match, "vendor-assessment", assessment_id, row.version)
    delete_row(session, VendorAssessment, assessment_id, version)


def _override_taken(scanner_id: int) -> Conflict:
    return Conflict(f"Scanner {scanner_id} already has an access override; change that one instead.")


def create_override(session: Session, data: AccessOverrideCreate) -> dict[str, Any]:
    """Override consideration 3a of an existing scanner, with a reason; one override per scanner."""
    _reference(session, Scanner, "scanner_id", data.scanner_id, "scanner")
    if exists(session, AccessOverride, scanner_id=data.scanner_id):
        raise _override_taken(data.scanner_id)
    row_id = insert_row(
        session,
        AccessOverride(**data.model_dump()),
        {"uq_access_override_scanner_id": _override_taken(data.scanner_id)},
    )
    return load_item(session, OVERRIDES, row_id)


def update_override(
    session: Session, override_id: int, patch: AccessOverrideUpdate, if_match: str | None
) -> dict[str, Any]:
    """Change the fields sent, if ``if_match`` names the current version."""
    row = get_or_404(session, AccessOverride, override_id, "access override")
    version = expected_version(if_match, "access-override", override_id, row.version)
    changes = changed_fields(row, patch)
    if changes:
        update_row(session, AccessOverride, override_id, version, changes)
    return load_item(session, OVERRIDES, override_id)


def delete_override(session: Session, override_id: int, if_match: str | None) -> None:
    """Delete an access override; the scanner's 3a is derived from its supplier-access facts again."""
    row = get_or_404(session, AccessOverride, override_id, "access override")
    version = expected_version(if_match, "access-override", override_id, row.version)
    delete_row(session, AccessOverride, override_id, version)


def _fact_taken(scanner_id: int, aspect: str) -> Conflict:
    return Conflict(f"Scanner {scanner_id} already has a supplier-access fact for {aspect}; change that one instead.")


def create_fact(session: Session, data: SupplierAccessFactCreate) -> dict[str, Any]:
    """Record a supplier-access fact of an existing scanner; one per scanner and aspect."""
    _reference(session, Scanner, "scanner_id", data.scanner_id, "scanner")
    aspect = AccessAspect(data.aspect).value
    if exists(session, SupplierAccessFact, scanner_id=data.scanner_id, aspect=aspect):
        raise _fact_taken(data.scanner_id, aspect)
    row_id = insert_row(
        session,
        SupplierAccessFact(**data.model_dump()),
        {"uq_supplier_access_fact_scanner_id_aspect": _fact_taken(data.scanner_id, aspect)},
    )
    return load_item(session, FACTS, row_id)


def update_fact(
    session: Session, fact_id: int, patch: SupplierAccessFactUpdate, if_match: str | None
) -> dict[str, Any]:
    """Change the fields sent, if ``if_match`` names the current version."""
    row = get_or_404(session, SupplierAccessFact, fact_id, "supplier-access fact")
    version = expected_version(if_match, "supplier-access-fact", fact_id, row.version)
    changes = changed_fields(row, patch)
    if changes:
        update_row(session, SupplierAccessFact, fact_id, version, changes)
    return load_item(session, FACTS, fact_id)


def delete_fact(session: Session, fact_id: int, if_match: str | None) -> None:
    """Delete a supplier-access fact; its aspect is not recorded again."""
    row = get_or_404(session, SupplierAccessFact, fact_id, "supplier-access fact")
    version = expected_version(if_match, "supplier-access-fact", fact_id, row.version)
    delete_row(session, SupplierAccessFact, fact_id, version)


def create_measure(session: Session, data: MitigationMeasureCreate) -> dict[str, Any]:
    """Record a mitigation measure for an existing scanner."""
    _reference(session, Scanner, "scanner_id", data.scanner_id, "scanner")
    row_id = insert_row(session, MitigationMeasure(**data.model_dump()))
    return load_item(session, MEASURES, row_id)


def update_measure(
    session: Session, measure_id: int, patch: MitigationMeasureUpdate, if_match: str | None
) -> dict[str, Any]:
    """Change the fields sent, if ``if_match`` names the current version."""
    row = get_or_404(session, MitigationMeasure, measure_id, "mitigation measure")
    version = expected_version(if_match, "mitigation-measure", measure_id, row.version)
    changes = changed_fields(row, patch)
    if changes:
        update_row(session, MitigationMeasure, measure_id, version, changes)
    return load_item(session, MEASURES, measure_id)


def delete_measure(session: Session, measure_id: int, if_match: str | None) -> None:
    """Delete a mitigation measure."""
    row = get_or_404(session, MitigationMeasure, measure_id, "mitigation measure")
    version = expected_version(if_match, "mitigation-measure", measure_id, row.version)
    delete_row(session, MitigationMeasure, measure_id, version)
