"""Reusable parameter declarations."""

from typing import Annotated, Any

from fastapi import Header, Path, Query
from pydantic import BeforeValidator

from app.core.constraints import REF_PATTERN
from app.core.http import MAX_ID


def _ascii_digits(value: object) -> object:
    # int() and pydantic take "+12", " 12", "1_000", "1.0" and (int()) other scripts' digits; an id
    # or count in a URL is the digits 0-9 and nothing else. A leading minus passes through, so that
    # a negative number is refused by the field's own bound, which the problem then names.
    digits = value.removeprefix("-") if isinstance(value, str) else None
    if digits is not None and not (digits.isascii() and digits.isdigit()):
        raise ValueError("must be a whole number written with the digits 0-9 only")
    return value


DigitsOnly = BeforeValidator(_ascii_digits)
"""For an ``int`` taken from a URL: the text must be ASCII digits only (else a 422 naming it)."""

ItemId = Annotated[int, Path(ge=1, le=MAX_ID, description="Numeric id of the item."), DigitsOnly]


IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The ETag from your last GET of this item. Required: missing is a 428, stale a 412.",
    ),
]


def ref_query(description: str) -> Any:
    """A query parameter naming a related object by numeric id or by its human key."""
    return Query(max_length=64, pattern=REF_PATTERN, description=description)
