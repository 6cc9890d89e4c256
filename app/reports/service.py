"""The reports: exposure per scanner, counts by site, vendor, network mode and audit status, overdue work.

The exposure report is a listing like the collections: its risk tier is computed in SQL, so a
page is one keyset query in the report's order and an export streams every row from a
server-side cursor. The summary is counted by SQL (GROUP BY). Overdue views hold one row per
overdue finding, audit milestone or assessment; they are paged with the same signed cursors.
Every report query runs off the event loop (``fetch_heavy``/``stream``).
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.assessments.criteria import (
    ASPECTS,
    RULE_3A,
    RULE_3B,
    access_words,
    aspects_sql,
    criterion_3a_sql,
    criterion_3b,
    derived_3a,
)
from app.assessments.service import CURRENT_ASSESSMENT_ID
from app.audits.schemas import STATED_DATES
from app.audits.status import AUDIT_STATUS, AUDIT_STATUS_JOIN, AUDIT_STATUS_KNOWN_ON, PRECEDENCE
from app.changes.versions import at_instant, maintained, past
from app.core.choices import Answer, AuditStatus, NetworkMode, RiskTier, ScannerAuditStatus
from app.core.db import utcnow
from app.core.errors import InvalidCursor
from app.core.http import ref_condition
from app.core.pagination import Filters, Listing, SortField, decode_cursor, encode_cursor, fetch_page, stream_listing
from app.core.periods import period_end
from app.core.reads import ReadDatabase, iso_date
from app.reports.models import ScannerExposureRank  # the maintained order; importing it registers its upkeep
from app.reports.schemas import ExposureRow, OverdueAssessmentRow, OverdueAuditRow, OverdueFindingRow, SummaryRow


def csv_columns(row: type[BaseModel]) -> list[str]:
    """A report's CSV columns: the fields of its JSON rows, in their order."""
    return list(row.model_fields)


TIER_RULE = [
    "Considerations (Antwoord 6): 1 and 2 come from the vendor's current assessment (unknown when the vendor is not"
    " disclosed or not assessed; the assessment's assessor, status and caveat are given with it, and an"
    " assessment is its assessor's reading, not a government decision); " + RULE_3A + "; " + RULE_3B + ".",
    "high: supplier access not ruled out (3a yes or unknown), a vendor of concern (1 or 2 yes) and no verified"
    " mitigation (3b not yes).",
    "elevated: supplier access not ruled out and no verified mitigation, with the vendor's risk not ruled out (1 and"
    " 2 not both no).",
    "moderate: a vendor of concern without extensive supplier access (3a no), or supplier access with verified"
    " mitigation, unless the vendor is cleared (1 and 2 both no).",
    "low: everything else.",
    "Open findings (audit_status open_findings) raise the tier one step (low to moderate, moderate to elevated,"
    " elevated to high).",
    "A tier is only as firm as the facts under it: each row lists in unknowns the considerations that are unknown,"
    " and its first reason says the tier is built on them. Unknown counts as not ruled out, never as no.",
    "The network mode is an exposure factor of its own, given with each row; it does not answer 3a.",
    "Audit status is known as of the date of the newest source reporting a covering audit's status"
    " (audit_status_known_on); it says what that source reported, not what has happened since.",
    "Order (default): tier from high to low; within a tier fibre_linked before standalone (the network mode as an"
    " exposure factor); then open_findings, not_audited, audit_commissioned, audit_in_progress, audited; then"
    " asset_tag.",
]
TIER_ORDER = [RiskTier.HIGH, RiskTier.ELEVATED, RiskTier.MODERATE, RiskTier.LOW]
NETWORK_ORDER = [NetworkMode.FIBRE_LINKED, NetworkMode.STANDALONE]
AUDIT_ORDER = [
    ScannerAuditStatus.OPEN_FINDINGS,
    ScannerAuditStatus.NOT_AUDITED,
    ScannerAuditStatus.AUDIT_COMMISSIONED,
    ScannerAuditStatus.AUDIT_IN_PROGRESS,
    ScannerAuditStatus.AUDITED,
]
AUDIT_WORDS = {
    ScannerAuditStatus.OPEN_FINDINGS: "an open or mitigating audit finding concerns it",
    ScannerAuditStatus.NOT_AUDITED: "no audit covers it",
    ScannerAuditStatus.AUDIT_COMMISSIONED: "a covering audit was reported commissioned",
    ScannerAuditStatus.AUDIT_IN_PROGRESS: "a covering audit was reported in progress",
    ScannerAuditStatus.AUDITED: "a covering audit has reported and no finding is open",
}
NETWORK_WORDS = {
    NetworkMode.FIBRE_LINKED: "an exposure factor of its own: a compromised scanner would sit inside that network",
    NetworkMode.STANDALONE: "not linked into a customs network",
}

