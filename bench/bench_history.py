"""Benchmark: `riskbot history` (and the history `riskbot report` reads) on a long git history.

A script, not a test. It builds, with one `git fast-import`, a repository whose register has
COMMITS commits over YEARS years: RISKS risk files, each commit re-scoring, reviewing or
editing a few of them (and now and then a policy change), seeded so every run builds the same
history. It then times `riskbot history --format json` and `riskbot report --output -` as
subprocesses (median of RUNS), counts the git processes the history reading starts, and fails
(exit 1) when the history takes longer than the floor.

    .venv/bin/python bench/bench_history.py --commits 1000 --risks 60 --years 4 --floor 10
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
POLICY = REPO / ".github" / "riskbot.yml"
RISKBOT = Path(sys.executable).parent / "riskbot"
SEED = 20261127
PHASES = ["v2", "v3", "v3+", "v4", "v5", "All"]
OWNERS = ["Technical Lead", "Security Lead", "QA Lead", "Performance Lead", "Community Lead"]


def risk_text(n: int, impact: int, probability: int, owner: str, reviewed: dt.date) -> bytes:
    data = {
        "id": f"R-{n:03d}",
        "title": f"Synthetic risk {n}",
        "category": "Technical",
        "phase": PHASES[n % len(PHASES)],
        "description": f"Synthetic risk number {n} of the benchmark.",
        "impact": {"level": impact},
        "probability": {"level": probability},
        "mitigation": {"prevention": ["Plan"], "detection": ["Watch"], "response": ["Act"]},
        "owner": owner,
        "status": {"state": "active", "note": "In progress"},
        "review": {"cadence": "monthly", "last_reviewed": reviewed.isoformat()},
    }
    return yaml.safe_dump(data, sort_keys=False).encode()


def policy_text(red_min: int) -> bytes:
    data = yaml.safe_load(POLICY.read_text(encoding="utf-8"))
    for band in data["bands"]:
        if band["name"] == "red":
            band["min_score"] = red_min
    return yaml.safe_dump(data, sort_keys=False).encode()


def build(root: Path, commits: int, risks: int, years: int) -> None:
    """One fast-import stream: every commit a full snapshot of the register's changed files."""
    rng = random.Random(SEED)
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    start = dt.datetime(2022, 1, 3, 9, tzinfo=dt.UTC)
    step = dt.timedelta(days=365 * years) / commits
    state = {
        n: [rng.randint(1, 5), rng.randint(1, 5), rng.choice(OWNERS), start.date()]
        for n in range(1, risks + 1)
    }
    out: list[bytes] = []

    def blob(data: bytes) -> None:
        out.append(b"data %d\n" % len(data) + data + b"\n")

    for i in range(commits):
        when = start + step * i
        changed: list[tuple[str, bytes]] = []
        if i == 0:
            changed.append((".github/riskbot.yml", policy_text(15)))
            touched = list(state)
        else:
            touched = rng.sample(list(state), k=min(3, len(state)))
            if i % 500 == 0:
                changed.append((".github/riskbot.yml", policy_text(rng.choice([12, 15]))))
        for n in touched:
            s = state[n]
            kind = rng.random()
            if kind < 0.4:
                s[0 if rng.random() < 0.5 else 1] = rng.randint(1, 5)
            elif kind < 0.8:
                s[3] = when.date()
            else:
                s[2] = rng.choice(OWNERS)
            text = risk_text(n, s[0], s[1], s[2], s[3])
            changed.append((f"risks/R-{n:03d}-synthetic.yaml", text))
        stamp = f"{int(when.timestamp())} +0000".encode()
        out.append(b"commit refs/heads/main\n")
        out.append(b"author Bench <bench@example.invalid> " + stamp + b"\n")
        out.append(b"committer Bench <bench@example.invalid> " + stamp + b"\n")
        blob(f"commit {i}".encode())
        for path, data in changed:
            out.append(f"M 100644 inline {path}\n".encode())
            blob(data)
        out.append(b"\n")
    subprocess.run(
        ["git", "-C", str(root), "fast-import", "--quiet"], input=b"".join(out), check=True
    )
    subprocess.run(["git", "-C", str(root), "checkout", "-q", "main"], check=True)


def median(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        begin = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - begin)
    return statistics.median(times)


def git_processes(root: Path) -> int:
    """How many git processes one history reading starts."""
    from unittest import mock

    sys.path.insert(0, str(REPO))
    from bot.repo.history import read_history

    real = subprocess.Popen
    count = 0

    def counting(cmd: object, **kwargs: object) -> object:
        nonlocal count
        count += 1
        return real(cmd, **kwargs)  # type: ignore[call-overload]

    with mock.patch.object(subprocess, "Popen", counting):
        assert read_history(root).available
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=1000)
    parser.add_argument("--risks", type=int, default=60)
    parser.add_argument("--years", type=int, default=4)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--floor", type=float, default=10.0, help="most seconds history may take")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "register"
        begin = time.perf_counter()
        build(root, args.commits, args.risks, args.years)
        built = time.perf_counter() - begin
        riskbot = [str(RISKBOT)]
        history = median([*riskbot, "history", "--root", str(root), "--format", "json"], args.runs)
        report = median([*riskbot, "report", "--root", str(root), "--output", "-"], args.runs)
        processes = git_processes(root)
    print(
        f"history of {args.commits} commits, {args.risks} risks, {args.years} years "
        f"(built in {built:.1f} s with git fast-import)"
    )
    print(f"  riskbot history --format json : {history:.2f} s (median of {args.runs})")
    print(f"  riskbot report --output -     : {report:.2f} s (median of {args.runs})")
    print(f"  git processes per history read: {processes}")
    verdict = "ok" if history <= args.floor else "FAILED"
    print(f"  floor: history within {args.floor:g} s: {verdict}")
    return 0 if history <= args.floor else 1


if __name__ == "__main__":
    sys.exit(main())
