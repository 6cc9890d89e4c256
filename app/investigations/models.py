"""Table models of an investigation and of the vendors and scanners it concerns."""

from datetime import date

from sqlmodel import Field

from app.core.choices import InvestigationStatus
from app.core.models import TrackedColumns, choice_column, link_table, optional_text, unique_key


class Investigation(TrackedColumns, table=True):
    """Announced or running research (such as the further research with other government parties of
    Antwoord 6 and 7): who conducts it, its scope, status as of a dated source, and expected results,
    each with the source's own words where it gives them."""

    __tablename__ = "investigation"

    title: str = unique_key(200)
    conducted_by: str | None = Field(default=None, max_length=200)
    conducted_by_as_stated: str | None = optional_text()
    scope: str | None = optional_text()
    scope_as_stated: str | None = optional_text()
    status: InvestigationStatus = choice_column(InvestigationStatus, "investigation_status")
    status_known_on: date | None = Field(default=None)
    expected_results: str | None = optional_text()
    expected_results_as_stated: str | None = optional_text()
    builds_on_audit_id: int | None = Field(default=None, foreign_key="audit.id", ondelete="RESTRICT", index=True)
    notes: str | None = optional_text()


InvestigationVendor = link_table(
    __name__, "investigation", "vendor", "That an investigation concerns the vendor named."
)


InvestigationScanner = link_table(
    __name__, "investigation", "scanner", "That an investigation concerns the scanner (record) named."
)
