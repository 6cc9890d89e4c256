"""HTTP endpoints of vendor assessments, supplier-access facts, access overrides and mitigation measures."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field
from starlette.responses import Response

from app.approvals.responses import create_or_hold, delete_or_hold, update_or_hold
from app.approvals.schemas import ACCEPTED_RESPONSE
from app.assessments import service
from app.assessments.schemas import (
    AccessOverrideCreate,
    AccessOverrideDetail,
    AccessOverridePublic,
    AccessOverrideUpdate,
    MitigationMeasureCreate,
    MitigationMeasureDetail,
    MitigationMeasurePublic,
    MitigationMeasureUpdate,
    SupplierAccessFactCreate,
    SupplierAccessFactPublic,
    SupplierAccessFactUpdate,
    VendorAssessmentCreate,
    VendorAssessmentDetail,
    VendorAssessmentPublic,
    VendorAssessmentUpdate,
)
from app.auth.dependencies import require_editor
from app.changes.timeline import AsOf, AsOfQuery, run_listing
from app.core.choices import AccessAspect, Answer, MeasureStatus
from app.core.constraints import REF_PATTERN
from app.core.deps import SessionDep
from app.core.errors import READ_PROBLEMS, WRITE_PROBLEMS, problem_responses
from app.core.exports import EXPORT_RESPONSE, list_response
from app.core.http import MAX_ID, created_response, updated_response
from app.core.pagination import Page
from app.core.params import IfMatch, ItemId
from app.core.query import PageQuery, query_dependency, query_parameters, sort_query
from app.core.routing import StrictQueryRoute
from app.history.endpoints import (
    HistoryQueryDep,
    history_response,
    history_route,
    item_get,
    restore_response,
    restore_route,
)

router = APIRouter(tags=["assessments"], route_class=StrictQueryRoute)

ScannerParam = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Scanner id.")]


class VendorAssessmentQuery(PageQuery, AsOfQuery):
    """Filters, sort and page of vendor assessments."""

    vendor: str | None = Field(
        default=None, max_length=64, pattern=REF_PATTERN, description="Vendor id or slug, e.g. `nuctech`."
    )
    current: bool | None = Field(default=None, description="`true`: only each vendor's current assessment.")
    sort: str | None = sort_query(service.ASSESSMENTS)


@router.get(
    "/vendor-assessments",
    operation_id="listVendorAssessments",
    response_model=Page[VendorAssessmentPublic],
    responses={**problem_responses(*READ_PROBLEMS["list"]), **EXPORT_RESPONSE},
    openapi_extra=query_parameters(VendorAssessmentQuery),
)
async def list_vendor_assessments(
    request: Request, query: Annotated[VendorAssessmentQuery, Depends(query_dependency(VendorAssessmentQuery))]
) -> Response:
    """List vendor risk assessments against considerations 1 and 2 of Antwoord 6, marking each vendor's current one."""
    reads = request.app.state.reads
    fetch = lambda page: run_listing(reads, page, service.list_assessments)  # noqa: E731
    return await list_response(request, query, fetch, name="vendor-assessments", item_model=VendorAssessmentPublic)


class SupplierAccessFactQuery(PageQuery, AsOfQuery):
    """Filters, sort and page of supplier-access facts."""

    scanner: ScannerParam = None
    aspect: AccessAspect | None = None
    answer: Answer | None = None
    sort: str | None = sort_query(service.FACTS)


@router.get(
    "/supplier-access-facts",
    operation_id="listSupplierAccessFacts",
    response_model=Page[SupplierAccessFactPublic],
    responses={**problem_responses(*READ_PROBLEMS["list"]), **EXPORT_RESPONSE},
    openapi_extra=query_parameters(SupplierAccessFactQuery),
)
async def list_supplier_access_facts(
    request: Request, query: Annotated[SupplierAccessFactQuery, Depends(query_dependency(SupplierAccessFactQuery))]
) -> Response:
    """List the recorded facts about suppliers' access to scanners, from which consideration 3a is derived."""
    reads = request.app.state.reads
    fetch = lambda page: run_listing(reads, page, service.list_facts)  # noqa: E731
    return await list_response(request, query, fetch, name="supplier-access-facts", item_model=SupplierAccessFactPublic)


class AccessOverrideQuery(PageQuery, AsOfQuery):
    """Filters, sort and page of access overrides."""

    scanner: ScannerParam = None
    sort: str | None = sort_query(service.OVERRIDES)


