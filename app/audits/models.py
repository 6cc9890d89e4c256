"""Table models of an audit, its scope, and its findings."""

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.core.choices import AuditStatus, DatePrecision, FindingSeverity, FindingStatus, ScannerAuditStatus
from app.core.models import (
    TrackedColumns,
    choice_column,
    enum_type,
    link_table,
    name_column,
    optional_text,
    reference,
    unique_ignoring_case,
    unique_key,
)

STATED_DATES = ("commissioned", "planned_start", "started", "expected_report", "reported")
"""The audit's dates; each is ``<name>_on`` (first day of the period), ``<name>_precision``, ``<name>_as_stated``."""


def stated_precision(name: str) -> Any:
    """The column holding the precision of the stated date ``name`` (null with the date)."""
    return Field(default=None, sa_type=enum_type(DatePrecision, f"{name}_precision"))


class Audit(TrackedColumns, table=True):
    """An external security audit of scanners and the IT around them: who does it, what it covers,
    and where it stands, as of the date of the source that reported that status (``status_known_on``).
    Dates are stored as the first day of the period the source states, with
    that period's precision (see app/core/periods.py)."""

    __tablename__ = "audit"
    __table_args__ = (
        unique_ignoring_case("audit", "title"),
        *(
            sa.CheckConstraint(f"({name}_on IS NULL) = ({name}_precision IS NULL)", name=f"{name}_precision_with_date")
            for name in STATED_DATES
        ),
    )

    title: str = unique_key(200)
    auditor: str | None = Field(default=None, max_length=200, description="Null when not disclosed.")
    status: AuditStatus = choice_column(AuditStatus, "audit_status")
    status_known_on: date | None = Field(default=None, description="Date of the source that reported the status.")
    dates_stated_on: date | None = Field(
        default=None, description="Date of the source that stated the planned and expected dates."
    )
    covers_all_scanners: bool = Field(nullable=False, description="The audit covers every scanner in the inventory.")
    objective: str | None = optional_text()
    notes: str | None = optional_text()
    commissioned_on: date | None = Field(default=None)
    commissioned_precision: DatePrecision | None = stated_precision("commissioned")
    commissioned_as_stated: str | None = Field(default=None, max_length=200)
    planned_start_on: date | None = Field(default=None)
    planned_start_precision: DatePrecision | None = stated_precision("planned_start")
    planned_start_as_stated: str | None = Field(default=None, max_length=200)
    started_on: date | None = Field(default=None)
    started_precision: DatePrecision | None = stated_precision("started")
    started_as_stated: str | None = Field(default=None, max_length=200)
    expected_report_on: date | None = Field(default=None)
    expected_report_precision: DatePrecision | None = stated_precision("expected_report")
    expected_report_as_stated: str | None = Field(default=None, max_length=200)
    reported_on: date | None = Field(default=None)
    reported_precision: DatePrecision | None = stated_precision("reported")
    reported_as_stated: str | None = Field(default=None, max_length=200)


AuditScanner = link_table(__name__, "audit", "scanner", "That an audit's scope names a scanner explicitly.")


AuditSite = link_table(
    __name__, "audit", "site", "That an audit's scope includes a site, and so every scanner standing there."
)


class Finding(TrackedColumns, table=True):
    """A weakness an audit found, with how serious it is, whether it is dealt with, and by when it must be."""

    __tablename__ = "finding"

    audit_id: int = reference("audit")
    severity: FindingSeverity = choice_column(FindingSeverity, "finding_severity")
    title: str = name_column()
    description: str | None = optional_text()
    status: FindingStatus = choice_column(FindingStatus, "finding_status")
    due_on: date | None = Field(default=None, description="When it must be resolved; null when no date is set.")
    notes: str | None = optional_text()


FindingScanner = link_table(
    __name__,
    "finding",
    "scanner",
    "That a finding concerns a scanner. A finding naming no scanner concerns every scanner its audit covers.",
)


class DerivedAuditStatus(SQLModel, table=True):
    """A scanner's audit status and the date it is known as of, derived from the audits and findings that
    cover it (the rule is ``app/audits/status.py``) and brought up to date in every transaction that
    changes them; not an object of the change log. Reads of the present use it, so the status is filtered
    through an index instead of computed per scanner; reads of the past compute it from the versions."""

    __tablename__ = "scanner_audit_status"
    __table_args__ = (sa.Index("ix_scanner_audit_status_audit_status", "audit_status", "scanner_id"),)

    scanner_id: int = Field(
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("scanner.id", ondelete="CASCADE"), primary_key=True)
    )
    audit_status: ScannerAuditStatus = choice_column(ScannerAuditStatus, "derived_audit_status")
    known_on: date | None = Field(default=None, description="The newest covering audit's status_known_on.")
