"""Table model of a site."""

import sqlalchemy as sa
from sqlmodel import Field

from app.core.choices import ScannerListCompleteness, SiteKind
from app.core.models import TrackedColumns, enum_type, sort_key_index, unique_ignoring_case


class Site(TrackedColumns, table=True):
    """A place where customs scanners stand: a seaport terminal, an airport, a postal sorting centre."""

    __tablename__ = "site"
    __table_args__ = (
        unique_ignoring_case("site", "code"),
        sort_key_index("site", "code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=64, sa_column_kwargs={"unique": True}, nullable=False)
    name: str = Field(max_length=200, nullable=False)
    kind: SiteKind = Field(sa_type=enum_type(SiteKind, "site_kind"), nullable=False)
    country: str = Field(max_length=2, nullable=False, description="ISO 3166-1 alpha-2 country code.")
    locality: str | None = Field(default=None, max_length=200)
    scanner_list: ScannerListCompleteness = Field(
        default=ScannerListCompleteness.UNKNOWN,
        sa_column_kwargs={"server_default": ScannerListCompleteness.UNKNOWN.value},
        sa_type=enum_type(ScannerListCompleteness, "scanner_list_completeness"),
        nullable=False,
    )
    scanner_list_as_stated: str | None = Field(default=None, sa_type=sa.Text)
    notes: str | None = Field(default=None, sa_type=sa.Text)
