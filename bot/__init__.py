"""riskbot: a risk register kept as code, and the bot that keeps it honest."""

__version__ = "0.1.0"
