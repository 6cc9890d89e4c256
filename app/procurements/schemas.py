"""Request and response schemas of procurements."""

from datetime import date, datetime

from pydantic import BaseModel, Field

from app.core.choices import Answer, QuickscanStatus
from app.core.schemas import Choice, Citation, IsoDate, LinkedIds, Name, Omittable, RefId, StrictBody, Text


class ProcurementPublic(BaseModel):
    """A purchase of scanning equipment, the checks made before it, and the scanner records it bought."""

    id: int
    vendor_id: int
    reference: str | None = Field(description="Tender reference; null when not disclosed.")
    title: str = Field(description="Title of the tender or contract.")
    awarded_on: date | None = Field(description="Null when not disclosed.")
    legal_basis: str | None = Field(description="The law the purchase followed, as the source states it.")
    exclusion_grounds_tested: Answer = Field(description="Whether the legal exclusion grounds were tested.")
    exclusion_grounds_note: str | None
    national_security_quickscan: QuickscanStatus
    quickscan_note: str | None
    notes: str | None
    source: str | None
    created_at: datetime
    updated_at: datetime
    version: int
    scanner_ids: list[int] = Field(description="The scanner records this procurement bought.")


class ProcurementBody(StrictBody):
    """The fields of a procurement's request bodies, in their order, each optional as a PATCH sends them;
    ``ProcurementCreate`` requires or defaults some."""

    vendor_id: Omittable[RefId] = None
    reference: Name | None = None
    title: Omittable[Name] = None
    awarded_on: IsoDate | None = None
    legal_basis: Name | None = None
    exclusion_grounds_tested: Omittable[Choice[Answer]] = None
    exclusion_grounds_note: Text | None = None
    national_security_quickscan: Omittable[Choice[QuickscanStatus]] = None
    quickscan_note: Text | None = None
    notes: Text | None = None
    source: Citation | None = None
    scanner_ids: Omittable[LinkedIds] = None


class ProcurementCreate(ProcurementBody):
    """Fields to record a procurement."""

    vendor_id: RefId
    title: Name
    exclusion_grounds_tested: Choice[Answer] = Answer.UNKNOWN
    national_security_quickscan: Choice[QuickscanStatus] = QuickscanStatus.UNKNOWN
    scanner_ids: LinkedIds = Field(default_factory=list)


class ProcurementUpdate(ProcurementBody):
    """Fields of a procurement to change; only the fields sent change. ``scanner_ids`` replaces the whole list."""
