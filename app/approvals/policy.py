"""The approval policy: which writes a second person must approve before they apply.

``POLICY_VERSION`` names this text of the policy; every change request records it with the rule that
covered it. ``INVENTORY_APPROVAL_RULES`` chooses which rules are enforced (``all`` by default, ``none``,
or a comma-separated list of rule ids); the README has the table.

Each covered operation is one ``Operation``: its collection, how the direct write is made (the
collection's own service function, so an approval applies a change exactly as the direct write would,
with its checks, constraints and change record) and the rule deciding whether a given write is
covered. A rule sees the target's row as it is and the body as sent; an update is covered only when
it actually changes a covered field.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from app.assessments import service as assessments
from app.assessments.models import AccessOverride, MitigationMeasure, VendorAssessment
from app.assessments.schemas import (
    AccessOverrideCreate,
    AccessOverrideUpdate,
    MitigationMeasureCreate,
    MitigationMeasureUpdate,
    VendorAssessmentCreate,
    VendorAssessmentUpdate,
)
from app.audits import service as audits
from app.audits.models import Audit, Finding
from app.audits.schemas import AuditCreate, AuditUpdate, FindingCreate, FindingUpdate
from app.auth import service as auth
from app.auth.models import ApiKey
from app.auth.schemas import ApiKeyUpdate
from app.core.choices import AuditStatus, ChangeRequestOperation, FindingStatus, Role
from app.core.config import Settings, UnsafeConfiguration, get_settings
from app.core.models import TrackedColumns
from app.scanners import service as scanners
from app.scanners.models import Scanner
from app.scanners.schemas import ScannerUpdate

POLICY_VERSION = "2026-11-29.1"
"""The version of the rules below; recorded on every change request."""

SCANNER_NETWORK_FIELDS = ("network_mode", "network_id", "vendor_id")

RULES: dict[str, str] = {
    "scanner-network": "Changing a scanner's network mode, network or vendor (creating a scanner is not covered).",
    "vendor-assessment": "Creating, changing or deleting a vendor assessment (considerations 1 and 2).",
    "access-override": "Creating, changing or deleting an access override (consideration 3a).",
    "mitigation-measure": "Creating, changing or deleting a mitigation measure (consideration 3b).",
    "finding-leaves-open": "A finding leaving `open` (status changed, recorded in another status, or deleted while open).",
    "audit-closed": "An audit reaching `closed` (status changed to it, or recorded as closed).",
    "api-key-admin": "An API key's role raised to `admin`.",
}
"""Every rule of the policy: its id and what it covers."""

Rule = Callable[[Any, Any], bool]
"""Whether a write is covered, given the target's row (None for a create) and the body (None for a delete)."""


@dataclass(frozen=True)
class Operation:
    """One write the policy can cover, and how it is made."""

    collection: str
    operation: ChangeRequestOperation
    rule: str
    resource: str
    """The ETag resource name of the target (``scanner`` in ``"scanner-1-v2"``)."""
    model: type[TrackedColumns]
    schema: type[BaseModel] | None
    apply: Callable[..., Any]
    covers: Rule
    role: Role = Role.EDITOR
    """The role the direct write needs; approving it needs this role too (and at least approver)."""

    def run(self, session: Session, target_id: int | None, body: BaseModel | None, if_match: str | None) -> Any:
        """Make the write through the collection's own service function."""
        if self.operation == ChangeRequestOperation.CREATE:
            return self.apply(session, body)
        if self.operation == ChangeRequestOperation.UPDATE:
            return self.apply(session, target_id, body, if_match)
        return self.apply(session, target_id, if_match)


def _always(row: Any, body: Any) -> bool:
    return True


def _changes(row: Any, body: Any) -> dict[str, Any]:
    """The row's own columns the body changes (link lists such as ``scanner_ids`` are not columns)."""
    if row is None or body is None:
        return {}
    sent = body.model_dump(exclude_unset=True)
    return {name: value for name, value in sent.items() if hasattr(row, name) and getattr(row, name) != value}


def _scanner_network(row: Any, body: Any) -> bool:
    return any(field in _changes(row, body) for field in SCANNER_NETWORK_FIELDS)


def _status(value: Any) -> str | None:
    return getattr(value, "value", value)


def _finding_created_not_open(row: Any, body: Any) -> bool:
    return _status(body.status) != FindingStatus.OPEN.value


def _finding_leaves_open(row: Any, body: Any) -> bool:
    changes = _changes(row, body)
    return _status(row.status) == FindingStatus.OPEN.value and "status" in changes


def _finding_deleted_open(row: Any, body: Any) -> bool:
    return _status(row.status) == FindingStatus.OPEN.value


def _audit_created_closed(row: Any, body: Any) -> bool:
    return _status(body.status) == AuditStatus.CLOSED.value


def _audit_closes(row: Any, body: Any) -> bool:
    return _status(_changes(row, body).get("status")) == AuditStatus.CLOSED.value


def _key_made_admin(row: Any, body: Any) -> bool:
    return _status(_changes(row, body).get("role")) == Role.ADMIN.value