_FACT_COLUMNS = (
    "scanner.network_mode, scanner.status, scanner.use,"
    " scanner.count_basis, site.id AS site_id, site.code AS site_code, site.name AS site_name,"
    " vendor.id AS vendor_id, vendor.slug AS vendor_slug, vendor.name AS vendor_name,"
    " network.code AS network_code, network.name AS network_name,"
    " va.id AS assessment_id, va.criterion_1, va.criterion_2, va.assessed_on, va.assessor, va.status AS"
    " assessment_status, va.caveat AS assessment_caveat,"
    " ao.criterion_3a AS override_3a, ao.reason AS override_reason,"
    f" {aspects_sql('scanner.id')},"
    " (SELECT COUNT(*) FROM mitigation_measure m WHERE m.scanner_id = scanner.id) AS measures_total,"
    " (SELECT COUNT(*) FROM mitigation_measure m WHERE m.scanner_id = scanner.id AND m.status = 'verified')"
    " AS measures_verified,"
    " (SELECT COUNT(*) FROM mitigation_measure m WHERE m.scanner_id = scanner.id AND m.status = 'infeasible')"
    " AS measures_infeasible,"
    f" {AUDIT_STATUS} AS audit_status, {AUDIT_STATUS_KNOWN_ON} AS audit_status_known_on"
)
"""The facts an exposure row rests on, besides the scanner's id and asset tag (row alias ``scanner``)."""
_FACT_JOINS = (
    " JOIN site ON site.id = scanner.site_id"
    " LEFT JOIN vendor ON vendor.id = scanner.vendor_id"
    " LEFT JOIN network ON network.id = scanner.network_id"
    f" LEFT JOIN vendor_assessment va ON va.id = {CURRENT_ASSESSMENT_ID.format(vendor='scanner.vendor_id')}"
    " LEFT JOIN access_override ao ON ao.scanner_id = scanner.id"
)


def _facts(where: str = "") -> str:
    """Every scanner's facts (those matching ``where``, SQL over ``scanner``)."""
    return f"SELECT scanner.id AS scanner_id, scanner.asset_tag, {_FACT_COLUMNS} FROM scanner{_FACT_JOINS}" + (
        f" WHERE {where}" if where else ""
    )


def _scanner_filters(
    site: str | None,
    vendor: str | None,
    network_mode: NetworkMode | None = None,
    *,
    site_columns: tuple[str, str] = ("scanner.site_id", "site.code"),
    vendor_columns: tuple[str, str] = ("scanner.vendor_id", "vendor.slug"),
    network_mode_column: str = "scanner.network_mode",
) -> Filters:
    filters = Filters()
    if site:
        condition, params = ref_condition(site, id_column=site_columns[0], key_column=site_columns[1], param="site")
        filters.add(condition, **params)
    if vendor:
        condition, params = ref_condition(
            vendor, id_column=vendor_columns[0], key_column=vendor_columns[1], param="vendor"
        )
        filters.add(condition, **params)
    if network_mode:
        filters.add(f"{network_mode_column} = :network_mode", network_mode=network_mode)
    return filters


def _bound(listing: Listing, **params: Any) -> Listing:
    """The listing with its cursors bound to the report's parameters as well as its sort order."""
    given = "&".join(f"{name}={'' if value is None else value}" for name, value in sorted(params.items()))
    return replace(listing, resource=f"{listing.resource}?{given}")


def _tier(c1: str, c2: str, c3a: str, c3b: str, audit_status: str) -> tuple[RiskTier, str, list[str]]:
    """The tier, its reason in words naming the considerations it rests on, and those that are unknown."""
    access = c3a != Answer.NO
    concern = Answer.YES in (c1, c2)
    cleared = c1 == Answer.NO and c2 == Answer.NO
    mitigated = c3b == Answer.YES
    reach = "extensive supplier access (3a yes)" if c3a == Answer.YES else "supplier access not ruled out (3a unknown)"
    of_concern = (
        "a vendor of concern ("
        + " and ".join(f"{n} yes" for n, value in (("1", c1), ("2", c2)) if value == Answer.YES)
        + ")"
    )
    unmitigated = f"no verified mitigation (3b {c3b})"
    if access and concern and not mitigated:
        tier, why = RiskTier.HIGH, f"{reach}, {of_concern} and {unmitigated}"
    elif access and not cleared and not mitigated:
        tier, why = RiskTier.ELEVATED, f"{reach} and {unmitigated}; the vendor's risk is not ruled out (1 {c1}, 2 {c2})"
    elif not cleared and ((concern and not access) or (access and mitigated)):
        if access:
            tier, why = RiskTier.MODERATE, f"{reach}, but with verified mitigation (3b yes)"
        else:
            tier, why = RiskTier.MODERATE, f"{of_concern}, without extensive supplier access (3a no)"
    elif cleared:
        tier, why = RiskTier.LOW, "the vendor is cleared (1 no, 2 no)"
    else:
        tier, why = RiskTier.LOW, f"no extensive supplier access (3a {c3a}) and no vendor of concern (1 {c1}, 2 {c2})"
    if audit_status == ScannerAuditStatus.OPEN_FINDINGS and tier != RiskTier.HIGH:
        tier = TIER_ORDER[TIER_ORDER.index(tier) - 1]
        why += "; raised one step for open audit findings"
    unknowns = [
        f"criterion_{name}"
        for name, value in (("1", c1), ("2", c2), ("3a", c3a), ("3b", c3b))
        if value == Answer.UNKNOWN
    ]
    if unknowns:
        names = ", ".join(name.removeprefix("criterion_") for name in unknowns)
        why += f". Built on unknowns: consideration(s) {names} unknown, counted as not ruled out"
    return tier, f"Tier {tier.value}: {why}.", unknowns


