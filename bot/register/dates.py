"""Dates a person records in a risk file say what happened, so none is after today.

One rule for every door: ``riskbot review --date`` refuses a future day, and ``check`` and ``pr``
make each future ``identified``, ``review.last_reviewed``, review log date and outcome date an
error on its line. A ``last_reviewed`` typed years ahead would otherwise silence a Red risk's
reminders until then.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from bot.register.findings import Finding, JsonPath, error, path_text
from bot.register.risk import Risk

FUTURE_CODE = "future-date"


def is_future(day: dt.date, today: dt.date) -> bool:
    """Whether ``day`` is after ``today`` (riskbot's today: UTC's, or ``--today``)."""
    return day > today


def future_text(what: str, day: dt.date, today: dt.date) -> str:
    """``review date 2030-01-01 is in the future (today is 2026-12-04)``."""
    return f"{what} {day.isoformat()} is in the future (today is {today.isoformat()})"


def date_paths(data: Mapping[str, Any]) -> list[JsonPath]:
    """The paths of the dates a risk file records: when it was identified, reviewed (the last
    review and each logged one) and when each outcome was recorded."""
    paths: list[JsonPath] = []
    if "identified" in data:
        paths.append(("identified",))
    review = data.get("review")
    if isinstance(review, Mapping):
        if "last_reviewed" in review:
            paths.append(("review", "last_reviewed"))
        log = review.get("log")
        if isinstance(log, list):
            paths += [("review", "log", i, "date") for i, x in enumerate(log) if _has_date(x)]
    outcome = data.get("outcome")
    if isinstance(outcome, Mapping) and "date" in outcome:
        paths.append(("outcome", "date"))
    elif isinstance(outcome, list):
        paths += [("outcome", i, "date") for i, x in enumerate(outcome) if _has_date(x)]
    return paths


def _has_date(item: object) -> bool:
    return isinstance(item, Mapping) and "date" in item


def _value(data: Mapping[str, Any], path: JsonPath) -> object:
    value: Any = data
    for step in path:
        value = value[step]
    return value


def line_key(path: JsonPath) -> str:
    """The key under which a risk's lines hold the line of ``path`` (its JSON path text)."""
    return path_text(path)


def future_date_findings(risk: Risk, today: dt.date) -> list[Finding]:
    """An error on the line of each date of the risk file that is after ``today``."""
    found: list[Finding] = []
    for path in date_paths(risk.data):
        try:
            day = dt.date.fromisoformat(str(_value(risk.data, path)))
        except ValueError:
            continue  # the schema's pattern says what is wrong with it
        if not is_future(day, today):
            continue
        name = ".".join(str(step) for step in path if isinstance(step, str))
        found.append(
            error(
                risk.file,
                risk.lines.get(line_key(path), risk.line(str(path[0]))),
                f"{future_text(name, day, today)}: a risk file records what happened; "
                "write the day it happened",
                path=path,
                code=FUTURE_CODE,
            )
        )
    return found
