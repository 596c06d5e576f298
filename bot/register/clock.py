"""The one clock: riskbot's "now" and "today" are UTC's, wherever it runs.

The Actions schedule is UTC, GitHub stamps comments and reviews in UTC, and a review due
"today" must be due on the same day for a laptop in Auckland and a runner in Virginia.
"""

from __future__ import annotations

import datetime as dt


def now() -> dt.datetime:
    """This moment, in UTC."""
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    """Today's date in UTC."""
    return now().date()
