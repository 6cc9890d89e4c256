"""The approval policy: which writes a second person must approve before they apply.

``POLICY_VERSION`` names this text of the policy; every change request records it with the rule that
covered it. ``INVENTORY_APPROVAL_RULES`` chooses which rules are enforced (``all`` by default, ``none``,
or a comma-separated list of rule ids); the README has the table.

Each covered operation is one ``Operation``: its collection, the rule that may cover it and the predicate
deciding whether a given write is covered. A predicate sees the target's row as it is and the body as sent;
an update is covered only when it actually changes a covered field.

How a collection's writes are made is the collection's own business: each covered collection declares
its ``Target`` (its table, its ETag name, its own service functions and body schemas) with
``approval_target`` next to its description, so an approval applies a change exactly as the direct write
would, with its checks, constraints and change record, and this module imports no collection. Startup
refuses a policy naming a collection that declared no target (``check_approval_rules``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from app.changes.resources import Resource
from app.core.choices import AuditStatus, ChangeRequestOperation, FindingStatus, Role
from app.core.config import Settings, UnsafeConfiguration, get_settings
from app.core.models import TrackedColumns

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
class Target:
    """How the approval gate makes a covered collection's writes: its table, the ETag name of its items and
    its own service functions with the body schema each takes (a delete takes no body)."""

    model: type[TrackedColumns]
    resource: str
    """The ETag resource name of the items (``scanner`` in ``"scanner-1-v2"``)."""
    create: Callable[..., Any] | None = None
    update: Callable[..., Any] | None = None
    delete: Callable[..., Any] | None = None
    create_schema: type[BaseModel] | None = None
    update_schema: type[BaseModel] | None = None


TARGETS: dict[str, Target] = {}
"""Every covered collection's target, by collection name; filled by ``approval_target``."""


def approval_target(collection: str, target: Target) -> None:
    """Declare how the approval gate writes ``collection`` (called by the collection, beside its description)."""
    TARGETS[collection] = target


def resource_target(
    resource: Resource,
    *,
    create_schema: type[BaseModel] | None = None,
    update_schema: type[BaseModel] | None = None,
    create: Callable[..., Any] | None = None,
    update: Callable[..., Any] | None = None,
) -> Target:
    """The target of a collection written through its ``Resource``; ``create``/``update`` replace the
    generic writes where the collection has its own."""
    return Target(
        model=resource.model,
        resource=resource.etag,
        create=create or resource.create,
        update=update or resource.update,
        delete=resource.delete,
        create_schema=create_schema,
        update_schema=update_schema,
    )


@dataclass(frozen=True)
class Operation:
    """One write the policy can cover, and the rule and predicate that decide it."""

    collection: str
    operation: ChangeRequestOperation
    rule: str
    covers: Rule
    role: Role = Role.EDITOR
    """The role the direct write needs; approving it needs this role too (and at least approver)."""

    @property
    def target(self) -> Target:
        return TARGETS[self.collection]

    @property
    def resource(self) -> str:
        """The ETag resource name of the target."""
        return self.target.resource

    @property
    def model(self) -> type[TrackedColumns]:
        return self.target.model

    @property
    def schema(self) -> type[BaseModel] | None:
        """The schema of the body this write takes (None for a delete)."""
        if self.operation == ChangeRequestOperation.CREATE:
            return self.target.create_schema
        if self.operation == ChangeRequestOperation.UPDATE:
            return self.target.update_schema
        return None

    def run(self, session: Session, target_id: int | None, body: BaseModel | None, if_match: str | None) -> Any:
        """Make the write through the collection's own service function."""
        target = self.target
        if self.operation == ChangeRequestOperation.CREATE:
            assert target.create is not None  # checked at startup (check_approval_rules)
            return target.create(session, body)
        if self.operation == ChangeRequestOperation.UPDATE:
            assert target.update is not None
            return target.update(session, target_id, body, if_match)
        assert target.delete is not None
        return target.delete(session, target_id, if_match)


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
        Operation("scanners", UPDATE, "scanner-network", _scanner_network),
        Operation("vendor-assessments", CREATE, "vendor-assessment", _always),
        Operation("vendor-assessments", UPDATE, "vendor-assessment", _always),
        Operation("vendor-assessments", DELETE, "vendor-assessment", _always),
        Operation("access-overrides", CREATE, "access-override", _always),
        Operation("access-overrides", UPDATE, "access-override", _always),
        Operation("access-overrides", DELETE, "access-override", _always),
        Operation("mitigation-measures", CREATE, "mitigation-measure", _always),
        Operation("mitigation-measures", UPDATE, "mitigation-measure", _always),
        Operation("mitigation-measures", DELETE, "mitigation-measure", _always),
        Operation("findings", CREATE, "finding-leaves-open", _finding_created_not_open),
        Operation("findings", UPDATE, "finding-leaves-open", _finding_leaves_open),
        Operation("findings", DELETE, "finding-leaves-open", _finding_deleted_open),
        Operation("audits", CREATE, "audit-closed", _audit_created_closed),
        Operation("audits", UPDATE, "audit-closed", _audit_closes),
        Operation("api-keys", UPDATE, "api-key-admin", _key_made_admin, role=Role.ADMIN),
    )
}

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
    """Refuse to start with a rule id the policy does not have (a misspelt rule would go unenforced), or with a
    covered write whose collection declared no way to make it."""
    unknown = sorted(_named_rules(settings.approval_rules) - frozenset(RULES))
    if unknown:
        raise UnsafeConfiguration(
            f"INVENTORY_APPROVAL_RULES names rules the approval policy does not have: {', '.join(unknown)}; "
            f"the rules are: {', '.join(RULES)} (or all, none)"
        )
    missing = sorted(
        f"{entry.collection} {entry.operation.value}" for entry in OPERATIONS.values() if not _has_write(entry)
    )
    if missing:
        raise RuntimeError(
            f"the approval policy covers writes no collection declared a target for: {', '.join(missing)}"
        )


def _has_write(entry: Operation) -> bool:
    """Whether the collection declared the service function (and body schema) this operation needs."""
    target = TARGETS.get(entry.collection)
    if target is None:
        return False
    if entry.operation == ChangeRequestOperation.CREATE:
        return target.create is not None and target.create_schema is not None
    if entry.operation == ChangeRequestOperation.UPDATE:
        return target.update is not None and target.update_schema is not None
    return target.delete is not None


def enforced_rules() -> frozenset[str]:
    """The rules ``INVENTORY_APPROVAL_RULES`` enforces (an unknown id, refused at startup, is never one)."""
    return _named_rules(get_settings().approval_rules) & frozenset(RULES)


def covering_rule(
    session: Session, collection: str, operation: ChangeRequestOperation, target_id: int | None, body: Any
) -> tuple[Operation | None, Any]:
    """The operation whose enforced rule covers this write, or None when the write applies directly (not
    covered, or the target does not exist: the write's own 404 answers); and the target's row when it was
    read (None for a create), which the caller keeps while it writes: the session holds rows it read only
    while they are referenced, and the write reads the same row again."""
    entry = OPERATIONS.get((collection, operation))
    if entry is None or entry.rule not in enforced_rules():
        return None, None
    row = None
    if operation != ChangeRequestOperation.CREATE:
        row = session.get(entry.model, target_id)
        if row is None:
            return None, None
    return (entry if entry.covers(row, body) else None), row
