"""Dates a source states only roughly ("September", "in the summer"): a period, not a day.

A stated date is stored as the first day of its period plus its precision (``day``, ``month``,
``season``, ``year``) and, optionally, the source's own words. Seasons are meteorological
(spring March-May, summer June-August, autumn September-November, winter December-February),
so a season starts on 1 March, 1 June, 1 September or 1 December. The period ends on
``period_end``: a deadline stated as a period ("results expected in the summer") is met until
the period's last day, and only after that is it overdue.
"""

from __future__ import annotations

import calendar
from datetime import date

from app.core.choices import DatePrecision
from app.core.db import utcnow
from app.core.errors import invalid_field

SEASON_STARTS = {3: "spring", 6: "summer", 9: "autumn", 12: "winter"}


def period_start_problem(value: date, precision: DatePrecision) -> str | None:
    """Why ``value`` cannot be the first day of a period of ``precision``; None when it can."""
    if precision == DatePrecision.DAY:
        return None
    if precision == DatePrecision.MONTH and value.day != 1:
        return f"{value.isoformat()} is not the first day of a month; a month is given as its first day"
    if precision == DatePrecision.SEASON and (value.day != 1 or value.month not in SEASON_STARTS):
        return (
            f"{value.isoformat()} does not start a season; give a season as its first day "
            "(YYYY-03-01 spring, YYYY-06-01 summer, YYYY-09-01 autumn, YYYY-12-01 winter)"
        )
    if precision == DatePrecision.YEAR and (value.day != 1 or value.month != 1):
        return f"{value.isoformat()} is not 1 January; a year is given as its first day"
    return None


def _add_months(value: date, months: int) -> date:
    index = value.month - 1 + months
    return date(value.year + index // 12, index % 12 + 1, 1)


def period_end(value: date | None, precision: DatePrecision | str | None) -> date | None:
    """The last day of the period starting on ``value``."""
    if value is None or precision is None:
        return None
    precision = DatePrecision(precision)
    if precision == DatePrecision.DAY:
        return value
    months = {DatePrecision.MONTH: 1, DatePrecision.SEASON: 3, DatePrecision.YEAR: 12}[precision]
    last_month = _add_months(value, months - 1)
    return last_month.replace(day=calendar.monthrange(last_month.year, last_month.month)[1])


def check_source_date(field: str, value: date | None) -> None:
    """A 422 when the date of a source (``field``) is in the future: no source can be dated after today."""
    if value is not None and value > utcnow().date():
        detail = f"{field} {value.isoformat()} is in the future; give the date of the source."
        raise invalid_field(field, "in the future", detail)
