"""How the per-scanner considerations 3a and 3b follow from the inventory (Antwoord 6).

3a (extensive access to sensitive locations, ICT systems or vital infrastructure): derived from
the scanner's deployment. A scanner fibre-linked into a closed customs network is reachable from,
and reaches into, that network: ``yes``. A standalone scanner has limited access: ``no``. An
access override, with its reason, replaces the derived answer.

3b (control measures possible and feasible that sufficiently protect): from the mitigation
measures recorded for the scanner. ``yes`` when at least one is ``verified``; ``no`` when every
recorded measure is ``infeasible``; ``unknown`` otherwise, including when none is recorded.
"""

from app.core.choices import Answer, NetworkMode

RULE_3A = (
    "3a is derived from the network mode (fibre_linked: yes, extensive access; standalone: no, limited access)"
    " unless an access override with a reason replaces it"
)
RULE_3B = (
    "3b is yes when a mitigation measure is verified, no when every recorded measure is infeasible,"
    " unknown otherwise (also when none is recorded)"
)


def derived_3a(network_mode: str) -> Answer:
    """Consideration 3a as the network mode alone gives it."""
    return Answer.YES if network_mode == NetworkMode.FIBRE_LINKED else Answer.NO


def criterion_3b(total: int, verified: int, infeasible: int) -> Answer:
    """Consideration 3b from the counts of a scanner's mitigation measures."""
    if verified:
        return Answer.YES
    if total and infeasible == total:
        return Answer.NO
    return Answer.UNKNOWN
