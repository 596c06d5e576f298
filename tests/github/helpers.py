"""Running the GitHub layer against the fake server, the way commands do."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from bot.github.api import GitHubApi, Limits
from bot.github.executor import Executor
from bot.github.settings import Secret, Settings
from bot.reconcile.plan import Action
from bot.render.summary import Stats
from tests.fakegithub.server import FakeGitHub


def settings_for(server: FakeGitHub, **extra: Any) -> Settings:
    """Settings pointing at the fake server, as the Actions variables would."""
    return Settings(
        token=Secret(server.token or ""), repository=server.repo, api_url=server.url, **extra
    )


def execute(
    server: FakeGitHub,
    actions: Sequence[Action],
    *,
    budget: int = 30,
    dry_run: bool = False,
    interval: float = 0.0,
    max_wait: float = 5.0,
    sleep: Callable[[float], None] | None = None,
    label: str = "risk",
) -> Stats:
    """Snapshot, then execute the actions through the real PyGithub client."""
    stats = Stats()
    api = GitHubApi(
        settings_for(server),
        Limits(write_interval=interval, max_wait=max_wait),
        stats,
        sleep=sleep or (lambda s: None),
    )
    try:
        executor = Executor(api, label=label, budget=budget, dry_run=dry_run, stats=stats)
        executor.execute(actions, executor.snapshot())
    finally:
        api.close()
    return stats
