"""Table models of an operator and of the sites and scanners it operates."""

from sqlmodel import Field

from app.core.choices import Answer, OperatorKind, ScanDirection
from app.core.models import TrackedColumns, choice_column, keyed_by, link_table, name_column, optional_text, unique_key


class Operator(TrackedColumns, table=True):
    """An organisation that operates scanners or sites (Dutch Customs, another government body, a sector),
    or what the source says about one it does not name, with the words it uses (``as_stated``)."""

    __tablename__ = "operator"
    __table_args__ = keyed_by("operator", "code")

    code: str = unique_key()
    name: str = name_column()
    kind: OperatorKind = choice_column(OperatorKind, "operator_kind")
    responsible_as_stated: str | None = Field(default=None, max_length=200)
    uses_nuctech: Answer = choice_column(Answer, "operator_uses_nuctech")
    as_stated: str | None = optional_text()
    scan_direction: ScanDirection = choice_column(ScanDirection, "operator_scan_direction", ScanDirection.UNKNOWN)
    scan_direction_as_stated: str | None = optional_text()
    notes: str | None = optional_text()


OperatorSite = link_table(__name__, "operator", "site", "That an operator operates scanners at the site named.")


OperatorScanner = link_table(__name__, "operator", "scanner", "That an operator operates the scanner (record) named.")