def _age(known_on: str | None, today: date) -> int | None:
    return None if known_on is None else (today - date.fromisoformat(known_on)).days


def _audit_reason(audit_status: str, known_on: str | None, today: date) -> str:
    words = AUDIT_WORDS[ScannerAuditStatus(audit_status)]
    if audit_status == ScannerAuditStatus.NOT_AUDITED:
        return f"Audit status {audit_status}: {words}."
    if known_on is None:
        return f"Audit status {audit_status}: {words}; the date of the source reporting it is not recorded."
    age = _age(known_on, today)
    latest = "" if audit_status == ScannerAuditStatus.AUDITED else f"; no report since {known_on}"
    return f"Audit status {audit_status}: {words}, as reported on {known_on} ({age} days ago){latest}."


def exposure_row(reads: ReadDatabase, row: Any, at: datetime | None = None) -> dict[str, Any]:
    """One scanner's exposure: the four considerations, each with the facts it rests on, its network mode, audit
    status (as of the date of its source), tier and the reasons in words. With ``at`` (a report as of that
    instant) the audit information's age is counted to that day, not to today."""
    today = (at or utcnow()).date()
    reasons = []
    assessment = {"assessment_status": None, "assessor": None, "assessment_caveat": None}
    if row["vendor_id"] is None:
        c1 = c2 = Answer.UNKNOWN.value
        reasons.append("Vendor not disclosed: considerations 1 and 2 unknown.")
    elif row["assessment_id"] is None:
        c1 = c2 = Answer.UNKNOWN.value
        reasons.append(f"Vendor {row['vendor_name']}: no assessment recorded, considerations 1 and 2 unknown.")
    else:
        c1, c2 = row["criterion_1"], row["criterion_2"]
        assessment = {
            "assessment_status": row["assessment_status"],
            "assessor": row["assessor"],
            "assessment_caveat": row["assessment_caveat"],
        }
        caveat = f" Caveat: {row['assessment_caveat']}" if row["assessment_caveat"] else ""
        reasons.append(
            f"Vendor {row['vendor_name']}: consideration 1 {c1}, 2 {c2}, per assessment {row['assessment_id']} of"
            f" {iso_date(row['assessed_on'])} by {row['assessor']}, status {row['assessment_status']}: the"
            f" assessor's reading, not a government decision.{caveat}"
        )
    answers = {aspect.value: row[f"access_{aspect.value}"] for aspect in ASPECTS}
    derived = derived_3a(answers).value
    facts = access_words(answers)
    if row["override_3a"] is not None:
        c3a, basis = row["override_3a"], "override"
        reasons.append(
            f"Supplier access: 3a {c3a} by override (the recorded facts would give {derived}: {facts}):"
            f" {row['override_reason']}"
        )
    else:
        c3a, basis = derived, "supplier_access"
        if all(answer is None for answer in answers.values()):
            reasons.append(f"Supplier access: no facts recorded ({facts}), so 3a unknown.")
        else:
            reasons.append(f"Supplier access: {facts}, so 3a {c3a}.")
    mode = NetworkMode(row["network_mode"])
    linked = f" into {row['network_name']}" if mode == NetworkMode.FIBRE_LINKED else ""
    reasons.append(f"Network mode {mode.value}{linked}: {NETWORK_WORDS[mode]}.")
    total, verified, infeasible = row["measures_total"], row["measures_verified"], row["measures_infeasible"]
    c3b = criterion_3b(total, verified, infeasible).value
    if not total:
        reasons.append("No mitigation measures recorded (3b unknown).")
    elif verified:
        reasons.append(f"{verified} of {total} mitigation measure(s) verified (3b yes).")
    elif infeasible == total:
        reasons.append(f"All {total} recorded mitigation measure(s) judged infeasible (3b no).")
    else:
        reasons.append(f"{total} mitigation measure(s) recorded, none verified (3b unknown).")
    audit_status = row["audit_status"]
    known_on = iso_date(row["audit_status_known_on"])
    reasons.append(_audit_reason(audit_status, known_on, today))
    tier, why, unknowns = _tier(c1, c2, c3a, c3b, audit_status)
    reasons.insert(0, why)
    return {
        "scanner_id": row["scanner_id"],
        "asset_tag": row["asset_tag"],
        "site": row["site_code"],
        "site_name": row["site_name"],
        "vendor": row["vendor_slug"],
        "network_mode": row["network_mode"],
        "network": row["network_code"],
        "use": row["use"],
        "count_basis": row["count_basis"],
        "criterion_1": c1,
        "criterion_2": c2,
        **assessment,
        "criterion_3a": c3a,
        "criterion_3a_basis": basis,
        **{f"access_{aspect}": answer or Answer.UNKNOWN.value for aspect, answer in answers.items()},
        "criterion_3b": c3b,
        "unknowns": unknowns,
        "audit_status": audit_status,
        "audit_status_known_on": known_on,
        "audit_information_age_days": _age(known_on, today),
        "risk_tier": tier.value,
        "reasons": reasons,
    }


