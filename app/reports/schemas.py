"""Response schemas of the reports (JSON; the CSV form has the same rows)."""

from datetime import date
from typing import Annotated, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

from app.core.choices import (
    Answer,
    AssessmentStatus,
    AuditStatus,
    CountBasis,
    DatePrecision,
    ExposureSort,
    FindingSeverity,
    FindingStatus,
    NetworkMode,
    RiskTier,
    ScannerAuditStatus,
    ScannerUse,
)

# The counts of a group of scanner records (a summary row, a network mode's total): records and, when every
# record is one identified unit, units.
ScannerRecords = Annotated[
    int, Field(description="Number of scanner records (the same as `records`, under its earlier name).")
]
CountIsMinimum = Annotated[bool, Field(description="True when a record counted stands for one or more units.")]
RecordCount = Annotated[int, Field(description="Number of scanner records counted: records, not units.")]
UnitCount = Annotated[
    int | None,
    Field(
        description="Number of units, given only when every record counted is one identified unit; null when a record"
        " stands for one or more units the source does not count (the number of units is not known)."
    ),
]

Row = TypeVar("Row", bound=BaseModel)


class ExposureMeta(BaseModel):
    """What the exposure report covers and the rules it applies."""

    report: Literal["exposure"] = Field(description="The report's name.")
    sort: ExposureSort = Field(description="The order of the rows.")
    tier_rule: list[str] = Field(
        description="The rules that yield each risk tier and its considerations, in words; the first match wins."
    )
    audit_status_rule: str = Field(description="The precedence that derives a scanner's audit status, in words.")


class NetworkModeTotal(BaseModel):
    """The scanners counted under one network mode."""

    network_mode: NetworkMode = Field(description="The network mode totalled.")
    scanners: ScannerRecords
    count_is_minimum: CountIsMinimum
    records: RecordCount
    units: UnitCount


class SummaryMeta(BaseModel):
    """What the summary report covers and how it counts."""

    report: Literal["summary"] = Field(description="The report's name.")
    groups: int = Field(description="Number of rows (groups).")
    totals_by_network_mode: list[NetworkModeTotal] = Field(description="Totals per network mode, by mode.")
    count_rule: str = Field(description="How scanners are counted, in words.")


class OverdueMeta(BaseModel):
    """The date an overdue report judges on, and its rule."""

    report: Literal["overdue-findings", "overdue-audits", "overdue-assessments"] = Field(
        description="The report's name."
    )
    on: date = Field(description="The date judged on (YYYY-MM-DD).")
    count: int = Field(description="Number of items overdue on that date, on all pages together.")
    rule: str = Field(description="When an item counts as overdue, in words.")


class OverdueReport(BaseModel, Generic[Row]):
    """A page of an overdue report: the date judged on with the rule, and the items overdue on it."""

    meta: OverdueMeta = Field(description="The date judged on, the count and the rule.")
    items: list[Row]
    next_cursor: str | None = Field(
        description="Opaque cursor for the next page (same parameters); null on the last page."
    )


class ExposureRow(BaseModel):
    """One scanner's exposure under the cabinet's four considerations."""

    scanner_id: int
    asset_tag: str
    site: str = Field(description="Site code.")
    site_name: str
    vendor: str | None = Field(description="Vendor slug; null when the source does not disclose the vendor.")
    network_mode: NetworkMode
    network: str | None = Field(description="Network code of a fibre-linked scanner.")
    use: ScannerUse
    count_basis: CountBasis
    criterion_1: Answer
    criterion_2: Answer
    assessment_status: AssessmentStatus | None = Field(
        description="Status of the vendor assessment behind considerations 1 and 2; null when none is recorded."
    )
    assessor: str | None = Field(
        description="Who made that assessment (organisation or role); it is their reading, not a government decision."
    )
    assessment_caveat: str | None = Field(description="The assessment's caveat: what it must not be taken for.")
    criterion_3a: Answer
    criterion_3a_basis: Literal["supplier_access", "override"] = Field(
        description="`supplier_access`: derived from the supplier-access facts; `override`: set by hand with a reason."
    )
    access_remote_maintenance: Answer = Field(
        description="Supplier-access fact: remote maintenance (`unknown` when not recorded)."
    )
    access_software_updates: Answer = Field(
        description="Supplier-access fact: software updates (`unknown` when not recorded)."
    )
    access_data_access: Answer = Field(
        description="Supplier-access fact: access to data (`unknown` when not recorded)."
    )
    access_on_site_service: Answer = Field(
        description="Supplier-access fact: on-site service (`unknown` when not recorded)."
    )
    criterion_3b: Answer
    unknowns: list[Literal["criterion_1", "criterion_2", "criterion_3a", "criterion_3b"]] = Field(
        description="The considerations that are unknown, so the tier is built on them (joined with ` | ` in CSV)."
    )
    audit_status: ScannerAuditStatus
    audit_status_known_on: date | None = Field(
        description="Date of the newest source reporting the status of a covering audit: the audit status is known as"
        " of this day. Null when no audit covers the scanner or no date is recorded."
    )
    audit_information_age_days: int | None = Field(
        description="Days from audit_status_known_on to today: the age of the audit information."
    )
    risk_tier: RiskTier
    reasons: list[str] = Field(description="The tier and each consideration in words (joined with ` | ` in CSV).")


