"""Queries over operators, and their writes."""

from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.changes.versions import at_instant, no_such, past
from app.core.choices import Answer, OperatorKind, ScanDirection
from app.core.errors import Conflict
from app.core.http import ref_condition
from app.core.links import attach_links, attach_links_in_session, check_ids_exist, delete_links, replace_links
from app.core.pagination import Filters, Listing, SortField, fetch_page
from app.core.reads import ReadDatabase, Row
from app.core.writes import (
    delete_row,
    exists,
    expected_version,
    get_or_404,
    insert_row,
    load_item,
    update_row,
)
from app.operators.models import Operator, OperatorScanner, OperatorSite
from app.operators.schemas import OperatorCreate, OperatorUpdate
from app.scanners.models import Scanner
from app.sites.models import Site

_SELECT = (
    "SELECT operator.id, operator.code, operator.name, operator.kind, operator.responsible_as_stated,"
    " operator.uses_nuctech, operator.as_stated, operator.scan_direction, operator.scan_direction_as_stated,"
    " operator.notes, operator.source,"
    " operator.created_at, operator.updated_at, operator.version FROM operator"
)
_SITES = {"table": "operator_site", "owner": "operator_id", "target": "site_id", "field": "site_ids"}
_SCANNERS = {"table": "operator_scanner", "owner": "operator_id", "target": "scanner_id", "field": "scanner_ids"}


def shape_operator(reads: ReadDatabase, row: Row) -> dict[str, Any]:
    return {
        "id": row["id"],
        "code": row["code"],
        "name": row["name"],
        "kind": row["kind"],
        "responsible_as_stated": row["responsible_as_stated"],
        "uses_nuctech": row["uses_nuctech"],
        "as_stated": row["as_stated"],
        "scan_direction": row["scan_direction"],
        "scan_direction_as_stated": row["scan_direction_as_stated"],
        "notes": row["notes"],
        "source": row["source"],
        "created_at": reads.timestamp(row["created_at"]),
        "updated_at": reads.timestamp(row["updated_at"]),
        "version": row["version"],
    }


OPERATORS = Listing(
    resource="operators",
    select=_SELECT,
    id_column="operator.id",
    sort_fields={
        "id": SortField("operator.id", "int"),
        "code": SortField("operator.code"),
        "name": SortField("operator.name"),
        "created_at": SortField("operator.created_at", "timestamp"),
        "updated_at": SortField("operator.updated_at", "timestamp"),
    },
    shape=shape_operator,
)


async def list_operators(
    reads: ReadDatabase,
    *,
    kind: OperatorKind | None,
    code: str | None,
    uses_nuctech: Answer | None,
    scan_direction: ScanDirection | None,
    site: str | None,
    scanner: int | None,
    sort: str | None,
    limit: int,
    cursor: str | None,
    at: datetime | None = None,
) -> tuple[list[dict[str, Any]], str | None]:
    """Operators matching every given filter, each with its sites and scanners."""
    filters = Filters()
    if kind:
        filters.add("operator.kind = :kind", kind=kind)
    if code:
        filters.add("operator.code = :code", code=code)
    if uses_nuctech:
        filters.add("operator.uses_nuctech = :uses_nuctech", uses_nuctech=uses_nuctech)
    if scan_direction:
        filters.add("operator.scan_direction = :scan_direction", scan_direction=scan_direction)
    if site:
        condition, params = ref_condition(site, id_column="site.id", key_column="site.code", param="site")
        filters.add(
            "EXISTS (SELECT 1 FROM operator_site os JOIN site ON site.id = os.site_id"
            f" WHERE os.operator_id = operator.id AND {condition})",
            **params,
        )
    if scanner is not None:
        filters.add(
            "EXISTS (SELECT 1 FROM operator_scanner osc WHERE osc.operator_id = operator.id"
            " AND osc.scanner_id = :scanner)",
            scanner=scanner,
        )
    items, next_cursor = await fetch_page(
        reads, OPERATORS, filters, sort=sort, limit=limit, cursor=cursor, past=past(at)
    )
    await attach_links(reads, items, **_SITES, past=past(at))
    await attach_links(reads, items, **_SCANNERS, past=past(at))
    return items, next_cursor


