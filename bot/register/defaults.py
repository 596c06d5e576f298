"""The bot's settings when the policy's ``bot:`` section leaves them out, each named once.

The policy schema's descriptions and the README quote them; the loader, the importer's policy,
the GitHub client and the command line's help read them from here.
"""

from __future__ import annotations

LABEL = "risk"
"""The label of the bot's issues."""
WRITE_BUDGET = 30
"""Most GitHub writes one run makes."""
WRITE_INTERVAL = 1.0
"""Seconds between two writes (GitHub asks for at least one)."""
MAX_RATE_LIMIT_WAIT = 300.0
"""Longest wait, in seconds, for a rate limit to lift before the run stops."""
TIMEZONE = "UTC"
"""The policy's time zone: riskbot's one clock is UTC's (:mod:`bot.register.clock`)."""
