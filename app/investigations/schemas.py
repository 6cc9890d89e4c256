"""Request and response schemas of investigations."""

from datetime import date, datetime

from pydantic import BaseModel, Field

from app.core.choices import InvestigationStatus
from app.core.schemas import Choice, Citation, IsoDate, LinkedIds, Name, Omittable, RefId, StrictBody, Text

_STATUS = (
    "`announced`, `in_progress`, `reported`, or `unknown`, as the latest source reports it (see `status_known_on`); "
    "a status known only from an old source is that source's, not a finding that nothing happened since."
)


class InvestigationPublic(BaseModel):
    """Announced or running research: who conducts it, its scope, status as of a dated source, expected
    results, and the vendors and scanner records it concerns."""

    id: int
    title: str = Field(description="Unique title of the research.")
    conducted_by: str | None = Field(description="Who conducts it; null when the source does not say.")
    conducted_by_as_stated: str | None = Field(description="Who conducts it, in the source's own words.")
    scope: str | None = Field(description="What the research covers.")
    scope_as_stated: str | None = Field(description="Its scope in the source's own words, quoted verbatim.")
    status: InvestigationStatus = Field(description=_STATUS)
    status_known_on: date | None = Field(
        description="Date of the source that reported the status; null if not recorded."
    )
    expected_results: str | None = Field(description="What results are expected and when; null when not stated.")
    expected_results_as_stated: str | None = Field(description="The expected results in the source's own words.")
    builds_on_audit_id: int | None = Field(description="The audit whose results the research takes into account.")
    notes: str | None = Field(description="What the source leaves open.")
    source: str | None = Field(description="Citation of the facts in this record.")
    created_at: datetime
    updated_at: datetime
    version: int
    vendor_ids: list[int] = Field(description="The vendors the research concerns.")
    scanner_ids: list[int] = Field(description="The scanner records the research concerns.")


class InvestigationBody(StrictBody):
    """The fields of an investigation's request bodies, in their order, each optional as a PATCH sends
    them; ``InvestigationCreate`` requires or defaults some."""

    title: Omittable[Name] = None
    conducted_by: Name | None = None
    conducted_by_as_stated: Text | None = None
    scope: Text | None = None
    scope_as_stated: Text | None = None
    status: Omittable[Choice[InvestigationStatus]] = None
    status_known_on: IsoDate | None = None
    expected_results: Text | None = None
    expected_results_as_stated: Text | None = None
    builds_on_audit_id: RefId | None = None
    notes: Text | None = None
    source: Citation | None = None
    vendor_ids: Omittable[LinkedIds] = None
    scanner_ids: Omittable[LinkedIds] = None


class InvestigationCreate(InvestigationBody):
    """Fields to record an investigation."""

    title: Name
    status: Choice[InvestigationStatus] = InvestigationStatus.UNKNOWN
    vendor_ids: LinkedIds = Field(default_factory=list)
    scanner_ids: LinkedIds = Field(default_factory=list)


class InvestigationUpdate(InvestigationBody):
    """Fields of an investigation to change; only the fields sent change. ``vendor_ids`` and ``scanner_ids``
    replace their whole lists."""
