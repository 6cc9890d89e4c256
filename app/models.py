"""Every table model, imported in one place so metadata (and Alembic) sees the whole schema."""

from app.approvals.models import ChangeRequest
from app.assessments.models import AccessOverride, MitigationMeasure, SupplierAccessFact, VendorAssessment
from app.audits.models import Audit, AuditScanner, AuditSite, Finding, FindingScanner
from app.auth.models import ApiKey
from app.changes.models import ChainCheckpoint, ChangeRecord, ObjectVersion
from app.core.idempotency import IdempotencyRecord
from app.investigations.models import Investigation, InvestigationScanner, InvestigationVendor
from app.networks.models import Network
from app.operators.models import Operator, OperatorScanner, OperatorSite
from app.procurements.models import Procurement, ProcurementScanner
from app.scanners.models import Scanner
from app.sites.models import Site
from app.vendors.models import Vendor, VendorRestriction
from app.webhooks.models import Webhook, WebhookDelivery

__all__ = [
    "AccessOverride",
    "ApiKey",
    "Audit",
    "AuditScanner",
    "AuditSite",
    "ChainCheckpoint",
    "ChangeRecord",
    "ChangeRequest",
    "Finding",
    "FindingScanner",
    "IdempotencyRecord",
    "Investigation",
    "InvestigationScanner",
    "InvestigationVendor",
    "MitigationMeasure",
    "ObjectVersion",
    "Network",
    "Operator",
    "OperatorScanner",
    "OperatorSite",
    "Procurement",
    "ProcurementScanner",
    "Scanner",
    "Site",
    "SupplierAccessFact",
    "Vendor",
    "VendorAssessment",
    "VendorRestriction",
    "Webhook",
    "WebhookDelivery",
]
