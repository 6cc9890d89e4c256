"""Path resolution for audits and findings."""

from typing import Annotated, Any

from fastapi import Depends

from app.audits import service
from app.changes.timeline import AsOf, parse_as_of
from app.core.deps import ReadsDep
from app.core.params import ItemId
from app.core.reads import off_loop


async def valid_audit(audit_id: ItemId, reads: ReadsDep, as_of: AsOf = None) -> dict[str, Any]:
    """The audit named by the path (as it stood at ``as_of`` when given), or a 404 problem."""
    if as_of is not None:
        return await off_loop(service.get_audit)(reads, audit_id, parse_as_of(as_of))
    return await service.get_audit(reads, audit_id)


async def valid_finding(finding_id: ItemId, reads: ReadsDep, as_of: AsOf = None) -> dict[str, Any]:
    """The finding named by the path (as it stood at ``as_of`` when given), or a 404 problem."""
    if as_of is not None:
        return await off_loop(service.get_finding)(reads, finding_id, parse_as_of(as_of))
    return await service.get_finding(reads, finding_id)


AuditDep = Annotated[dict[str, Any], Depends(valid_audit)]
FindingDep = Annotated[dict[str, Any], Depends(valid_finding)]
