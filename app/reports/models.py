"""Values the reports order by, maintained on write."""

from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlmodel import Field, SQLModel

# Imported first, the audit status registers its own upkeep first: the ranks rest on it.
from app.audits.status import AUDIT_SIDE, REFRESH_ALL_TIMEOUT
from app.changes.recording import fields_changed, maintain_on_write
from app.core.timeouts import without_timeouts


class ScannerExposureRank(SQLModel, table=True):
    """A scanner's place in the exposure report's risk order: the rank of its risk tier (0 high to 3 low), of
    its network mode and of its audit status, and its asset tag. Derived by the tier rule
    (``app/reports/service.py``) from the scanner, its vendor's current assessment, its supplier-access facts,
    access override, mitigation measures and audit status, and brought up to date in every transaction that
    changes one of them; not an object of the change log. A present page of the report is read in this
    table's index order, so it costs its own rows, not the whole inventory; reads of the past compute the ranks.
    """

    __tablename__ = "scanner_exposure_rank"
    __table_args__ = (
        # On PostgreSQL the migration builds both with the asset tag in COLLATE "C" (the listings' byte order).
        sa.Index("ix_scanner_exposure_rank_risk", "tier_rank", "network_rank", "audit_rank", "asset_tag", "scanner_id"),
        sa.Index("ix_scanner_exposure_rank_asset_tag", "asset_tag", "scanner_id"),
    )

    scanner_id: int = Field(
        sa_column=sa.Column(sa.Integer, sa.ForeignKey("scanner.id", ondelete="CASCADE"), primary_key=True)
    )
    tier_rank: int = Field(nullable=False)
    network_rank: int = Field(nullable=False)
    audit_rank: int = Field(nullable=False)
    asset_tag: str = Field(max_length=64, nullable=False)


SCANNER_SIDE = frozenset({"supplier-access-facts", "access-overrides", "mitigation-measures"})
"""Collections whose objects each concern one scanner (``scanner_id``), and so its exposure only."""


def _states(change: dict[str, Any]) -> list[dict[str, Any]]:
    return [orjson.loads(change[side]) for side in ("before", "after") if change.get(side)]


RANKED_BY = frozenset({"vendor_id", "network_mode", "asset_tag", "site_id"})
"""A scanner's own fields its ranks rest on: its vendor (whose assessment gives 1 and 2), its network mode and
asset tag (the order), and its site (which audits cover it, so its audit status)."""


def _moves_rank(change: dict[str, Any]) -> bool:
    """Whether a change of a scanner can change its ranks (an edit of its notes, say, cannot)."""
    if change["object_type"] != "scanners":
        return False
    changed = fields_changed(change)
    return changed is None or bool(changed & RANKED_BY)


def _changed_scanners(session: Session, changes: list[dict[str, Any]]) -> list[int]:
    """The scanners whose exposure the changes may have changed: scanners changed, the scanner of each
    supplier-access fact, override or measure changed, and every scanner of a vendor whose assessments changed."""
    scanner_ids = {change["object_id"] for change in changes if _moves_rank(change)}
    vendor_ids: set[int] = set()
    for change in changes:
        for state in _states(change):
            if change["object_type"] in SCANNER_SIDE:
                scanner_ids.add(state["scanner_id"])
            elif change["object_type"] == "vendor-assessments":
                vendor_ids.add(state["vendor_id"])
    if vendor_ids:
        statement = sa.text("SELECT id FROM scanner WHERE vendor_id IN :vendors").bindparams(
            sa.bindparam("vendors", expanding=True)
        )
        scanner_ids.update(session.execute(statement, {"vendors": sorted(vendor_ids)}).scalars())
    return sorted(scanner_ids)


def _rebuild(connection: Session | sa.Connection, scanner_ids: list[int] | None = None) -> None:
    from app.reports.service import refresh_exposure_ranks  # the rule's SQL; the table is declared first

    refresh_exposure_ranks(connection, scanner_ids)


@maintain_on_write(_rebuild)
def _keep_exposure_ranks(session: Session, changes: list[dict[str, Any]]) -> None:
    """Recompute the ranks of the scanners the changes concern; after audits, their scope or findings change,
    also those of every scanner whose audit status changed (the audit status is brought up to date first)."""
    scanner_ids = _changed_scanners(session, changes)
    if any(change["object_type"] in AUDIT_SIDE for change in changes):
        from app.reports.service import audit_rank_changed

        with without_timeouts(session.connection(), seconds=REFRESH_ALL_TIMEOUT):
            # An audit covering every scanner changes every status: then this is every scanner.
            _rebuild(session, sorted(set(scanner_ids) | set(audit_rank_changed(session))))
        return
    if scanner_ids:
        _rebuild(session, scanner_ids)
