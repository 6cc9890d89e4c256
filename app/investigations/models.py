"""Table models of an investigation and of the vendors and scanners it concerns."""

from datetime import date

import sqlalchemy as sa
from sqlmodel import Field

from app.core.choices import InvestigationStatus
from app.core.models import TrackedColumns, enum_type


class Investigation(TrackedColumns, table=True):
    """Announced or running research (such as the further research with other government parties of
    Antwoord 6 and 7): who conducts it, its scope, status as of a dated source, and expected results,
    each with the source's own words where it gives them."""

    __tablename__ = "investigation"

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200, sa_column_kwargs={"unique": True}, nullable=False)
    conducted_by: str | None = Field(default=None, max_length=200)
    conducted_by_as_stated: str | None = Field(default=None, sa_type=sa.Text)
    scope: str | None = Field(default=None, sa_type=sa.Text)
    scope_as_stated: str | None = Field(default=None, sa_type=sa.Text)
    status: InvestigationStatus = Field(sa_type=enum_type(InvestigationStatus, "investigation_status"), nullable=False)
    status_known_on: date | None = Field(default=None)
    expected_results: str | None = Field(default=None, sa_type=sa.Text)
    expected_results_as_stated: str | None = Field(default=None, sa_type=sa.Text)
    builds_on_audit_id: int | None = Field(default=None, foreign_key="audit.id", ondelete="RESTRICT", index=True)
    notes: str | None = Field(default=None, sa_type=sa.Text)


class InvestigationVendor(TrackedColumns, table=True):
    """That an investigation concerns the vendor named."""

    __tablename__ = "investigation_vendor"
    __table_args__ = (sa.UniqueConstraint("investigation_id", "vendor_id"),)

    id: int | None = Field(default=None, primary_key=True)
    investigation_id: int = Field(foreign_key="investigation.id", ondelete="RESTRICT", index=True, nullable=False)
    vendor_id: int = Field(foreign_key="vendor.id", ondelete="RESTRICT", index=True, nullable=False)


class InvestigationScanner(TrackedColumns, table=True):
    """That an investigation concerns the scanner (record) named."""

    __tablename__ = "investigation_scanner"
    __table_args__ = (sa.UniqueConstraint("investigation_id", "scanner_id"),)

    id: int | None = Field(default=None, primary_key=True)
    investigation_id: int = Field(foreign_key="investigation.id", ondelete="RESTRICT", index=True, nullable=False)
    scanner_id: int = Field(foreign_key="scanner.id", ondelete="RESTRICT", index=True, nullable=False)
