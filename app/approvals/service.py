"""Change requests: holding covered writes, deciding on them, and applying approved ones.

- A write the policy covers (``app/approvals/policy.py``), sent by an editor or approver, opens a
  change request instead of applying (``gate``): the target must exist and If-Match name its
  current version, as for the direct write; the request records that version, the body as sent,
  the author's key, owner and ``X-Change-Reason``.
- An admin's covered write applies at once as an emergency change: ``X-Change-Reason`` is then
  mandatory, and its change records carry ``emergency: true`` (``/reports/unapproved-changes``).
- ``approve`` applies the body through the collection's own service function in the approver's
  transaction, with If-Match of the version the request was based on; the change record names the
  author's key and reason, the approver (``approved_by``) and the request (``change_request_id``).
  If the target moved since (or is gone), the request becomes ``stale``: that is stored and a 409
  answered, and nothing applies. Each decision is a conditional UPDATE of the request's row (its
  version), so of two concurrent approvals exactly one applies.
- A request nobody decided on within ``INVENTORY_CHANGE_REQUEST_TTL_DAYS`` reads as ``expired``
  (computed on read; stored as such when someone tries to decide on it).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, NamedTuple

import sqlalchemy as sa
from pydantic import BaseModel, ValidationError
from sqlmodel import Session

from app.approvals.models import ChangeRequest
from app.approvals.policy import OPERATIONS, POLICY_VERSION, RESTORE_RULES, Operation, covering_rule, enforced_rules
from app.auth.models import ApiKey
from app.auth.service import Principal
from app.changes.resources import Resource, columns_listing, read_item_with, read_one, row_shape
from app.changes.writes import expected_version, get_or_404, insert_row, load_item, update_row
from app.core.choices import ChangeRequestOperation, ChangeRequestState, Role
from app.core.config import get_settings
from app.core.context import REASON_HEADER, current_context
from app.core.db import format_timestamp, utcnow
from app.core.errors import ApprovalRequired, ChangeRequestClosed, Forbidden, InvalidRequest, SecondPersonRequired
from app.core.http import etag_for
from app.core.pagination import Filters, Listing, fetch_page
from app.core.reads import ReadDatabase, Row

RESOURCE = "change-request"

_STATE_SQL = (
    "CASE WHEN change_request.state = 'pending' AND change_request.expires_at <= :now"
    " THEN 'expired' ELSE change_request.state END"
)

_FIELDS = (
    "id",
    "collection",
    "target_id",
    "operation",
    "body",
    "base_version",
    "rule",
    "policy_version",
    "state",
    "author_key_id",
    "author_owner",
    "reason",
    "expires_at",
    "decided_by_key_id",
    "decided_by_owner",
    "decided_at",
    "decision_reason",
    "result_id",
    "created_at",
    "updated_at",
    "source",
    "version",
)
_ROW = row_shape(*_FIELDS, timestamps=("expires_at", "decided_at"), json=("body",), bookkeeping_last=False)


def _now_text() -> str:
    return format_timestamp(utcnow())


def effective_state(state: str, expires_at: str | None) -> str:
    """A pending request past its expiry reads as expired."""
    if state == ChangeRequestState.PENDING.value and expires_at is not None and expires_at <= _now_text():
        return ChangeRequestState.EXPIRED.value
    return state


def shape_change_request(reads: Any, row: Row) -> dict[str, Any]:
    """A change request as the API shows it: its row, with a pending one past its expiry read as expired."""
    item = _ROW(reads, row)
    item["state"] = effective_state(item["state"], item["expires_at"])
    return item


CHANGE_REQUESTS = columns_listing(
    "change-requests",
    "change_request",
    ", ".join(f"change_request.{name}" for name in _FIELDS),
    shape_change_request,
    id="int",
    created_at="timestamp",
    expires_at="timestamp",
)


# Reads


ADMIN_ONLY_COLLECTIONS = ("api-keys",)
"""Change requests on these collections are shown to admin keys only, and so are their change records, which
are recorded as ``api-key-change-requests`` (an admin-only object type of the change log)."""


def _recorded_as(collection: str) -> Any:
    """Where the change records of a request on ``collection`` go: ``change-requests``, or for API keys the
    admin-only ``api-key-change-requests``."""
    if collection in ADMIN_ONLY_COLLECTIONS:
        return acting(object_type=f"{collection.removesuffix('s')}-change-requests")
    return nullcontext()


async def list_change_requests(
    reads: ReadDatabase,
    *,
    admin: bool,
    state: ChangeRequestState | None,
    collection: str | None,
    target_id: int | None,
    author_key_id: int | None,
    sort: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Change requests matching the filters (``state`` as read: a pending request past expiry is expired); those
    on API keys for admins only."""
    filters = Filters()
    if not admin:
        filters.add("change_request.collection NOT IN ({})".format(", ".join(f"'{c}'" for c in ADMIN_ONLY_COLLECTIONS)))
    if state is not None:
        now = reads.timestamp_param(_now_text())
        if state == ChangeRequestState.PENDING:
            filters.add("change_request.state = 'pending' AND change_request.expires_at > :now", now=now)
        elif state == ChangeRequestState.EXPIRED:
            filters.add(
                "(change_request.state = 'expired' OR"
                " (change_request.state = 'pending' AND change_request.expires_at <= :now))",
                now=now,
            )
        else:
            filters.add("change_request.state = :state", state=ChangeRequestState(state).value)
    filters.equal("change_request", collection=collection, target_id=target_id, author_key_id=author_key_id)
    return await fetch_page(reads, CHANGE_REQUESTS, filters, sort=sort, limit=limit, cursor=cursor)


