"""Table models of a procurement and of the scanners it bought."""

from datetime import date

import sqlalchemy as sa
from sqlmodel import Field

from app.core.choices import Answer, QuickscanStatus
from app.core.models import TrackedColumns, enum_type


class Procurement(TrackedColumns, table=True):
    """A purchase (tender) of scanning equipment from a vendor, with the checks made before awarding it:
    the legal exclusion grounds and the national-security quickscan."""

    __tablename__ = "procurement"

    id: int | None = Field(default=None, primary_key=True)
    vendor_id: int = Field(foreign_key="vendor.id", ondelete="RESTRICT", index=True, nullable=False)
    reference: str | None = Field(
        default=None, max_length=100, description="Tender reference; null when not disclosed."
    )
    title: str = Field(max_length=200, nullable=False)
    awarded_on: date | None = Field(default=None, description="Award date; null when not disclosed.")
    legal_basis: str | None = Field(default=None, max_length=200, description="The law as the source states it.")
    exclusion_grounds_tested: Answer = Field(sa_type=enum_type(Answer, "exclusion_grounds_tested"), nullable=False)
    exclusion_grounds_note: str | None = Field(default=None, sa_type=sa.Text)
    national_security_quickscan: QuickscanStatus = Field(
        sa_type=enum_type(QuickscanStatus, "quickscan_status"), nullable=False
    )
    quickscan_note: str | None = Field(default=None, sa_type=sa.Text)
    notes: str | None = Field(default=None, sa_type=sa.Text)


class ProcurementScanner(TrackedColumns, table=True):
    """That a procurement bought the scanner (record) named."""

    __tablename__ = "procurement_scanner"
    __table_args__ = (sa.UniqueConstraint("procurement_id", "scanner_id"),)

    id: int | None = Field(default=None, primary_key=True)
    procurement_id: int = Field(foreign_key="procurement.id", ondelete="RESTRICT", index=True, nullable=False)
    scanner_id: int = Field(foreign_key="scanner.id", ondelete="RESTRICT", index=True, nullable=False)
