"""Response schemas of sites (they document the contract; the read path serializes rows directly)."""

from datetime import datetime

from pydantic import BaseModel, Field

from app.core.bulk import bulk_update_model
from app.core.choices import ScannerListCompleteness, SiteKind
from app.core.schemas import Choice, Citation, CountryCode, Name, Omittable, Slug, StrictBody, Text

_SCANNER_LIST = (
    "Whether the source gives this site's scanners as a complete list: `complete` (it states how many stand"
    ' there, and every one is recorded), `partial` (it names some, "including" or "such as"), or `unknown`.'
)
_SCANNER_LIST_AS_STATED = "The source's words the completeness rests on, quoted verbatim; null when it has none."


class SitePublic(BaseModel):
    """A site as the API returns it."""

    id: int
    code: str = Field(description="Unique human key, e.g. `maasvlakte`.")
    name: str = Field(description="Name of the site.")
    kind: SiteKind = Field(
        description="Kind of site: seaport, airport, postal sorting centre, courier hub, land border or other."
    )
    country: str = Field(description="ISO 3166-1 alpha-2.")
    locality: str | None
    scanner_list: ScannerListCompleteness = Field(description=_SCANNER_LIST)
    scanner_list_as_stated: str | None = Field(description=_SCANNER_LIST_AS_STATED)
    notes: str | None
    source: str | None = Field(description="Citation of the facts in this record.")
    created_at: datetime
    updated_at: datetime
    version: int


class SiteBrief(BaseModel):
    """The few fields of a site embedded in other resources."""

    id: int
    code: str
    name: str = Field(description="Name of the site.")
    kind: SiteKind = Field(
        description="Kind of site: seaport, airport, postal sorting centre, courier hub, land border or other."
    )


class SiteBody(StrictBody):
    """The fields of a site's request bodies, in their order, each optional as a PATCH sends them;
    ``SiteCreate`` requires or defaults some."""

    code: Omittable[Slug] = None
    name: Omittable[Name] = None
    kind: Omittable[Choice[SiteKind]] = None
    country: Omittable[CountryCode] = None
    locality: Name | None = None
    scanner_list: Omittable[Choice[ScannerListCompleteness]] = None
    scanner_list_as_stated: Text | None = None
    notes: Text | None = None
    source: Citation | None = None


class SiteCreate(SiteBody):
    """Fields to create a site."""

    code: Slug
    name: Name
    kind: Choice[SiteKind]
    country: CountryCode = "NL"
    scanner_list: Choice[ScannerListCompleteness] = ScannerListCompleteness.UNKNOWN


class SiteUpdate(SiteBody):
    """Fields of a site to change; only the fields sent change. Required fields cannot be set to null."""


SiteBulkUpdate = bulk_update_model(SiteUpdate)
