"""Every table model, imported in one place so metadata (and Alembic) sees the whole schema."""

from app.auth.models import ApiKey
from app.changes.models import ChangeRecord
from app.networks.models import Network
from app.scanners.models import Scanner
from app.sites.models import Site
from app.vendors.models import Vendor, VendorRestriction

__all__ = ["ApiKey", "ChangeRecord", "Network", "Scanner", "Site", "Vendor", "VendorRestriction"]
