"""Benchmark: GitHub API requests per run of `riskbot sync` and `riskbot remind`.

A script, not a test. For registers of 10, 100 and 1,000 synthetic risks (one in ten Red, the
rest Yellow and Green, reviews due on a spread of dates), it runs the installed `riskbot sync`
and then `riskbot remind` as subprocesses against the local GitHub API server of the test suite
(on 127.0.0.1), first on an empty repository and then again with nothing changed, and counts
the requests the server saw: reads (GET) and writes.

    .venv/bin/python bench/bench_github.py --sizes 10,100,1000
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.factories import copy_register, risk_yaml, write_many_risks, write_risk  # noqa: E402
from tests.fakegithub.server import FakeGitHub  # noqa: E402

RISKBOT = Path(sys.executable).parent / "riskbot"
TODAY = "2026-11-27"
COMMAND = "python bench/bench_github.py --sizes 10,100,1000"


def make_register(root: Path, size: int) -> None:
    """``size`` risks: every tenth Red; reviewed on dates spread over the last 40 days."""
    copy_register(root)
    for path in (root / "risks").glob("*.yaml"):
        path.unlink()
    for n in range(size):
        red = n % 10 == 0
        impact, probability = (5, 4) if red else ((3, 3) if n % 3 else (2, 2))
        reviewed = f"2026-{10 + (n % 40 >= 27):02d}-{(n % 40) % 27 + 1:02d}"
        write_risk(
            root,
            f"R-{n + 1:04d}-risk.yaml",
            risk_yaml(
                f"R-{n + 1:04d}",
                impact={"level": impact},
                probability={"level": probability},
                review={"last_reviewed": reviewed},
            ),
        )


def make_all_due(root: Path, size: int) -> None:
    """``size`` risks, every tenth Red, none ever reviewed: every review is due."""
    copy_register(root)
    write_many_risks(root, size)


def reads_by_kind(server: FakeGitHub) -> dict[str, int]:
    """The server's reads, by what they listed."""
    kinds = {"issues": 0, "labels": 0, "repository comments": 0, "issue comments": 0, "other": 0}
    for record in server.reads():
        path = record.path
        if path.endswith("/issues/comments"):
            kinds["repository comments"] += 1
        elif path.endswith("/comments"):
            kinds["issue comments"] += 1
        elif path.endswith("/issues"):
            kinds["issues"] += 1
        elif path.endswith("/labels"):
            kinds["labels"] += 1
        else:
            kinds["other"] += 1
    return kinds


def remind_all_due(size: int) -> list[tuple[str, int, dict[str, int], int]]:
    """`remind` on ``size`` risks, all due: (run, reads, reads by kind, writes), first run and
    rerun, each after the `sync` that the daily workflow runs first."""
    out = []
    with tempfile.TemporaryDirectory() as tmp, FakeGitHub(rate_limit=10**9) as server:
        root = Path(tmp)
        make_all_due(root, size)
        for attempt in ("first run", "rerun"):
            run(server, root, "sync")
            code, reads, writes = run(server, root, "remind")
            if code != 0:
                sys.exit(f"remind exited {code} on the all-due register")
            out.append((attempt, reads, reads_by_kind(server), writes))
    return out


def run(server: FakeGitHub, root: Path, command: str) -> tuple[int, int, int]:
    """Run one command; return (exit code, reads, writes) as counted by the server."""
    server.reset_log()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    env.update(
        {
            "GITHUB_TOKEN": server.token or "",
            "GITHUB_REPOSITORY": server.repo,
            "GITHUB_API_URL": server.url,
        }
    )
    args = [
        str(RISKBOT),
        command,
        "--root",
        str(root),
        "--write-interval",
        "0",
        "--budget",
        "100000",
        "--today",
        TODAY,
    ]
    done = subprocess.run(args, capture_output=True, text=True, env=env, check=False, timeout=1800)
    return done.returncode, len(server.reads()), len(server.writes())


def measure(sizes: Sequence[int]) -> list[tuple[int, str, str, int, int, int]]:
    rows = []
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp, FakeGitHub(rate_limit=10**9) as server:
            root = Path(tmp)
            make_register(root, size)
            for attempt in ("first run", "rerun"):
                for command in ("sync", "remind"):
                    code, reads, writes = run(server, root, command)
                    rows.append((size, command, attempt, code, reads, writes))
    return rows


def table(rows: Sequence[tuple[int, str, str, int, int, int]]) -> str:
    lines = ["| risks | command | run | exit | reads | writes |", "|---:|---|---|---:|---:|---:|"]
    lines += [
        f"| {size:,} | `{cmd}` | {attempt} | {code} | {reads:,} | {writes:,} |"
        for size, cmd, attempt, code, reads, writes in rows
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,1000")
    parser.add_argument("--output", type=Path, help="also write the table to this file")
    args = parser.parse_args(argv)
    rows = measure([int(x) for x in args.sizes.split(",")])
    text = table(rows)
    print(text)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