EXPOSURE_COLUMNS = csv_columns(ExposureRow)


def _case(expression: str, values: list[str]) -> str:
    return "CASE " + expression + " " + " ".join(f"WHEN '{v}' THEN {i}" for i, v in enumerate(values)) + " END"


# The tier rule (see TIER_RULE and _tier) in SQL, in layers so each derived value is named once:
# considerations, then the base tier, then the step up for open findings and the sort ranks.
# A LIMIT no query reaches, with an OFFSET, keeps the facts' subquery apart from the expressions that read
# its columns: merged into them (PostgreSQL pulls the subquery up, SQLite flattens it), each of the
# considerations' CASE expressions repeats the correlated subqueries it reads, 200 of them for 10 written.
# On PostgreSQL the upkeep of one scanner's ranks, run under the change-log lock on every write that moves
# them, took 8 ms to plan and 3 ms to run; kept apart, 3 ms and 0.5 ms. PostgreSQL stops at OFFSET 0 alone,
# SQLite only at an OFFSET, which it takes after a LIMIT only. The report of the past leaves the facts
# merged: kept apart, its filters (site, vendor) could no longer reach the scanners' versions.
_KEPT_APART = " LIMIT 9223372036854775807 OFFSET 0"


def _ranked(where: str = "", *, kept_apart: bool = False) -> str:
    """Every scanner's facts (those matching ``where``) with the considerations, its tier's rank (0 high to 3
    low) and the ranks of its network mode and audit status in the report's order; ``kept_apart``: the facts
    computed once per scanner before the rule reads them (see ``_KEPT_APART``)."""
    considerations = (
        "SELECT f.*,"
        " CASE WHEN f.vendor_id IS NULL OR f.assessment_id IS NULL THEN 'unknown' ELSE f.criterion_1 END AS c1,"
        " CASE WHEN f.vendor_id IS NULL OR f.assessment_id IS NULL THEN 'unknown' ELSE f.criterion_2 END AS c2,"
        f" COALESCE(f.override_3a, {criterion_3a_sql('f')}) AS c3a,"
        " CASE WHEN f.measures_verified > 0 THEN 'yes'"
        " WHEN f.measures_total > 0 AND f.measures_infeasible = f.measures_total THEN 'no' ELSE 'unknown' END AS c3b"
        f" FROM ({_facts(where)}{_KEPT_APART if kept_apart else ''}) f"
    )
    base_tier = (
        "SELECT g.*, CASE"
        " WHEN g.c3a <> 'no' AND (g.c1 = 'yes' OR g.c2 = 'yes') AND g.c3b <> 'yes' THEN 0"
        " WHEN g.c3a <> 'no' AND NOT (g.c1 = 'no' AND g.c2 = 'no') AND g.c3b <> 'yes' THEN 1"
        " WHEN NOT (g.c1 = 'no' AND g.c2 = 'no') AND (((g.c1 = 'yes' OR g.c2 = 'yes') AND g.c3a = 'no')"
        " OR (g.c3a <> 'no' AND g.c3b = 'yes')) THEN 2"
        " ELSE 3 END AS base_rank"
        f" FROM ({considerations}) g"
    )
    return (
        "SELECT h.*, h.scanner_id AS id,"
        " CASE WHEN h.audit_status = 'open_findings' AND h.base_rank > 0 THEN h.base_rank - 1 ELSE h.base_rank END"
        " AS tier_rank,"
        f" {_case('h.network_mode', [mode.value for mode in NETWORK_ORDER])} AS network_rank,"
        f" {_case('h.audit_status', [status.value for status in AUDIT_ORDER])} AS audit_rank"
        f" FROM ({base_tier}) h"
    )


