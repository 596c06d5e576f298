"""The one error type of riskbot, and its exit codes: every command exits with one of these.

A :class:`RiskbotError` is an expected failure with a message for the user; ``main()`` in
:mod:`bot.cli` prints it and exits with its code. Anything else that escapes is a bug: exit 3.
"""

from __future__ import annotations

EXIT_OK = 0
"""Done; the register is clean (warnings allowed)."""
EXIT_FINDINGS = 1
"""Findings, a run that could not finish (budget, API failures), or a refusal that wrote nothing."""
EXIT_USAGE = 2
"""Usage or setup: bad options, a missing or broken policy, no token in Actions, 401/404."""
EXIT_INTERNAL = 3
"""A bug in riskbot: it says so, with the ``RISKBOT_DEBUG=1`` hint."""
EXIT_INTERRUPTED = 130
"""Stopped by Ctrl-C (SIGINT): 128 + the signal's number, as a shell reports it."""

EXIT_CODES = {
    EXIT_OK: "done; clean (warnings allowed)",
    EXIT_FINDINGS: "findings, or a run that could not finish, or a refusal that wrote nothing",
    EXIT_USAGE: "usage or setup error",
    EXIT_INTERNAL: "internal error (a bug; RISKBOT_DEBUG=1 shows the traceback)",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C)",
}


class RiskbotError(Exception):
    """An expected failure: a message for the user and the exit code it means."""

    exit_code = EXIT_FINDINGS

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(RiskbotError):
    """A usage or setup error (exit 2): bad options or an environment that cannot work."""

    exit_code = EXIT_USAGE
