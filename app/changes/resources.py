"""One description per collection, and the service every collection's reads and writes share.

A domain describes each collection it serves once, as a ``Resource``: its table model, public schema,
listing, the name its ETags carry, its unique keys and their conflict messages, the objects it names
by id, the link rows it owns, and the tables that refer to it. Declaring it makes it known to the
change log (history, restore, labels). The functions below are the generic service:
a domain's own service calls them and adds only its own rules, through ``check`` hooks.

Writes run inside the request's transaction (``SessionDep``) and return the item as GET shows it;
reads take a ``PastReading`` to answer as of an instant with the same SQL as the present.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, Protocol

import orjson
from pydantic import BaseModel
from sqlmodel import Session

from app.changes.links import attach_links, attach_links_in_session, check_ids_exist, delete_links, replace_links
from app.changes.versions import past
from app.changes.writes import (
    count_references,
    delete_row,
    exists,
    expected_version,
    get_or_404,
    insert_row,
    load_item,
    same_key_ignoring_case,
    update_row,
)
from app.core.db import format_timestamp, statement
from app.core.errors import Conflict, NotFound, ProblemError, invalid_field
from app.core.http import ref_condition
from app.core.models import TrackedColumns
from app.core.pagination import Filters, Listing, PastReading, SortField, SortKind, fetch_page
from app.core.reads import ReadDatabase, Row, iso_date

Item = dict[str, Any]
Check = Callable[[Session, Any, dict[str, Any]], None]
"""A domain rule run before a write: (session, the row as stored or None on create, the values to write)."""
Attach = Callable[[ReadDatabase, list[Item], PastReading | None], Awaitable[None]]
"""Adds to a page of items what their rows do not hold (as it stood at the reading's instant, when given)."""


@dataclass(frozen=True)
class UniqueKey:
    """Columns no two objects may share the values of; a taken value is a 409 saying so."""

    columns: tuple[str, ...]
    words: str = ""
    """How the default message names a one-column key: ``code``, ``asset tag``."""
    ignore_case: bool = False
    """A one-column text key compared ignoring letter case (backed by a ``lower()`` unique index)."""
    ascii_only: bool = False
    """With ``ignore_case``: the schema allows ASCII only, so SQL ``lower()`` can narrow the rows."""
    message: str | None = None
    """The conflict's message, formatted with the key's values; default: "A site with code 'x' already exists."."""


def unique(column: str, *, ignore_case: bool = False, ascii_only: bool = False) -> UniqueKey:
    """A one-column unique key, named in its conflict message by the column's name in words (``asset tag``)."""
    return UniqueKey((column,), column.replace("_", " "), ignore_case=ignore_case, ascii_only=ascii_only)


@dataclass(frozen=True)
class ForeignField:
    """A body field naming another object by id; a value naming none is a 422 naming the field."""

    field: str
    model: type[TrackedColumns]
    kind: str


@dataclass(frozen=True)
class LinkSet:
    """Link rows an object owns (rows of ``model``, a ``link_table``), sent and shown as a list of ids of
    ``target_model`` rows: the field ``<kind>_ids``, where ``kind`` is the target's table (``scanner_ids``).

    Written row by row through the shared write path (so every link is versioned), replaced whole when
    a body sends the list, and deleted with the object."""

    model: type[TrackedColumns]
    target_model: type[TrackedColumns]
    owner: str = field(init=False)
    """The link table's column naming the owner (``audit_id``)."""
    target: str = field(init=False)
    """The link table's column naming the target (``scanner_id``)."""
    kind: str = field(init=False)
    field: str = field(init=False)

    def __post_init__(self) -> None:
        owner, target = self.model.__link__
        kind = self.target_model.__table__.name
        for name, value in (("owner", owner), ("target", target), ("kind", kind), ("field", f"{kind}_ids")):
            object.__setattr__(self, name, value)

    @property
    def table(self) -> str:
        return self.model.__table__.name

    @property
    def reading(self) -> dict[str, str]:
        """The arguments of ``attach_links``."""
        return {"table": self.table, "owner": self.owner, "target": self.target, "field": self.field}

    def _exists(self, filters: Filters, join: str, condition: str, **params: Any) -> None:
        owner_table = self.owner.removesuffix("_id")
        filters.add(
            f"EXISTS (SELECT 1 FROM {self.table}{join}"
            f" WHERE {self.table}.{self.owner} = {owner_table}.id AND {condition})",
            **params,
        )

    def filter(self, filters: Filters, target_id: int) -> None:
        """Keep the owners linked to the ``kind`` with id ``target_id`` (the parameter ``:<kind>``)."""
        self._exists(filters, "", f"{self.table}.{self.target} = :{self.kind}", **{self.kind: target_id})

    def ref_filter(self, filters: Filters, value: str, *, key: str) -> None:
        """Keep the owners linked to the ``kind`` named by ``value``: its id or its ``key`` column (the
        parameter ``:<kind>``)."""
        target_table = self.target_model.__table__.name
        condition, params = ref_condition(
            value, id_column=f"{target_table}.id", key_column=f"{target_table}.{key}", param=self.kind
        )
        self._exists(
            filters, f" JOIN {target_table} ON {target_table}.id = {self.table}.{self.target}", condition, **params
        )


@dataclass(frozen=True)
class Reference:
    """Rows elsewhere naming this object through ``column``; while any exists the object cannot be deleted."""

    model: type[TrackedColumns]
    column: str
    what: str
    """How a message counts them: ``scanner(s)``."""


class PageRequest(Protocol):
    """What a listing's query model says of the page: its sort, size and cursor."""

    sort: str | None
    limit: int
    cursor: str | None


@dataclass(frozen=True, kw_only=True)
class Resource:
    """Everything the shared code needs to know of one collection."""

    model: type[TrackedColumns]
    public: type[BaseModel]
    listing: Listing
    name: str = ""
    """The URL segment, and the object type of its change records: ``sites``; by default the listing's."""
    label: str = ""
    """How messages name one object: ``site``, ``vendor restriction``; by default the model's class name
    in words (``VendorRestriction``: ``vendor restriction``)."""
    tag: str = ""
    """The OpenAPI tag its operations are listed under; by default its name."""
    key: str = "id"
    """The column that names an object in messages (``code``, ``slug``); ``id`` by default."""
    human_key: UniqueKey | None = None
    """The one-column unique human key (``unique("code")``): it sets ``key`` and comes first in ``unique``."""
    unique: tuple[UniqueKey, ...] = ()
    foreign: tuple[ForeignField, ...] = ()
    links: tuple[LinkSet, ...] = ()
    referenced_by: tuple[Reference, ...] = ()
    owned_by: tuple[tuple[type[TrackedColumns], str], ...] = ()
    """Link rows of other objects that name this one and go with it when it is deleted: (model, column)."""
    problems: Mapping[str, ProblemError] = field(default_factory=dict)
    """Problems for violations of the table's own CHECK constraints, by constraint name."""
    check: Check | None = None
    """The domain's own rule for a create or update, run after the shared checks of ids and before the unique
    keys: ``check(session, stored row or None, values to write)``, raising a problem to refuse the write."""
    attach: Attach | None = None
    """Adds what the listing's row does not hold (e.g. embedded lists) to items read, as they stood when
    reading the past."""
    extend: Callable[[Session, Item], None] | None = None
    """Adds what the listing's row does not hold to an item read inside a write (e.g. embedded lists)."""

    @property
    def restorable(self) -> bool:
        """Whether ``POST .../restore`` may exist: an object whose state spans link tables has a history but no
        restore, since its last recorded row alone would bring it back without those links."""
        return not self.links

    def __post_init__(self) -> None:
        name = self.name or self.listing.resource
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "label", self.label or _in_words(self.model.__name__))
        object.__setattr__(self, "tag", self.tag or name)
        if self.human_key is not None:
            (key,) = self.human_key.columns
            object.__setattr__(self, "key", key)
            object.__setattr__(self, "unique", (self.human_key, *self.unique))
        if RESOURCES.setdefault(name, self) is not self:
            raise ValueError(f"Two collections are named {name!r}.")

    @property
    def etag(self) -> str:
        """The resource name ETags carry: ``"site-3-v2"``."""
        return self.label.replace(" ", "-")

    @property
    def table_name(self) -> str:
        return self.model.__table__.name

    # The generic service: what every collection's service and router call.

    async def page(
        self,
        reads: ReadDatabase,
        filters: Filters,
        *,
        sort: str | None,
        limit: int,
        cursor: str | None,
        at: datetime | None = None,
        heavy: bool = False,
    ) -> tuple[list[Item], str | None]:
        """One page of the listing with ``filters`` and the items' link lists, as it stands or (``at``) as it stood."""
        reading = past(at)
        items, next_cursor = await fetch_page(
            reads, self.listing, filters, sort=sort, limit=limit, cursor=cursor, past=reading, heavy=heavy
        )
        await _attach(reads, self, items, reading)
        return items, next_cursor

    def filters(self, query: object, *fields: str, **renamed: str) -> Filters:
        """``<table>.<column> = :<column>`` for each field of the listing's query model that is set: first each
        ``column=field`` of ``renamed`` (``audit_id="audit"``), then each of ``fields`` (named as its column)."""
        columns = renamed | {name: name for name in fields}
        return Filters().equal(self.table_name, **{column: getattr(query, name) for column, name in columns.items()})

    async def list_page(
        self, reads: ReadDatabase, query: PageRequest, filters: Filters, at: datetime | None = None
    ) -> tuple[list[Item], str | None]:
        """The page of the listing the query model asks for (its sort, size and cursor), with ``filters``, as it
        stands or (``at``) as it stood."""
        return await self.page(reads, filters, sort=query.sort, limit=query.limit, cursor=query.cursor, at=at)

    async def get(self, reads: ReadDatabase, item_id: int, at: datetime | None = None) -> Item:
        """One item by id, as it stands or (``at``) as it stood; a 404 naming the instant otherwise."""
        return await read_item(reads, self, item_id, past(at))

    def load(self, session: Session, item_id: int) -> Item:
        """One item as GET shows it, read inside the write transaction."""
        return load(session, self, item_id)

    def create(self, session: Session, data: BaseModel | Mapping[str, Any]) -> Item:
        """Store a new object (409 for a taken unique key, 422 for an id naming nothing) and return it."""
        return create(session, self, data, self.check)

    def update(self, session: Session, item_id: int, patch: BaseModel, if_match: str | None) -> Item:
        """Change the fields sent, if ``if_match`` names the current version; return the item."""
        return update(session, self, item_id, patch, if_match, self.check)

    def delete(self, session: Session, item_id: int, if_match: str | None) -> None:
        """Delete an object nothing refers to, if ``if_match`` names the current version."""
        delete(session, self, item_id, if_match)

    def named(self, row: Any) -> str:
        """How a message names a stored row: ``Site 'maasvlakte'``, ``Audit 3``."""
        value = getattr(row, self.key)
        return f"{self.label.capitalize()} {value}" if self.key == "id" else f"{self.label.capitalize()} '{value}'"


