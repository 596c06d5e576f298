"""The pure register: bytes in, checked and scored values out.

YAML with positions, the schemas, the policy, a risk, the score, the escalation rules, the
loaded register and the comparison of two revisions. Nothing here reads files, runs programs or
talks to GitHub: callers hand in (name, bytes) pairs.
"""
