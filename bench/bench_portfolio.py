"""Benchmark: `riskbot portfolio` over many repositories, against its floors.

A script, not a test. The local GitHub API server of the test suite (on 127.0.0.1) hosts N
repositories of 50 risks each (the plan's policy; levels and phases spread over the grid and
the releases), and the installed `riskbot portfolio` reads them all, three times: a first run
(nothing known), a rerun of unchanged repositories (conditional on the ETags the first run
kept) and a rerun after every tenth repository moved. For each run, as the server counted
them: API requests per repository (those answered 304 apart), the rate limit they used, and
archive downloads (from where the API's redirect points: no API requests); wall time and peak
memory of the process.

The floors: one request per repository; and reading the same registers from local clones
(every repository's files on disk, each register read and checked by riskbot's own working-tree
reader and summarised as the portfolio keeps it, in one process, no network).

    .venv/bin/python bench/bench_portfolio.py --sizes 50,500,2000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.factories import POLICY, risk_yaml  # noqa: E402
from tests.fakegithub.server import FakeGitHub  # noqa: E402

RISKBOT = Path(sys.executable).parent / "riskbot"
RISKS = 50
ORG = "bench"
TODAY = "2026-11-27"
PHASES = ("v2", "v2+", "v3", "v3+", "v4", "v5", "All", "Long-term")
COMMAND = "python bench/bench_portfolio.py --sizes 50,500,2000"
FLOOR = """\
import datetime as dt, sys
from pathlib import Path
from bot.documents.portfolio import summarize_sources
from bot.repo.worktree import discover
today = dt.date.fromisoformat(sys.argv[2])
kept = []
for folder in sorted(Path(sys.argv[1]).iterdir()):
    policy, risks = discover(folder)
    kept.append(summarize_sources(folder.name, "0" * 40, policy, risks, today))
