"""Path resolution for operators."""

from typing import Annotated, Any

from fastapi import Depends

from app.core.deps import ReadsDep
from app.core.params import ItemId
from app.operators import service


async def valid_operator(operator_id: ItemId, reads: ReadsDep) -> dict[str, Any]:
    """The operator named by the path, or a 404 problem."""
    return await service.get_operator(reads, operator_id)


OperatorDep = Annotated[dict[str, Any], Depends(valid_operator)]
