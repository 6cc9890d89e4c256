"""HTTP endpoints of the reports: JSON pages at `/reports/<name>` (whole exports there too, as CSV or JSON Lines
by Accept), and the CSV export alone at `/reports/<name>.csv`, so each representation is its own documented
operation that client generators type correctly."""

from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Annotated, Any, TypedDict

from fastapi import APIRouter, Depends, Header, Query, Request
from starlette.responses import Response

from app.approvals.service import list_unapproved_changes
from app.auth.dependencies import is_admin
from app.changes.schemas import ChangeRecordPublic
from app.changes.service import CHANGES
from app.changes.timeline import AsOf, parse_as_of
from app.core.choices import ExposureSort, NetworkMode, RiskTier
from app.core.constraints import CURSOR_PATTERN
from app.core.deps import ReadsDep
from app.core.errors import READ_PROBLEMS, problem_responses
from app.core.exports import EXPORT_RESPONSE as COLLECTION_EXPORT_RESPONSE
from app.core.exports import list_response
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from app.core.params import ref_query
from app.core.query import PageQuery, query_dependency, query_parameters, sort_query
from app.core.routing import StrictQueryRoute
from app.reports import service
from app.reports.formats import (
    CSV_MEDIA_TYPE,
    EXPORT_RESPONSE,
    CsvResponse,
    export_response,
    negotiate,
    report_response,
    to_csv,
)
from app.reports.schemas import (
    ExposureReport,
    OverdueAssessmentsReport,
    OverdueAuditsReport,
    OverdueFindingsReport,
    SummaryReport,
)

router = APIRouter(prefix="/reports", tags=["reports"], route_class=StrictQueryRoute)

REPORT_PROBLEMS = {**problem_responses(401, 403, 406, 422), **EXPORT_RESPONSE}
PAGED_REPORT_PROBLEMS = {**problem_responses(400, 401, 403, 406, 422), **EXPORT_RESPONSE}
AcceptHeader = Annotated[
    str | None,
    Header(
        alias="Accept",
        description="`application/json` (default, a page), or an export of every row: `text/csv`,"
        " `application/x-ndjson` (JSON Lines).",
    ),
]
LimitParam = Annotated[
    int, Query(ge=1, le=MAX_LIMIT, description=f"Rows per JSON page, 1 to {MAX_LIMIT}; exports are not limited.")
]
CursorParam = Annotated[
    str | None,
    Query(
        max_length=2048,
        pattern=CURSOR_PATTERN,
        description="The `next_cursor` of the previous page (same parameters); an export starts after it.",
    ),
]
OnParam = Annotated[date | None, Query(description="The date to judge overdue on, YYYY-MM-DD; default today (UTC).")]
RiskTierParam = Annotated[RiskTier | None, Query(description="Only rows of this risk tier.")]
NetworkModeParam = Annotated[NetworkMode | None, Query(description="Only scanners of this network mode.")]
SiteParam = Annotated[str | None, ref_query("Site id or code, e.g. `maasvlakte`.")]
VendorParam = Annotated[str | None, ref_query("Vendor id or slug, e.g. `nuctech`.")]


def csv_route(columns: Sequence[str]) -> dict[str, Any]:
    """Route options of a report's `.csv` operation: one representation, `text/csv`, with its header line."""
    return {
        "response_model": None,
        "response_class": CsvResponse,
        "responses": {
            200: {
                "description": "Every row matching the filters as CSV (RFC 4180, UTF-8), streamed, under a header of"
                " the item fields; null is an empty cell, booleans `true`/`false`, lists joined with ` | `.",
                "content": {CSV_MEDIA_TYPE: {"example": to_csv(columns, [])}},
            },
            **problem_responses(400, 401, 403, 422),
        },
    }


class _ExposureFilters(TypedDict):
    """The exposure report's filters, as both its page and its export take them."""

    site: str | None
    vendor: str | None
    risk_tier: RiskTier | None
    sort: str
    at: datetime | None


class _OverduePage(TypedDict):
    """What an overdue report's page or export is cut by (``_overdue_response``)."""

    on: date
    limit: int
    cursor: str | None
    accept: str | None


async def _overdue_page(
    on: OnParam = None, limit: LimitParam = DEFAULT_LIMIT, cursor: CursorParam = None, accept: AcceptHeader = None
) -> _OverduePage:
    """The parameters every overdue report takes: the day it judges (default today, UTC) and its page."""
    return {"on": on or _today(), "limit": limit, "cursor": cursor, "accept": accept}


OverduePage = Annotated[_OverduePage, Depends(_overdue_page)]


def _wanted(request: Request, accept: str | None) -> str | None:
    """The Accept value that decides the representation: CSV on a `.csv` path, else the client's."""
    return CSV_MEDIA_TYPE if request.url.path.endswith(".csv") else accept


def _today() -> date:
    return datetime.now(UTC).date()


