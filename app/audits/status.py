"""A scanner's audit status, derived in SQL from the audits that cover it; never stored.

An audit covers a scanner when it covers all scanners, names the scanner, or names the
scanner's site. A finding concerns the scanners it names; one naming none concerns every
scanner its audit covers. Precedence, first match wins:

1. ``open_findings``: a finding with status ``open`` or ``mitigating`` concerns the scanner.
   An unresolved weakness is what a security officer must see first.
2. ``audited``: a covering audit is ``reported`` or ``closed`` (and no finding is open): the
   strongest assurance the inventory can show, kept while a later re-audit is under way.
3. ``audit_in_progress``: a covering audit is ``in_progress``.
4. ``audit_commissioned``: a covering audit is ``commissioned``.
5. ``not_audited``: no audit covers the scanner.

An audit's status is known as of the date of the source that reported it (``status_known_on``):
``audit_commissioned`` means a source of that date reported the audit commissioned, not that it has
not started since. ``AUDIT_STATUS_KNOWN_ON_SQL`` gives that date for a scanner.

``AUDIT_STATUS_SQL`` is one expression over the row alias ``scanner``; it runs inside the
listing query, so a page of scanners costs one query however many rows it holds.
"""

import functools
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.changes.recording import fields_changed, maintain_on_write
from app.changes.versions import maintained
from app.core.choices import AuditStatus, FindingStatus, ScannerAuditStatus
from app.core.timeouts import without_timeouts

PRECEDENCE = (
    "open_findings (an open or mitigating finding concerns the scanner) > audited (a covering audit is"
    " reported or closed) > audit_in_progress > audit_commissioned > not_audited (no audit covers it)"
)


def audit_covers(audit: str, *, scanner_id: str = "scanner.id", site_id: str = "scanner.site_id") -> str:
    """The one statement of the rule, in SQL: the audit (row alias ``audit``) covers the scanner whose id and
    site id are the SQL expressions given, when it covers all scanners, names the scanner, or names its site.

    Every use goes through here: the audit status, the audit and finding listings' ``scanner`` filters, and
    the check that a finding concerns only scanners its audit covers."""
    return (
        f"({audit}.covers_all_scanners = TRUE"
        f" OR EXISTS (SELECT 1 FROM audit_scanner cov_s WHERE cov_s.audit_id = {audit}.id"
        f" AND cov_s.scanner_id = {scanner_id})"
        f" OR EXISTS (SELECT 1 FROM audit_site cov_p WHERE cov_p.audit_id = {audit}.id"
        f" AND cov_p.site_id = {site_id}))"
    )


def _covering_audit_in(*statuses: AuditStatus) -> str:
    values = ", ".join(f"'{status.value}'" for status in statuses)
    return f"EXISTS (SELECT 1 FROM audit a_st WHERE a_st.status IN ({values}) AND {audit_covers('a_st')})"


_OPEN_FINDING = (
    "EXISTS (SELECT 1 FROM finding f_st JOIN audit a_f ON a_f.id = f_st.audit_id"
    f" WHERE f_st.status IN ('{FindingStatus.OPEN.value}', '{FindingStatus.MITIGATING.value}')"
    " AND (EXISTS (SELECT 1 FROM finding_scanner fs_st WHERE fs_st.finding_id = f_st.id"
    " AND fs_st.scanner_id = scanner.id)"
    " OR (NOT EXISTS (SELECT 1 FROM finding_scanner fs_any WHERE fs_any.finding_id = f_st.id)"
    f" AND {audit_covers('a_f')})))"
)

AUDIT_STATUS_SQL = (
    f"(CASE WHEN {_OPEN_FINDING} THEN '{ScannerAuditStatus.OPEN_FINDINGS.value}'"
    f" WHEN {_covering_audit_in(AuditStatus.REPORTED, AuditStatus.CLOSED)} THEN '{ScannerAuditStatus.AUDITED.value}'"
    f" WHEN {_covering_audit_in(AuditStatus.IN_PROGRESS)} THEN '{ScannerAuditStatus.AUDIT_IN_PROGRESS.value}'"
    f" WHEN {_covering_audit_in(AuditStatus.COMMISSIONED)} THEN '{ScannerAuditStatus.AUDIT_COMMISSIONED.value}'"
    f" ELSE '{ScannerAuditStatus.NOT_AUDITED.value}' END)"
)

AUDIT_STATUS_KNOWN_ON_SQL = f"(SELECT MAX(a_kn.status_known_on) FROM audit a_kn WHERE {audit_covers('a_kn')})"
"""The date of the newest source reporting the status of an audit covering the scanner (NULL when none is
recorded): what the scanner's audit status is known as of."""


# Maintained on write: the present reads the derived table, the past computes the definitions above.

