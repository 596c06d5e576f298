"""Regenerate BENCHMARKS.md: riskbot's figures against their floors, each measured in one run.

    .venv/bin/python bench/benchmarks.py            # about fifteen minutes on 2 cores

Every timed figure is a ratio taken side by side: the floor and riskbot run alternately within
each repetition (so both see the same machine), and the table shows the medians. The targets:

1. `riskbot check` on the plan's register against `python -c "import yaml, jsonschema"`;
2. `riskbot check` on 10,000 files against parsing the same files with PyYAML's C loader alone,
   in one process (riskbot may use more: it counts);
3. `riskbot pr` with every one of 2,000 (and 10,000) risk files changed against `riskbot check`
   on the head;
4. GitHub reads of `remind` on 1,000 risks, 100 Red, every review due, first run and rerun;
5. `riskbot check` of one file with 30,000 unknown keys (linear: under a second);
6. `riskbot import` of a 5,000-row CSV against writing the same 5,000 files (under 5 s).

Then the throughput against check-jsonschema (bench/bench_check.py), the GitHub requests per
run at 10, 100 and 1,000 risks (bench/bench_github.py), and `riskbot portfolio` at 50, 500 and
2,000 repositories (bench/bench_portfolio.py). Needs the `bench` extra.

The timed commands run with riskbot's modules byte-compiled (as a wheel install leaves them;
PYTHONDONTWRITEBYTECODE is dropped for them) and with a cache of compiled validators of their
own, warmed by one run first; the cold start is shown beside the warm one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

import bench_check  # noqa: E402
import bench_github  # noqa: E402
import bench_import  # noqa: E402
import bench_portfolio  # noqa: E402
import time_make_test  # noqa: E402

PYTHON = Path(sys.executable)
RISKBOT = PYTHON.parent / "riskbot"
TODAY = bench_check.TODAY
FLOOR_PARSE = """\
import os, sys, yaml
folder = os.path.join(sys.argv[1], "risks")
for name in sorted(os.listdir(folder)):
    with open(os.path.join(folder, name), "rb") as fh:
        yaml.load(fh.read(), Loader=yaml.CSafeLoader)
