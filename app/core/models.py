"""Column conventions every table shares: naming, timestamps, optimistic-lock version, citation."""

from __future__ import annotations

import types
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, ClassVar

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from app.core.db import NAMING_CONVENTION, UTCDateTime, utcnow

SQLModel.metadata.naming_convention = NAMING_CONVENTION


def enum_type(enum: type[StrEnum], name: str) -> sa.Enum:
    """A VARCHAR column holding the enumeration's JSON values, guarded by a CHECK constraint."""
    return sa.Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(member.value) for member in enum),
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class TrackedColumns(SQLModel):
    """Bookkeeping columns on every table: when a row was made and changed, its version for ETags, the
    citation of its facts, and its id (placed after these, as every table has them)."""

    if TYPE_CHECKING:  # what every table model has, for the shared write helpers' types
        __table__: ClassVar[sa.Table]
        __link__: ClassVar[tuple[str, str]]  # a link table's (see ``link_table``)

    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    version: int = Field(default=1, nullable=False, ge=1)
    source: str | None = Field(
        default=None,
        max_length=500,
        description="Citation of where the facts in this record come from (document and passage).",
    )
    id: int | None = Field(default=None, primary_key=True)


def reference(table: str) -> Any:
    """A required reference to a row of ``table`` by its id: indexed, and a delete of that row while
    referenced is refused (``ON DELETE RESTRICT``)."""
    return Field(foreign_key=f"{table}.id", ondelete="RESTRICT", index=True, nullable=False)


def unique_key(max_length: int = 64) -> Any:
    """A required text column that identifies its row (a human key or a unique title)."""
    return Field(max_length=max_length, sa_column_kwargs={"unique": True}, nullable=False)


def name_column() -> Any:
    """A required short text column (at most 200 characters): a name, a title, who assessed."""
    return Field(max_length=200, nullable=False)


def choice_column(enum: type[StrEnum], name: str, default: StrEnum | None = None) -> Any:
    """A required column holding one of the enumeration's values (see ``enum_type``); with a ``default``,
    which the database also gives rows written without the column (rows older than it)."""
    if default is None:
        return Field(sa_type=enum_type(enum, name), nullable=False)
    return Field(
        default=default,
        sa_column_kwargs={"server_default": default.value},
        sa_type=enum_type(enum, name),
        nullable=False,
    )


def optional_text() -> Any:
    """An optional free-text column of any length (notes, quotes from a source)."""
    return Field(default=None, sa_type=sa.Text)


def unique_ignoring_case(table: str, column: str) -> sa.Index:
    """A unique index on ``lower(column)``: the database refuses a value that differs from a stored one
    only in (ASCII, and on PostgreSQL Unicode) letter case. Named ``uq_<table>_<column>_lower``, which
    ``map_integrity_error`` maps like the column's plain unique constraint."""
    return sa.Index(f"uq_{table}_{column}_lower", sa.func.lower(sa.literal_column(column)), unique=True)


def sort_key_index(table: str, column: str) -> sa.Index:
    """An index in a listing's sort order on a human key: the key, then the id (the tie-breaker).

    The listings sort text by byte order; on PostgreSQL the migration builds this index with
    ``COLLATE "C"`` so that it serves that order (reflection does not report an index column's
    collation, so the model names the columns only). Named ``ix_<table>_<column>_sort``."""
    return sa.Index(f"ix_{table}_{column}_sort", column, "id")


def filter_indexes(table: str, *columns: str) -> tuple[sa.Index, ...]:
    """One index per column a listing filters by equality, on the column then the id: a page of the rows
    holding one value is read in the listings' default order (by id) and stops after the page, however few
    rows hold it. Without it, a value few rows hold was found by reading the table in id order until the
    page filled (at 100,000 scanners, a page of a status 520 scanners have took four times the unfiltered
    first page). Named ``ix_<table>_<column>_filter``."""
    return tuple(sa.Index(f"ix_{table}_{column}_filter", column, "id") for column in columns)


def keyed_by(table: str, column: str) -> tuple[sa.Index, sa.Index]:
    """The indexes of a table's human key: unique ignoring case, and in the listings' sort order."""
    return unique_ignoring_case(table, column), sort_key_index(table, column)


def link_table(module: str, owner: str, target: str, doc: str) -> type[TrackedColumns]:
    """The table model ``<Owner><Target>`` (table ``<owner>_<target>``) whose rows each link a row of
    ``owner`` to a row of ``target``, each pair at most once (``__link__`` names the two columns: ``(<owner>_id,
    <target>_id)``); ``doc`` says what one row states. Declared in
    ``module`` (pass ``__name__``), like a class written there."""
    owner_id, target_id = f"{owner}_id", f"{target}_id"
    table = f"{owner}_{target}"
    name = "".join(word.title() for word in table.split("_"))
    body = {
        "__module__": module,
        "__qualname__": name,
        "__doc__": doc,
        "__tablename__": table,
        "__table_args__": (sa.UniqueConstraint(owner_id, target_id),),
        "__link__": (owner_id, target_id),
        "__annotations__": {owner_id: int, target_id: int},
        owner_id: reference(owner),
        target_id: reference(target),
    }
    return types.new_class(name, (TrackedColumns,), {"table": True}, lambda namespace: namespace.update(body))