async def get_change_request(reads: ReadDatabase, request_id: int, *, admin: bool = True) -> dict[str, Any]:
    """One change request by id, or NotFound (also for one on API keys asked for by a non-admin)."""
    return await read_one(
        reads,
        CHANGE_REQUESTS,
        request_id,
        f"No change request with id {request_id}.",
        shown=lambda row: admin or row["collection"] not in ADMIN_ONLY_COLLECTIONS,
    )


async def pending_for(reads: ReadDatabase, collection: str, target_id: int) -> list[int]:
    """The ids of the pending change requests on one object (one indexed query)."""
    rows = await reads.fetch(
        "SELECT change_request.id FROM change_request WHERE change_request.collection = :collection"
        " AND change_request.target_id = :target_id AND change_request.state = 'pending'"
        " AND change_request.expires_at > :now ORDER BY change_request.id",
        {"collection": collection, "target_id": target_id, "now": reads.timestamp_param(_now_text())},
    )
    return [row["id"] for row in rows]


def _pending_ids(dialect: str) -> str:
    """A scalar subquery: the ids of the pending change requests on object ``:id`` of collection
    ``:pending_collection``, as text joined by commas in no particular order (NULL when there is none)."""
    ids = "string_agg(change_request.id::text, ',')" if dialect == "postgresql" else "group_concat(change_request.id)"
    return (
        f"(SELECT {ids} FROM change_request WHERE change_request.collection = :pending_collection"
        " AND change_request.target_id = :id AND change_request.state = 'pending'"
        " AND change_request.expires_at > :pending_now)"
    )


async def get_with_pending(reads: ReadDatabase, resource: Resource, item_id: int) -> dict[str, Any]:
    """One item as it stands with the ids of its pending change requests when there are any, as
    ``with_pending`` adds them, read in one statement with the item."""
    item, ids = await read_item_with(
        reads,
        resource,
        item_id,
        _pending_ids(reads.dialect),
        {"pending_collection": resource.name, "pending_now": reads.timestamp_param(_now_text())},
    )
    if not ids:
        return item
    return {**item, "pending_change_requests": sorted(int(part) for part in ids.split(","))}


async def with_pending(request: Any, collection: str, item: dict[str, Any]) -> dict[str, Any]:
    """An item with the ids of its pending change requests, when there are any (never for a past state read
    with ``as_of``)."""
    if "as_of" in request.query_params:
        return item
    pending = await pending_for(request.app.state.reads, collection, item["id"])
    return {**item, "pending_change_requests": pending} if pending else item


# Writes held for approval, or applied at once


@contextmanager
def acting(**values: Any) -> Iterator[None]:
    """Change records made inside the block note ``values`` (author, approver, request, emergency)."""
    context = current_context()
    previous = context.acting
    context.acting = {**(previous or {}), **values}
    try:
        yield
    finally:
        context.acting = previous


def _principal(request_state: Any) -> Principal:
    principal = getattr(request_state, "principal", None)
    if principal is None:  # every write route authenticates first
        raise Forbidden("This operation needs an API key.")
    return principal


