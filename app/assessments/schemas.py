"""Request and response schemas of vendor assessments, supplier-access facts, access overrides and mitigation
measures."""

from datetime import date, datetime

from pydantic import BaseModel, Field

from app.approvals.schemas import PendingChangeRequests
from app.core.choices import AccessAspect, Answer, AssessmentStatus, MeasureStatus
from app.core.schemas import Choice, Citation, IsoDate, Name, Omittable, RefId, StrictBody, Text


class VendorAssessmentPublic(BaseModel):
    """A vendor's assessment against considerations 1 and 2 of Antwoord 6: who assessed, how far it has come,
    what it rests on and what it must not be taken for."""

    id: int
    vendor_id: int
    criterion_1: Answer = Field(
        description="From, or controlled from, a country whose law obliges cooperation with its intelligence or"
        " military bodies, or state-owned?"
    )
    criterion_1_rationale: str
    criterion_1_source: str | None
    criterion_2: Answer = Field(
        description="From a country with an active offensive intelligence programme aimed at the Netherlands, or"
        " with relations so tense that harmful actions are conceivable?"
    )
    criterion_2_rationale: str
    criterion_2_source: str | None
    assessed_on: date
    valid_until: date | None = Field(description="Review by this date; null when none is set.")
    assessor: str = Field(
        description="Who assessed: an organisation or role. An assessment is the assessor's reading, not a"
        " decision of anyone else."
    )
    status: AssessmentStatus = Field(
        description="`draft`, `provisional` (a reading that may change), `adopted` (by the assessor named) or"
        " `superseded`."
    )
    basis: str | None = Field(description="What the assessment rests on: the sources and facts weighed.")
    caveat: str | None = Field(description="What the assessment must not be taken for, in words; shown with it.")
    current: bool = Field(description="Whether this is the vendor's latest assessment (by assessed_on, then id).")
    notes: str | None
    source: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class VendorAssessmentCreate(StrictBody):
    """Fields to record a vendor assessment; one per vendor and assessment date."""

    vendor_id: RefId
    criterion_1: Choice[Answer]
    criterion_1_rationale: Text = Field(min_length=1)
    criterion_1_source: Citation | None = None
    criterion_2: Choice[Answer]
    criterion_2_rationale: Text = Field(min_length=1)
    criterion_2_source: Citation | None = None
    assessed_on: IsoDate
    valid_until: IsoDate | None = None
    assessor: Name
    status: Choice[AssessmentStatus] = AssessmentStatus.DRAFT
    basis: Text | None = None
    caveat: Text | None = None
    notes: Text | None = None
    source: Citation | None = None


class VendorAssessmentUpdate(StrictBody):
    """Fields of a vendor assessment to change; only the fields sent change."""

    criterion_1: Omittable[Choice[Answer]] = None
    criterion_1_rationale: Omittable[Text] = Field(default=None, min_length=1)
    criterion_1_source: Citation | None = None
    criterion_2: Omittable[Choice[Answer]] = None
    criterion_2_rationale: Omittable[Text] = Field(default=None, min_length=1)
    criterion_2_source: Citation | None = None
    assessed_on: Omittable[IsoDate] = None
    valid_until: IsoDate | None = None
    assessor: Omittable[Name] = None
    status: Omittable[Choice[AssessmentStatus]] = None
    basis: Text | None = None
    caveat: Text | None = None
    notes: Text | None = None
    source: Citation | None = None


class SupplierAccessFactPublic(BaseModel):
    """A recorded fact about one way the supplier can reach a scanner; consideration 3a is derived from these."""

    id: int
    scanner_id: int
    aspect: AccessAspect = Field(
        description="The way of access: remote maintenance, software updates, access to data, or on-site service."
    )
    answer: Answer = Field(description="Does the supplier have this access to the scanner? `unknown` when not known.")
    basis: str | None = Field(description="What the answer rests on, in words.")
    source: str = Field(description="Citation of the public source the answer comes from.")
    created_at: datetime
    updated_at: datetime
    version: int


class SupplierAccessFactCreate(StrictBody):
    """Fields to record a supplier-access fact for a scanner; one per scanner and aspect; a source is required."""

    scanner_id: RefId
    aspect: Choice[AccessAspect]
    answer: Choice[Answer]
    basis: Text | None = None
    source: Citation


class SupplierAccessFactUpdate(StrictBody):
    """Fields of a supplier-access fact to change; only the fields sent change."""

    answer: Omittable[Choice[Answer]] = None
    basis: Text | None = None
    source: Omittable[Citation] = None


class AccessOverridePublic(BaseModel):
    """A scanner's consideration-3a answer set by hand, replacing the one derived from its supplier-access facts."""

    id: int
    scanner_id: int
    criterion_3a: Answer = Field(description="Extensive access to sensitive locations, ICT systems or infrastructure?")
    derived_criterion_3a: Answer = Field(description="What the scanner's supplier-access facts alone would give.")
    reason: str = Field(description="Why consideration 3a is set by hand for this scanner.")
    source: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class AccessOverrideCreate(StrictBody):
    """Fields to override a scanner's consideration 3a; a reason is required. One override per scanner."""

    scanner_id: RefId
    criterion_3a: Choice[Answer]
    reason: Text = Field(min_length=1)
    source: Citation | None = None


class AccessOverrideUpdate(StrictBody):
    """Fields of an access override to change; only the fields sent change."""

    criterion_3a: Omittable[Choice[Answer]] = None
    reason: Omittable[Text] = Field(default=None, min_length=1)
    source: Citation | None = None


class MitigationMeasurePublic(BaseModel):
    """A control measure protecting one scanner (consideration 3b)."""

    id: int
    scanner_id: int
    title: str = Field(description="Short title of the measure.")
    description: str | None = Field(description="What the measure does.")
    status: MeasureStatus = Field(
        description="Whether the measure is planned, implemented, verified to protect sufficiently, or infeasible."
    )
    implemented_on: date | None
    source: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class MitigationMeasureCreate(StrictBody):
    """Fields to record a mitigation measure for a scanner."""

    scanner_id: RefId
    title: Name
    description: Text | None = None
    status: Choice[MeasureStatus] = MeasureStatus.PLANNED
    implemented_on: IsoDate | None = None
    source: Citation | None = None


class MitigationMeasureUpdate(StrictBody):
    """Fields of a mitigation measure to change; only the fields sent change."""

    title: Omittable[Name] = None
    description: Text | None = None
    status: Omittable[Choice[MeasureStatus]] = None
    implemented_on: IsoDate | None = None
    source: Citation | None = None


class VendorAssessmentDetail(VendorAssessmentPublic, PendingChangeRequests):
    """A vendor assessment as its item GET returns it, with the change requests pending on it."""


class AccessOverrideDetail(AccessOverridePublic, PendingChangeRequests):
    """An access override as its item GET returns it, with the change requests pending on it."""


class MitigationMeasureDetail(MitigationMeasurePublic, PendingChangeRequests):
    """A mitigation measure as its item GET returns it, with the change requests pending on it."""