_RISK_TIER = "CASE {rank} " + " ".join(f"WHEN {i} THEN '{tier.value}'" for i, tier in enumerate(TIER_ORDER)) + " END"

RANKS = ScannerExposureRank.__tablename__
"""The maintained order's table (importing its model registers its upkeep on every write)."""

# Maintained on write: the present reads each scanner's ranks from ``scanner_exposure_rank`` (its index
# is the report's order, so a page reads its rows only); the past computes them by the rule above.
_EXPOSURE_SELECT = maintained(
    "SELECT exposure.* FROM (SELECT ser.scanner_id AS scanner_id, ser.asset_tag AS asset_tag,"
    f" {_FACT_COLUMNS}, ser.scanner_id AS id, ser.tier_rank, ser.network_rank, ser.audit_rank,"
    f" {_RISK_TIER.format(rank='ser.tier_rank')} AS risk_tier_sql"
    f" FROM {RANKS} ser JOIN scanner ON scanner.id = ser.scanner_id{_FACT_JOINS}) exposure",
    "SELECT exposure.* FROM (SELECT r.*,"
    f" {_RISK_TIER.format(rank='r.tier_rank')} AS risk_tier_sql FROM ({_ranked()}) r) exposure",
)


def audit_rank_changed(connection: Session | sa.Connection) -> list[int]:
    """The scanners whose maintained audit status no longer has the audit rank their exposure ranks were
    computed with (or that have no ranks yet): after audit-side changes, the only scanners whose ranks can
    have changed (the rule reads the audit side through the audit status alone)."""
    rank = _case("sas.audit_status", [status.value for status in AUDIT_ORDER])
    sql = (
        f"SELECT scanner.id FROM scanner LEFT JOIN {RANKS} ser ON ser.scanner_id = scanner.id"
        " LEFT JOIN scanner_audit_status sas ON sas.scanner_id = scanner.id"
        f" WHERE ser.scanner_id IS NULL OR sas.scanner_id IS NULL OR ser.audit_rank <> {rank}"
    )
    return list(connection.execute(sa.text(sql)).scalars())


REFRESH_BATCH = 1_000
"""Scanners recomputed per statement (a database bounds the parameters of one statement)."""


def refresh_exposure_ranks(connection: Session | sa.Connection, scanner_ids: list[int] | None = None) -> None:
    """Recompute the maintained exposure ranks of the given scanners (of every scanner without ``scanner_ids``)
    with the tier rule's own SQL: all of them rewritten, or the given ones upserted, one statement per batch (a
    deleted scanner's row goes with it, by its foreign key). Reads the maintained audit status, so it runs
    after that is up to date."""
    columns = "scanner_id, tier_rank, network_rank, audit_rank, asset_tag"
    if scanner_ids is None:
        connection.execute(sa.text(f"DELETE FROM {RANKS}"))
        connection.execute(
            sa.text(
                f"INSERT INTO {RANKS} ({columns}) SELECT r.{columns.replace(', ', ', r.')}"
                f" FROM ({_ranked(kept_apart=True)}) r"
            )
        )
        return
    for start in range(0, len(scanner_ids), REFRESH_BATCH):  # bound the parameters of one statement
        connection.execute(_upsert_ranks(), {"ids": scanner_ids[start : start + REFRESH_BATCH]})


@functools.cache
def _upsert_ranks() -> sa.TextClause:
    """The statement that recomputes the given scanners' ranks (built once: see ``app.core.db.statement``)."""
    columns = "scanner_id, tier_rank, network_rank, audit_rank, asset_tag"
    return sa.text(
        f"INSERT INTO {RANKS} ({columns}) SELECT r.{columns.replace(', ', ', r.')}"
        f" FROM ({_ranked('scanner.id IN :ids', kept_apart=True)}) r WHERE TRUE"  # WHERE: SQLite's upsert after a SELECT needs one
        " ON CONFLICT (scanner_id) DO UPDATE SET tier_rank = excluded.tier_rank, network_rank = excluded.network_rank,"
        " audit_rank = excluded.audit_rank, asset_tag = excluded.asset_tag"
    ).bindparams(sa.bindparam("ids", expanding=True))


EXPOSURE = Listing(
    resource="reports/exposure",
    select=_EXPOSURE_SELECT,
    id_column="exposure.id",
    sort_fields={
        "tier_rank": SortField("exposure.tier_rank", "int"),
        "network_rank": SortField("exposure.network_rank", "int"),
        "audit_rank": SortField("exposure.audit_rank", "int"),
        "asset_tag": SortField("exposure.asset_tag"),
        "id": SortField("exposure.id", "int"),
    },
    shape=exposure_row,
    raw_keys=True,
)
EXPOSURE_SORTS = {"risk": "tier_rank,network_rank,audit_rank,asset_tag", "asset_tag": "asset_tag"}