def _reason_required(entry: Operation) -> InvalidRequest:
    why = (
        f"required: the change is covered by the approval policy (rule {entry.rule}); an admin applies it at once "
        "only as an emergency change, with the reason"
    )
    return InvalidRequest(
        f"The {REASON_HEADER} header is {why}. To ask a second person's approval instead, send the write with "
        "'Prefer: respond-async' (a change request).",
        errors=[{"location": "header", "field": REASON_HEADER, "message": why, "type": "missing"}],
    )


def _dry_run(
    session: Session, entry: Operation, target_id: int | None, body: BaseModel | None, if_match: str | None
) -> None:
    """Make the write in a savepoint and roll it back: a change that would be refused now (a rule of the
    collection, a constraint, a reference) is refused with that problem instead of being held."""
    pending = session.info.get("pending_changes")
    mark = len(pending) if pending is not None else 0
    savepoint = session.begin_nested()
    try:
        entry.run(session, target_id, body, if_match)
    finally:
        savepoint.rollback()
        pending = session.info.get("pending_changes")
        if pending is not None:
            del pending[mark:]


@dataclass(frozen=True)
class Held:
    """A covered write held as a change request."""

    item: dict[str, Any]


def write(
    request_state: Any,
    session: Session,
    collection: str,
    operation: ChangeRequestOperation,
    target_id: int | None,
    body: BaseModel | None,
    if_match: str | None,
    *,
    bulk: bool = False,
    ask: bool = False,
) -> Any:
    """Make a write, or hold it: returns ``Held`` when it opened a change request, else what the
    collection's service function returned. In a bulk write a covered row is refused (409) for
    non-admins: a change request holds one write. An admin's covered write applies at once as an
    emergency change, unless the admin ``ask``s for approval (``Prefer: respond-async``)."""
    entry = OPERATIONS[(collection, operation)]
    covering, row = covering_rule(session, collection, operation, target_id, body)
    if covering is None:
        return entry.run(session, target_id, body, if_match)  # reads ``row`` from the session, not again
    principal = _principal(request_state)
    context = current_context()
    if principal.allows(Role.ADMIN) and not (ask and not bulk):
        if not context.reason:
            raise _reason_required(entry)
        with acting(emergency=True):
            return entry.run(session, target_id, body, if_match)
    if bulk:
        raise ApprovalRequired(
            f"This change is covered by the approval policy (rule {entry.rule}): send it on its own to open a "
            "change request.",
            rule=entry.rule,
        )
    base_version = None
    if row is not None:
        assert target_id is not None  # the row was found by this id
        base_version = expected_version(if_match, entry.resource, target_id, row.version)
    _dry_run(session, entry, target_id, body, if_match)
    key = session.get(ApiKey, principal.key_id)
    change_request = ChangeRequest(
        collection=collection,
        target_id=target_id,
        operation=operation,
        body=None if body is None else body.model_dump(mode="json", exclude_unset=True),
        base_version=base_version,
        rule=entry.rule,
        policy_version=POLICY_VERSION,
        state=ChangeRequestState.PENDING,
        author_key_id=principal.key_id,
        author_owner=key.owner if key is not None else principal.name,
        reason=context.reason,
        expires_at=utcnow() + timedelta(days=get_settings().change_request_ttl_days),
    )
    with _recorded_as(collection):
        change_request_id = insert_row(session, change_request)
    return Held(load_item(session, CHANGE_REQUESTS, change_request_id))


@contextmanager
def restoring(request_state: Any, collection: str) -> Iterator[None]:
    """Around a restore: in a collection whose every create is covered, only an admin restores, with a reason,
    as an emergency change; anyone else gets a 403 naming the way through approval."""
    rule = RESTORE_RULES.get(collection)
    if rule is None or rule not in enforced_rules():
        yield
        return
    principal = _principal(request_state)
    if not principal.allows(Role.ADMIN):
        raise Forbidden(
            f"Restoring a deleted object of {collection} needs the admin role: it recreates the object, which the "
            f"approval policy covers (rule {rule}). Send it again with POST to open a change request, or ask an "
            "admin to restore it as an emergency change.",
            rule=rule,
        )
    if not current_context().reason:
        raise _reason_required(OPERATIONS[(collection, ChangeRequestOperation.CREATE)])
    with acting(emergency=True):
        yield


# Decisions


def _same_person(a: str | None, b: str | None) -> bool:
    return (a or "").strip().casefold() == (b or "").strip().casefold()


def _load(session: Session, request_id: int, if_match: str | None) -> tuple[ChangeRequest, int]:
    change_request = get_or_404(session, ChangeRequest, request_id, "change request")
    version = expected_version(if_match, RESOURCE, request_id, change_request.version)
    return change_request, version


