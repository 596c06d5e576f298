"""Intake: documents people keep (Markdown, YAML, CSV, spreadsheets) in and out of the register."""
