"""HTTP endpoints of vendor assessments, supplier-access facts, access overrides and mitigation measures."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import Field
from starlette.responses import Response

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
from app.auth.dependencies import EDITOR
from app.changes.timeline import AsOf, AsOfQuery
from app.core.choices import AccessAspect, Answer, MeasureStatus
from app.core.deps import SessionDep
from app.core.http import MAX_ID
from app.core.params import IfMatch, ItemId
from app.core.query import PageQuery, query_dependency, sort_query
from app.core.routes import create_route, delete_route, get_route, list_route, ref_field, update_route
from app.core.routing import StrictQueryRoute
from app.history.endpoints import (
    HistoryQueryDep,
    create_item,
    create_item_or_hold,
    delete_item,
    delete_item_or_hold,
    history_response,
    history_route,
    item_get,
    list_items,
    restore_response,
    restore_route,
    update_item,
    update_item_or_hold,
)

router = APIRouter(tags=["assessments"], route_class=StrictQueryRoute)

ScannerParam = Annotated[int | None, Query(ge=1, le=MAX_ID, description="Scanner id.")]


class VendorAssessmentQuery(PageQuery, AsOfQuery):
    """Filters, sort and page of vendor assessments."""

    vendor: str | None = ref_field("Vendor id or slug, e.g. `nuctech`.")
    current: bool | None = Field(default=None, description="`true`: only each vendor's current assessment.")
    sort: str | None = sort_query(service.ASSESSMENTS)


@router.get(
    "/vendor-assessments",
    operation_id="listVendorAssessments",
    **list_route(VendorAssessmentPublic, VendorAssessmentQuery),
)
async def list_vendor_assessments(
    request: Request, query: Annotated[VendorAssessmentQuery, Depends(query_dependency(VendorAssessmentQuery))]
) -> Response:
    """List vendor risk assessments against considerations 1 and 2 of Antwoord 6, marking each vendor's current one."""
    return await list_items(request, query, service.ASSESSMENT, service.list_assessments)


class SupplierAccessFactQuery(PageQuery, AsOfQuery):
    """Filters, sort and page of supplier-access facts."""

    scanner: ScannerParam = None
    aspect: AccessAspect | None = None
    answer: Answer | None = None
    sort: str | None = sort_query(service.FACTS)


@router.get(
    "/supplier-access-facts",
    operation_id="listSupplierAccessFacts",
    **list_route(SupplierAccessFactPublic, SupplierAccessFactQuery),
)
async def list_supplier_access_facts(
    request: Request, query: Annotated[SupplierAccessFactQuery, Depends(query_dependency(SupplierAccessFactQuery))]
) -> Response:
    """List the recorded facts about suppliers' access to scanners, from which consideration 3a is derived."""
    return await list_items(request, query, service.FACT, service.list_facts)


class AccessOverrideQuery(PageQuery, AsOfQuery):
    """Filters, sort and page of access overrides."""

    scanner: ScannerParam = None
    sort: str | None = sort_query(service.OVERRIDES)


@router.get(
    "/access-overrides", operation_id="listAccessOverrides", **list_route(AccessOverridePublic, AccessOverrideQuery)
)
async def list_access_overrides(
    request: Request, query: Annotated[AccessOverrideQuery, Depends(query_dependency(AccessOverrideQuery))]
) -> Response:
    """List the scanners whose consideration 3a is set by hand, each with the answer its access facts would give."""
    return await list_items(request, query, service.OVERRIDE, service.list_overrides)


class MitigationMeasureQuery(PageQuery, AsOfQuery):
    """Filters, sort and page of mitigation measures."""

    scanner: ScannerParam = None
    status: MeasureStatus | None = None
    sort: str | None = sort_query(service.MEASURES)


