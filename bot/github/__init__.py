"""The GitHub shell: settings and event payloads from Actions, the API, the plan executor.

It gathers what planners need into a snapshot, runs the pure planners of :mod:`bot.reconcile`
and performs their plans. This package is the only one that imports PyGithub.
"""
