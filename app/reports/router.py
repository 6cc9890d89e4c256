"""HTTP endpoints of the reports; each answers JSON by default and CSV for `Accept: text/csv`."""

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Header, Query
from starlette.responses import Response

from app.core.choices import NetworkMode, RiskTier
from app.core.deps import ReadsDep
from app.core.errors import problem_responses
from app.core.params import ref_query
from app.core.routing import StrictQueryRoute
from app.reports import service
from app.reports.formats import CSV_RESPONSE, report_response
from app.reports.schemas import (
    ExposureReport,
    OverdueAssessmentsReport,
    OverdueAuditsReport,
    OverdueFindingsReport,
    SummaryReport,
)

router = APIRouter(prefix="/reports", tags=["reports"], route_class=StrictQueryRoute)

REPORT_PROBLEMS = {**problem_responses(401, 403, 406, 422), **CSV_RESPONSE}
AcceptHeader = Annotated[str | None, Header(alias="Accept", description="`application/json` (default) or `text/csv`.")]
OnParam = Annotated[date | None, Query(description="The date to judge overdue on, YYYY-MM-DD; default today (UTC).")]
SiteParam = Annotated[str | None, ref_query("Site id or code, e.g. `maasvlakte`.")]
VendorParam = Annotated[str | None, ref_query("Vendor id or slug, e.g. `nuctech`.")]


class ExposureSort(StrEnum):
    """Orders of the exposure report."""

    RISK = "risk"
    ASSET_TAG = "asset_tag"


def _today() -> date:
    return datetime.now(UTC).date()


@router.get("/exposure", operation_id="getExposureReport", response_model=ExposureReport, responses=REPORT_PROBLEMS)
async def exposure_report(
    reads: ReadsDep,
    site: SiteParam = None,
    vendor: VendorParam = None,
    risk_tier: RiskTier | None = None,
    sort: Annotated[
        ExposureSort, Query(description="`risk`: highest risk first (default); `asset_tag`: by tag.")
    ] = ExposureSort.RISK,
    accept: AcceptHeader = None,
) -> Response:
    """One row per scanner with the four considerations, audit status, risk tier and the reasons in words."""
    meta, items = await service.exposure(reads, site=site, vendor=vendor, risk_tier=risk_tier, sort=sort.value)
    return report_response(accept, "exposure", service.EXPOSURE_COLUMNS, meta, items)


@router.get("/summary", operation_id="getSummaryReport", response_model=SummaryReport, responses=REPORT_PROBLEMS)
async def summary_report(
    reads: ReadsDep,
    site: SiteParam = None,
    vendor: VendorParam = None,
    network_mode: NetworkMode | None = None,
    accept: AcceptHeader = None,
) -> Response:
    """Count scanners by site, vendor, network mode and audit status, marking counts that are minimums."""
    meta, items = await service.summary(reads, site=site, vendor=vendor, network_mode=network_mode)
    return report_response(accept, "summary", service.SUMMARY_COLUMNS, meta, items)


@router.get(
    "/overdue/findings",
    operation_id="getOverdueFindings",
    response_model=OverdueFindingsReport,
    responses=REPORT_PROBLEMS,
)
async def overdue_findings(reads: ReadsDep, on: OnParam = None, accept: AcceptHeader = None) -> Response:
    """List audit findings past their due date on a given day and still open or mitigating."""
    meta, items = await service.overdue_findings(reads, on=on or _today())
    return report_response(accept, "overdue-findings", service.FINDING_COLUMNS, meta, items)


@router.get(
    "/overdue/audits", operation_id="getOverdueAudits", response_model=OverdueAuditsReport, responses=REPORT_PROBLEMS
)
async def overdue_audits(reads: ReadsDep, on: OnParam = None, accept: AcceptHeader = None) -> Response:
    """List audits whose stated start or report period has ended on a given day without it happening."""
    meta, items = await service.overdue_audits(reads, on=on or _today())
    return report_response(accept, "overdue-audits", service.AUDIT_COLUMNS, meta, items)


@router.get(
    "/overdue/assessments",
    operation_id="getOverdueAssessments",
    response_model=OverdueAssessmentsReport,
    responses=REPORT_PROBLEMS,
)
async def overdue_assessments(reads: ReadsDep, on: OnParam = None, accept: AcceptHeader = None) -> Response:
    """List vendors' current risk assessments past their valid-until date on a given day."""
    meta, items = await service.overdue_assessments(reads, on=on or _today())
    return report_response(accept, "overdue-assessments", service.ASSESSMENT_COLUMNS, meta, items)