@router.get(
    "/mitigation-measures",
    operation_id="listMitigationMeasures",
    **list_route(MitigationMeasurePublic, MitigationMeasureQuery),
)
async def list_mitigation_measures(
    request: Request, query: Annotated[MitigationMeasureQuery, Depends(query_dependency(MitigationMeasureQuery))]
) -> Response:
    """List mitigation measures protecting scanners (consideration 3b)."""
    return await list_items(request, query, service.MEASURE, service.list_measures)


@router.get(
    "/vendor-assessments/{assessment_id}", operation_id="getVendorAssessment", **get_route(VendorAssessmentDetail)
)
async def get_vendor_assessment(request: Request, assessment_id: ItemId, as_of: AsOf = None) -> Response:
    """Get one vendor assessment by id, with its pending change requests."""
    return await item_get(request, service.ASSESSMENT, assessment_id, as_of, pending=True)


@router.post(
    "/vendor-assessments",
    operation_id="createVendorAssessment",
    dependencies=EDITOR,
    **create_route(VendorAssessmentPublic, ACCEPTED_RESPONSE),
)
def create_vendor_assessment(request: Request, body: VendorAssessmentCreate, session: SessionDep) -> Response:
    """Record a vendor's assessment against considerations 1 and 2; one per vendor and date; a change the approval policy covers waits for approval (202)."""
    return create_item_or_hold(request, service.ASSESSMENT, body, session)


