"""Reconciliation: the GitHub state each command wants, as values, and the markers that name it.

Planners are pure functions of (register, snapshot) → plan; they import no PyGithub and run no
programs. The GitHub shell (:mod:`bot.github`) gathers the snapshot and performs the plan.
"""
