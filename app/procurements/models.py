"""Table models of a procurement and of the scanners it bought."""

from datetime import date

from sqlmodel import Field

from app.core.choices import Answer, QuickscanStatus
from app.core.models import TrackedColumns, choice_column, link_table, name_column, optional_text, reference


class Procurement(TrackedColumns, table=True):
    """A purchase (tender) of scanning equipment from a vendor, with the checks made before awarding it:
    the legal exclusion grounds and the national-security quickscan."""

    __tablename__ = "procurement"

    vendor_id: int = reference("vendor")
    reference: str | None = Field(
        default=None, max_length=100, description="Tender reference; null when not disclosed."
    )
    title: str = name_column()
    awarded_on: date | None = Field(default=None, description="Award date; null when not disclosed.")
    legal_basis: str | None = Field(default=None, max_length=200, description="The law as the source states it.")
    exclusion_grounds_tested: Answer = choice_column(Answer, "exclusion_grounds_tested")
    exclusion_grounds_note: str | None = optional_text()
    national_security_quickscan: QuickscanStatus = choice_column(QuickscanStatus, "quickscan_status")
    quickscan_note: str | None = optional_text()
    notes: str | None = optional_text()


ProcurementScanner = link_table(
    __name__, "procurement", "scanner", "That a procurement bought the scanner (record) named."
)
