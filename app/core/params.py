"""Reusable parameter declarations."""

from typing import Annotated

from fastapi import Header, Path

from app.core.http import MAX_ID

ItemId = Annotated[int, Path(ge=1, le=MAX_ID, description="Numeric id of the item.")]


IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The ETag from your last GET of this item. Required: missing is a 428, stale a 412.",
    ),
]
