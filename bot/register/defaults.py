"""The bot's settings when the policy's ``bot:`` section leaves them out, each named once.

The policy schema's descriptions and the README quote them; the loader, the importer's policy,
the GitHub client and the command line's help read them from here. Also where riskbot keeps the
base policy it vendors (the policy itself is ``bot.register.load.POLICY_PATH``).
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
ACCEPTANCE_CADENCE = "monthly"
"""How an accepted risk is reviewed, instead of its band's cadence (else the lowest band's,
when the policy has no such cadence)."""
ACCEPTANCE_NOTICE_DAYS = 14
"""Days before an acceptance's ``until`` that its owner and approvers are reminded, once."""
ACCEPTANCE_MAX_DAYS = 180
"""The longest acceptance, in days, in every band that names none of its own."""
ACCEPTANCE_MARK = "🤝"
"""The mark of an accepted risk in the heat map and tables."""
BASE_POLICY_PATH = ".github/riskbot-base.yml"
"""Where ``riskbot policy pull`` vendors the base policy, beside the repository's own."""
BASE_POLICY_MAX_WAIT = 60.0
"""Longest wait, in seconds, for a rate limit while ``riskbot policy pull`` reads the base (a
person at a terminal waits for it)."""