def _in_words(class_name: str) -> str:
    """``VendorRestriction`` as ``vendor restriction``."""
    return re.sub(r"(?<!^)(?=[A-Z])", " ", class_name).lower()


RESOURCES: dict[str, Resource] = {}
"""Every collection by name, in the order declared (a ``Resource`` adds itself)."""


def label_of_table(table_name: str) -> str:
    """How messages name a row of ``table_name`` (the table name itself for an unregistered table)."""
    for resource in RESOURCES.values():
        if resource.table_name == table_name:
            return resource.label
    return table_name


# Describing listings.


def standard_sorts(table: str, *text_fields: str, **more: SortField) -> dict[str, SortField]:
    """The sort fields most listings share: ``id``, the given text columns, ``created_at``, ``updated_at``."""
    fields = {"id": SortField(f"{table}.id", "int")}
    fields.update({name: SortField(f"{table}.{name}") for name in text_fields})
    fields.update(more)
    fields["created_at"] = SortField(f"{table}.created_at", "timestamp")
    fields["updated_at"] = SortField(f"{table}.updated_at", "timestamp")
    return fields


TRACKED = ("source", "created_at", "updated_at", "version")
"""The bookkeeping columns every table has (``TrackedColumns``), last in every item."""


def columns_sql(table: str, *names: str) -> str:
    """``table.a, table.b, ...`` for the given columns and then the bookkeeping ones."""
    return ", ".join(f"{table}.{name}" for name in (*names, *TRACKED))


