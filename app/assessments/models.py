"""Table models of a vendor risk assessment, a scanner's access override and its mitigation measures."""

from datetime import date

import sqlalchemy as sa
from sqlmodel import Field

from app.core.choices import Answer, MeasureStatus
from app.core.models import TrackedColumns, enum_type


class VendorAssessment(TrackedColumns, table=True):
    """An assessment of a vendor against the cabinet's considerations 1 and 2 (Antwoord 6): is it bound by
    its country's law to cooperate with intelligence or military bodies (or state-owned), and is that
    country running an offensive intelligence programme against the Netherlands. The latest by
    ``assessed_on`` is the vendor's current assessment."""

    __tablename__ = "vendor_assessment"
    __table_args__ = (
        sa.UniqueConstraint("vendor_id", "assessed_on"),
        sa.CheckConstraint("valid_until IS NULL OR valid_until >= assessed_on", name="valid_after_assessed"),
    )

    id: int | None = Field(default=None, primary_key=True)
    vendor_id: int = Field(foreign_key="vendor.id", ondelete="RESTRICT", index=True, nullable=False)
    criterion_1: Answer = Field(sa_type=enum_type(Answer, "criterion_1"), nullable=False)
    criterion_1_rationale: str = Field(sa_type=sa.Text, nullable=False)
    criterion_1_source: str | None = Field(default=None, max_length=500)
    criterion_2: Answer = Field(sa_type=enum_type(Answer, "criterion_2"), nullable=False)
    criterion_2_rationale: str = Field(sa_type=sa.Text, nullable=False)
    criterion_2_source: str | None = Field(default=None, max_length=500)
    assessed_on: date = Field(nullable=False)
    valid_until: date | None = Field(default=None, description="Review by this date; null when no date is set.")
    provisional: bool = Field(nullable=False)
    notes: str | None = Field(default=None, sa_type=sa.Text)


class AccessOverride(TrackedColumns, table=True):
    """A deliberate answer to consideration 3a (extensive access to sensitive locations or systems) for one
    scanner, replacing the answer derived from its network mode, with the reason for it."""

    __tablename__ = "access_override"

    id: int | None = Field(default=None, primary_key=True)
    scanner_id: int = Field(
        foreign_key="scanner.id", ondelete="RESTRICT", sa_column_kwargs={"unique": True}, nullable=False
    )
    criterion_3a: Answer = Field(sa_type=enum_type(Answer, "criterion_3a"), nullable=False)
    reason: str = Field(sa_type=sa.Text, nullable=False)


class MitigationMeasure(TrackedColumns, table=True):
    """A control measure protecting against a scanner's national-security risk (consideration 3b), and
    whether it is planned, in place, verified as sufficient, or judged infeasible."""

    __tablename__ = "mitigation_measure"

    id: int | None = Field(default=None, primary_key=True)
    scanner_id: int = Field(foreign_key="scanner.id", ondelete="RESTRICT", index=True, nullable=False)
    title: str = Field(max_length=200, nullable=False)
    description: str | None = Field(default=None, sa_type=sa.Text)
    status: MeasureStatus = Field(sa_type=enum_type(MeasureStatus, "measure_status"), nullable=False)
    implemented_on: date | None = Field(default=None)
