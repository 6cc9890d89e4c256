"""Reusable parameter declarations."""

from typing import Annotated, Any

from fastapi import Header, Path, Query

from app.core.http import MAX_ID

ItemId = Annotated[int, Path(ge=1, le=MAX_ID, description="Numeric id of the item.")]


IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The ETag from your last GET of this item. Required: missing is a 428, stale a 412.",
    ),
]


def ref_query(description: str) -> Any:
    """A query parameter naming a related object by numeric id or by its human key."""
    return Query(max_length=64, description=description)
