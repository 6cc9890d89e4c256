"""Every enumeration the API exposes, in one place; the values are what clients see in JSON."""

from enum import StrEnum


class SiteKind(StrEnum):
    """What kind of place a site is."""

    SEAPORT = "seaport"
    AIRPORT = "airport"
    POSTAL_SORTING_CENTRE = "postal_sorting_centre"
    COURIER_HUB = "courier_hub"
    LAND_BORDER = "land_border"
    OTHER = "other"


class VendorOwnership(StrEnum):
    """Who owns a vendor, as far as a cited source says."""

    STATE_OWNED = "state_owned"
    PRIVATE = "private"
    UNKNOWN = "unknown"


class RestrictionKind(StrEnum):
    """What a foreign government decided or found about a vendor."""

    EXCLUSION = "exclusion"
    RESTRICTION = "restriction"
    INVESTIGATION = "investigation"
    FINDING = "finding"


class NetworkKind(StrEnum):
    """How a closed network is built."""

    CLOSED_FIBRE = "closed_fibre"
    OTHER = "other"


class ScannerUse(StrEnum):
    """What a scanner inspects."""

    CONTAINER_CARGO = "container_cargo"
    AIR_CARGO = "air_cargo"
    BAGGAGE = "baggage"
    POST_AND_COURIER = "post_and_courier"


class ScannerStatus(StrEnum):
    """Where a scanner is in its life."""

    PLANNED = "planned"
    ACTIVE = "active"
    MAINTENANCE = "maintenance"
    DECOMMISSIONED = "decommissioned"


class NetworkMode(StrEnum):
    """Whether a scanner is linked into a closed network (and so reachable from it) or stands alone."""

    FIBRE_LINKED = "fibre_linked"
    STANDALONE = "standalone"


class CountBasis(StrEnum):
    """What one scanner record stands for.

    ``unit``: one identified physical unit. ``at_least_one``: a source states that such
    scanners are in use at the site without giving their number, so the record stands for
    one or more units and counts over it are minimums.
    """

    UNIT = "unit"
    AT_LEAST_ONE = "at_least_one"


class Role(StrEnum):
    """What an API key may do: ``reader`` reads, ``editor`` also changes the inventory (a change the approval policy
    covers becomes a change request), ``approver`` also approves or rejects other people's change requests, ``admin``
    also manages keys and may apply a covered change at once as an emergency change."""

    READER = "reader"
    EDITOR = "editor"
    APPROVER = "approver"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _ROLE_RANK[self]


_ROLE_RANK = {Role.READER: 1, Role.EDITOR: 2, Role.APPROVER: 3, Role.ADMIN: 4}


class IdempotencyState(StrEnum):
    """Where a request sent with an ``Idempotency-Key`` is: still running, or done with its response stored."""

    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"


class Answer(StrEnum):
    """An answer to a yes/no question as far as the evidence goes; ``unknown`` when it does not say."""

    YES = "yes"
    NO = "no"
    UNKNOWN = "unknown"


class AccessAspect(StrEnum):
    """A way a supplier can reach a scanner or what it holds (consideration 3a, Antwoord 6)."""

    REMOTE_MAINTENANCE = "remote_maintenance"
    SOFTWARE_UPDATES = "software_updates"
    DATA_ACCESS = "data_access"
    ON_SITE_SERVICE = "on_site_service"


class AssessmentStatus(StrEnum):
    """How far an assessment has come: ``draft`` (being written), ``provisional`` (a reading that may change),
    ``adopted`` (adopted by the assessor named), ``superseded`` (replaced by a later one)."""

    DRAFT = "draft"
    PROVISIONAL = "provisional"
    ADOPTED = "adopted"
    SUPERSEDED = "superseded"


class QuickscanStatus(StrEnum):
    """Whether the national-security quickscan for procurement was applied to a purchase.

    ``not_available``: the instrument was not yet implemented when the purchase was made.
    """

    APPLIED = "applied"
    NOT_APPLIED = "not_applied"
    NOT_AVAILABLE = "not_available"
    UNKNOWN = "unknown"


