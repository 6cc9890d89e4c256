"""Table model of a site."""

from sqlmodel import Field

from app.core.choices import ScannerListCompleteness, SiteKind
from app.core.models import TrackedColumns, choice_column, keyed_by, name_column, optional_text, unique_key


class Site(TrackedColumns, table=True):
    """A place where customs scanners stand: a seaport terminal, an airport, a postal sorting centre."""

    __tablename__ = "site"
    __table_args__ = keyed_by("site", "code")

    code: str = unique_key()
    name: str = name_column()
    kind: SiteKind = choice_column(SiteKind, "site_kind")
    country: str = Field(max_length=2, nullable=False, description="ISO 3166-1 alpha-2 country code.")
    locality: str | None = Field(default=None, max_length=200)
    scanner_list: ScannerListCompleteness = choice_column(
        ScannerListCompleteness, "scanner_list_completeness", ScannerListCompleteness.UNKNOWN
    )
    scanner_list_as_stated: str | None = optional_text()
    notes: str | None = optional_text()
