"""Path resolution for vendor assessments, supplier-access facts, access overrides and mitigation measures."""

from typing import Annotated, Any

from fastapi import Depends

from app.assessments import service
from app.changes.timeline import AsOf, parse_as_of
from app.core.deps import ReadsDep
from app.core.params import ItemId
from app.core.reads import off_loop


async def valid_assessment(assessment_id: ItemId, reads: ReadsDep, as_of: AsOf = None) -> dict[str, Any]:
    """The vendor assessment named by the path (as it stood at ``as_of`` when given), or a 404 problem."""
    if as_of is not None:
        return await off_loop(service.get_assessment)(reads, assessment_id, parse_as_of(as_of))
    return await service.get_assessment(reads, assessment_id)


async def valid_fact(fact_id: ItemId, reads: ReadsDep, as_of: AsOf = None) -> dict[str, Any]:
    """The supplier-access fact named by the path (as it stood at ``as_of`` when given), or a 404 problem."""
    if as_of is not None:
        return await off_loop(service.get_fact)(reads, fact_id, parse_as_of(as_of))
    return await service.get_fact(reads, fact_id)


async def valid_override(override_id: ItemId, reads: ReadsDep, as_of: AsOf = None) -> dict[str, Any]:
    """The access override named by the path (as it stood at ``as_of`` when given), or a 404 problem."""
    if as_of is not None:
        return await off_loop(service.get_override)(reads, override_id, parse_as_of(as_of))
    return await service.get_override(reads, override_id)


async def valid_measure(measure_id: ItemId, reads: ReadsDep, as_of: AsOf = None) -> dict[str, Any]:
    """The mitigation measure named by the path (as it stood at ``as_of`` when given), or a 404 problem."""
    if as_of is not None:
        return await off_loop(service.get_measure)(reads, measure_id, parse_as_of(as_of))
    return await service.get_measure(reads, measure_id)


AssessmentDep = Annotated[dict[str, Any], Depends(valid_assessment)]
FactDep = Annotated[dict[str, Any], Depends(valid_fact)]
OverrideDep = Annotated[dict[str, Any], Depends(valid_override)]
MeasureDep = Annotated[dict[str, Any], Depends(valid_measure)]