AUDIT_STATUS = maintained(
    "(SELECT sas.audit_status FROM scanner_audit_status sas WHERE sas.scanner_id = scanner.id)", AUDIT_STATUS_SQL
)
"""A scanner's audit status (row alias ``scanner``), read from the maintained table (the definition at an instant)."""
AUDIT_STATUS_KNOWN_ON = maintained(
    "(SELECT sas.known_on FROM scanner_audit_status sas WHERE sas.scanner_id = scanner.id)", AUDIT_STATUS_KNOWN_ON_SQL
)
"""What a scanner's audit status is known as of, read from the maintained table."""
AUDIT_STATUS_IS = maintained(
    "scanner.id IN (SELECT sas.scanner_id FROM scanner_audit_status sas WHERE sas.audit_status = :audit_status"
    " ORDER BY sas.audit_status, sas.scanner_id)",
    f"{AUDIT_STATUS_SQL} = :audit_status",
)
"""The filter ``audit_status = :audit_status``, answered from the maintained table's index.

The subquery's order is the index's: SQLite's planner, once ``ANALYZE`` has counted one or two statuses among
all scanners, expects any status to match most of them and scanned the whole table for the list (at 100,000
scanners, a status none had cost 4 ms against 0.6 ms for the unfiltered first page); asked for the index's
order it reads the index range. PostgreSQL knows a rare value from its statistics either way."""
AUDIT_STATUS_JOIN = maintained(
    "LEFT JOIN scanner_audit_status sas ON sas.scanner_id = scanner.id",
    f"LEFT JOIN (SELECT scanner.id AS scanner_id, {AUDIT_STATUS_SQL} AS audit_status,"
    f" {AUDIT_STATUS_KNOWN_ON_SQL} AS known_on FROM scanner) sas ON sas.scanner_id = scanner.id",
)
"""Every scanner's status and its date as the columns ``sas.audit_status`` and ``sas.known_on`` of a join: for
queries that read them for many scanners at once (a report grouping all of them), where one hash join of the
maintained table costs a fraction of two lookups per scanner."""

REFRESH_ALL_TIMEOUT = 60.0
"""Seconds a recomputation of every scanner's status may take (PostgreSQL)."""

AUDIT_SIDE = frozenset({"audits", "audit-scanners", "audit-sites", "findings", "finding-scanners"})
"""The collections whose changes can change any scanner's audit status."""


def refresh_audit_status(connection: Session | sa.Connection, scanner_ids: list[int] | None = None) -> None:
    """Recompute the maintained audit status of the given scanners (of every scanner without ``scanner_ids``),
    with the rule's own SQL: all of them rewritten, or the given ones upserted in one statement (a deleted
    scanner's row goes with it, by its foreign key)."""
    select = f"SELECT scanner.id, {AUDIT_STATUS_SQL}, {AUDIT_STATUS_KNOWN_ON_SQL} FROM scanner"
    insert = "INSERT INTO scanner_audit_status (scanner_id, audit_status, known_on) "
    if scanner_ids is None:
        connection.execute(sa.text("DELETE FROM scanner_audit_status"))
        connection.execute(sa.text(insert + select))
        return
    connection.execute(_upsert_statuses(), {"ids": scanner_ids})


@functools.cache
def _upsert_statuses() -> sa.TextClause:
    """The statement that recomputes the given scanners' statuses (built once: see ``app.core.db.statement``)."""
    return sa.text(
        "INSERT INTO scanner_audit_status (scanner_id, audit_status, known_on)"
        f" SELECT scanner.id, {AUDIT_STATUS_SQL}, {AUDIT_STATUS_KNOWN_ON_SQL} FROM scanner"
        " WHERE scanner.id IN :ids ON CONFLICT (scanner_id) DO UPDATE"
        " SET audit_status = excluded.audit_status, known_on = excluded.known_on"
    ).bindparams(sa.bindparam("ids", expanding=True))


@maintain_on_write(refresh_audit_status)
def _keep_audit_status(session: Session, changes: list[dict[str, Any]]) -> None:
    """After audits, their scope or findings change, every scanner's status is recomputed (one audit may
    cover them all); after scanners change (created, moved, deleted, restored), theirs."""
    if any(change["object_type"] in AUDIT_SIDE for change in changes):
        # Every scanner: about a second at 100,000 on PostgreSQL, past the per-statement bound, so bounded
        # by the heavy reads' limit instead (audits change rarely; scanners' own changes stay fast).
        with without_timeouts(session.connection(), seconds=REFRESH_ALL_TIMEOUT):
            refresh_audit_status(session)
        return
    scanner_ids = sorted({change["object_id"] for change in changes if _moves_coverage(change)})
    if scanner_ids:
        refresh_audit_status(session, scanner_ids)


def _moves_coverage(change: dict[str, Any]) -> bool:
    """Whether a change can change its scanner's status: a scanner made, removed or moved to another site
    (an audit covers a scanner by its id or its site; an edit of anything else leaves the status as it is)."""
    if change["object_type"] != "scanners":
        return False
    changed = fields_changed(change)
    return changed is None or "site_id" in changed