def _closed(change_request: ChangeRequest, state: str) -> ChangeRequestClosed:
    return ChangeRequestClosed(
        f"Change request {change_request.id} is {state}, not pending; nothing was applied.", state=state
    )


def _update_request(session: Session, change_request: ChangeRequest, version: int, values: dict[str, Any]) -> None:
    """The conditional UPDATE of a request (412 when another decision came first), recorded in the change log."""
    assert change_request.id is not None  # loaded from the database
    with _recorded_as(change_request.collection):
        update_row(session, ChangeRequest, change_request.id, version, values)


def _decide(
    session: Session,
    change_request: ChangeRequest,
    version: int,
    state: ChangeRequestState,
    principal: Principal,
    owner: str,
    reason: str | None,
) -> None:
    _update_request(
        session,
        change_request,
        version,
        {
            "state": state,
            "decided_by_key_id": principal.key_id,
            "decided_by_owner": owner,
            "decided_at": utcnow(),
            "decision_reason": reason,
        },
    )


@dataclass(frozen=True)
class Decision:
    """What a decision left: the request as it now is, and the problem to answer when it could not apply."""

    item: dict[str, Any]
    problem: ChangeRequestClosed | None = None


def _expire_if_due(session: Session, change_request: ChangeRequest, version: int) -> Decision | None:
    if change_request.state != ChangeRequestState.PENDING:
        raise _closed(change_request, getattr(change_request.state, "value", change_request.state))
    if effective_state("pending", format_timestamp(change_request.expires_at)) == ChangeRequestState.EXPIRED.value:
        assert change_request.id is not None  # loaded from the database
        _update_request(session, change_request, version, {"state": ChangeRequestState.EXPIRED})
        return Decision(load_item(session, CHANGE_REQUESTS, change_request.id), _closed(change_request, "expired"))
    return None


def _owner(session: Session, principal: Principal) -> str:
    key = session.get(ApiKey, principal.key_id)
    return key.owner if key is not None else principal.name


def _check_decider(session: Session, change_request: ChangeRequest, principal: Principal, verb: str) -> str:
    entry = OPERATIONS.get((change_request.collection, change_request.operation))
    needed = max(Role.APPROVER, entry.role if entry else Role.APPROVER, key=lambda role: role.rank)
    if not principal.allows(needed):
        raise SecondPersonRequired(
            f"To {verb} this change request needs the {needed.value} role; this API key has {principal.role.value}."
        )
    owner = _owner(session, principal)
    if principal.key_id == change_request.author_key_id or _same_person(owner, change_request.author_owner):
        raise SecondPersonRequired(
            f"Change request {change_request.id} was made by {change_request.author_owner}; a second person must "
            f"{verb} it (a key of the same owner cannot). To take it back, withdraw it."
        )
    return owner


def _target_version(session: Session, change_request: ChangeRequest, entry: Operation) -> int | None:
    """The target's current version, its row locked until the commit (PostgreSQL); None when it is gone."""
    table = entry.model.__table__
    statement = sa.select(table.c.version).where(table.c.id == change_request.target_id)
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    return session.execute(statement).scalar_one_or_none()


def _body(entry: Operation, change_request: ChangeRequest) -> BaseModel | None:
    if entry.schema is None:
        return None
    try:
        return entry.schema.model_validate(change_request.body or {})
    except ValidationError:
        # Stored from a validated body; only a change of the schema since could make it invalid.
        raise InvalidRequest(
            f"Change request {change_request.id}'s body is no longer valid for {change_request.collection}; "
            "reject it and send the change again."
        ) from None


class _Opened(NamedTuple):
    """A pending change request open for a decision: who decides (and the owner of their key), the request and
    the version the decision is based on."""

    principal: Principal
    change_request: ChangeRequest
    version: int
    owner: str


def _open_for_decision(
    session: Session, request_state: Any, request_id: int, if_match: str | None, verb: str
) -> _Opened | Decision:
    """The request, if ``if_match`` names its version and the caller may ``verb`` it; or the Decision that it
    expired meanwhile (recorded as such). A request that is no longer pending is a 409."""
    principal = _principal(request_state)
    change_request, version = _load(session, request_id, if_match)
    owner = _check_decider(session, change_request, principal, verb)
    expired = _expire_if_due(session, change_request, version)
    return expired if expired is not None else _Opened(principal, change_request, version, owner)