def _exposure_query(
    site: str | None, vendor: str | None, risk_tier: RiskTier | None, sort: str, at: datetime | None = None
) -> tuple[Listing, Filters, str]:
    filters = _scanner_filters(
        site,
        vendor,
        site_columns=("exposure.site_id", "exposure.site_code"),
        vendor_columns=("exposure.vendor_id", "exposure.vendor_slug"),
    )
    if risk_tier:
        filters.add("exposure.tier_rank = :tier_rank", tier_rank=TIER_ORDER.index(risk_tier))
    listing = _bound(EXPOSURE, site=site, vendor=vendor, risk_tier=risk_tier and risk_tier.value)
    if at is not None:
        listing = replace(listing, shape=lambda reads, row: exposure_row(reads, row, at))
    return listing, filters, EXPOSURE_SORTS[sort]


def _exposure_meta(sort: str) -> dict[str, Any]:
    return {"report": "exposure", "sort": sort, "tier_rule": TIER_RULE, "audit_status_rule": PRECEDENCE}


async def exposure(
    reads: ReadDatabase,
    *,
    site: str | None,
    vendor: str | None,
    risk_tier: RiskTier | None,
    sort: str,
    limit: int,
    cursor: str | None,
    at: datetime | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]], str | None]:
    """One page of rows, one per scanner, highest risk first by default; with ``at``, the same report SQL
    over the tables as they stood at that instant (its cursors bound to it)."""
    listing, filters, order = _exposure_query(site, vendor, risk_tier, sort, at)
    items, next_cursor = await fetch_page(
        reads, listing, filters, sort=order, limit=limit, cursor=cursor, heavy=True, past=past(at)
    )
    return _exposure_meta(sort), items, next_cursor


def exposure_export(
    reads: ReadDatabase,
    *,
    site: str | None,
    vendor: str | None,
    risk_tier: RiskTier | None,
    sort: str,
    cursor: str | None,
    at: datetime | None = None,
) -> AsyncIterator[list[dict[str, Any]]]:
    """Every row (after the cursor, if any) in the report's order, in batches from a server-side cursor
    (as the inventory stood at ``at``, when given)."""
    listing, filters, order = _exposure_query(site, vendor, risk_tier, sort, at)
    return stream_listing(reads, listing, filters, sort=order, cursor=cursor, past=past(at))


SUMMARY_COLUMNS = csv_columns(SummaryRow)


_SUMMARY = (
    "SELECT site.code AS site_code, site.name AS site_name, vendor.slug AS vendor_slug, scanner.network_mode,"
    " sas.audit_status, COUNT(*) AS scanners,"
    " MAX(CASE WHEN scanner.count_basis = 'at_least_one' THEN 1 ELSE 0 END) AS minimum,"
    " MAX(sas.known_on) AS audit_status_known_on"
    " FROM scanner JOIN site ON site.id = scanner.site_id LEFT JOIN vendor ON vendor.id = scanner.vendor_id"
    f" {AUDIT_STATUS_JOIN}"
    " {where}"
    " GROUP BY site.code, site.name, vendor.slug, scanner.network_mode, sas.audit_status"
)