@router.get(
    "/access-overrides",
    operation_id="listAccessOverrides",
    response_model=Page[AccessOverridePublic],
    responses={**problem_responses(*READ_PROBLEMS["list"]), **EXPORT_RESPONSE},
    openapi_extra=query_parameters(AccessOverrideQuery),
)
async def list_access_overrides(
    request: Request, query: Annotated[AccessOverrideQuery, Depends(query_dependency(AccessOverrideQuery))]
) -> Response:
    """List the scanners whose consideration 3a is set by hand, each with the answer its access facts would give."""
    reads = request.app.state.reads
    fetch = lambda page: run_listing(reads, page, service.list_overrides)  # noqa: E731
    return await list_response(request, query, fetch, name="access-overrides", item_model=AccessOverridePublic)


class MitigationMeasureQuery(PageQuery, AsOfQuery):
    """Filters, sort and page of mitigation measures."""

    scanner: ScannerParam = None
    status: MeasureStatus | None = None
    sort: str | None = sort_query(service.MEASURES)


@router.get(
    "/mitigation-measures",
    operation_id="listMitigationMeasures",
    response_model=Page[MitigationMeasurePublic],
    responses={**problem_responses(*READ_PROBLEMS["list"]), **EXPORT_RESPONSE},
    openapi_extra=query_parameters(MitigationMeasureQuery),
)
async def list_mitigation_measures(
    request: Request, query: Annotated[MitigationMeasureQuery, Depends(query_dependency(MitigationMeasureQuery))]
) -> Response:
    """List mitigation measures protecting scanners (consideration 3b)."""
    reads = request.app.state.reads
    fetch = lambda page: run_listing(reads, page, service.list_measures)  # noqa: E731
    return await list_response(request, query, fetch, name="mitigation-measures", item_model=MitigationMeasurePublic)


@router.get(
    "/vendor-assessments/{assessment_id}",
    operation_id="getVendorAssessment",
    response_model=VendorAssessmentDetail,
    responses=problem_responses(*READ_PROBLEMS["get"]),
)
async def get_vendor_assessment(request: Request, assessment_id: ItemId, as_of: AsOf = None) -> Response:
    """Get one vendor assessment by id, with its pending change requests."""
    return await item_get(request, service.ASSESSMENT, assessment_id, as_of, service.get_assessment, pending=True)


@router.post(
    "/vendor-assessments",
    status_code=201,
    operation_id="createVendorAssessment",
    response_model=VendorAssessmentPublic,
    responses={**problem_responses(*WRITE_PROBLEMS["create"]), **ACCEPTED_RESPONSE},
    dependencies=[Depends(require_editor)],
)
def create_vendor_assessment(request: Request, body: VendorAssessmentCreate, session: SessionDep) -> Response:
    """Record a vendor's assessment against considerations 1 and 2; one per vendor and date; a change the approval policy covers waits for approval (202)."""
    return create_or_hold(request, session, "vendor-assessments", "vendor-assessment", body)


