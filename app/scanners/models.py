"""Table model of a scanner."""

import sqlalchemy as sa
from sqlmodel import Field

from app.core.choices import CountBasis, NetworkMode, ScannerStatus, ScannerUse
from app.core.models import (
    TrackedColumns,
    choice_column,
    filter_indexes,
    keyed_by,
    optional_text,
    reference,
    unique_key,
)


class Scanner(TrackedColumns, table=True):
    """One scanning unit (or, with ``count_basis = at_least_one``, an undisclosed number of them) at a site.

    A fibre-linked scanner names the network it is linked into; a standalone one names none.
    The database enforces that rule, so no write path can break it.
    """

    __tablename__ = "scanner"
    __table_args__ = (
        *keyed_by("scanner", "asset_tag"),
        *filter_indexes("scanner", "status", "use", "network_mode", "count_basis"),
        sa.CheckConstraint(
            "(network_mode = 'fibre_linked' AND network_id IS NOT NULL)"
            " OR (network_mode = 'standalone' AND network_id IS NULL)",
            name="network_mode_matches_network",
        ),
    )

    asset_tag: str = unique_key()
    site_id: int = reference("site")
    vendor_id: int | None = Field(
        default=None,
        foreign_key="vendor.id",
        ondelete="RESTRICT",
        index=True,
        description="Null when the source does not disclose the vendor.",
    )
    network_id: int | None = Field(default=None, foreign_key="network.id", ondelete="RESTRICT", index=True)
    model: str | None = Field(default=None, max_length=200)
    use: ScannerUse = choice_column(ScannerUse, "scanner_use")
    status: ScannerStatus = choice_column(ScannerStatus, "scanner_status")
    network_mode: NetworkMode = choice_column(NetworkMode, "network_mode")
    count_basis: CountBasis = choice_column(CountBasis, "count_basis")
    notes: str | None = optional_text()
