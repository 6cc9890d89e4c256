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
    """What an API key may do: ``reader`` reads, ``editor`` also changes the inventory, ``admin`` also manages keys."""

    READER = "reader"
    EDITOR = "editor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _ROLE_RANK[self]


_ROLE_RANK = {Role.READER: 1, Role.EDITOR: 2, Role.ADMIN: 3}


class ChangeAction(StrEnum):
    """What a change record records: an object created, updated, deleted, or restored after deletion."""

    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    RESTORE = "restore"