@router.patch(
    "/vendor-assessments/{assessment_id}",
    operation_id="updateVendorAssessment",
    dependencies=EDITOR,
    **update_route(VendorAssessmentPublic, ACCEPTED_RESPONSE),
)
def update_vendor_assessment(
    request: Request, assessment_id: ItemId, body: VendorAssessmentUpdate, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Change the fields sent of a vendor assessment, if If-Match names its current ETag; a change the approval policy covers waits for approval (202)."""
    return update_item_or_hold(request, service.ASSESSMENT, assessment_id, body, session, if_match)


@router.delete(
    "/vendor-assessments/{assessment_id}",
    operation_id="deleteVendorAssessment",
    dependencies=EDITOR,
    **delete_route(ACCEPTED_RESPONSE),
)
def delete_vendor_assessment(
    request: Request, assessment_id: ItemId, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Delete a vendor assessment, if If-Match names its current ETag; a change the approval policy covers waits for approval (202)."""
    return delete_item_or_hold(request, service.ASSESSMENT, assessment_id, session, if_match)


@router.get(
    "/supplier-access-facts/{fact_id}", operation_id="getSupplierAccessFact", **get_route(SupplierAccessFactPublic)
)
async def get_supplier_access_fact(request: Request, fact_id: ItemId, as_of: AsOf = None) -> Response:
    """Get one supplier-access fact by id."""
    return await item_get(request, service.FACT, fact_id, as_of)


@router.post(
    "/supplier-access-facts",
    operation_id="createSupplierAccessFact",
    dependencies=EDITOR,
    **create_route(SupplierAccessFactPublic),
)
def create_supplier_access_fact(request: Request, body: SupplierAccessFactCreate, session: SessionDep) -> Response:
    """Record whether the supplier has one kind of access to a scanner, with its source; one per scanner and aspect."""
    return create_item(request, service.FACT, body, session)


@router.patch(
    "/supplier-access-facts/{fact_id}",
    operation_id="updateSupplierAccessFact",
    dependencies=EDITOR,
    **update_route(SupplierAccessFactPublic),
)
def update_supplier_access_fact(
    request: Request, fact_id: ItemId, body: SupplierAccessFactUpdate, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Change the fields sent of a supplier-access fact, if If-Match names its current ETag."""
    return update_item(request, service.FACT, fact_id, body, session, if_match)


@router.delete(
    "/supplier-access-facts/{fact_id}", operation_id="deleteSupplierAccessFact", dependencies=EDITOR, **delete_route()
)
def delete_supplier_access_fact(
    request: Request, fact_id: ItemId, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Delete a supplier-access fact so its aspect is unrecorded again, if If-Match names its current ETag."""
    return delete_item(request, service.FACT, fact_id, session, if_match)


@router.get("/access-overrides/{override_id}", operation_id="getAccessOverride", **get_route(AccessOverrideDetail))
async def get_access_override(request: Request, override_id: ItemId, as_of: AsOf = None) -> Response:
    """Get one access override by id, with its pending change requests."""
    return await item_get(request, service.OVERRIDE, override_id, as_of, pending=True)


@router.post(
    "/access-overrides",
    operation_id="createAccessOverride",
    dependencies=EDITOR,
    **create_route(AccessOverridePublic, ACCEPTED_RESPONSE),
)
def create_access_override(request: Request, body: AccessOverrideCreate, session: SessionDep) -> Response:
    """Override a scanner's consideration 3a (extensive access) with a reason; one override per scanner; a change the approval policy covers waits for approval (202)."""
    return create_item_or_hold(request, service.OVERRIDE, body, session)


@router.patch(
    "/access-overrides/{override_id}",
    operation_id="updateAccessOverride",
    dependencies=EDITOR,
    **update_route(AccessOverridePublic, ACCEPTED_RESPONSE),
)
def update_access_override(
    request: Request, override_id: ItemId, body: AccessOverrideUpdate, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Change the fields sent of an access override, if If-Match names its current ETag; a change the approval policy covers waits for approval (202)."""
    return update_item_or_hold(request, service.OVERRIDE, override_id, body, session, if_match)


@router.delete(
    "/access-overrides/{override_id}",
    operation_id="deleteAccessOverride",
    dependencies=EDITOR,
    **delete_route(ACCEPTED_RESPONSE),
)
def delete_access_override(
    request: Request, override_id: ItemId, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Delete an access override so the scanner's 3a follows its access facts again, if If-Match names its current ETag; a change the approval policy covers waits for approval (202)."""
    return delete_item_or_hold(request, service.OVERRIDE, override_id, session, if_match)


@router.get(
    "/mitigation-measures/{measure_id}", operation_id="getMitigationMeasure", **get_route(MitigationMeasureDetail)
)
async def get_mitigation_measure(request: Request, measure_id: ItemId, as_of: AsOf = None) -> Response:
    """Get one mitigation measure by id, with its pending change requests."""
    return await item_get(request, service.MEASURE, measure_id, as_of, pending=True)


@router.post(
    "/mitigation-measures",
    operation_id="createMitigationMeasure",
    dependencies=EDITOR,
    **create_route(MitigationMeasurePublic, ACCEPTED_RESPONSE),
)
def create_mitigation_measure(request: Request, body: MitigationMeasureCreate, session: SessionDep) -> Response:
    """Record a mitigation measure for a scanner; a change the approval policy covers waits for approval (202)."""
    return create_item_or_hold(request, service.MEASURE, body, session)


@router.patch(
    "/mitigation-measures/{measure_id}",
    operation_id="updateMitigationMeasure",
    dependencies=EDITOR,
    **update_route(MitigationMeasurePublic, ACCEPTED_RESPONSE),
)
def update_mitigation_measure(
    request: Request, measure_id: ItemId, body: MitigationMeasureUpdate, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Change the fields sent of a mitigation measure, if If-Match names its current ETag; a change the approval policy covers waits for approval (202)."""
    return update_item_or_hold(request, service.MEASURE, measure_id, body, session, if_match)


@router.delete(
    "/mitigation-measures/{measure_id}",
    operation_id="deleteMitigationMeasure",
    dependencies=EDITOR,
    **delete_route(ACCEPTED_RESPONSE),
)
def delete_mitigation_measure(
    request: Request, measure_id: ItemId, session: SessionDep, if_match: IfMatch = None
) -> Response:
    """Delete a mitigation measure, if If-Match names its current ETag; a change the approval policy covers waits for approval (202)."""
    return delete_item_or_hold(request, service.MEASURE, measure_id, session, if_match)


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
