"""Table models of a vendor risk assessment, a scanner's supplier-access facts, access override and mitigation
measures."""

from datetime import date

import sqlalchemy as sa
from sqlmodel import Field

from app.core.choices import AccessAspect, Answer, AssessmentStatus, MeasureStatus
from app.core.models import TrackedColumns, choice_column, name_column, optional_text, reference


class VendorAssessment(TrackedColumns, table=True):
    """An assessment of a vendor against the cabinet's considerations 1 and 2 (Antwoord 6): is it bound by
    its country's law to cooperate with intelligence or military bodies (or state-owned), and is that
    country running an offensive intelligence programme against the Netherlands. It records who assessed
    (``assessor``), how far the assessment has come (``status``), what it rests on (``basis``) and what it
    must not be taken for (``caveat``). The latest by ``assessed_on`` is the vendor's current assessment."""

    __tablename__ = "vendor_assessment"
    __table_args__ = (
        sa.UniqueConstraint("vendor_id", "assessed_on"),
        sa.CheckConstraint("valid_until IS NULL OR valid_until >= assessed_on", name="valid_after_assessed"),
    )

    vendor_id: int = reference("vendor")
    criterion_1: Answer = choice_column(Answer, "criterion_1")
    criterion_1_rationale: str = Field(sa_type=sa.Text, nullable=False)
    criterion_1_source: str | None = Field(default=None, max_length=500)
    criterion_2: Answer = choice_column(Answer, "criterion_2")
    criterion_2_rationale: str = Field(sa_type=sa.Text, nullable=False)
    criterion_2_source: str | None = Field(default=None, max_length=500)
    assessed_on: date = Field(nullable=False)
    valid_until: date | None = Field(default=None, description="Review by this date; null when no date is set.")
    assessor: str = name_column()
    status: AssessmentStatus = choice_column(AssessmentStatus, "assessment_status")
    basis: str | None = optional_text()
    caveat: str | None = optional_text()
    notes: str | None = optional_text()


class SupplierAccessFact(TrackedColumns, table=True):
    """A recorded fact about one way the supplier can reach one scanner (remote maintenance, software updates,
    data access, on-site service): ``yes``, ``no`` or ``unknown``, with its source. Consideration 3a (does the
    supplier get extensive access to sensitive locations, ICT systems or vital infrastructure, Antwoord 6) is
    derived from these facts. One fact per scanner and aspect."""

    __tablename__ = "supplier_access_fact"
    __table_args__ = (sa.UniqueConstraint("scanner_id", "aspect"),)

    scanner_id: int = reference("scanner")
    aspect: AccessAspect = choice_column(AccessAspect, "access_aspect")
    answer: Answer = choice_column(Answer, "access_answer")
    basis: str | None = optional_text()


class AccessOverride(TrackedColumns, table=True):
    """A deliberate answer to consideration 3a (extensive access to sensitive locations or systems) for one
    scanner, replacing the answer derived from its supplier-access facts, with the reason for it."""

    __tablename__ = "access_override"

    scanner_id: int = Field(
        foreign_key="scanner.id", ondelete="RESTRICT", sa_column_kwargs={"unique": True}, nullable=False
    )
    criterion_3a: Answer = choice_column(Answer, "criterion_3a")
    reason: str = Field(sa_type=sa.Text, nullable=False)


class MitigationMeasure(TrackedColumns, table=True):
    """A control measure protecting against a scanner's national-security risk (consideration 3b), and
    whether it is planned, in place, verified as sufficient, or judged infeasible."""

    __tablename__ = "mitigation_measure"

    scanner_id: int = reference("scanner")
    title: str = name_column()
    description: str | None = optional_text()
    status: MeasureStatus = choice_column(MeasureStatus, "measure_status")
    implemented_on: date | None = Field(default=None)