def row_shape(
    *names: str,
    timestamps: tuple[str, ...] = (),
    dates: tuple[str, ...] = (),
    booleans: tuple[str, ...] = (),
    json: tuple[str, ...] = (),
    unknown: Mapping[str, Any] | None = None,
    bookkeeping_last: bool = True,
) -> Callable[[ReadDatabase, Row], Item]:
    """A listing's shape for items that are their row's columns: the given ones, then the bookkeeping
    ones (or, without ``bookkeeping_last``, the given ones alone, bookkeeping included where they name it);
    ``timestamps`` (and ``created_at``/``updated_at``) in the API's RFC 3339 form, ``dates`` as
    ``YYYY-MM-DD``, ``booleans`` as true/false whichever driver read them, ``json`` columns as their decoded
    value (a driver may give their text); ``unknown`` gives the value shown for a column a row leaves empty
    (a state recorded before the inventory held that fact has no such key: it was not known then)."""
    stamped = frozenset((*timestamps, "created_at", "updated_at"))
    order = (*names, *TRACKED) if bookkeeping_last else names
    when_empty = tuple((unknown or {}).items())

    def shape(reads: ReadDatabase, row: Row) -> Item:
        item = {name: reads.timestamp(row[name]) if name in stamped else row[name] for name in order}
        for name in dates:
            item[name] = iso_date(item[name])
        for name in booleans:
            item[name] = reads.boolean(item[name])
        for name in json:
            text = item[name]
            if isinstance(text, str | bytes):
                item[name] = orjson.loads(text)
        for name, value in when_empty:
            item[name] = item[name] or value
        return item

    return shape


