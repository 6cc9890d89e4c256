"""Queries over vendor assessments, supplier-access facts, access overrides and mitigation measures, and their
writes."""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from app.approvals.policy import approval_target, resource_target
from app.assessments.criteria import aspects_sql, derived_3a
from app.assessments.models import AccessOverride, MitigationMeasure, SupplierAccessFact, VendorAssessment
from app.assessments.schemas import (
    AccessOverrideCreate,
    AccessOverridePublic,
    AccessOverrideUpdate,
    MitigationMeasureCreate,
    MitigationMeasurePublic,
    MitigationMeasureUpdate,
    SupplierAccessFactPublic,
    VendorAssessmentCreate,
    VendorAssessmentPublic,
    VendorAssessmentUpdate,
)
from app.changes.resources import (
    ForeignField,
    Resource,
    UniqueKey,
    ref_filter,
    row_shape,
    standard_sorts,
    table_listing,
)
from app.core.choices import AccessAspect
from app.core.errors import invalid_field
from app.core.pagination import Filters, Listing
from app.core.reads import ReadDatabase, Row
from app.scanners.models import Scanner
from app.vendors.models import Vendor

if TYPE_CHECKING:
    from app.assessments.router import (
        AccessOverrideQuery,
        MitigationMeasureQuery,
        SupplierAccessFactQuery,
        VendorAssessmentQuery,
    )

CURRENT_ASSESSMENT_ID = (
    "(SELECT cur.id FROM vendor_assessment cur WHERE cur.vendor_id = {vendor}"
    " ORDER BY cur.assessed_on DESC, cur.id DESC LIMIT 1)"
)
"""The id of a vendor's current (latest) assessment; ``{vendor}`` is the SQL naming the vendor id."""

_ASSESSMENT_FIELDS = (
    "id",
    "vendor_id",
    "criterion_1",
    "criterion_1_rationale",
    "criterion_1_source",
    "criterion_2",
    "criterion_2_rationale",
    "criterion_2_source",
    "assessed_on",
    "valid_until",
    "assessor",
    "status",
    "basis",
    "caveat",
    "current",
    "notes",
)
"""An assessment's fields in order (then the bookkeeping ones); ``current`` is computed: whether it is its vendor's
latest."""
_ASSESSMENT_SELECT = (
    "SELECT vendor_assessment.id, vendor_assessment.vendor_id, vendor_assessment.criterion_1,"
    " vendor_assessment.criterion_1_rationale, vendor_assessment.criterion_1_source, vendor_assessment.criterion_2,"
    " vendor_assessment.criterion_2_rationale, vendor_assessment.criterion_2_source, vendor_assessment.assessed_on,"
    " vendor_assessment.valid_until, vendor_assessment.assessor, vendor_assessment.status, vendor_assessment.basis,"
    " vendor_assessment.caveat, vendor_assessment.notes, vendor_assessment.source,"
    " vendor_assessment.created_at, vendor_assessment.updated_at, vendor_assessment.version,"
    " (vendor_assessment.id = " + CURRENT_ASSESSMENT_ID.format(vendor="vendor_assessment.vendor_id") + ") AS current"
    " FROM vendor_assessment JOIN vendor ON vendor.id = vendor_assessment.vendor_id"
)
_OVERRIDE_SELECT = (
    "SELECT access_override.id, access_override.scanner_id, access_override.criterion_3a, access_override.reason,"
    " access_override.source, access_override.created_at, access_override.updated_at, access_override.version,"
    f" {aspects_sql('access_override.scanner_id')} FROM access_override"
)


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


_FACT_FIELDS = ("id", "scanner_id", "aspect", "answer", "basis")
_MEASURE_FIELDS = ("id", "scanner_id", "title", "description", "status", "implemented_on")

ASSESSMENTS = Listing(
    resource="vendor-assessments",
    select=_ASSESSMENT_SELECT,
    id_column="vendor_assessment.id",
    sort_fields=standard_sorts("vendor_assessment"),
    shape=row_shape(*_ASSESSMENT_FIELDS, dates=("assessed_on", "valid_until"), booleans=("current",)),
)
OVERRIDES = Listing(
    resource="access-overrides",
    select=_OVERRIDE_SELECT,
    id_column="access_override.id",
    sort_fields=standard_sorts("access_override"),
    shape=shape_override,
)
FACTS = table_listing("supplier-access-facts", "supplier_access_fact", _FACT_FIELDS, sorts=("aspect",))
MEASURES = table_listing(
    "mitigation-measures", "mitigation_measure", _MEASURE_FIELDS, sorts=("status",), dates=("implemented_on",)
)