async def get_operator(reads: ReadDatabase, operator_id: int, at: datetime | None = None) -> dict[str, Any]:
    """One operator by id (as it stood at ``at``, when given), or NotFound."""
    rows = await reads.fetch(*at_instant(reads, f"{_SELECT} WHERE operator.id = :id", {"id": operator_id}, at))
    if not rows:
        raise no_such("operator", operator_id, at)
    item = shape_operator(reads, rows[0])
    await attach_links(reads, [item], **_SITES, past=past(at))
    await attach_links(reads, [item], **_SCANNERS, past=past(at))
    return item


# Writes. They run in the request's transaction (SessionDep) and return the item as GET shows it.


def load_operator(session: Session, operator_id: int) -> dict[str, Any]:
    """An operator with its sites and scanners, read inside the write transaction."""
    item = load_item(session, OPERATORS, operator_id)
    attach_links_in_session(session, [item], **_SITES)
    attach_links_in_session(session, [item], **_SCANNERS)
    return item


def _duplicate_code(code: str) -> Conflict:
    return Conflict(f"An operator with code '{code}' already exists.")


def _check_references(session: Session, site_ids: list[int] | None, scanner_ids: list[int] | None) -> None:
    if site_ids:
        check_ids_exist(session, Site, site_ids, "site_ids", "site")
    if scanner_ids:
        check_ids_exist(session, Scanner, scanner_ids, "scanner_ids", "scanner")


def _relink(session: Session, operator_id: int, site_ids: list[int] | None, scanner_ids: list[int] | None) -> bool:
    changed = False
    if site_ids is not None:
        changed |= replace_links(
            session, OperatorSite, owner="operator_id", owner_id=operator_id, target="site_id", target_ids=site_ids
        )
    if scanner_ids is not None:
        changed |= replace_links(
            session,
            OperatorScanner,
            owner="operator_id",
            owner_id=operator_id,
            target="scanner_id",
            target_ids=scanner_ids,
        )
    return changed


def create_operator(session: Session, data: OperatorCreate) -> dict[str, Any]:
    """Record an operator and link the sites and scanners it operates; a taken code is a 409."""
    values = data.model_dump()
    site_ids, scanner_ids = values.pop("site_ids"), values.pop("scanner_ids")
    if exists(session, Operator, code=values["code"]):
        raise _duplicate_code(values["code"])
    _check_references(session, site_ids, scanner_ids)
    operator_id = insert_row(session, Operator(**values), {"uq_operator_code": _duplicate_code(values["code"])})
    _relink(session, operator_id, site_ids, scanner_ids)
    return load_operator(session, operator_id)


def update_operator(session: Session, operator_id: int, patch: OperatorUpdate, if_match: str | None) -> dict[str, Any]:
    """Change the fields sent, if ``if_match`` names the current version; the id lists replace the links."""
    operator = get_or_404(session, Operator, operator_id, "operator")
    version = expected_version(if_match, "operator", operator_id, operator.version)
    sent = patch.model_dump(exclude_unset=True)
    site_ids, scanner_ids = sent.pop("site_ids", None), sent.pop("scanner_ids", None)
    changes = {name: value for name, value in sent.items() if getattr(operator, name) != value}
    if "code" in changes and exists(session, Operator, code=changes["code"]):
        raise _duplicate_code(changes["code"])
    _check_references(session, site_ids, scanner_ids)
    links_changed = _relink(session, operator_id, site_ids, scanner_ids)
    if changes or links_changed:
        update_row(
            session,
            Operator,
            operator_id,
            version,
            changes,
            {"uq_operator_code": _duplicate_code(str(changes.get("code")))},
        )
    return load_operator(session, operator_id)


def delete_operator(session: Session, operator_id: int, if_match: str | None) -> None:
    """Delete an operator and its links (the sites and scanners stay)."""
    operator = get_or_404(session, Operator, operator_id, "operator")
    version = expected_version(if_match, "operator", operator_id, operator.version)
    delete_links(session, OperatorSite, owner="operator_id", owner_id=operator_id)
    delete_links(session, OperatorScanner, owner="operator_id", owner_id=operator_id)
    delete_row(session, Operator, operator_id, version)