def ref_filter(
    filters: Filters, value: str, *, id_column: str, key_column: str, param: str, looked_up_in: str | None = None
) -> None:
    """Add a filter on a reference given as a numeric id or as its human key (code or slug); ``looked_up_in`` as
    ``ref_condition`` takes it."""
    condition, params = ref_condition(
        value, id_column=id_column, key_column=key_column, param=param, looked_up_in=looked_up_in
    )
    filters.add(condition, **params)


def key_ref_filter(filters: Filters, value: str, *, column: str, table: str, key: str) -> None:
    """Add a filter on ``column``, a reference to a row of ``table``, given as a numeric id or as that row's human
    key (its column ``key``), which is looked up in ``table`` (``ref_condition``'s ``looked_up_in``)."""
    ref_filter(filters, value, id_column=column, key_column=f"{table}.{key}", param=table, looked_up_in=table)


def columns_listing(
    name: str, table: str, columns: str, shape: Callable[[ReadDatabase, Row], Item], /, **sorts: SortKind
) -> Listing:
    """The listing of ``table``'s rows read as ``columns`` (their SQL) and shaped by ``shape``, sortable by
    the given columns of ``table``, each compared as its kind: ``id="int", name="text"``."""
    return Listing(
        resource=name,
        select=f"SELECT {columns} FROM {table}",
        id_column=f"{table}.id",
        sort_fields={column: SortField(f"{table}.{column}", kind) for column, kind in sorts.items()},
        shape=shape,
    )


def table_listing(
    name: str,
    table: str,
    fields: Sequence[str],
    *,
    sorts: Sequence[str] = (),
    joins: str = "",
    computed: Mapping[str, str] | None = None,
    dates: tuple[str, ...] = (),
    unknown: Mapping[str, Any] | None = None,
) -> Listing:
    """The listing of a collection whose items are its table's ``fields`` (then the bookkeeping columns):
    ``computed`` adds named SQL expressions, ``joins`` what they or the filters need, ``sorts`` the text
    columns to sort by besides id and the timestamps; items are shaped by ``row_shape`` (``dates`` and
    ``unknown`` as it takes them)."""
    extra = "".join(f", {sql} AS {alias}" for alias, sql in (computed or {}).items())
    return Listing(
        resource=name,
        select=f"SELECT {columns_sql(table, *fields)}{extra} FROM {table}{' ' + joins if joins else ''}",
        id_column=f"{table}.id",
        sort_fields=standard_sorts(table, *sorts),
        shape=row_shape(*fields, *(computed or {}), dates=dates, unknown=unknown),
    )


# Reads, as they stand or (with ``past``) as they stood at an instant.


def _not_found(resource: Resource, item_id: int, at: datetime | None) -> NotFound:
    if at is None:
        return NotFound(f"No {resource.label} with id {item_id}.")
    return NotFound(f"No {resource.label} with id {item_id} existed at {format_timestamp(at)}.")


async def _attach(reads: ReadDatabase, resource: Resource, items: list[Item], past: PastReading | None) -> None:
    for links in resource.links:
        await attach_links(reads, items, **links.reading, past=past)
    if resource.attach is not None:
        await resource.attach(reads, items, past)


