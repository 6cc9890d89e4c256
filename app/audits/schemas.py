"""Request and response schemas of audits and findings."""

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, Field

from app.approvals.schemas import PendingChangeRequests
from app.audits.models import STATED_DATES as STATED_DATES
from app.core.choices import AuditStatus, DatePrecision, FindingSeverity, FindingStatus
from app.core.schemas import Choice, Citation, IsoDate, KeyName, LinkedIds, Name, Omittable, RefId, StrictBody, Text

WordsAsStated = Annotated[str | None, Field(description="The source's own words for this date.")]
"""A stated date's ``_as_stated`` as the API returns it."""

PeriodEnd = Annotated[date | None, Field(description="Last day of the stated period (derived).")]
"""A stated date's ``_by``: the last day of the period it states."""


class AuditPublic(BaseModel):
    """An audit with its scope, status and dates as stated (each with the period's last day, ``_by``)."""

    id: int
    title: str = Field(description="Short title of the audit.")
    auditor: str | None = Field(description="Null when not disclosed.")
    status: AuditStatus = Field(
        description="Where the audit stands: commissioned, in progress, reported or closed; moves one step forward at a time."
    )
    status_known_on: date | None = Field(
        description="Date of the source that reported the status: the status is known as of this day, not later."
        " Null when not recorded."
    )
    dates_stated_on: date | None = Field(
        description="Date of the source that stated the planned start and expected report: a milestone is only"
        " overdue when a status reported after both that date and the milestone's period still shows it pending."
        " Null when not recorded."
    )
    allowed_next_status: list[AuditStatus] = Field(description="The statuses this audit may move to next.")
    covers_all_scanners: bool = Field(description="The audit covers every scanner in the inventory.")
    scanner_ids: list[int] = Field(description="Scanners the scope names explicitly.")
    site_ids: list[int] = Field(description="Sites in scope; a site in scope covers every scanner standing there.")
    objective: str | None = Field(description="What the audit is to establish.")
    notes: str | None
    commissioned_on: date | None = Field(description="First day of the stated period: when the audit was commissioned.")
    commissioned_precision: DatePrecision | None
    commissioned_as_stated: WordsAsStated
    commissioned_by: PeriodEnd
    planned_start_on: date | None = Field(description="First day of the stated period: when it is planned to start.")
    planned_start_precision: DatePrecision | None
    planned_start_as_stated: WordsAsStated
    planned_start_by: PeriodEnd
    started_on: date | None = Field(description="First day of the stated period: when it started.")
    started_precision: DatePrecision | None
    started_as_stated: WordsAsStated
    started_by: PeriodEnd
    expected_report_on: date | None = Field(description="First day of the stated period: when its report is expected.")
    expected_report_precision: DatePrecision | None
    expected_report_as_stated: WordsAsStated
    expected_report_by: PeriodEnd
    reported_on: date | None = Field(description="First day of the stated period: when it reported.")
    reported_precision: DatePrecision | None
    reported_as_stated: WordsAsStated
    reported_by: PeriodEnd
    source: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class AuditBody(StrictBody):
    """The fields of an audit's request bodies, in their order, each optional as a PATCH sends them;
    ``AuditCreate`` requires or defaults some."""

    title: Omittable[KeyName] = None
    auditor: Name | None = None
    status: Omittable[Choice[AuditStatus]] = None
    status_known_on: IsoDate | None = None
    dates_stated_on: IsoDate | None = None
    covers_all_scanners: Omittable[bool] = None
    scanner_ids: Omittable[LinkedIds] = None
    site_ids: Omittable[LinkedIds] = None
    objective: Text | None = None
    notes: Text | None = None
    commissioned_on: IsoDate | None = None
    commissioned_precision: Choice[DatePrecision] | None = None
    commissioned_as_stated: Name | None = None
    planned_start_on: IsoDate | None = None
    planned_start_precision: Choice[DatePrecision] | None = None
    planned_start_as_stated: Name | None = None
    started_on: IsoDate | None = None
    started_precision: Choice[DatePrecision] | None = None
    started_as_stated: Name | None = None
    expected_report_on: IsoDate | None = None
    expected_report_precision: Choice[DatePrecision] | None = None
    expected_report_as_stated: Name | None = None
    reported_on: IsoDate | None = None
    reported_precision: Choice[DatePrecision] | None = None
    reported_as_stated: Name | None = None
    source: Citation | None = None


class AuditCreate(AuditBody):
    """Fields to record an audit. The scope must cover all scanners or name at least one scanner or site.

    A date is given as the first day of its period with its precision: ``"2020-09-01"`` with
    ``"month"`` for "September 2020", ``"2021-06-01"`` with ``"season"`` for "summer 2021".
    Precision defaults to ``day``. ``status_known_on`` (the date of the source reporting the status)
    defaults to today; ``dates_stated_on`` (the date of the source stating the planned and expected dates)
    defaults to ``status_known_on``.
    """

    title: KeyName
    status: Choice[AuditStatus] = AuditStatus.COMMISSIONED
    covers_all_scanners: bool = False
    scanner_ids: LinkedIds = Field(default_factory=list)
    site_ids: LinkedIds = Field(default_factory=list)


class AuditUpdate(AuditBody):
    """Fields of an audit to change; only the fields sent change. ``status`` moves one step forward at a time
    (commissioned -> in_progress -> reported -> closed); ``scanner_ids`` and ``site_ids`` replace their lists.
    A status change without ``status_known_on`` records today as the date the status is known."""


class FindingPublic(BaseModel):
    """A finding of an audit, with the scanners it concerns."""

    id: int
    audit_id: int
    severity: FindingSeverity
    title: str = Field(description="Short title of the finding.")
    description: str | None = Field(description="What the audit found.")
    status: FindingStatus = Field(
        description="Whether the finding is open, being mitigated, resolved or accepted as a risk."
    )
    due_on: date | None = Field(description="When it must be resolved; null when no date is set.")
    scanner_ids: list[int] = Field(description="Scanners concerned; empty means every scanner the audit covers.")
    notes: str | None
    source: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class FindingCreate(StrictBody):
    """Fields to record a finding; the scanners named must be in the audit's scope."""

    audit_id: RefId
    severity: Choice[FindingSeverity]
    title: Name
    description: Text | None = None
    status: Choice[FindingStatus] = FindingStatus.OPEN
    due_on: IsoDate | None = None
    scanner_ids: LinkedIds = Field(default_factory=list)
    notes: Text | None = None
    source: Citation | None = None


class FindingUpdate(StrictBody):
    """Fields of a finding to change; only the fields sent change. ``scanner_ids`` replaces the list."""

    severity: Omittable[Choice[FindingSeverity]] = None
    title: Omittable[Name] = None
    description: Text | None = None
    status: Omittable[Choice[FindingStatus]] = None
    due_on: IsoDate | None = None
    scanner_ids: Omittable[LinkedIds] = None
    notes: Text | None = None
    source: Citation | None = None


class AuditDetail(AuditPublic, PendingChangeRequests):
    """An audit as its item GET returns it, with the change requests pending on it."""


class FindingDetail(FindingPublic, PendingChangeRequests):
    """A finding as its item GET returns it, with the change requests pending on it."""
