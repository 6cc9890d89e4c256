"""Base classes and field types for request bodies."""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=1, max_length=64)]
"""Lower-case letters, digits and single hyphens, e.g. `maasvlakte`, `rotterdam-the-hague-airport`."""

CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
"""ISO 3166-1 alpha-2, upper case, e.g. `NL`."""

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(max_length=10_000)]
Citation = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class StrictBody(BaseModel):
    """A request body: unknown (and read-only) fields are rejected, types are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True)