async def read_item(reads: ReadDatabase, resource: Resource, item_id: int, past: PastReading | None = None) -> Item:
    """One item by id with its link lists, or a 404 (naming the instant when reading the past)."""
    listing = resource.listing
    sql, params = f"{listing.select} WHERE {listing.id_column} = :id", {"id": item_id}
    if past is not None:
        sql, params = past.query(reads, sql, params)
    rows = await reads.fetch(sql, params)
    if not rows:
        raise _not_found(resource, item_id, None if past is None else past.at)
    item = listing.shape(reads, rows[0])
    await _attach(reads, resource, [item], past)
    return item


ALSO = "also_read"
"""The column ``read_item_with`` reads its extra value into."""


async def read_item_with(
    reads: ReadDatabase, resource: Resource, item_id: int, expression: str, params: Mapping[str, Any]
) -> tuple[Item, Any]:
    """One item as it stands (as ``read_item`` reads it) and the value of one more SQL expression, read in the
    same statement: a scalar subquery over ``:id`` (the item's id) and ``params``, saving a round trip."""
    listing = resource.listing
    sql = f"SELECT item.*, {expression} AS {ALSO} FROM ({listing.select} WHERE {listing.id_column} = :id) AS item"
    rows = await reads.fetch(sql, {**params, "id": item_id})
    if not rows:
        raise _not_found(resource, item_id, None)
    item = listing.shape(reads, rows[0])
    await _attach(reads, resource, [item], None)
    return item, rows[0][ALSO]


async def read_one(
    reads: ReadDatabase,
    listing: Listing,
    item_id: int,
    missing: str,
    *,
    condition: str | None = None,
    shown: Callable[[Row], bool] | None = None,
) -> Item:
    """The item of ``listing`` with ``item_id`` as it stands, or a 404 saying ``missing``; ``condition`` (SQL)
    and ``shown`` (a test of its row) hide items from the reader, who is then told the same 404."""
    where = f"{listing.id_column} = :id" + (f" AND {condition}" if condition else "")
    rows = await reads.fetch(f"{listing.select} WHERE {where}", {"id": item_id})
    if not rows or (shown is not None and not shown(rows[0])):
        raise NotFound(missing)
    return listing.shape(reads, rows[0])


async def read_version(reads: ReadDatabase, resource: Resource, item_id: int) -> int | None:
    """The current version of one object (None when there is none): what its ETag says, without reading it."""
    rows = await reads.fetch(f"SELECT version FROM {resource.table_name} WHERE id = :id", {"id": item_id})
    return None if not rows else int(rows[0]["version"])


# Writes.


def load(session: Session, resource: Resource, item_id: int) -> Item:
    """One item as GET shows it, read inside the write transaction."""
    item = load_item(session, resource.listing, item_id)
    for links in resource.links:
        attach_links_in_session(session, [item], **links.reading)
    if resource.extend is not None:
        resource.extend(session, item)
    return item


def stored(session: Session, resource: Resource, item_id: int) -> Any:
    """The stored row with ``item_id``, or a 404 naming the resource."""
    return get_or_404(session, resource.model, item_id, resource.label)


