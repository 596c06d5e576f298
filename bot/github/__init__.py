"""Where riskbot talks to GitHub: settings from the Actions environment, and the plan executor.

This package is the only one that imports PyGithub.
"""
