"""Operators: their description, queries and writes."""

from datetime import datetime
from typing import Any

from app.changes.resources import (
    LinkSet,
    Resource,
    equal_filters,
    read_page,
    register,
    table_listing,
    unique,
)
from app.changes.versions import past
from app.core.choices import Answer, OperatorKind, ScanDirection
from app.core.http import ref_condition
from app.core.pagination import Filters
from app.core.reads import ReadDatabase
from app.operators.models import Operator, OperatorScanner, OperatorSite
from app.operators.schemas import OperatorPublic
from app.scanners.models import Scanner
from app.sites.models import Site

_FIELDS = (
    "id",
    "code",
    "name",
    "kind",
    "responsible_as_stated",
    "uses_nuctech",
    "as_stated",
    "scan_direction",
    "scan_direction_as_stated",
    "notes",
)

OPERATORS = table_listing(
    "operators",
    "operator",
    _FIELDS,
    sorts=(
        "code",
        "name",
    ),
)


OPERATOR = register(
    Resource(
        name="operators",
        model=Operator,
        public=OperatorPublic,
        listing=OPERATORS,
        label="operator",
        tag="operators",
        key="code",
        unique=(unique("code", "code"),),
        links=(
            LinkSet("site_ids", OperatorSite, "operator_id", "site_id", Site, "site"),
            LinkSet("scanner_ids", OperatorScanner, "operator_id", "scanner_id", Scanner, "scanner"),
        ),
        restorable=False,
    )
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
    filters = equal_filters(
        Filters(), "operator", kind=kind, code=code, uses_nuctech=uses_nuctech, scan_direction=scan_direction
    )
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
    return await read_page(reads, OPERATOR, filters, sort=sort, limit=limit, cursor=cursor, past=past(at))


# Writes. They run in the request's transaction (SessionDep) and return the item as GET shows it.