def _shown(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _duplicate(resource: Resource, key: UniqueKey, values: Mapping[str, Any]) -> Conflict:
    if key.message is not None:
        return Conflict(key.message.format(**{column: _shown(values.get(column)) for column in key.columns}))
    article = "An" if resource.label[0] in "aeiou" else "A"
    note = f" ({key.words}s are unique ignoring case)" if key.ignore_case else ""
    value = _shown(values.get(key.columns[0]))
    return Conflict(f"{article} {resource.label} with {key.words} '{value}' already exists{note}.")


def unique_problems(resource: Resource, values: Mapping[str, Any]) -> dict[str, ProblemError]:
    problems = dict(resource.problems)
    for key in resource.unique:
        problems[f"uq_{resource.table_name}_{'_'.join(key.columns)}"] = _duplicate(resource, key, values)
    return problems


def check_unique(session: Session, resource: Resource, values: Mapping[str, Any], row: Any = None) -> None:
    """A 409 for the first unique key that ``values`` (a new object's, or the changes to ``row``) would
    share with another object."""
    for key in resource.unique:
        if not any(values.get(column) is not None for column in key.columns):
            continue
        merged = {column: values[column] if column in values else getattr(row, column, None) for column in key.columns}
        if key.ignore_case:
            (column,) = key.columns
            taken = same_key_ignoring_case(
                session,
                resource.model,
                column,
                str(merged[column]),
                exclude_id=None if row is None else row.id,
                ascii_only=key.ascii_only,
            )
            if taken:
                raise _duplicate(resource, key, {column: taken})
        elif exists(session, resource.model, **merged):
            raise _duplicate(resource, key, merged)


def _exists(session: Session, model: type[TrackedColumns], item_id: int) -> bool:
    """Whether a row of ``model`` has that id: one indexed lookup, without loading the object (which took
    about 7% of a scanner create's CPU)."""
    sql = statement(f"SELECT 1 FROM {model.__tablename__} WHERE id = :id")
    return session.execute(sql, {"id": item_id}).first() is not None


def check_foreign(session: Session, resource: Resource, values: Mapping[str, Any]) -> None:
    """A 422 naming the first body field among ``values`` whose id names no object."""
    for foreign in resource.foreign:
        value = values.get(foreign.field)
        if value is not None and not _exists(session, foreign.model, value):
            detail = f"{foreign.field} {value} names no {foreign.kind}."
            raise invalid_field(foreign.field, f"no such {foreign.kind}", detail, kind="reference")


def _split_links(resource: Resource, values: dict[str, Any]) -> dict[LinkSet, list[int]]:
    sent = {links: values.pop(links.field) for links in resource.links if links.field in values}
    return {links: ids for links, ids in sent.items() if ids is not None}


def _check_links(session: Session, sent: Mapping[LinkSet, list[int]]) -> None:
    for links, ids in sent.items():
        check_ids_exist(session, links.target_model, ids, links.field, links.kind)


def relink(session: Session, item_id: int, sent: Mapping[LinkSet, list[int]]) -> bool:
    changed = False
    for links, ids in sent.items():
        changed |= replace_links(
            session, links.model, owner=links.owner, owner_id=item_id, target=links.target, target_ids=ids
        )
    return changed


def create(
    session: Session, resource: Resource, data: BaseModel | Mapping[str, Any], check: Check | None = None
) -> Item:
    """Store a new object from a create body (its link lists become link rows); 409 for a taken unique
    key, 422 for an id naming nothing; ``check`` adds the domain's own rules."""
    values = data.model_dump() if isinstance(data, BaseModel) else dict(data)
    check_foreign(session, resource, values)
    if check is not None:
        check(session, None, values)
    sent_links = _split_links(resource, values)
    check_unique(session, resource, values)
    _check_links(session, sent_links)
    item_id = insert_row(session, resource.model(**values), unique_problems(resource, values))
    relink(session, item_id, sent_links)
    return load(session, resource, item_id)


def update(
    session: Session,
    resource: Resource,
    item_id: int,
    patch: BaseModel,
    if_match: str | None,
    check: Check | None = None,
) -> Item:
    """Change the fields a PATCH body sends (its link lists replace the links), if ``if_match`` names the
    current version: 428/412 otherwise, 409 for a taken unique key, 422 for an id naming nothing."""
    row = stored(session, resource, item_id)
    version = expected_version(if_match, resource.etag, item_id, row.version)
    sent = patch.model_dump(exclude_unset=True)
    sent_links = _split_links(resource, sent)
    changes = {name: value for name, value in sent.items() if getattr(row, name) != value}
    check_foreign(session, resource, changes)
    if check is not None:
        check(session, row, {**changes, **{links.field: ids for links, ids in sent_links.items()}})
    check_unique(session, resource, changes, row)
    _check_links(session, sent_links)
    links_changed = relink(session, item_id, sent_links)
    if changes or links_changed:
        keys = {column: getattr(row, column) for key in resource.unique for column in key.columns}
        update_row(session, resource.model, item_id, version, changes, unique_problems(resource, keys | changes))
    return load(session, resource, item_id)


def delete(
    session: Session, resource: Resource, item_id: int, if_match: str | None, check: Check | None = None
) -> None:
    """Delete an object no other object refers to (409 naming the references otherwise), with the link rows
    it owns and those naming it, if ``if_match`` names the current version."""
    row = stored(session, resource, item_id)
    version = expected_version(if_match, resource.etag, item_id, row.version)
    if check is not None:
        check(session, row, {})
    references = [
        f"{count} {reference.what}"
        for reference in resource.referenced_by
        if (count := count_references(session, reference.model, reference.column, item_id))
    ]
    if references:
        raise Conflict(
            f"{resource.named(row)} is still referenced by {', '.join(references)}; remove those references first."
        )
    for links in resource.links:
        delete_links(session, links.model, owner=links.owner, owner_id=item_id)
    for model, column in resource.owned_by:
        delete_links(session, model, owner=column, owner_id=item_id)
    delete_row(session, resource.model, item_id, version)
