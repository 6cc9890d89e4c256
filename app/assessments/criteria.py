"""How the per-scanner considerations 3a and 3b follow from the inventory (Antwoord 6).

3a (does the supplier get extensive access to sensitive locations, ICT systems or vital infrastructure):
derived from the supplier-access facts recorded for the scanner, one per aspect (remote maintenance,
software updates, data access, on-site service). ``yes`` when any recorded fact is ``yes``; ``no`` only
when every aspect is recorded ``no``; ``unknown`` otherwise, including when nothing is recorded. An
access override, with its reason, replaces the derived answer. The network mode is not an answer to
3a: it is an exposure factor of its own (a fibre-linked scanner sits inside a customs network).

3b (control measures possible and feasible that sufficiently protect): from the mitigation
measures recorded for the scanner. ``yes`` when at least one is ``verified``; ``no`` when every
recorded measure is ``infeasible``; ``unknown`` otherwise, including when none is recorded.
"""

from collections.abc import Mapping

from app.core.choices import AccessAspect, Answer

ASPECTS = list(AccessAspect)
"""Every aspect of supplier access, in the order reasons name them."""

ASPECT_WORDS = {
    AccessAspect.REMOTE_MAINTENANCE: "remote maintenance",
    AccessAspect.SOFTWARE_UPDATES: "software updates",
    AccessAspect.DATA_ACCESS: "data access",
    AccessAspect.ON_SITE_SERVICE: "on-site service",
}

RULE_3A = (
    "3a is derived from the supplier-access facts recorded for the scanner (remote maintenance, software updates,"
    " data access, on-site service): yes when any is yes, no only when all four are recorded no, unknown otherwise"
    " (also when none is recorded), unless an access override with a reason replaces it; the network mode is an"
    " exposure factor of its own, not an answer to 3a"
)
RULE_3B = (
    "3b is yes when a mitigation measure is verified, no when every recorded measure is infeasible,"
    " unknown otherwise (also when none is recorded)"
)


def criterion_3a_sql(row: str) -> str:
    """3a in SQL from the ``access_<aspect>`` columns of ``row`` (see ``aspects_sql``)."""
    columns = [f"{row}.access_{aspect.value}" for aspect in ASPECTS]
    all_no = " AND ".join(f"{column} = 'no'" for column in columns)
    return f"CASE WHEN 'yes' IN ({', '.join(columns)}) THEN 'yes' WHEN {all_no} THEN 'no' ELSE 'unknown' END"


def aspects_sql(scanner: str) -> str:
    """One SQL column per aspect, ``access_<aspect>``: the scanner's recorded answer, NULL when none is recorded
    (one fact per scanner and aspect, so each is a single value)."""
    return ", ".join(
        f"(SELECT saf.answer FROM supplier_access_fact saf WHERE saf.scanner_id = {scanner}"
        f" AND saf.aspect = '{aspect.value}') AS access_{aspect.value}"
        for aspect in ASPECTS
    )


def derived_3a(answers: Mapping[str, str | None]) -> Answer:
    """Consideration 3a from the recorded answers by aspect (a missing or None answer is not recorded)."""
    given = [answers.get(aspect.value) for aspect in ASPECTS]
    if Answer.YES in given:
        return Answer.YES
    if all(answer == Answer.NO for answer in given):
        return Answer.NO
    return Answer.UNKNOWN


def access_words(answers: Mapping[str, str | None]) -> str:
    """The facts 3a rests on, in words: each aspect's answer, or that it is not recorded."""
    return "; ".join(f"{ASPECT_WORDS[aspect]} {answers.get(aspect.value) or 'not recorded'}" for aspect in ASPECTS)


def criterion_3b(total: int, verified: int, infeasible: int) -> Answer:
    """Consideration 3b from the counts of a scanner's mitigation measures."""
    if verified:
        return Answer.YES
    if total and infeasible == total:
        return Answer.NO
    return Answer.UNKNOWN
