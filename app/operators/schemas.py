"""Request and response schemas of operators."""

from datetime import datetime

from pydantic import BaseModel, Field

from app.core.choices import Answer, OperatorKind, ScanDirection
from app.core.schemas import Choice, Citation, LinkedIds, Name, Omittable, Slug, StrictBody, Text

_KIND = "`customs`, `government_body`, `sector` (institutions or companies of a sector), or `unknown`."
_USES = "Whether the source says this operator uses Nuctech scanners: `yes`, `no`, or `unknown` when it does not say."
_DIRECTION = (
    "Which flows of goods this operator's scanners check, as the source states it for them together:"
    " `entering_eu`, `leaving_eu`, `entering_and_leaving_eu`, or `unknown`. The source gives no direction"
    " per scanner."
)
_DIRECTION_AS_STATED = "The source's words about the direction, quoted verbatim; null when it has none."
_AS_STATED = "The source's own words about this operator, quoted verbatim; null when it has none."


class OperatorPublic(BaseModel):
    """An organisation that operates scanners or sites, and the sites and scanner records it operates."""

    id: int
    code: str = Field(description="Unique human key, e.g. `douane`.")
    name: str = Field(description="Name of the organisation, or of the group the source speaks of.")
    kind: OperatorKind = Field(description=_KIND)
    responsible_as_stated: str | None = Field(
        description="The minister or state secretary responsible, as the source names them; null when not stated."
    )
    uses_nuctech: Answer = Field(description=_USES)
    as_stated: str | None = Field(description=_AS_STATED)
    scan_direction: ScanDirection = Field(description=_DIRECTION)
    scan_direction_as_stated: str | None = Field(description=_DIRECTION_AS_STATED)
    notes: str | None = Field(description="What the record stands for and what the source leaves open.")
    source: str | None = Field(description="Citation of the facts in this record.")
    created_at: datetime
    updated_at: datetime
    version: int
    site_ids: list[int] = Field(description="The sites at which the source says this organisation operates scanners.")
    scanner_ids: list[int] = Field(description="The scanner records the source says this organisation operates.")


class OperatorBody(StrictBody):
    """The fields of an operator's request bodies, in their order, each optional as a PATCH sends them;
    ``OperatorCreate`` requires or defaults some."""

    code: Omittable[Slug] = None
    name: Omittable[Name] = None
    kind: Omittable[Choice[OperatorKind]] = None
    responsible_as_stated: Name | None = None
    uses_nuctech: Omittable[Choice[Answer]] = None
    as_stated: Text | None = None
    scan_direction: Omittable[Choice[ScanDirection]] = None
    scan_direction_as_stated: Text | None = None
    notes: Text | None = None
    source: Citation | None = None
    site_ids: Omittable[LinkedIds] = None
    scanner_ids: Omittable[LinkedIds] = None


class OperatorCreate(OperatorBody):
    """Fields to record an operator."""

    code: Slug
    name: Name
    kind: Choice[OperatorKind]
    uses_nuctech: Choice[Answer] = Answer.UNKNOWN
    scan_direction: Choice[ScanDirection] = ScanDirection.UNKNOWN
    site_ids: LinkedIds = Field(default_factory=list)
    scanner_ids: LinkedIds = Field(default_factory=list)


class OperatorUpdate(OperatorBody):
    """Fields of an operator to change; only the fields sent change. ``site_ids`` and ``scanner_ids`` replace
    their whole lists."""
