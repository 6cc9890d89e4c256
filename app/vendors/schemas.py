"""Response schemas of vendors and vendor restrictions."""

from datetime import date, datetime

from pydantic import BaseModel, Field

from app.core.bulk import bulk_update_model
from app.core.choices import RestrictionKind, VendorOwnership
from app.core.schemas import Choice, Citation, CountryCode, IsoDate, Name, Omittable, RefId, Slug, StrictBody, Text


class VendorRestrictionPublic(BaseModel):
    """A foreign government's decision or finding about a vendor."""

    id: int
    vendor_id: int
    country: str = Field(description="ISO 3166-1 alpha-2 of the deciding state.")
    authority: str | None
    kind: RestrictionKind = Field(
        description="What the foreign government decided or found: an exclusion, a restriction, an investigation or a finding."
    )
    decided_on: date | None = Field(description="Null when the source gives no date.")
    description: str = Field(description="The decision or finding in words.")
    source: str | None
    created_at: datetime
    updated_at: datetime
    version: int


class VendorPublic(BaseModel):
    """A vendor as the API returns it, with the restrictions foreign governments placed on it."""

    id: int
    slug: str = Field(description="Unique human key, e.g. `nuctech`.")
    name: str = Field(description="Name of the vendor.")
    country: str | None = Field(description="ISO 3166-1 alpha-2 of origin; null when unknown.")
    ownership: VendorOwnership
    ownership_note: str | None
    notes: str | None
    source: str | None
    created_at: datetime
    updated_at: datetime
    version: int
    restrictions: list[VendorRestrictionPublic] = Field(
        description="Restrictions, exclusions, investigations and findings of foreign governments concerning the vendor."
    )


class VendorBrief(BaseModel):
    """The few fields of a vendor embedded in other resources."""

    id: int
    slug: str
    name: str = Field(description="Name of the vendor.")


class VendorBody(StrictBody):
    """The fields of a vendor's request bodies, in their order, each optional as a PATCH sends them;
    ``VendorCreate`` requires or defaults some."""

    slug: Omittable[Slug] = None
    name: Omittable[Name] = None
    country: CountryCode | None = None
    ownership: Omittable[Choice[VendorOwnership]] = None
    ownership_note: Text | None = None
    notes: Text | None = None
    source: Citation | None = None


class VendorCreate(VendorBody):
    """Fields to create a vendor."""

    slug: Slug
    name: Name
    ownership: Choice[VendorOwnership] = VendorOwnership.UNKNOWN


class VendorRestrictionBody(StrictBody):
    """The fields of a vendor restriction's request bodies, in their order, each optional as a PATCH sends
    them; ``VendorRestrictionCreate`` requires or defaults some."""

    vendor_id: Omittable[RefId] = None
    country: Omittable[CountryCode] = None
    authority: Name | None = None
    kind: Omittable[Choice[RestrictionKind]] = None
    decided_on: IsoDate | None = None
    description: Omittable[Text] = Field(default=None, min_length=1)
    source: Citation | None = None


class VendorRestrictionCreate(VendorRestrictionBody):
    """Fields to record a foreign government's decision or finding about a vendor."""

    vendor_id: RefId
    country: CountryCode
    kind: Choice[RestrictionKind]
    description: Text = Field(min_length=1)


class VendorUpdate(VendorBody):
    """Fields of a vendor to change; only the fields sent change. Required fields cannot be set to null."""


class VendorRestrictionUpdate(VendorRestrictionBody):
    """Fields of a vendor restriction to change; only the fields sent change."""


VendorBulkUpdate = bulk_update_model(VendorUpdate)
