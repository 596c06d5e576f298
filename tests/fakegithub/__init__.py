"""A local, stateful imitation of the GitHub REST API for tests (see ``server.py``)."""

from tests.fakegithub.server import (
    ACTOR_HEADER,
    GITHUB_ACTIONS,
    Clock,
    Comment,
    FakeGitHub,
    Fault,
    Issue,
    Label,
    PullInfo,
    RepoState,
    RequestRecord,
    User,
    served_operations,
)

__all__ = [
    "ACTOR_HEADER",
    "GITHUB_ACTIONS",
    "Clock",
    "Comment",
    "FakeGitHub",
    "Fault",
    "Issue",
    "Label",
    "PullInfo",
    "RepoState",
    "RequestRecord",
    "User",
    "served_operations",
]