"""


@dataclass
class Figure:
    """One row of the targets table."""

    figure: str
    floor: str
    ours: str
    ratio: str
    target: str
    holds: bool


def timed(
    cmd: Sequence[str],
    *,
    env: dict[str, str],
    cwd: Path | None = None,
    codes: tuple[int, ...] = (0,),
    timeout: float = 1800,
) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        cmd,
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        timeout=timeout,
        check=False,
    )
    elapsed = time.perf_counter() - start
    if done.returncode not in codes:
        sys.exit(f"{' '.join(map(str, cmd))} exited {done.returncode}:\n{done.stderr[-2000:]!r}")
    return elapsed


def side_by_side(commands: dict[str, Callable[[], float]], runs: int) -> dict[str, float]:
    """Median seconds of each, the commands alternating (their order turning) every run."""
    times: dict[str, list[float]] = {name: [] for name in commands}
    names = list(commands)
    for run in range(runs):
        shift = run % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(commands[name]())
    return {name: statistics.median(values) for name, values in times.items()}


def ratio_row(
    figure: str, floor_name: str, floor: float, ours: float, limit: float, note: str = ""
) -> Figure:
    ratio = ours / floor
    return Figure(
        figure,
        f"{floor_name}: {floor:.3f} s",
        f"{ours:.3f} s{note}",
        f"{ratio:.2f}×",
        f"≤ {limit:g}×",
        ratio <= limit,
    )


# -- 1. latency on the plan's register --------------------------------------------------------


def latency(env: dict[str, str], runs: int, cold_cache: Path) -> tuple[list[Figure], list[str]]:
    check = [str(RISKBOT), "check", "--root", str(REPO), "--format", "json"]
    bare = [str(PYTHON), "-c", "import yaml, jsonschema"]
    cold_env = {**env, "XDG_CACHE_HOME": str(cold_cache)}

    def cold() -> float:
        shutil.rmtree(cold_cache, ignore_errors=True)
        return timed(check, env=cold_env, codes=(0, 1))

    timed(check, env=env, codes=(0, 1))  # warm the cache
    got = side_by_side(
        {
            "floor": lambda: timed(bare, env=env),
            "warm": lambda: timed(check, env=env, codes=(0, 1)),
            "cold": cold,
        },
        runs,
    )
    rows = [
        ratio_row(
            "`riskbot check` on the plan's 10 risks (warm cache)",
            '`python -c "import yaml, jsonschema"`',
            got["floor"],
            got["warm"],
            1.0,
        )
    ]
    notes = [
        f"- `riskbot check --root . --format json`, validators from the cache: {got['warm']:.3f} s;"
        f" with an empty cache (the first run after an install or a schema change, which "
        f"compiles and stores them): {got['cold']:.3f} s ({got['cold'] / got['floor']:.2f}× "
        f"the floor). Medians of {runs} runs of each, alternating.",
    ]
    return rows, notes


# -- 2. throughput at 10,000 files ------------------------------------------------------------


def throughput(
    env: dict[str, str], work: Path, size: int, runs: int
) -> tuple[list[Figure], list[str]]:
    root = work / f"check-{size}"
    bench_check.generate(root, size)
    check = [str(RISKBOT), "check", "--root", str(root), "--format", "json", "--today", TODAY]
    floor = [str(PYTHON), "-c", FLOOR_PARSE, str(root)]
    single = {**env, "RISKBOT_WORKERS": "1"}
    pool = {**env, "RISKBOT_WORKERS": str(max(2, min(os.cpu_count() or 2, 8)))}
    got = side_by_side(
        {
            "floor": lambda: timed(floor, env=env),
            "auto": lambda: timed(check, env=env),
            "single": lambda: timed(check, env=single),
            "pool": lambda: timed(check, env=pool),
        },
        runs,
    )
    rows = [
        ratio_row(
            f"`riskbot check`, {size:,} files",
            "PyYAML's C loader alone, one process",
            got["floor"],
            got["auto"],
            1.25,
        )
    ]
    notes = [
        f"- {size:,} files: riskbot as it decides (a pool only with idle CPUs, see "
        f"bot/repo/parallel.py) {got['auto']:.3f} s; forced into one process "
        f"{got['single']:.3f} s ({got['single'] / got['floor']:.2f}×); forced into a pool of "
        f"{pool['RISKBOT_WORKERS']} {got['pool']:.3f} s ({got['pool'] / got['floor']:.2f}×). "
        f"Medians of {runs} runs of each, alternating.",
    ]
    return rows, notes


# -- 3. pr with every file changed ------------------------------------------------------------


def changed_repository(work: Path, size: int) -> Path:
    """A git repository of ``size`` risks, then a commit that changes every one of them."""
    root = work / f"pr-{size}"
    bench_check.generate(root, size)
    git_env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "b",
        "GIT_AUTHOR_EMAIL": "b@example.com",
        "GIT_COMMITTER_NAME": "b",
        "GIT_COMMITTER_EMAIL": "b@example.com",
    }

    def git(*args: str) -> None:  # no automatic gc in the background: one, at the end
        subprocess.run(
            ["git", "-C", str(root), "-c", "gc.auto=0", *args],
            env=git_env,
            check=True,
            stdout=subprocess.DEVNULL,
        )

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-q", "-m", "base")
    for path in sorted((root / "risks").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"(\n  note: )(.*)", r"\1\2 (reviewed again)", text, count=1)
        text = re.sub(r"percent: (\d+)", lambda m: f"percent: {(int(m[1]) + 5) % 100}", text)
        path.write_text(text, encoding="utf-8")
    git("commit", "-q", "-a", "-m", "change every risk")
    git("gc", "-q")  # packed, as a clone or a checkout in Actions has it
    return root


def pr_vs_check(env: dict[str, str], work: Path, size: int, runs: int) -> Figure:
    root = changed_repository(work, size)
    pr = [
        str(RISKBOT),
        "pr",
        "--root",
        str(root),
        "--base",
        "HEAD~1",
        "--head",
        "HEAD",
        "--format",
        "json",
        "--today",
        TODAY,
    ]
    check = [str(RISKBOT), "check", "--root", str(root), "--format", "json", "--today", TODAY]
    got = side_by_side(
        {
            "check": lambda: timed(check, env=env),
            "pr": lambda: timed(pr, env=env),
        },
        runs,
    )
    return ratio_row(
        f"`riskbot pr`, {size:,} risk files all changed",
        "`riskbot check` on head",
        got["check"],
        got["pr"],
        2.0,
    )


# -- 4. reads of remind -----------------------------------------------------------------------


def remind_reads(size: int) -> tuple[list[Figure], list[str]]:
    rows, notes = [], []
    for attempt, reads, kinds, writes in bench_github.remind_all_due(size):
        pages = ", ".join(f"{kind} {count}" for kind, count in kinds.items() if count)
        rows.append(
            Figure(
                f"`remind` reads, {size:,} risks / {size // 10} Red all due, {attempt}",
                f"pages of 100: {pages}",
                f"{reads} reads",
                "",
                "≤ 15",
                reads <= 15,
            )
        )
        notes.append(f"- {attempt}: {reads} reads ({pages}; none per issue), {writes} writes.")
    return rows, notes


# -- 5. one file with many unknown keys -------------------------------------------------------


def unknown_keys(env: dict[str, str], work: Path, keys: int, runs: int) -> Figure:
    root = work / "unknown-keys"
    bench_check.generate(root, 1)
    risk = next((root / "risks").glob("*.yaml"))
    extra = "".join(f"unknown_{n:05d}: {n}\n" for n in range(keys))
    risk.write_text(risk.read_text(encoding="utf-8") + extra, encoding="utf-8")
    check = [str(RISKBOT), "check", "--root", str(root), "--format", "json", "--today", TODAY]
    floor = [str(PYTHON), "-c", FLOOR_PARSE, str(root)]
    first = timed(check, env=env, codes=(1,))
    if first > 10:  # far off the target: once is enough to say by how much
        got = {"floor": timed(floor, env=env), "check": first}
        runs = 1
    else:
        got = side_by_side(
            {
                "floor": lambda: timed(floor, env=env),
                "check": lambda: timed(check, env=env, codes=(1,)),
            },
            runs,
        )
    size = risk.stat().st_size
    return Figure(
        f"`check` of one file with {keys:,} unknown keys ({size / 1e6:.1f} MB)",
        f"C loader alone: {got['floor']:.3f} s (linear)",
        f"{got['check']:.3f} s",
        f"{got['check'] / got['floor']:.1f}×",
        "< 1 s",
        got["check"] < 1.0,
    )


# -- the document -----------------------------------------------------------------------------


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f}, {five:.2f}, {fifteen:.2f}"


def targets_table(rows: Sequence[Figure]) -> list[str]:
    out = ["| figure | floor | riskbot | ratio | target | holds |", "|---|---|---:|---:|---|---|"]
    out += [
        f"| {r.figure} | {r.floor} | {r.ours} | {r.ratio} | {r.target} | "
        f"{'yes' if r.holds else '**no**'} |"
        for r in rows
    ]
    return out


def bench_env(cache: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith(("GITHUB_", "RISKBOT_"))
    }
    env["XDG_CACHE_HOME"] = str(cache)
    return env


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="100,1000,10000", help="check-jsonschema comparison")
    parser.add_argument("--github-sizes", default="10,100,1000")
    parser.add_argument("--portfolio-sizes", default="50,500,2000")
    parser.add_argument("--runs", type=int, default=15, help="latency runs of each")
    parser.add_argument("--big-runs", type=int, default=5, help="runs of each big register")
    parser.add_argument("--output", type=Path, default=REPO / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    started = dt.datetime.now(dt.UTC)
    load_before = load()
    # As a wheel install leaves the package: byte-compiled.
    subprocess.run(
        [str(PYTHON), "-m", "compileall", "-q", str(REPO / "bot")],
        check=True,
        env=bench_env(Path()),
        stdout=subprocess.DEVNULL,
    )
    with tempfile.TemporaryDirectory(prefix="riskbot-bench-") as tmp:
        work = Path(tmp)
        env = bench_env(work / "cache")
        os.environ.clear()
        os.environ.update(env)  # bench_check and bench_github run riskbot with this too
        rows, notes = latency(env, args.runs, work / "cold-cache")
        more_rows, more = throughput(env, work, 10_000, args.big_runs)
        rows += more_rows
        notes += more
        rows.append(pr_vs_check(env, work, 2_000, args.big_runs))
        rows.append(pr_vs_check(env, work, 10_000, max(3, args.big_runs - 2)))
        more_rows, more = remind_reads(1_000)
        rows += more_rows
        notes += more
        rows.append(unknown_keys(env, work, 30_000, 3))
        imported = bench_import.measure(5_000, args.big_runs)
        rows.append(
            Figure(
                "`riskbot import` of a 5,000-row CSV (5,000 risk files written)",
                f"Python writing the same files: {imported.floor:.3f} s",
                f"{imported.median:.3f} s ({imported.median_cpu:.3f} s CPU)",
                f"{imported.median / imported.floor:.2f}×",
                "< 5 s",
                imported.holds(5.0),
            )
        )
        notes.append(
            "- import: `riskbot import register.csv --out DIR` into an empty folder "
            "(bench/bench_import.py); the CPU time is what the run takes on a core of its own."
        )
        load_targets = load()
        throughput_file = work / "throughput.md"
        bench_check.main(["--sizes", args.sizes, "--output", str(throughput_file), "-q"])
        part_a = throughput_file.read_text(encoding="utf-8").split("\n", 1)[1].strip()
        part_c = bench_github.table(
            bench_github.measure([int(x) for x in args.github_sizes.split(",")])
        )
        part_d = bench_portfolio.section(
            args.portfolio_sizes,
            [
                row
                for size in args.portfolio_sizes.split(",")
                for row in bench_portfolio.measure(int(size))
            ],
        )
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "?"
    text = "\n".join(
        [
            "# Benchmarks",
            "",
            "Regenerated as a whole by `python bench/benchmarks.py` (in the project's virtual "
            "environment, with the `bench` extra installed), but for the `make test` section, "
            "which `bench/time_make_test.py` writes. Figures are wall-clock seconds of "
            "whole processes, interpreter start-up included, or request counts. Each ratio is "
            "taken side by side: floor and riskbot alternate within every repetition, and the "
            "medians are compared.",
            "",
            f"Measured {started.strftime('%Y-%m-%d %H:%M UTC')} on {bench_check.cpu_model()}, "
            f"{os.cpu_count()} cores ({usable} usable); load average (1, 5, 15 min) "
            f"{load_before} at the start and {load_targets} after the targets below — other work "
            "shared the machine, which is why the figures are ratios.",
            "",
            "## Targets",
            "",
            *targets_table(rows),
            "",
            *notes,
            "- riskbot's modules are byte-compiled, as a wheel install leaves them; the validators "
            "come from the user cache (`$XDG_CACHE_HOME/riskbot`), warmed by one run.",
            "- `pr`: `riskbot pr --base HEAD~1 --head HEAD --format json`, where the head commit "
            "changes every risk file (a status note and the mitigation percent), in a packed "
            "repository as a clone has it; `check` is `riskbot check --format json` on that head.",
            "",
            "## `riskbot check` throughput against check-jsonschema",
            "",
            f"Command: `python bench/bench_check.py --sizes {args.sizes}`",
            "",
            part_a,
            "",
            "## GitHub API requests per run",
            "",
            f"Command: `python bench/bench_github.py --sizes {args.github_sizes}`. One risk in "
            "ten is Red; reviews are spread over 40 days so some are due. Counted on the local "
            "GitHub API server of the test suite; `--budget` lifted so the first run finishes in "
            "one go.",
            "",
            part_c,
            "",
            "`sync` reads the bot's issues a page of 100 at a time and the labels; a rerun "
            "writes nothing. `remind` also finds the reminders it already posted in one listing "
            "of the repository's comments updated since the earliest of their windows (100 a "
            "page), so its reads grow with the pages of recent comments, not with the number of "
            "due Red risks.",
            "",
            part_d,
        ]
    )
    # The `make test` timings (bench/time_make_test.py), one row per commit, are kept.
    kept = (
        time_make_test.section(args.output.read_text(encoding="utf-8"))
        if args.output.exists()
        else None
    )
    if kept is not None:
        text += "\n" + kept
    args.output.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
