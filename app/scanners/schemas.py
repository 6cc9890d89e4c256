"""Response schemas of scanners."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, model_validator

from app.approvals.schemas import PendingChangeRequests
from app.core.bulk import bulk_update_model
from app.core.choices import CountBasis, NetworkMode, ScannerAuditStatus, ScannerStatus, ScannerUse
from app.core.schemas import Choice, Citation, Name, Omittable, RefId, StrictBody, Text
from app.networks.schemas import NetworkBrief
from app.sites.schemas import SiteBrief
from app.vendors.schemas import VendorBrief

AssetTag = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length=64)]
"""A scanner's inventory tag: letters, digits, dots, underscores and hyphens, starting with a letter or digit."""


class ScannerPublic(BaseModel):
    """A scanner as the API returns it, with its site, vendor and network embedded in brief."""

    id: int
    asset_tag: str = Field(description="Unique inventory tag of this record.")
    site_id: int
    vendor_id: int | None = Field(description="Null when the source does not disclose the vendor.")
    network_id: int | None = Field(
        description="The network a fibre-linked scanner is linked into; null when standalone."
    )
    network_mode: NetworkMode
    status: ScannerStatus = Field(description="Lifecycle status of the scanner.")
    use: ScannerUse
    model: str | None = Field(description="Model designation; null when unknown.")
    count_basis: CountBasis = Field(
        description="`unit`: one identified unit. `at_least_one`: the source gives no count; one or more units."
    )
    notes: str | None
    source: str | None
    created_at: datetime
    updated_at: datetime
    version: int
    audit_status: ScannerAuditStatus = Field(
        description="Derived from the audits covering the scanner, never set by hand. Precedence: open_findings >"
        " audited > audit_in_progress > audit_commissioned > not_audited."
    )
    site: SiteBrief = Field(description="The site where the scanner stands, in brief.")
    vendor: VendorBrief | None = Field(description="The vendor, in brief; null when the source does not disclose it.")
    network: NetworkBrief | None = Field(
        description="The network a fibre-linked scanner is linked into, in brief; null when standalone."
    )


class ScannerDetail(ScannerPublic, PendingChangeRequests):
    """A scanner as its item GET returns it: with its site, vendor and network in brief, and the change requests
    pending on it."""


class ScannerBody(StrictBody):
    """The fields of a scanner's request bodies, in their order, each optional as a PATCH sends them;
    ``ScannerCreate`` requires or defaults some."""

    asset_tag: Omittable[AssetTag] = None
    site_id: Omittable[RefId] = None
    vendor_id: RefId | None = None
    network_id: RefId | None = None
    network_mode: Omittable[Choice[NetworkMode]] = None
    status: Omittable[Choice[ScannerStatus]] = None
    use: Omittable[Choice[ScannerUse]] = None
    model: Name | None = None
    count_basis: Omittable[Choice[CountBasis]] = None
    notes: Text | None = None
    source: Citation | None = None


class ScannerCreate(ScannerBody):
    """Fields to create a scanner; a fibre-linked scanner must name its network, a standalone one none."""

    asset_tag: AssetTag
    site_id: RefId
    network_mode: Choice[NetworkMode]
    status: Choice[ScannerStatus] = ScannerStatus.ACTIVE
    use: Choice[ScannerUse]
    count_basis: Choice[CountBasis] = CountBasis.UNIT

    @model_validator(mode="after")
    def network_matches_mode(self) -> "ScannerCreate":
        check_network_rule(self.network_mode, self.network_id)
        return self


def check_network_rule(network_mode: NetworkMode, network_id: int | None) -> None:
    """The rule the database also enforces: fibre-linked names a network, standalone names none."""
    if network_mode == NetworkMode.FIBRE_LINKED and network_id is None:
        raise ValueError("a fibre_linked scanner must name its network_id")
    if network_mode == NetworkMode.STANDALONE and network_id is not None:
        raise ValueError("a standalone scanner must not name a network_id")


class ScannerUpdate(ScannerBody):
    """Fields of a scanner to change; only the fields sent change.

    The network rule applies to the result: to unlink a scanner send
    ``{"network_mode": "standalone", "network_id": null}`` together.
    """


ScannerBulkUpdate = bulk_update_model(ScannerUpdate)
