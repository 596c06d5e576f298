"""The spreadsheet documents of the intake tests, as rows, and the workbooks built from them.

Workbooks are binary, so the tests build them from these rows (with openpyxl) instead of
keeping .xlsx files: what each sheet says is readable here.
"""

from __future__ import annotations

import io
from typing import Any

# A workbook whose first sheet is a cover page; the register is on the sheet "Register", under
# two title rows. Probability is a percentage cell (0.35 shown as 35%), impact a word.
COVER = [["Falcon Fleet Telematics"], ["Risk workbook, Q2 review"], [], ["See the Register sheet."]]
REGISTER: list[list[Any]] = [
    ["Falcon Fleet Telematics – risk register"],
    [],
    ["Risk ID", "Risk", "Probability", "Impact", "Risk Level", "Owner", "Status", "Controls"],
    ["FT-01", "Modem firmware recall", 0.35, "Major", "High", "Hardware Lead", "Open",
     "Stock of the previous modem"],
    ["FT-02", "Roaming contract renegotiated upward", 0.7, "Moderate", "High", "Commercial",
     "Active", "Second carrier under contract"],
    ["FT-03", "GPS spoofing in border regions", 0.1, "Critical", "Medium", "Security", "Monitoring",
     "Plausibility checks on speed"],
    ["FT-04", "Battery drain complaints after update", 0.9, "Minor", "High", "Mobile Team",
     "Active", "Staged rollout"],
    ["FT-05", "Driver app rejected by store review", 0.15, "Moderate", "Medium", "Mobile Team",
     "Closed", ""],
]  # fmt: skip
PERCENT_COLUMN = 2
RISK_LEVELS = [["Risk level", "Score"], ["Critical", "15-25"], ["High", "10-14"],
               ["Medium", "5-9"], ["Low", "1-4"]]  # fmt: skip

# A single-sheet workbook: 1-5 numbers, a stated score, no title rows.
SIMPLE: list[list[Any]] = [
    ["#", "Title", "Likelihood", "Impact", "Score", "Owner", "Mitigation"],
    [1, "Spare parts stock runs out", 3, 4, 12, "Supply Chain", "Safety stock of 6 weeks"],
    [2, "Dispatcher tool outage", 2, 5, 10, "IT Operations", "Failover to paper process"],
    [3, "Route optimiser licence expires", 4, 2, 9, "Procurement", "Renewal in January"],
]


def workbook(
    sheets: list[tuple[str, list[list[Any]]]], percent: tuple[str, int] | None = None
) -> bytes:
    """A workbook with these sheets; ``percent`` formats one column of one sheet as 0%."""
    from openpyxl import Workbook

    book = Workbook()
    for sheet in book.worksheets:
        book.remove(sheet)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        if percent is not None and percent[0] == title:
            for (cell,) in sheet.iter_rows(min_col=percent[1] + 1, max_col=percent[1] + 1):
                if isinstance(cell.value, float):
                    cell.number_format = "0%"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def falcon() -> bytes:
    """The cover-page workbook (its register on the sheet "Register")."""
    return workbook(
        [("Cover", COVER), ("Register", [*REGISTER, [], *RISK_LEVELS])],
        percent=("Register", PERCENT_COLUMN),
    )


def simple() -> bytes:
    return workbook([("Sheet1", SIMPLE)])