print(len(kept), sum(len(s.risks) for s in kept))
"""


def register(repo: int) -> dict[str, bytes]:
    """A register of 50 risks, spread over the grid, the phases and the categories."""
    files = {".github/riskbot.yml": POLICY.read_bytes()}
    for n in range(1, RISKS + 1):
        k = repo * RISKS + n
        risk_id = f"R-{n:03d}"
        files[f"risks/{risk_id}-risk.yaml"] = risk_yaml(
            risk_id,
            title=f"Risk {n} of repository {repo}",
            phase=PHASES[k % len(PHASES)],
            impact={"level": 1 + k % 5},
            probability={"level": 1 + (k // 5) % 5},
        ).encode()
    return files


def run(args: Sequence[str], env: dict[str, str]) -> tuple[int, float, int, str]:
    """(exit, wall seconds, peak memory in KiB, stderr) of one process."""
    start = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "maxrss=%M", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=3600,
        check=False,
    )
    wall = time.perf_counter() - start
    found = re.findall(r"maxrss=(\d+)", done.stderr)
    return done.returncode, wall, int(found[-1]) if found else 0, done.stderr


def counted(server: FakeGitHub, n: int, rate_before: int) -> dict[str, float]:
    """Per repository: API requests, those answered 304, rate limit used, downloads."""
    api = [r for r in server.requests if not r.path.startswith("/_codeload/")]
    downloads = len(server.requests) - len(api)
    return {
        "requests": len(api) / n,
        "not_modified": sum(1 for r in api if r.status == 304) / n,
        "rate": (server.rate_used - rate_before) / n,
        "downloads": downloads / n,
    }


def measure(size: int) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp, FakeGitHub(rate_limit=10**9) as server:
        root = Path(tmp)
        clones = root / "clones"
        for repo in range(size):
            files = register(repo)
            name = f"{ORG}/team-{repo:04d}"
            server.add_repo(name, files)
            for path, data in files.items():
                target = clones / f"team-{repo:04d}" / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
        hub = root / "hub"
        hub.mkdir()
        (hub / "portfolio.yml").write_text(f"organization: {ORG}\n", encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
        env.update({"GITHUB_TOKEN": server.token or "", "GITHUB_API_URL": server.url})
        floor = run([sys.executable, "-c", FLOOR, str(clones), TODAY], env)
        if floor[0] != 0:
            sys.exit(f"the floor failed:\n{floor[3]}")
        rows.append({"size": size, "run": "floor: local clones", "wall": floor[1], "rss": floor[2]})
        command = [str(RISKBOT), "portfolio", "--hub", str(hub / "portfolio.yml"), "--today", TODAY]
        for attempt in ("first run", "rerun, unchanged", "rerun, every tenth moved"):
            if attempt.endswith("moved"):
                for repo in range(0, size, 10):
                    files = register(repo)
                    files["risks/R-001-risk.yaml"] += b"# moved\n"
                    server.set_files(f"{ORG}/team-{repo:04d}", files)
            server.reset_log()
            rate_before = server.rate_used
            code, wall, rss, err = run(command, env)
            if code != 0:
                sys.exit(f"riskbot portfolio exited {code}:\n{err}")
            rows.append(
                {"size": size, "run": attempt, "wall": wall, "rss": rss}
                | counted(server, size, rate_before)
            )
    return rows


def table(rows: Sequence[dict[str, object]]) -> str:
    lines = [
        "| repositories | run | API requests / repository | of which answered 304 "
        "| rate limit used / repository | downloads / repository | wall s | peak memory MiB |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        figures = [
            f"{float(str(row[key])):.2f}" if key in row else "-"
            for key in ("requests", "not_modified", "rate", "downloads")
        ]
        if "requests" not in row:
            figures[0] = "floor: 1"
        lines.append(
            f"| {row['size']:,} | {row['run']} | "
            + " | ".join(figures)
            + f" | {float(str(row['wall'])):.2f} | {int(str(row['rss'])) / 1024:.0f} |"
        )
    return "\n".join(lines)


def section(sizes: str, rows: Sequence[dict[str, object]], load: str = "") -> str:
    """BENCHMARKS.md's section: the command, the table, what it shows."""
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    return "\n".join(
        [
            "## `riskbot portfolio` over many repositories",
            "",
            f"Measured {when}{load}. "
            f"Command: `python bench/bench_portfolio.py --sizes {sizes}`. Repositories of "
            f"{RISKS} risks each (the plan's policy), hosted by the local GitHub API server of the "
            "test suite; the hub names their organisation. Counted by the server, per "
            "repository: API requests (the organisation's listing, one page per 100 "
            "repositories, included), those answered 304, the rate limit they used, and the "
            "archive downloads, which are no API requests (on GitHub, codeload.github.com "
            "serves them where the API's redirect points). Wall time and peak memory (maximum "
            "resident set) are the whole `riskbot portfolio` process's, the server's excluded.",
            "",
            table(rows),
            "",
            "The floors: one request per repository; and the same registers read from local "
            "clones (every repository's files on disk, each register read by riskbot's "
            "working-tree reader, checked and summarised as the portfolio keeps it, in one "
            "process, without the network). A first run asks each branch's commit (40 bytes of "
            "text and an ETag) and that commit's archive: 2 API requests and a download. A rerun "
            "asks each commit again with the ETag: an unchanged repository costs that one "
            "request, answered 304, which GitHub does not count against the rate limit, and "
            "its summary comes from `portfolio.json` without parsing its register; a moved one "
            "costs the 2 requests and the download again.",
            "",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="50,500,2000")
    parser.add_argument("--output", type=Path, help="also write the section to this file")
    args = parser.parse_args(argv)
    before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    rows = [row for size in args.sizes.split(",") for row in measure(int(size))]
    after = " ".join(f"{x:.2f}" for x in os.getloadavg())
    text = section(args.sizes, rows, f" (load average {before} before, {after} after)")
    print(text)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
