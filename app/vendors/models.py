"""Table models of a vendor and of a foreign government's restriction on it."""

from datetime import date

import sqlalchemy as sa
from sqlmodel import Field

from app.core.choices import RestrictionKind, VendorOwnership
from app.core.models import TrackedColumns, enum_type, sort_key_index, unique_ignoring_case


class Vendor(TrackedColumns, table=True):
    """A manufacturer of scanning equipment, with its country of origin and ownership as sources state them."""

    __tablename__ = "vendor"
    __table_args__ = (
        unique_ignoring_case("vendor", "slug"),
        sort_key_index("vendor", "slug"),
    )

    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=64, sa_column_kwargs={"unique": True}, nullable=False)
    name: str = Field(max_length=200, nullable=False)
    country: str | None = Field(default=None, max_length=2, description="ISO 3166-1 alpha-2; null when unknown.")
    ownership: VendorOwnership = Field(sa_type=enum_type(VendorOwnership, "vendor_ownership"), nullable=False)
    ownership_note: str | None = Field(default=None, sa_type=sa.Text)
    notes: str | None = Field(default=None, sa_type=sa.Text)


class VendorRestriction(TrackedColumns, table=True):
    """A foreign government's decision or finding about a vendor, such as excluding its scanners."""

    __tablename__ = "vendor_restriction"

    id: int | None = Field(default=None, primary_key=True)
    vendor_id: int = Field(foreign_key="vendor.id", ondelete="RESTRICT", index=True, nullable=False)
    country: str = Field(max_length=2, nullable=False, description="ISO 3166-1 alpha-2 of the deciding state.")
    authority: str | None = Field(default=None, max_length=200, description="Who decided, when the source says.")
    kind: RestrictionKind = Field(sa_type=enum_type(RestrictionKind, "restriction_kind"), nullable=False)
    decided_on: date | None = Field(default=None, description="Date of the decision; null when the source gives none.")
    description: str = Field(sa_type=sa.Text, nullable=False)