CREATE, UPDATE, DELETE = ChangeRequestOperation.CREATE, ChangeRequestOperation.UPDATE, ChangeRequestOperation.DELETE

OPERATIONS: dict[tuple[str, ChangeRequestOperation], Operation] = {
    (op.collection, op.operation): op
    for op in (
        Operation("scanners", UPDATE, "scanner-network", "scanner", Scanner, ScannerUpdate,
                  scanners.SCANNER.update, _scanner_network),
        Operation("vendor-assessments", CREATE, "vendor-assessment", "vendor-assessment", VendorAssessment,
                  VendorAssessmentCreate, assessments.ASSESSMENT.create, _always),
        Operation("vendor-assessments", UPDATE, "vendor-assessment", "vendor-assessment", VendorAssessment,
                  VendorAssessmentUpdate, assessments.ASSESSMENT.update, _always),
        Operation("vendor-assessments", DELETE, "vendor-assessment", "vendor-assessment", VendorAssessment, None,
                  assessments.ASSESSMENT.delete, _always),
        Operation("access-overrides", CREATE, "access-override", "access-override", AccessOverride,
                  AccessOverrideCreate, assessments.OVERRIDE.create, _always),
        Operation("access-overrides", UPDATE, "access-override", "access-override", AccessOverride,
                  AccessOverrideUpdate, assessments.OVERRIDE.update, _always),
        Operation("access-overrides", DELETE, "access-override", "access-override", AccessOverride, None,
                  assessments.OVERRIDE.delete, _always),
        Operation("mitigation-measures", CREATE, "mitigation-measure", "mitigation-measure", MitigationMeasure,
                  MitigationMeasureCreate, assessments.MEASURE.create, _always),
        Operation("mitigation-measures", UPDATE, "mitigation-measure", "mitigation-measure", MitigationMeasure,
                  MitigationMeasureUpdate, assessments.MEASURE.update, _always),
        Operation("mitigation-measures", DELETE, "mitigation-measure", "mitigation-measure", MitigationMeasure, None,
                  assessments.MEASURE.delete, _always),
        Operation("findings", CREATE, "finding-leaves-open", "finding", Finding, FindingCreate,
                  audits.FINDING.create, _finding_created_not_open),
        Operation("findings", UPDATE, "finding-leaves-open", "finding", Finding, FindingUpdate,
                  audits.FINDING.update, _finding_leaves_open),
        Operation("findings", DELETE, "finding-leaves-open", "finding", Finding, None,
                  audits.FINDING.delete, _finding_deleted_open),
        Operation("audits", CREATE, "audit-closed", "audit", Audit, AuditCreate, audits.create_audit,
                  _audit_created_closed),
        Operation("audits", UPDATE, "audit-closed", "audit", Audit, AuditUpdate, audits.update_audit, _audit_closes),
        Operation("api-keys", UPDATE, "api-key-admin", "api-key", ApiKey, ApiKeyUpdate, auth.update_api_key,
                  _key_made_admin, role=Role.ADMIN),
    )
}  # fmt: skip

RESTORE_RULES = {"vendor-assessments": "vendor-assessment", "access-overrides": "access-override",
                 "mitigation-measures": "mitigation-measure"}  # fmt: skip
"""Collections whose every create is covered: restoring a deleted object of one recreates it, so it is covered
too (an admin's emergency change; others send the object again with POST, which opens a change request)."""

COLLECTIONS = sorted({collection for collection, _ in OPERATIONS})
"""The collections some rule covers (their item GET lists pending change requests)."""


def _named_rules(setting: str) -> frozenset[str]:
    setting = setting.strip().lower()
    if setting in ("", "all"):
        return frozenset(RULES)
    if setting == "none":
        return frozenset()
    return frozenset(part.strip() for part in setting.split(",") if part.strip())


def check_approval_rules(settings: Settings) -> None:
    """Refuse to start with a rule id the policy does not have: a misspelt rule would go unenforced."""
    unknown = sorted(_named_rules(settings.approval_rules) - frozenset(RULES))
    if unknown:
        raise UnsafeConfiguration(
            f"INVENTORY_APPROVAL_RULES names rules the approval policy does not have: {', '.join(unknown)}; "
            f"the rules are: {', '.join(RULES)} (or all, none)"
        )


def enforced_rules() -> frozenset[str]:
    """The rules ``INVENTORY_APPROVAL_RULES`` enforces (an unknown id, refused at startup, is never one)."""
    return _named_rules(get_settings().approval_rules) & frozenset(RULES)


def covering_rule(
    session: Session, collection: str, operation: ChangeRequestOperation, target_id: int | None, body: Any
) -> tuple[Operation, Any] | None:
    """The operation whose enforced rule covers this write, with the target's row (None for a create);
    None when the write applies directly (not covered, or the target does not exist: the write's own
    404 answers)."""
    entry = OPERATIONS.get((collection, operation))
    if entry is None or entry.rule not in enforced_rules():
        return None
    row = None
    if operation != ChangeRequestOperation.CREATE:
        row = session.get(entry.model, target_id)
        if row is None:
            return None
    return (entry, row) if entry.covers(row, body) else None