@router.get(
    "/exposure", operation_id="getExposureReport", response_model=ExposureReport, responses=PAGED_REPORT_PROBLEMS
)
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
    limit: LimitParam = DEFAULT_LIMIT,
    cursor: CursorParam = None,
    as_of: AsOf = None,
    accept: AcceptHeader = None,
) -> Response:
    """One row per scanner with the four considerations, audit status, risk tier and the reasons in words;
    with `as_of`, the same report over the inventory and its assurance as they stood at that instant."""
    accept = _wanted(request, accept)
    form = negotiate(accept)
    at = parse_as_of(as_of)
    filters: _ExposureFilters = {"site": site, "vendor": vendor, "risk_tier": risk_tier, "sort": sort.value, "at": at}
    if form != "json":
        batches = service.exposure_export(reads, **filters, cursor=cursor)
        return export_response(form, "exposure", service.EXPOSURE_COLUMNS, batches)
    meta, items, next_cursor = await service.exposure(reads, **filters, limit=limit, cursor=cursor)
    return report_response(
        accept, "exposure", service.EXPOSURE_COLUMNS, meta, items, request=request, next_cursor=next_cursor, paged=True
    )


@router.get("/summary", operation_id="getSummaryReport", response_model=SummaryReport, responses=REPORT_PROBLEMS)
@router.get("/summary.csv", operation_id="getSummaryReportCsv", **csv_route(service.SUMMARY_COLUMNS))
async def summary_report(
    request: Request,
    reads: ReadsDep,
    site: SiteParam = None,
    vendor: VendorParam = None,
    network_mode: NetworkModeParam = None,
    as_of: AsOf = None,
    accept: AcceptHeader = None,
) -> Response:
    """Count scanners by site, vendor, network mode and audit status, marking counts that are minimums; with
    `as_of`, counted over the inventory and its assurance as they stood at that instant."""
    at = parse_as_of(as_of)
    meta, items = await service.summary(reads, site=site, vendor=vendor, network_mode=network_mode, at=at)
    return report_response(_wanted(request, accept), "summary", service.SUMMARY_COLUMNS, meta, items)


def _overdue_response(
    request: Request, name: str, columns: list[str], report: tuple[dict, list[dict]], page: _OverduePage
) -> Response:
    meta, items = report
    accept = _wanted(request, page["accept"])
    paged = negotiate(accept) == "json"
    limit = page["limit"] if paged else None
    items, next_cursor = service.overdue_page(name, items, on=page["on"], limit=limit, cursor=page["cursor"])
    return report_response(accept, name, columns, meta, items, request=request, next_cursor=next_cursor, paged=True)


@router.get(
    "/overdue/findings",
    operation_id="getOverdueFindings",
    response_model=OverdueFindingsReport,
    responses=PAGED_REPORT_PROBLEMS,
)
@router.get("/overdue/findings.csv", operation_id="getOverdueFindingsCsv", **csv_route(service.FINDING_COLUMNS))
async def overdue_findings(request: Request, reads: ReadsDep, page: OverduePage) -> Response:
    """List audit findings past their due date on a given day and still open or mitigating. No `as_of`: the
    records as they stand now are judged on the day `on` names."""
    report = await service.overdue_findings(reads, on=page["on"])
    return _overdue_response(request, "overdue-findings", service.FINDING_COLUMNS, report, page)


@router.get(
    "/overdue/audits",
    operation_id="getOverdueAudits",
    response_model=OverdueAuditsReport,
    responses=PAGED_REPORT_PROBLEMS,
)
@router.get("/overdue/audits.csv", operation_id="getOverdueAuditsCsv", **csv_route(service.AUDIT_COLUMNS))
async def overdue_audits(request: Request, reads: ReadsDep, page: OverduePage) -> Response:
    """List audits whose stated start or report period has ended on a given day without it happening. No
    `as_of`: the records as they stand now are judged on the day `on` names."""
    report = await service.overdue_audits(reads, on=page["on"])
    return _overdue_response(request, "overdue-audits", service.AUDIT_COLUMNS, report, page)


@router.get(
    "/overdue/assessments",
    operation_id="getOverdueAssessments",
    response_model=OverdueAssessmentsReport,
    responses=PAGED_REPORT_PROBLEMS,
)
@router.get(
    "/overdue/assessments.csv", operation_id="getOverdueAssessmentsCsv", **csv_route(service.ASSESSMENT_COLUMNS)
)
async def overdue_assessments(request: Request, reads: ReadsDep, page: OverduePage) -> Response:
    """List vendors' current risk assessments past their valid-until date on a given day. No `as_of`: the
    records as they stand now are judged on the day `on` names."""
    report = await service.overdue_assessments(reads, on=page["on"])
    return _overdue_response(request, "overdue-assessments", service.ASSESSMENT_COLUMNS, report, page)


class UnapprovedChangesQuery(PageQuery):
    """Sort and page of the report of changes applied without approval."""

    sort: str | None = sort_query(CHANGES)


@router.get(
    "/unapproved-changes",
    operation_id="getUnapprovedChangesReport",
    response_model=Page[ChangeRecordPublic],
    responses={**problem_responses(*READ_PROBLEMS["list"]), **COLLECTION_EXPORT_RESPONSE},
    openapi_extra=query_parameters(UnapprovedChangesQuery),
)
async def unapproved_changes_report(
    request: Request, query: Annotated[UnapprovedChangesQuery, Depends(query_dependency(UnapprovedChangesQuery))]
) -> Response:
    """List the emergency changes: covered by the approval policy, applied by an admin without a second person's approval."""
    reads, admin = request.app.state.reads, is_admin(request)
    fetch = lambda page: list_unapproved_changes(reads, admin=admin, **page.model_dump())  # noqa: E731
    return await list_response(request, query, fetch, name="unapproved-changes", item_model=ChangeRecordPublic)
