"""HTTP endpoints of the reports: JSON at `/reports/<name>` (CSV there too for `Accept: text/csv`), and CSV
alone at `/reports/<name>.csv`, so each representation is its own documented operation."""

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from app.core.choices import ExposureSort, NetworkMode, RiskTier
from app.core.deps import ReadsDep
from app.core.errors import problem_responses
from app.core.params import ref_query
from app.core.routing import StrictQueryRoute
from app.reports import service
from app.reports.formats import CSV_MEDIA_TYPE, CsvResponse, report_response, to_csv
from app.reports.schemas import (
    ExposureReport,
    OverdueAssessmentsReport,
    OverdueAuditsReport,
    OverdueFindingsReport,
    SummaryReport,
)

router = APIRouter(prefix="/reports", tags=["reports"], route_class=StrictQueryRoute)

REPORT_PROBLEMS = problem_responses(401, 403, 406, 422)


def csv_route(columns: Sequence[str]) -> dict[str, Any]:
    """Route options of a report's `.csv` operation: one representation, `text/csv`, with its header line."""
    return {
        "response_model": None,
        "response_class": CsvResponse,
        "responses": {
            200: {
                "description": "The report's rows as CSV (RFC 4180, UTF-8) under a header of the item fields; null "
                "is an empty cell, booleans `true`/`false`, lists joined with ` | `.",
                "content": {CSV_MEDIA_TYPE: {"example": to_csv(columns, [])}},
            },
            **problem_responses(401, 403, 422),
        },
    }


OnParam = Annotated[date | None, Query(description="The date to judge overdue on, YYYY-MM-DD; default today (UTC).")]
RiskTierParam = Annotated[RiskTier | None, Query(description="Only rows of this risk tier.")]
NetworkModeParam = Annotated[NetworkMode | None, Query(description="Only scanners of this network mode.")]
SiteParam = Annotated[str | None, ref_query("Site id or code, e.g. `maasvlakte`.")]
VendorParam = Annotated[str | None, ref_query("Vendor id or slug, e.g. `nuctech`.")]


def _today() -> date:
    return datetime.now(UTC).date()


@router.get("/exposure", operation_id="getExposureReport", response_model=ExposureReport, responses=REPORT_PROBLEMS)
@router.get("/exposure.csv", operation_id="getExposureReportCsv", **csv_route(service.EXPOSURE_COLUMNS))
async def exposure_report(
    request: Request,
    reads: ReadsDep,
    site: SiteParam = None,
    vendor: VendorParam = None,
    risk_tier: RiskTierParam = None,
    sort: Annotated[
        ExposureSort, Query(description="`risk`: highest risk first (default); `asset_tag`: by tag.")
    ] = ExposureSort.RISK,
) -> Response:
    """One row per scanner with the four considerations, audit status, risk tier and the reasons in words."""
    meta, items = await service.exposure(reads, site=site, vendor=vendor, risk_tier=risk_tier, sort=sort.value)
    return report_response(request, "exposure", service.EXPOSURE_COLUMNS, meta, items)


@router.get("/summary", operation_id="getSummaryReport", response_model=SummaryReport, responses=REPORT_PROBLEMS)
@router.get("/summary.csv", operation_id="getSummaryReportCsv", **csv_route(service.SUMMARY_COLUMNS))
async def summary_report(
    request: Request,
    reads: ReadsDep,
    site: SiteParam = None,
    vendor: VendorParam = None,
    network_mode: NetworkModeParam = None,
) -> Response:
    """Count scanners by site, vendor, network mode and audit status, marking counts that are minimums."""
    meta, items = await service.summary(reads, site=site, vendor=vendor, network_mode=network_mode)
    return report_response(request, "summary", service.SUMMARY_COLUMNS, meta, items)


@router.get(
    "/overdue/findings",
    operation_id="getOverdueFindings",
    response_model=OverdueFindingsReport,
    responses=REPORT_PROBLEMS,
)
@router.get("/overdue/findings.csv", operation_id="getOverdueFindingsCsv", **csv_route(service.FINDING_COLUMNS))
async def overdue_findings(request: Request, reads: ReadsDep, on: OnParam = None) -> Response:
    """List audit findings past their due date on a given day and still open or mitigating."""
    meta, items = await service.overdue_findings(reads, on=on or _today())
    return report_response(request, "overdue-findings", service.FINDING_COLUMNS, meta, items)


@router.get(
    "/overdue/audits", operation_id="getOverdueAudits", response_model=OverdueAuditsReport, responses=REPORT_PROBLEMS
)
@router.get("/overdue/audits.csv", operation_id="getOverdueAuditsCsv", **csv_route(service.AUDIT_COLUMNS))
async def overdue_audits(request: Request, reads: ReadsDep, on: OnParam = None) -> Response:
    """List audits whose stated start or report period has ended on a given day without it happening."""
    meta, items = await service.overdue_audits(reads, on=on or _today())
    return report_response(request, "overdue-audits", service.AUDIT_COLUMNS, meta, items)


@router.get(
    "/overdue/assessments",
    operation_id="getOverdueAssessments",
    response_model=OverdueAssessmentsReport,
    responses=REPORT_PROBLEMS,
)
@router.get(
    "/overdue/assessments.csv", operation_id="getOverdueAssessmentsCsv", **csv_route(service.ASSESSMENT_COLUMNS)
)
async def overdue_assessments(request: Request, reads: ReadsDep, on: OnParam = None) -> Response:
    """List vendors' current risk assessments past their valid-until date on a given day."""
    meta, items = await service.overdue_assessments(reads, on=on or _today())
    return report_response(request, "overdue-assessments", service.ASSESSMENT_COLUMNS, meta, items)