@router.patch(
    "/vendor-assessments/{assessment_id}",
    operation_id="updateVendorAssessment",
    response_model=VendorAssessmentPublic,
    responses={**problem_responses(*WRITE_PROBLEMS["update"]), **ACCEPTED_RESPONSE},
    dependencies=[Depends(require_editor)],
)
def update_vendor_assessment(
    request: Request, assessment_id: ItemId, body: VendorAssessmentUpdate, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Change the fields sent of a vendor assessment, if If-Match names its current ETag; a change the approval policy covers waits for approval (202)."""
    return update_or_hold(request, session, "vendor-assessments", "vendor-assessment", assessment_id, body, if_match)


@router.delete(
    "/vendor-assessments/{assessment_id}",
    status_code=204,
    operation_id="deleteVendorAssessment",
    responses={**problem_responses(*WRITE_PROBLEMS["delete"]), **ACCEPTED_RESPONSE},
    dependencies=[Depends(require_editor)],
)
def delete_vendor_assessment(
    request: Request, assessment_id: ItemId, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Delete a vendor assessment, if If-Match names its current ETag; a change the approval policy covers waits for approval (202)."""
    return delete_or_hold(request, session, "vendor-assessments", assessment_id, if_match)


@router.get(
    "/supplier-access-facts/{fact_id}",
    operation_id="getSupplierAccessFact",
    response_model=SupplierAccessFactPublic,
    responses=problem_responses(*READ_PROBLEMS["get"]),
)
async def get_supplier_access_fact(request: Request, fact_id: ItemId, as_of: AsOf = None) -> Response:
    """Get one supplier-access fact by id."""
    return await item_get(request, service.FACT, fact_id, as_of, service.get_fact)


@router.post(
    "/supplier-access-facts",
    status_code=201,
    operation_id="createSupplierAccessFact",
    response_model=SupplierAccessFactPublic,
    responses=problem_responses(*WRITE_PROBLEMS["create"]),
    dependencies=[Depends(require_editor)],
)
def create_supplier_access_fact(request: Request, body: SupplierAccessFactCreate, session: SessionDep) -> Response:
    """Record whether the supplier has one kind of access to a scanner, with its source; one per scanner and aspect."""
    return created_response(request, "supplier-access-fact", service.create_fact(session, body))


@router.patch(
    "/supplier-access-facts/{fact_id}",
    operation_id="updateSupplierAccessFact",
    response_model=SupplierAccessFactPublic,
    responses=problem_responses(*WRITE_PROBLEMS["update"]),
    dependencies=[Depends(require_editor)],
)
def update_supplier_access_fact(
    fact_id: ItemId, body: SupplierAccessFactUpdate, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Change the fields sent of a supplier-access fact, if If-Match names its current ETag."""
    return updated_response("supplier-access-fact", service.update_fact(session, fact_id, body, if_match))


@router.delete(
    "/supplier-access-facts/{fact_id}",
    status_code=204,
    operation_id="deleteSupplierAccessFact",
    responses=problem_responses(*WRITE_PROBLEMS["delete"]),
    dependencies=[Depends(require_editor)],
)
def delete_supplier_access_fact(fact_id: ItemId, session: SessionDep, if_match: IfMatch = None) -> Response:
    """Delete a supplier-access fact so its aspect is unrecorded again, if If-Match names its current ETag."""
    service.delete_fact(session, fact_id, if_match)
    return Response(status_code=204)


@router.get(
    "/access-overrides/{override_id}",
    operation_id="getAccessOverride",
    response_model=AccessOverrideDetail,
    responses=problem_responses(*READ_PROBLEMS["get"]),
)
async def get_access_override(request: Request, override_id: ItemId, as_of: AsOf = None) -> Response:
    """Get one access override by id, with its pending change requests."""
    return await item_get(request, service.OVERRIDE, override_id, as_of, service.get_override, pending=True)


@router.post(
    "/access-overrides",
    status_code=201,
    operation_id="createAccessOverride",
    response_model=AccessOverridePublic,
    responses={**problem_responses(*WRITE_PROBLEMS["create"]), **ACCEPTED_RESPONSE},
    dependencies=[Depends(require_editor)],
)
def create_access_override(request: Request, body: AccessOverrideCreate, session: SessionDep) -> Response:
    """Override a scanner's consideration 3a (extensive access) with a reason; one override per scanner; a change the approval policy covers waits for approval (202)."""
    return create_or_hold(request, session, "access-overrides", "access-override", body)


@router.patch(
    "/access-overrides/{override_id}",
    operation_id="updateAccessOverride",
    response_model=AccessOverridePublic,
    responses={**problem_responses(*WRITE_PROBLEMS["update"]), **ACCEPTED_RESPONSE},
    dependencies=[Depends(require_editor)],
)
def update_access_override(
    request: Request, override_id: ItemId, body: AccessOverrideUpdate, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Change the fields sent of an access override, if If-Match names its current ETag; a change the approval policy covers waits for approval (202)."""
    return update_or_hold(request, session, "access-overrides", "access-override", override_id, body, if_match)


@router.delete(
    "/access-overrides/{override_id}",
    status_code=204,
    operation_id="deleteAccessOverride",
    responses={**problem_responses(*WRITE_PROBLEMS["delete"]), **ACCEPTED_RESPONSE},
    dependencies=[Depends(require_editor)],
)
def delete_access_override(
    request: Request, override_id: ItemId, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Delete an access override so the scanner's 3a follows its access facts again, if If-Match names its current ETag; a change the approval policy covers waits for approval (202)."""
    return delete_or_hold(request, session, "access-overrides", override_id, if_match)


@router.get(
    "/mitigation-measures/{measure_id}",
    operation_id="getMitigationMeasure",
    response_model=MitigationMeasureDetail,
    responses=problem_responses(*READ_PROBLEMS["get"]),
)
async def get_mitigation_measure(request: Request, measure_id: ItemId, as_of: AsOf = None) -> Response:
    """Get one mitigation measure by id, with its pending change requests."""
    return await item_get(request, service.MEASURE, measure_id, as_of, service.get_measure, pending=True)


@router.post(
    "/mitigation-measures",
    status_code=201,
    operation_id="createMitigationMeasure",
    response_model=MitigationMeasurePublic,
    responses={**problem_responses(*WRITE_PROBLEMS["create"]), **ACCEPTED_RESPONSE},
    dependencies=[Depends(require_editor)],
)
def create_mitigation_measure(request: Request, body: MitigationMeasureCreate, session: SessionDep) -> Response:
    """Record a mitigation measure for a scanner; a change the approval policy covers waits for approval (202)."""
    return create_or_hold(request, session, "mitigation-measures", "mitigation-measure", body)


@router.patch(
    "/mitigation-measures/{measure_id}",
    operation_id="updateMitigationMeasure",
    response_model=MitigationMeasurePublic,
    responses={**problem_responses(*WRITE_PROBLEMS["update"]), **ACCEPTED_RESPONSE},
    dependencies=[Depends(require_editor)],
)
def update_mitigation_measure(
    request: Request, measure_id: ItemId, body: MitigationMeasureUpdate, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Change the fields sent of a mitigation measure, if If-Match names its current ETag; a change the approval policy covers waits for approval (202)."""
    return update_or_hold(request, session, "mitigation-measures", "mitigation-measure", measure_id, body, if_match)


@router.delete(
    "/mitigation-measures/{measure_id}",
    status_code=204,
    operation_id="deleteMitigationMeasure",
    responses={**problem_responses(*WRITE_PROBLEMS["delete"]), **ACCEPTED_RESPONSE},
    dependencies=[Depends(require_editor)],
)
def delete_mitigation_measure(
    request: Request, measure_id: ItemId, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Delete a mitigation measure, if If-Match names its current ETag; a change the approval policy covers waits for approval (202)."""
    return delete_or_hold(request, session, "mitigation-measures", measure_id, if_match)


@router.get("/vendor-assessments/{item_id}/history", operation_id="getVendorAssessmentHistory", **history_route())
async def get_vendor_assessment_history(request: Request, item_id: ItemId, query: HistoryQueryDep) -> Response:
    """List the recorded changes of one vendor assessment, oldest first; a deleted one's history still answers.

    No `as_of`: records never change once written (the vendor assessment as it stood at an instant is its item `GET`
    with `as_of`)."""
    return await history_response(request, service.ASSESSMENT, item_id, query)


@router.post(
    "/vendor-assessments/{item_id}/restore", operation_id="restoreVendorAssessment", **restore_route(service.ASSESSMENT)
)
def restore_vendor_assessment(request: Request, item_id: ItemId, session: SessionDep) -> Response:
    """Recreate a deleted vendor assessment from its last recorded state, with the same id; 409 if that would break a
    constraint."""
    return restore_response(request, service.ASSESSMENT, item_id, session)


@router.get("/supplier-access-facts/{item_id}/history", operation_id="getSupplierAccessFactHistory", **history_route())
async def get_supplier_access_fact_history(request: Request, item_id: ItemId, query: HistoryQueryDep) -> Response:
    """List the recorded changes of one supplier-access fact, oldest first; a deleted one's history still answers.

    No `as_of`: records never change once written (the supplier-access fact as it stood at an instant is its item `GET`
    with `as_of`)."""
    return await history_response(request, service.FACT, item_id, query)


@router.post(
    "/supplier-access-facts/{item_id}/restore", operation_id="restoreSupplierAccessFact", **restore_route(service.FACT)
)
def restore_supplier_access_fact(request: Request, item_id: ItemId, session: SessionDep) -> Response:
    """Recreate a deleted supplier-access fact from its last recorded state, with the same id; 409 if that would break a
    constraint."""
    return restore_response(request, service.FACT, item_id, session)


@router.get("/access-overrides/{item_id}/history", operation_id="getAccessOverrideHistory", **history_route())
async def get_access_override_history(request: Request, item_id: ItemId, query: HistoryQueryDep) -> Response:
    """List the recorded changes of one access override, oldest first; a deleted one's history still answers.

    No `as_of`: records never change once written (the access override as it stood at an instant is its item `GET`
    with `as_of`)."""
    return await history_response(request, service.OVERRIDE, item_id, query)


@router.post(
    "/access-overrides/{item_id}/restore", operation_id="restoreAccessOverride", **restore_route(service.OVERRIDE)
)
def restore_access_override(request: Request, item_id: ItemId, session: SessionDep) -> Response:
    """Recreate a deleted access override from its last recorded state, with the same id; 409 if that would break a
    constraint."""
    return restore_response(request, service.OVERRIDE, item_id, session)


@router.get("/mitigation-measures/{item_id}/history", operation_id="getMitigationMeasureHistory", **history_route())
async def get_mitigation_measure_history(request: Request, item_id: ItemId, query: HistoryQueryDep) -> Response:
    """List the recorded changes of one mitigation measure, oldest first; a deleted one's history still answers.

    No `as_of`: records never change once written (the mitigation measure as it stood at an instant is its item `GET`
    with `as_of`)."""
    return await history_response(request, service.MEASURE, item_id, query)


@router.post(
    "/mitigation-measures/{item_id}/restore", operation_id="restoreMitigationMeasure", **restore_route(service.MEASURE)
)
def restore_mitigation_measure(request: Request, item_id: ItemId, session: SessionDep) -> Response:
    """Recreate a deleted mitigation measure from its last recorded state, with the same id; 409 if that would break a
    constraint."""
    return restore_response(request, service.MEASURE, item_id, session)