_SCANNER = (ForeignField("scanner_id", Scanner, "scanner"),)


def _valid_period(session: Session, row: VendorAssessment | None, values: dict[str, Any]) -> None:
    """An assessment is not valid until a day before it was made."""
    assessed_on = values.get("assessed_on", getattr(row, "assessed_on", None))
    valid_until = values["valid_until"] if "valid_until" in values else getattr(row, "valid_until", None)
    if valid_until is not None and valid_until < assessed_on:
        detail = f"valid_until {valid_until} is before assessed_on {assessed_on}."
        raise invalid_field("valid_until", "before assessed_on", detail)


ASSESSMENT = Resource(
    model=VendorAssessment,
    public=VendorAssessmentPublic,
    listing=ASSESSMENTS,
    tag="assessments",
    unique=(
        UniqueKey(
            ("vendor_id", "assessed_on"),
            message="Vendor {vendor_id} already has an assessment dated {assessed_on}; change that one instead.",
        ),
    ),
    foreign=(ForeignField("vendor_id", Vendor, "vendor"),),
    check=_valid_period,
)
FACT = Resource(
    model=SupplierAccessFact,
    public=SupplierAccessFactPublic,
    listing=FACTS,
    label="supplier-access fact",
    tag="assessments",
    unique=(
        UniqueKey(
            ("scanner_id", "aspect"),
            message="Scanner {scanner_id} already has a supplier-access fact for {aspect}; change that one instead.",
        ),
    ),
    foreign=_SCANNER,
)
OVERRIDE = Resource(
    model=AccessOverride,
    public=AccessOverridePublic,
    listing=OVERRIDES,
    tag="assessments",
    unique=(
        UniqueKey(
            ("scanner_id",), message="Scanner {scanner_id} already has an access override; change that one instead."
        ),
    ),
    foreign=_SCANNER,
)
MEASURE = Resource(
    model=MitigationMeasure,
    public=MitigationMeasurePublic,
    listing=MEASURES,
    tag="assessments",
    foreign=_SCANNER,
)
# Considerations 1, 2, 3a and 3b are covered by the approval policy (app/approvals/policy.py).
approval_target(
    "vendor-assessments",
    resource_target(ASSESSMENT, create_schema=VendorAssessmentCreate, update_schema=VendorAssessmentUpdate),
)
approval_target(
    "access-overrides",
    resource_target(OVERRIDE, create_schema=AccessOverrideCreate, update_schema=AccessOverrideUpdate),
)
approval_target(
    "mitigation-measures",
    resource_target(MEASURE, create_schema=MitigationMeasureCreate, update_schema=MitigationMeasureUpdate),
)


async def list_assessments(
    reads: ReadDatabase, query: "VendorAssessmentQuery", at: datetime | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """Vendor assessments, optionally of one vendor or only the current ones."""
    filters = Filters()
    if query.vendor:
        ref_filter(filters, query.vendor, id_column="vendor.id", key_column="vendor.slug", param="vendor")
    if query.current is not None:
        test = "=" if query.current else "<>"
        filters.add(
            f"vendor_assessment.id {test} " + CURRENT_ASSESSMENT_ID.format(vendor="vendor_assessment.vendor_id")
        )
    return await ASSESSMENT.list_page(reads, query, filters, at)


async def list_overrides(
    reads: ReadDatabase, query: "AccessOverrideQuery", at: datetime | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """Access overrides, optionally of one scanner."""
    filters = OVERRIDE.filters(query, scanner_id="scanner")
    return await OVERRIDE.list_page(reads, query, filters, at)


async def list_facts(
    reads: ReadDatabase, query: "SupplierAccessFactQuery", at: datetime | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """Supplier-access facts, optionally of one scanner, one aspect or one answer."""
    filters = FACT.filters(query, "aspect", "answer", scanner_id="scanner")
    return await FACT.list_page(reads, query, filters, at)


async def list_measures(
    reads: ReadDatabase, query: "MitigationMeasureQuery", at: datetime | None = None
) -> tuple[list[dict[str, Any]], str | None]:
    """Mitigation measures, optionally of one scanner or in one status."""
    filters = MEASURE.filters(query, "status", scanner_id="scanner")
    return await MEASURE.list_page(reads, query, filters, at)


# Writes. They run in the request's transaction (SessionDep) and return the item as GET shows it.
