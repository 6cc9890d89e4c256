"""Path resolution for audits and findings."""

from typing import Annotated, Any

from fastapi import Depends

from app.audits import service
from app.core.deps import ReadsDep
from app.core.params import ItemId


async def valid_audit(audit_id: ItemId, reads: ReadsDep) -> dict[str, Any]:
    """The audit named by the path, or a 404 problem."""
    return await service.get_audit(reads, audit_id)


async def valid_finding(finding_id: ItemId, reads: ReadsDep) -> dict[str, Any]:
    """The finding named by the path, or a 404 problem."""
    return await service.get_finding(reads, finding_id)


AuditDep = Annotated[dict[str, Any], Depends(valid_audit)]
FindingDep = Annotated[dict[str, Any], Depends(valid_finding)]