async def summary(
    reads: ReadDatabase,
    *,
    site: str | None,
    vendor: str | None,
    network_mode: NetworkMode | None,
    at: datetime | None = None,
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Counts of scanner records by site, vendor, network mode and audit status; minimums marked; with ``at``,
    counted by the same SQL over the tables as they stood at that instant.

    The database counts (one GROUP BY); Python only orders the groups and adds the totals."""
    filters = _scanner_filters(site, vendor, network_mode)
    where = " WHERE " + " AND ".join(filters.conditions) if filters.conditions else ""
    rows = await reads.fetch_heavy(*at_instant(reads, _SUMMARY.format(where=where), filters.params, at))
    items = sorted(
        (
            {
                "site": row["site_code"],
                "site_name": row["site_name"],
                "vendor": row["vendor_slug"],
                "network_mode": row["network_mode"],
                "audit_status": row["audit_status"],
                "audit_status_known_on": iso_date(row["audit_status_known_on"]),
                "scanners": row["scanners"],
                "count_is_minimum": bool(row["minimum"]),
                "records": row["scanners"],
                "units": None if row["minimum"] else row["scanners"],
            }
            for row in rows
        ),
        key=lambda item: (item["site"], item["vendor"] or "", item["network_mode"], item["audit_status"]),
    )
    totals: dict[str, dict[str, Any]] = {}
    for item in items:
        total = totals.setdefault(
            item["network_mode"],
            {"network_mode": item["network_mode"], "scanners": 0, "count_is_minimum": False, "records": 0, "units": 0},
        )
        total["scanners"] += item["scanners"]
        total["records"] += item["records"]
        total["count_is_minimum"] |= item["count_is_minimum"]
        total["units"] = None if total["count_is_minimum"] else total["units"] + item["units"]
    meta = {
        "report": "summary",
        "groups": len(items),
        "totals_by_network_mode": [totals[mode] for mode in sorted(totals)],
        "count_rule": "records counts scanner records (scanners is the same number, under its earlier name), not"
        " units. A record with count_basis at_least_one stands for one or more units the source does not count, so a"
        " count including one is a minimum (count_is_minimum true) and units is null (not known); units is given only"
        " when every record counted is one identified unit (count_basis unit).",
    }
    return meta, items


def _date_param(reads: ReadDatabase, value: date) -> Any:
    return value if reads.dialect == "postgresql" else value.isoformat()


def _as_date(value: Any) -> date | None:
    """A DATE column as a ``date`` whichever driver read it (SQLite gives its text)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def _day(value: Any) -> date:
    """A DATE column that is never null, as a ``date``."""
    day = _as_date(value)
    assert day is not None  # the report's query selects only rows that have it
    return day


Report = tuple[dict[str, Any], list[dict[str, Any]]]
"""A report's meta data and its rows."""


def _overdue_report(name: str, on: date, items: list[dict[str, Any]], rule: str) -> Report:
    """An overdue view's rows under the meta data every such view gives: its name, date, count and rule."""
    return {"report": name, "on": on.isoformat(), "count": len(items), "rule": rule}, items


FINDING_COLUMNS = csv_columns(OverdueFindingRow)


async def overdue_findings(reads: ReadDatabase, *, on: date) -> Report:
    """Findings past their due date on ``on`` and not resolved or accepted."""
    rows = await reads.fetch_heavy(
        "SELECT finding.id AS finding_id, finding.audit_id, audit.title AS audit_title, finding.severity, finding.title,"
        " finding.status, finding.due_on FROM finding JOIN audit ON audit.id = finding.audit_id"
        " WHERE finding.due_on < :on AND finding.status IN ('open', 'mitigating')"
        " ORDER BY finding.due_on, finding.id",
        {"on": _date_param(reads, on)},
    )
    scanners: dict[int, list[int]] = {row["finding_id"]: [] for row in rows}
    if rows:
        placeholders = ", ".join(f":f{index}" for index in range(len(rows)))
        links = await reads.fetch_heavy(
            f"SELECT finding_id, scanner_id FROM finding_scanner WHERE finding_id IN ({placeholders})"
            " ORDER BY scanner_id",
            {f"f{index}": row["finding_id"] for index, row in enumerate(rows)},
        )
        for link in links:
            scanners[link["finding_id"]].append(link["scanner_id"])
    items = []
    for row in rows:  # the columns are the row schema's first fields, in its order
        due = _day(row["due_on"])
        overdue = {"due_on": due.isoformat(), "days_overdue": (on - due).days}
        items.append({**row, **overdue, "scanner_ids": scanners[row["finding_id"]]})
    return _overdue_report(
        "overdue-findings",
        on,
        items,
        "A finding is overdue on a date after its due_on while its status is open or mitigating."
        " An empty scanner_ids means every scanner the audit covers.",
    )


AUDIT_COLUMNS = csv_columns(OverdueAuditRow)


def _milestone_reading(
    status: str, milestone: str, due_by: date, known_on: date | None, stated_on: date | None, on: date
) -> tuple[str, str]:
    """``overdue`` only when a status reported after the milestone's period, and after the source that stated it,
    still shows the audit before it; otherwise ``no_later_report``. The explanation says which, in words."""
    expected = f"{milestone} expected by {due_by.isoformat()}"
    if known_on is not None and known_on > due_by and (stated_on is None or known_on > stated_on):
        return "overdue", (
            f"Overdue: {expected}; a source of {known_on.isoformat()} still reports the audit {status}"
            f" ({(on - known_on).days} days before {on.isoformat()})."
        )
    if known_on is None:
        return "no_later_report", f"{expected}; no report of it recorded, and the status's source date is not recorded."
    return "no_later_report", (
        f"{expected}, no later report recorded: no report since {known_on.isoformat()}, when the audit was reported"
        f" {status} ({(on - known_on).days} days before {on.isoformat()}). Not a finding that it is late."
    )


async def overdue_audits(reads: ReadDatabase, *, on: date) -> Report:
    """Audits whose planned start or expected report period has ended on ``on`` with no record of it happening;
    each says whether a later report shows it late (``overdue``) or none has been recorded (``no_later_report``)."""
    columns = ", ".join(f"{name}_on, {name}_precision, {name}_as_stated" for name in STATED_DATES)
    rows = await reads.fetch_heavy(
        f"SELECT id, title, status, status_known_on, dates_stated_on, {columns} FROM audit"
        " WHERE status IN (:commissioned, :in_progress) ORDER BY id",
        {"commissioned": AuditStatus.COMMISSIONED.value, "in_progress": AuditStatus.IN_PROGRESS.value},
    )
    items = []
    for row in rows:
        checks = [("report", "expected_report")]
        if row["status"] == AuditStatus.COMMISSIONED:
            checks.insert(0, ("start", "planned_start"))
        known_on, stated_on = _as_date(row["status_known_on"]), _as_date(row["dates_stated_on"])
        for milestone, name in checks:
            due_by = period_end(_as_date(row[f"{name}_on"]), row[f"{name}_precision"])
            if due_by is not None and due_by < on:
                reading, explanation = _milestone_reading(row["status"], milestone, due_by, known_on, stated_on, on)
                items.append(
                    {
                        "audit_id": row["id"],
                        "title": row["title"],
                        "status": row["status"],
                        "milestone": milestone,
                        "as_stated": row[f"{name}_as_stated"],
                        "precision": row[f"{name}_precision"],
                        "due_by": due_by.isoformat(),
                        "reading": reading,
                        "status_known_on": iso_date(known_on),
                        "dates_stated_on": iso_date(stated_on),
                        "information_age_days": None if known_on is None else (on - known_on).days,
                        "days_past_due_by": (on - due_by).days,
                        "days_overdue": (on - due_by).days if reading == "overdue" else None,
                        "explanation": explanation,
                    }
                )
    return _overdue_report(
        "overdue-audits",
        on,
        items,
        "An audit milestone is listed after the last day of its stated period (a month ends on its last day, a"
        " season on the last day of its third month: summer on 31 August) while the audit is still commissioned (start"
        " and report) or in progress (report). It reads overdue only when a status reported after that day, and after"
        " the source that stated the milestone, still shows the audit pending; otherwise it reads no_later_report:"
        " expected by that day, no later report recorded since status_known_on, with the information's age in days.",
    )


ASSESSMENT_COLUMNS = csv_columns(OverdueAssessmentRow)


async def overdue_assessments(reads: ReadDatabase, *, on: date) -> Report:
    """Vendors' current assessments whose valid_until has passed on ``on``."""
    rows = await reads.fetch_heavy(
        "SELECT va.id AS assessment_id, vendor.slug AS vendor, vendor.name AS vendor_name, va.assessed_on,"
        " va.valid_until, va.assessor, va.status"
        " FROM vendor_assessment va JOIN vendor ON vendor.id = va.vendor_id"
        f" WHERE va.id = {CURRENT_ASSESSMENT_ID.format(vendor='va.vendor_id')} AND va.valid_until < :on"
        " ORDER BY va.valid_until, va.id",
        {"on": _date_param(reads, on)},
    )
    items = []
    for row in rows:  # the columns are the row schema's first fields, in its order
        valid_until = _day(row["valid_until"])
        dates = {"assessed_on": iso_date(row["assessed_on"]), "valid_until": valid_until.isoformat()}
        items.append({**row, **dates, "days_overdue": (on - valid_until).days})
    return _overdue_report(
        "overdue-assessments",
        on,
        items,
        "A vendor's current assessment (latest assessed_on) is overdue for review on a date after its valid_until.",
    )


OVERDUE_ORDER: dict[str, Callable[[dict[str, Any]], list[Any]]] = {
    "overdue-findings": lambda row: [row["due_on"], row["finding_id"]],
    "overdue-audits": lambda row: [row["audit_id"], 0 if row["milestone"] == "start" else 1],
    "overdue-assessments": lambda row: [row["valid_until"], row["assessment_id"]],
}
"""Each overdue view's order as a key its rows are sorted by; cursors carry the last row's key."""


def overdue_page(
    name: str, items: list[dict[str, Any]], *, on: date, limit: int | None, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """The rows after ``cursor`` (all of them when it is None), at most ``limit`` (None: no limit), and the
    cursor of the next page. Cursors are bound to the view and its date."""
    key = OVERDUE_ORDER[name]
    resource = f"reports/{name}?on={on.isoformat()}"
    if cursor:
        width = len(key(items[0])) if items else 2
        after = decode_cursor(cursor, resource, "order", width)
        if items and any(type(value) is not type(own) for value, own in zip(after, key(items[0]), strict=True)):
            raise InvalidCursor("The cursor carries a value of the wrong type for this report's order.")
        try:
            items = [item for item in items if key(item) > after]
        except TypeError:  # a validly signed cursor whose values do not compare with this view's keys
            raise InvalidCursor("The cursor carries a value of the wrong type for this report's order.") from None
    if limit is None or len(items) <= limit:
        return items, None
    page = items[:limit]
    return page, encode_cursor(resource, "order", key(page[-1]))