class ExposureReport(BaseModel):
    """The exposure report; ``meta.tier_rule`` states the rule that yields each tier."""

    meta: ExposureMeta = Field(description="What the report covers and the rules it applies.")
    items: list[ExposureRow]
    next_cursor: str | None = Field(
        description="Opaque cursor for the next page (same parameters); null on the last page."
    )


class SummaryRow(BaseModel):
    """A count of scanner records sharing site, vendor, network mode and audit status."""

    site: str = Field(description="Site code.")
    site_name: str
    vendor: str | None = Field(description="Null: vendor not disclosed.")
    network_mode: NetworkMode
    audit_status: ScannerAuditStatus
    audit_status_known_on: date | None = Field(
        description="Date of the newest source reporting the status of an audit covering these scanners: the audit"
        " status is known as of this day, not later. Null when no audit covers them or no date is recorded."
    )
    scanners: ScannerRecords
    count_is_minimum: CountIsMinimum
    records: RecordCount
    units: UnitCount


class SummaryReport(BaseModel):
    """Counts by site x vendor x network mode x audit status, with totals by network mode."""

    meta: SummaryMeta = Field(description="What the report covers, totals by network mode and the counting rule.")
    items: list[SummaryRow]


class OverdueFindingRow(BaseModel):
    """A finding past its due date and still open or mitigating."""

    finding_id: int
    audit_id: int
    audit_title: str
    severity: FindingSeverity
    title: str = Field(description="Title of the finding.")
    status: FindingStatus = Field(description="The finding's status: open or mitigating.")
    due_on: str
    days_overdue: int
    scanner_ids: list[int]


class OverdueFindingsReport(OverdueReport[OverdueFindingRow]):
    """Findings overdue on the date asked."""


class OverdueAuditRow(BaseModel):
    """An audit milestone (start or report) whose stated period has ended without it happening."""

    audit_id: int
    title: str = Field(description="Title of the audit.")
    status: AuditStatus = Field(description="The audit's status on the date asked.")
    milestone: str = Field(description="`start` or `report`.")
    as_stated: str | None
    precision: DatePrecision
    due_by: str = Field(description="Last day of the stated period.")
    reading: Literal["overdue", "no_later_report"] = Field(
        description="`overdue`: a status reported after due_by (and after the source stating the milestone) still"
        " shows the audit pending. `no_later_report`: expected by due_by, and no later report is recorded."
    )
    status_known_on: date | None = Field(description="Date of the source that reported the audit's status.")
    dates_stated_on: date | None = Field(description="Date of the source that stated the milestone.")
    information_age_days: int | None = Field(description="Days from status_known_on to the date asked.")
    days_past_due_by: int = Field(description="Days from due_by to the date asked.")
    days_overdue: int | None = Field(description="Days from due_by to the date asked, when the reading is overdue.")
    explanation: str = Field(description="The reading in words, with the dates it rests on.")


class OverdueAuditsReport(OverdueReport[OverdueAuditRow]):
    """Audit milestones overdue on the date asked."""


class OverdueAssessmentRow(BaseModel):
    """A vendor's current assessment past its valid-until date."""

    assessment_id: int
    vendor: str = Field(description="Vendor slug.")
    vendor_name: str
    assessed_on: str
    valid_until: str
    assessor: str = Field(description="Who made the assessment (organisation or role).")
    status: AssessmentStatus = Field(description="The assessment's status.")
    days_overdue: int


class OverdueAssessmentsReport(OverdueReport[OverdueAssessmentRow]):
    """Vendor assessments due for review on the date asked."""
