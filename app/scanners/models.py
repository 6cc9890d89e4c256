"""Table model of a scanner."""

import sqlalchemy as sa
from sqlmodel import Field

from app.core.choices import CountBasis, NetworkMode, ScannerStatus, ScannerUse
from app.core.models import TrackedColumns, enum_type, sort_key_index, unique_ignoring_case


class Scanner(TrackedColumns, table=True):
    """One scanning unit (or, with ``count_basis = at_least_one``, an undisclosed number of them) at a site.

    A fibre-linked scanner names the network it is linked into; a standalone one names none.
    The database enforces that rule, so no write path can break it.
    """

    __tablename__ = "scanner"
    __table_args__ = (
        unique_ignoring_case("scanner", "asset_tag"),
        sort_key_index("scanner", "asset_tag"),
        sa.CheckConstraint(
            "(network_mode = 'fibre_linked' AND network_id IS NOT NULL)"
            " OR (network_mode = 'standalone' AND network_id IS NULL)",
            name="network_mode_matches_network",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    asset_tag: str = Field(max_length=64, sa_column_kwargs={"unique": True}, nullable=False)
    site_id: int = Field(foreign_key="site.id", ondelete="RESTRICT", index=True, nullable=False)
    vendor_id: int | None = Field(
        default=None,
        foreign_key="vendor.id",
        ondelete="RESTRICT",
        index=True,
        description="Null when the source does not disclose the vendor.",
    )
    network_id: int | None = Field(default=None, foreign_key="network.id", ondelete="RESTRICT", index=True)
    model: str | None = Field(default=None, max_length=200)
    use: ScannerUse = Field(sa_type=enum_type(ScannerUse, "scanner_use"), nullable=False)
    status: ScannerStatus = Field(sa_type=enum_type(ScannerStatus, "scanner_status"), nullable=False)
    network_mode: NetworkMode = Field(sa_type=enum_type(NetworkMode, "network_mode"), nullable=False)
    count_basis: CountBasis = Field(sa_type=enum_type(CountBasis, "count_basis"), nullable=False)
    notes: str | None = Field(default=None, sa_type=sa.Text)
