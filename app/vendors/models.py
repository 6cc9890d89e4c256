"""Table models of a vendor and of a foreign government's restriction on it."""

from datetime import date

import sqlalchemy as sa
from sqlmodel import Field

from app.core.choices import RestrictionKind, VendorOwnership
from app.core.models import TrackedColumns, choice_column, keyed_by, name_column, optional_text, reference, unique_key


class Vendor(TrackedColumns, table=True):
    """A manufacturer of scanning equipment, with its country of origin and ownership as sources state them."""

    __tablename__ = "vendor"
    __table_args__ = keyed_by("vendor", "slug")

    slug: str = unique_key()
    name: str = name_column()
    country: str | None = Field(default=None, max_length=2, description="ISO 3166-1 alpha-2; null when unknown.")
    ownership: VendorOwnership = choice_column(VendorOwnership, "vendor_ownership")
    ownership_note: str | None = optional_text()
    notes: str | None = optional_text()


class VendorRestriction(TrackedColumns, table=True):
    """A foreign government's decision or finding about a vendor, such as excluding its scanners."""

    __tablename__ = "vendor_restriction"

    vendor_id: int = reference("vendor")
    country: str = Field(max_length=2, nullable=False, description="ISO 3166-1 alpha-2 of the deciding state.")
    authority: str | None = Field(default=None, max_length=200, description="Who decided, when the source says.")
    kind: RestrictionKind = choice_column(RestrictionKind, "restriction_kind")
    decided_on: date | None = Field(default=None, description="Date of the decision; null when the source gives none.")
    description: str = Field(sa_type=sa.Text, nullable=False)