def approve(
    session: Session, request_state: Any, request_id: int, if_match: str | None, reason: str | None
) -> Decision:
    """Apply a pending change request through the ordinary write path, if the target is still at the version it
    was based on; else mark it stale (stored, with the 409 to answer)."""
    opened = _open_for_decision(session, request_state, request_id, if_match, "approve")
    if isinstance(opened, Decision):
        return opened
    principal, change_request, version, owner = opened
    entry = OPERATIONS.get((change_request.collection, change_request.operation))
    if entry is None:  # a policy that no longer names the operation
        raise _closed(change_request, "no longer covered by the policy")
    body = _body(entry, change_request)
    if change_request.target_id is not None:
        current = _target_version(session, change_request, entry)
        if current != change_request.base_version:
            _decide(session, change_request, version, ChangeRequestState.STALE, principal, owner, reason)
            moved = "was deleted" if current is None else f"is at version {current}"
            problem = ChangeRequestClosed(
                f"Change request {change_request.id} was based on version {change_request.base_version} of "
                f"{change_request.collection} {change_request.target_id}, which has changed since (it {moved}); "
                "the request is now stale and nothing was applied. Send the change again if it is still wanted.",
                state=ChangeRequestState.STALE.value,
            )
            return Decision(load_item(session, CHANGE_REQUESTS, request_id), problem)
    _decide(session, change_request, version, ChangeRequestState.APPROVED, principal, owner, reason)
    if_match_target = None
    if change_request.target_id is not None:
        assert change_request.base_version is not None  # recorded with the target when the request was made
        if_match_target = etag_for(entry.resource, change_request.target_id, change_request.base_version)
    with acting(
        api_key_id=change_request.author_key_id,
        reason=change_request.reason,
        approved_by=principal.key_id,
        change_request_id=change_request.id,
    ):
        result = entry.run(session, change_request.target_id, body, if_match_target)
    if change_request.operation == ChangeRequestOperation.CREATE and isinstance(result, dict):
        # Bookkeeping of the decision just recorded: which object it made (not a change of the request).
        table = ChangeRequest.__table__
        session.execute(sa.update(table).where(table.c.id == change_request.id).values(result_id=result["id"]))
    return Decision(load_item(session, CHANGE_REQUESTS, request_id))


def reject(session: Session, request_state: Any, request_id: int, if_match: str | None, reason: str) -> Decision:
    """Refuse a pending change request, with a reason; the target is left as it is."""
    opened = _open_for_decision(session, request_state, request_id, if_match, "reject")
    if isinstance(opened, Decision):
        return opened
    principal, change_request, version, owner = opened
    _decide(session, change_request, version, ChangeRequestState.REJECTED, principal, owner, reason)
    return Decision(load_item(session, CHANGE_REQUESTS, request_id))


def withdraw(
    session: Session, request_state: Any, request_id: int, if_match: str | None, reason: str | None
) -> Decision:
    """Take back a pending change request: its author (a key of the same owner) may, and an admin."""
    principal = _principal(request_state)
    change_request, version = _load(session, request_id, if_match)
    owner = _owner(session, principal)
    author = principal.key_id == change_request.author_key_id or _same_person(owner, change_request.author_owner)
    if not author and not principal.allows(Role.ADMIN):
        raise Forbidden(
            f"Only its author ({change_request.author_owner}) or an admin can withdraw change request "
            f"{change_request.id}; an approver can reject it."
        )
    expired = _expire_if_due(session, change_request, version)
    if expired is not None:
        return expired
    _decide(session, change_request, version, ChangeRequestState.WITHDRAWN, principal, owner, reason)
    return Decision(load_item(session, CHANGE_REQUESTS, request_id))


# The report of covered changes applied without approval


async def list_unapproved_changes(
    reads: ReadDatabase, *, admin: bool, sort: str | None, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """Change records of emergency changes: covered by the approval policy, applied by an admin without approval."""
    from app.changes.service import CHANGES, visibility_filter

    listing = Listing(
        resource="unapproved-changes",
        select=CHANGES.select,
        id_column=CHANGES.id_column,
        sort_fields=CHANGES.sort_fields,
        shape=CHANGES.shape,
    )
    filters = Filters()
    filters.add("change_record.emergency IS NOT NULL")
    hidden = visibility_filter(admin)
    if hidden:
        filters.add(hidden)
    return await fetch_page(reads, listing, filters, sort=sort, limit=limit, cursor=cursor, heavy=True)
