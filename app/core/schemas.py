"""Base classes and field types for request bodies."""

import re
import unicodedata
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Annotated, TypeAlias, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    field_validator,
)

E = TypeVar("E")

Choice = Annotated[E, Strict(False)]
"""An enumeration field: JSON gives its value as a string, which strict mode would refuse."""

T = TypeVar("T")

if TYPE_CHECKING:
    Omittable: TypeAlias = T | None
else:
    Omittable = Annotated[T, "omittable"]
"""A PATCH field that may be left out (default ``None``: not sent) but not sent as ``null``: the value
is validated as ``T`` alone, so an explicit null is refused. Type checkers see ``T | None``, which is
what the attribute holds when the field was not sent."""

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date_text(value: object) -> object:
    if not isinstance(value, str) or not _ISO_DATE.match(value):
        raise ValueError("must be a date as a string, YYYY-MM-DD")
    return value


def _timestamp_text(value: object) -> object:
    if not isinstance(value, str):
        raise ValueError("must be an RFC 3339 timestamp string with a timezone, e.g. 2027-01-01T00:00:00Z")
    return value


def _utc_in_range(value: datetime) -> datetime:
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValueError("is outside the years 0001 to 9999 once converted to UTC") from None
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date_text), Strict(False)]
"""A calendar date, given as ``YYYY-MM-DD`` and nothing else."""

Timestamp = Annotated[AwareDatetime, BeforeValidator(_timestamp_text), AfterValidator(_utc_in_range), Strict(False)]
"""An instant with a timezone, as an RFC 3339 string; one without a timezone is refused."""

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=1, max_length=64)]
"""Lower-case letters, digits and single hyphens, e.g. `maasvlakte`, `rotterdam-the-hague-airport`."""

CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
"""ISO 3166-1 alpha-2, upper case, e.g. `NL`."""


def _whole_number(value: object) -> object:
    # JSON Schema's "integer" includes 1.0, which strict bodies would refuse: a number without a
    # fraction is taken as the integer it is (1.5, strings and booleans are still refused).
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


WholeNumber = BeforeValidator(_whole_number)
"""For an ``int`` in a strict body: accept ``3.0`` as 3, as the contract's ``integer`` type allows."""

RefId = Annotated[int, Field(ge=1, le=2**31 - 1), WholeNumber]
"""The id of another record (ids are 32-bit on every backend)."""

LinkedIds = Annotated[list[RefId], Field(max_length=10_000)]
"""The ids of the records a body links its record to (a link list, which a PATCH replaces whole)."""

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp"})
"""Unicode categories a key may not hold: controls, format characters (zero-width space and joiners,
the byte-order mark, bidirectional overrides and isolates), private use, surrogates, unassigned,
line and paragraph separators."""

_INVISIBLE_MARKS = frozenset(
    [0x034F, 0x115F, 0x1160, 0x17B4, 0x17B5, 0x180B, 0x180C, 0x180D, 0x180F, 0x3164, 0xFFA0]
    + list(range(0xFE00, 0xFE10))
    + list(range(0xE0100, 0xE01F0))
)
"""Characters outside those categories that render as nothing (variation selectors, the combining
grapheme joiner, Hangul fillers, Khmer and Mongolian invisible vowels and selectors)."""


def _visible_key(value: str) -> str:
    value = unicodedata.normalize("NFC", value)
    for character in value:
        category = unicodedata.category(character)
        if (
            category in INVISIBLE_CATEGORIES
            or ord(character) in _INVISIBLE_MARKS
            or (category == "Zs" and character != " ")
        ):
            raise ValueError(
                f"must not contain invisible, formatting or bidirectional control characters "
                f"(U+{ord(character):04X} {unicodedata.name(character, category)})"
            )
    return value


KeyName = Annotated[Name, AfterValidator(_visible_key)]
"""A name that identifies a record (unique): normalised to NFC, and refused (422) if it holds a
character a reader cannot see or that reorders the text; compared ignoring case."""
Text = Annotated[str, StringConstraints(max_length=10_000)]
Citation = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
"""Characters no field may hold (tab, newline and carriage return are allowed). NUL in particular
cannot be stored in PostgreSQL text, so it is refused up front rather than failing the write."""


class StrictBody(BaseModel):
    """A request body: unknown (and read-only) fields are rejected, types are not coerced,
    and no text holds control characters."""

    model_config = ConfigDict(extra="forbid", strict=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: object) -> object:
        if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
            raise ValueError("must not contain control characters")
        return value
