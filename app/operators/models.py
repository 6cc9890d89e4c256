"""Table models of an operator and of the sites and scanners it operates."""

import sqlalchemy as sa
from sqlmodel import Field

from app.core.choices import Answer, OperatorKind, ScanDirection
from app.core.models import TrackedColumns, enum_type, sort_key_index, unique_ignoring_case


class Operator(TrackedColumns, table=True):
    """An organisation that operates scanners or sites (Dutch Customs, another government body, a sector),
    or what the source says about one it does not name, with the words it uses (``as_stated``)."""

    __tablename__ = "operator"
    __table_args__ = (
        unique_ignoring_case("operator", "code"),
        sort_key_index("operator", "code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, sa_column_kwargs={"unique": True}, nullable=False)
    name: str = Field(max_length=200, nullable=False)
    kind: OperatorKind = Field(sa_type=enum_type(OperatorKind, "operator_kind"), nullable=False)
    responsible_as_stated: str | None = Field(default=None, max_length=200)
    uses_nuctech: Answer = Field(sa_type=enum_type(Answer, "operator_uses_nuctech"), nullable=False)
    as_stated: str | None = Field(default=None, sa_type=sa.Text)
    scan_direction: ScanDirection = Field(
        default=ScanDirection.UNKNOWN,
        sa_column_kwargs={"server_default": ScanDirection.UNKNOWN.value},
        sa_type=enum_type(ScanDirection, "operator_scan_direction"),
        nullable=False,
    )
    scan_direction_as_stated: str | None = Field(default=None, sa_type=sa.Text)
    notes: str | None = Field(default=None, sa_type=sa.Text)


class OperatorSite(TrackedColumns, table=True):
    """That an operator operates scanners at the site named."""

    __tablename__ = "operator_site"
    __table_args__ = (sa.UniqueConstraint("operator_id", "site_id"),)

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id", ondelete="RESTRICT", index=True, nullable=False)
    site_id: int = Field(foreign_key="site.id", ondelete="RESTRICT", index=True, nullable=False)


class OperatorScanner(TrackedColumns, table=True):
    """That an operator operates the scanner (record) named."""

    __tablename__ = "operator_scanner"
    __table_args__ = (sa.UniqueConstraint("operator_id", "scanner_id"),)

    id: int | None = Field(default=None, primary_key=True)
    operator_id: int = Field(foreign_key="operator.id", ondelete="RESTRICT", index=True, nullable=False)
    scanner_id: int = Field(foreign_key="scanner.id", ondelete="RESTRICT", index=True, nullable=False)