class AuditStatus(StrEnum):
    """Where an audit is; it moves one step forward at a time: commissioned, in_progress, reported, closed."""

    COMMISSIONED = "commissioned"
    IN_PROGRESS = "in_progress"
    REPORTED = "reported"
    CLOSED = "closed"


class DatePrecision(StrEnum):
    """How precisely a source states a date: the stored date is the first day of the stated period."""

    DAY = "day"
    MONTH = "month"
    SEASON = "season"
    YEAR = "year"


class FindingSeverity(StrEnum):
    """How serious an audit finding is."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFORMATIONAL = "informational"


class FindingStatus(StrEnum):
    """Where an audit finding is: ``open`` and ``mitigating`` are unresolved; ``accepted`` is a risk knowingly taken."""

    OPEN = "open"
    MITIGATING = "mitigating"
    RESOLVED = "resolved"
    ACCEPTED = "accepted"


class ScannerAuditStatus(StrEnum):
    """A scanner's audit status, derived from the audits covering it (never stored)."""

    NOT_AUDITED = "not_audited"
    AUDIT_COMMISSIONED = "audit_commissioned"
    AUDIT_IN_PROGRESS = "audit_in_progress"
    OPEN_FINDINGS = "open_findings"
    AUDITED = "audited"


class MeasureStatus(StrEnum):
    """Where a mitigation measure for a scanner is.

    ``verified``: in place and checked to protect sufficiently; ``infeasible``: judged not possible or not sufficient.
    """

    PLANNED = "planned"
    IMPLEMENTED = "implemented"
    VERIFIED = "verified"
    INFEASIBLE = "infeasible"


class RiskTier(StrEnum):
    """A scanner's national-security exposure tier in the exposure report (highest first)."""

    HIGH = "high"
    ELEVATED = "elevated"
    MODERATE = "moderate"
    LOW = "low"


class ChangeAction(StrEnum):
    """What a change record records: an object created, updated, deleted, or restored after deletion."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    RESTORE = "restore"


class ChangeRequestState(StrEnum):
    """Where a change request is: ``pending`` waits for a second person; ``approved`` was applied; ``rejected`` was
    refused by an approver; ``withdrawn`` by its author; ``stale`` when its target changed before it was approved;
    ``expired`` when nobody decided within ``INVENTORY_CHANGE_REQUEST_TTL_DAYS``."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    STALE = "stale"
    EXPIRED = "expired"


class ChangeRequestOperation(StrEnum):
    """The write a change request asks for: create an object, update (PATCH) one, or delete one."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


class ExposureSort(StrEnum):
    """Orders of the exposure report."""

    RISK = "risk"
    ASSET_TAG = "asset_tag"


class OperatorKind(StrEnum):
    """What kind of organisation operates scanners: customs, another government body, a sector of
    institutions or companies, or not known."""

    CUSTOMS = "customs"
    GOVERNMENT_BODY = "government_body"
    SECTOR = "sector"
    UNKNOWN = "unknown"


class ScanDirection(StrEnum):
    """Which flows of goods an operator's scanners check, as the source states it: goods entering the EU,
    leaving it, both, or not stated."""

    ENTERING_EU = "entering_eu"
    LEAVING_EU = "leaving_eu"
    ENTERING_AND_LEAVING_EU = "entering_and_leaving_eu"
    UNKNOWN = "unknown"


class ScannerListCompleteness(StrEnum):
    """Whether the source gives a site's scanners as a complete list (``complete``: it states how many stand
    there), only as examples (``partial``: "including", "such as"), or says nothing of it (``unknown``)."""

    COMPLETE = "complete"
    PARTIAL = "partial"
    UNKNOWN = "unknown"


class InvestigationStatus(StrEnum):
    """Where announced research is, as its latest source reports it (see ``status_known_on``)."""

    ANNOUNCED = "announced"
    IN_PROGRESS = "in_progress"
    REPORTED = "reported"
    UNKNOWN = "unknown"
