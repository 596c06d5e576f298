"""Regenerate BENCHMARKS.md: all three families of figures, each with the command behind it.

    .venv/bin/python bench/benchmarks.py            # about ten minutes on 2 cores

(a) `riskbot check` throughput against check-jsonschema at 100 / 1,000 / 10,000 files
    (bench/bench_check.py); (b) `riskbot check` latency on the plan's register against the bare
    interpreter importing PyYAML and jsonschema; (c) GitHub API requests per run of `sync` and
    `remind` on registers of 10, 100 and 1,000 risks, first run and rerun, counted on the local
    GitHub API server (bench/bench_github.py). Needs the `bench` extra (check-jsonschema).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

import bench_check  # noqa: E402
import bench_github  # noqa: E402

PYTHON = Path(sys.executable)
RISKBOT = PYTHON.parent / "riskbot"


def median_seconds(cmd: Sequence[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def latency(runs: int) -> list[str]:
    """`riskbot check` on the plan's register against the interpreter importing its parsers."""
    check = [str(RISKBOT), "check", "--root", str(REPO), "--format", "json"]
    bare = [str(PYTHON), "-c", "import yaml, jsonschema"]
    rows = []
    for _ in range(2):  # alternate, twice, to share the machine's load fairly
        rows.append((median_seconds(check, runs), median_seconds(bare, runs)))
    ours = statistics.median(r[0] for r in rows)
    floor = statistics.median(r[1] for r in rows)
    return [
        "| command | median s |",
        "|---|---:|",
        f"| `riskbot check --root . --format json` (10 risks and the policy) | {ours:.3f} |",
        f'| `python -c "import yaml, jsonschema"` | {floor:.3f} |',
        "",
        f"riskbot's own work on top of that floor: {ours - floor:.3f} s "
        f"({ours / floor:.2f}× the floor). Medians of {2 * runs} runs of each, alternating.",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="100,1000,10000")
    parser.add_argument("--github-sizes", default="10,100,1000")
    parser.add_argument("--runs", type=int, default=10, help="latency runs per round")
    parser.add_argument("--output", type=Path, default=REPO / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        throughput = Path(tmp) / "throughput.md"
        bench_check.main(["--sizes", args.sizes, "--output", str(throughput), "-q"])
        part_a = throughput.read_text(encoding="utf-8").split("\n", 1)[1].strip()
    part_b = latency(args.runs)
    part_c = bench_github.table(
        bench_github.measure([int(x) for x in args.github_sizes.split(",")])
    )
    text = "\n".join(
        [
            "# Benchmarks",
            "",
            "Regenerated as a whole by `python bench/benchmarks.py` (in the project's virtual",
            "environment, with the `bench` extra installed). Figures are wall-clock seconds"
            " of whole",
            "processes on the machine described under (a), or request counts.",
            "",
            "## (a) `riskbot check` throughput against check-jsonschema",
            "",
            f"Command: `python bench/bench_check.py --sizes {args.sizes}`",
            "",
            part_a,
            "",
            "## (b) `riskbot check` latency on the plan's register",
            "",
            f"Command: `python bench/benchmarks.py` (its `latency` step, {args.runs} runs a round)",
            "",
            *part_b,
            "",
            "## (c) GitHub API requests per run",
            "",
            f"Command: `python bench/bench_github.py --sizes {args.github_sizes}`. One risk in ten",
            "is Red; reviews are spread over 40 days so some are due. Counted on the local"
            " GitHub API",
            "server of the test suite; `--budget` lifted so the first run finishes in one go.",
            "",
            part_c,
            "",
            "`sync` reads the bot's issues a page of 100 at a time and the labels; a rerun writes",
            "nothing. `remind` also reads the recent comments of each Red issue with a due review",
            "(to find reminders it already posted), so its reads grow with the number of due Red",
            "risks, not with the register.",
            "",
        ]
    )
    args.output.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
