"""Benchmark: `riskbot check` against `check-jsonschema` on synthetic registers.

A script, not a test. For each size N it writes N synthetic, valid risk files into a temporary
directory laid out like a repository (``.github/riskbot.yml`` copied from this one, the files
under ``risks/``), makes sure both tools accept them, then times, in the same run and
alternating the two tools:

* ``riskbot check --root DIR --format json`` (which also does the cross-file checks, scoring,
  escalations and renders the JSON report), and
* ``check-jsonschema --schemafile schema/risk.schema.json FILES...`` (schema only),

each as a subprocess with its output sent to /dev/null, and reports the medians as a Markdown
table together with the machine it ran on.

    .venv/bin/python bench/bench_check.py --sizes 100,1000,10000 --output bench/RESULTS.md

Both tools are taken from the virtual environment of the Python running this script.
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import importlib.metadata
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
POLICY = REPO / ".github" / "riskbot.yml"
SCHEMA = REPO / "schema" / "risk.schema.json"
BIN = Path(sys.executable).parent
RISKBOT = BIN / "riskbot"
CHECK_JSONSCHEMA = BIN / "check-jsonschema"
TODAY = "2026-11-27"  # fixed, so that every run computes the same reviews
SEED = 20261127

# --------------------------------------------------------------------------------------------
# Synthetic risks
# --------------------------------------------------------------------------------------------

SUBJECTS = [
    "PostgreSQL migration",
    "Package registry",
    "Search index",
    "Recommendation model",
    "Agent orchestration",
    "Consensus layer",
    "Build pipeline",
    "Release signing",
    "Dependency graph",
    "Template engine",
    "Marketplace API",
    "Authentication service",
    "Rate limiter",
    "Telemetry pipeline",
    "Plugin sandbox",
    "Cache layer",
    "Storage backend",
    "Documentation site",
    "Community forum",
    "Onboarding flow",
    "Billing integration",
    "Mirror network",
    "Code generator",
    "Schema registry",
    "Audit trail",
    "CI runners",
    "Web frontend",
    "Command-line client",
    "Offline mode",
    "Localization",
]
PROBLEMS = [
    "complexity",
    "performance regression",
    "data loss",
    "outage",
    "vendor lock-in",
    "supply chain compromise",
    "skill gap",
    "adoption shortfall",
    "scaling limits",
    "inconsistent state",
    "security vulnerability",
    "cost overrun",
    "schedule slip",
    "obsolescence",
    "insufficient testing",
    "documentation gaps",
    "key-person dependency",
    "licensing conflict",
    "privacy breach",
    "misconfiguration",
]
CAUSES = [
    "the design has not been validated at production scale",
    "the team has little experience with the technology",
    "upstream projects change their interfaces without notice",
    "the workload grows faster than the capacity plan assumed",
    "several components depend on undocumented behaviour",
    "test coverage of the failure paths is thin",
    "the release schedule leaves little room for hardening",
    "third-party packages are pulled in without review",
    "operational runbooks are incomplete or out of date",
    "the community has not been consulted on the change",
]
EFFECTS = [
    "users could lose work or see stale results for hours",
    "the release could slip by several weeks",
    "maintainers would spend most of a cycle on remediation",
    "trust in the marketplace would suffer for a long time",
    "incident response would depend on one or two people",
    "the cost of running the service could double",
]
VERBS = [
    "Run",
    "Document",
    "Automate",
    "Review",
    "Prototype",
    "Benchmark",
    "Monitor",
    "Audit",
    "Rehearse",
    "Pin",
    "Stage",
    "Measure",
    "Alert on",
    "Test",
    "Track",
    "Publish",
]
OBJECTS = [
    "the migration against a copy of production data",
    "rollback procedures every release",
    "dependency updates with a two-person review",
    "latency and error budgets per endpoint",
    "load tests at twice the expected peak",
    "the schema against real package manifests",
    "the failure modes in a chaos exercise",
    "every change to the signing keys",
    "the on-call handbook with worked examples",
    "weekly snapshots and restore drills",
    "canary deployments before each rollout",
    "contract tests between the services",
    "the contributor guide and the upgrade notes",
    "feature flags for each risky change",
    "third-party licences in the build",
    "resource usage against the capacity plan",
]
QUALIFIERS = [
    "in staging",
    "before each release",
    "on every pull request",
    "in the nightly build",
    "with the on-call team",
    "as part of the quarterly review",
    "for the top ten packages",
    "in a dedicated environment",
]
NARRATIVES_IMPACT = {
    1: "Negligible: a workaround is available",
    2: "Minor schedule slip of less than a week",
    3: "Moderate schedule slip of one to four weeks",
    4: "Major schedule delay (1-3 months), possible data loss",
    5: "Critical program jeopardy, reputation damage",
}
NARRATIVES_PROBABILITY = {
    1: "Rare (<5%)",
    2: "Unlikely (5-20%)",
    3: "Possible (20-50%)",
    4: "Likely (50-80%)",
    5: "Almost Certain (>80%)",
}
STATE_NOTES = {
    "planning": ["Planning phase", "To be addressed in the next release", "Owner assigned"],
    "active": ["Mitigation in progress", "Mitigation underway", "Half of the actions done"],
    "monitor": ["Watched at each review", "Mitigations in place, monitoring"],
    "closed": ["No longer a risk after the redesign", "Closed at the last quarterly review"],
}
REVIEW_NOTES = [
    "No change since the last review",
    "Probability lowered after the load test",
    "New mitigation added after the incident",
    "Owner confirmed the plan",
    "Impact reassessed with the release team",
    "Progress on schedule",
]


@dataclass(frozen=True)
class PolicyFacts:
    """What the generator takes from the policy: names it must use and the bands."""

    categories: list[str]
    phases: list[str]
    owners: list[str]  # every form the policy accepts: full name, short form, id
    bands: list[tuple[int, str, str]]  # (min_score, name, monitoring), highest first
    cadence_days: dict[str, int]


def policy_facts(policy_path: Path) -> PolicyFacts:
    data: dict[str, Any] = yaml.safe_load(policy_path.read_text(encoding="utf-8"))
    owners: list[str] = []
    for role in data["roles"]:
        owners += [role["name"], role["id"]] + ([role["short"]] if role.get("short") else [])
    bands = sorted(
        ((b["min_score"], b["name"], b["monitoring"]) for b in data["bands"]), reverse=True
    )
    return PolicyFacts(
        categories=[c["name"] for c in data["categories"]],
        phases=[p["name"] for p in data["phases"]],
        owners=owners,
        bands=bands,
        cadence_days={c["name"]: c["days"] for c in data["cadences"]},
    )


def _slug(title: str, limit: int = 40) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")
    return slug if len(slug) <= limit else slug[: limit + 1].rsplit("-", 1)[0]


@functools.cache
def _quote(text: str) -> str:
    """Plain where YAML reads it back as the same string, else double-quoted (as JSON)."""
    if text == text.strip() and yaml.safe_load(text) == text:
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid YAML scalar


def _sentence(rng: random.Random) -> str:
    return f"{rng.choice(VERBS)} {rng.choice(OBJECTS)} {rng.choice(QUALIFIERS)}"


def _date(rng: random.Random, start: dt.date, span_days: int) -> dt.date:
    return start + dt.timedelta(days=rng.randrange(span_days))


def risk_text(number: int, rng: random.Random, facts: PolicyFacts) -> tuple[str, str]:
    """One valid risk file: (file name, text)."""
    risk_id = f"R-{number:04d}"
    subject = rng.choice(SUBJECTS)
    problem = rng.choice(PROBLEMS)
    title = f"{subject} {problem}".capitalize()
    impact = rng.randint(1, 5)
    probability = rng.randint(1, 5)
    score = impact * probability
    band, monitoring = next((n, m) for lo, n, m in facts.bands if score >= lo)
    # A cadence no looser than the band's, so the file draws no warning either.
    cadences = [c for c, d in facts.cadence_days.items() if d <= facts.cadence_days[monitoring]]
    state = rng.choices(["planning", "active", "monitor", "closed"], [3, 5, 2, 1])[0]
    identified = _date(rng, dt.date(2024, 1, 1), 600)
    owners = rng.sample(facts.owners, 2) if rng.random() < 0.15 else [rng.choice(facts.owners)]

    out = [
        "# yaml-language-server: $schema=../schema/risk.schema.json",
        f"# Synthetic risk {number} for the check benchmark.",
        f"id: {risk_id}",
        f"title: {title}",
        f"category: {rng.choice(facts.categories)}",
        f"phase: {_quote(rng.choice(facts.phases))}",
        f'identified: "{identified.isoformat()}"',
        "description: >-",
    ]
    description = (
        f"{subject} {problem} could hit the program because "
        f"{rng.choice(CAUSES)}. If it happens, {rng.choice(EFFECTS)}, and "
        f"{rng.choice(EFFECTS)}. The risk grows when {rng.choice(CAUSES)}, and it is "
        f"harder to contain when {rng.choice(CAUSES)}."
    )
    words = description.split()
    line = ""
    for word in words:  # fold at ~80 columns like a person would
        if line and len(line) + len(word) > 76:
            out.append(f"  {line}")
            line = word
        else:
            line = f"{line} {word}" if line else word
    out.append(f"  {line}")
    out += [
        "impact:",
        f"  level: {impact}",
        f"  narrative: {_quote(NARRATIVES_IMPACT[impact])}",
        "probability:",
        f"  level: {probability}",
        f"  narrative: {_quote(NARRATIVES_PROBABILITY[probability])}",
        f"score: {score}",
        f"band: {band}",
        "mitigation:",
    ]
    for kind in ("prevention", "detection", "response"):
        out.append(f"  {kind}:")
        out += [f"    - {_sentence(rng)}" for _ in range(rng.randint(3, 5))]
    if len(owners) == 1:
        out.append(f"owner: {_quote(owners[0])}")
    else:
        out.append("owner:")
        out += [f"  - {_quote(o)}" for o in owners]
    out += [
        "status:",
        f"  state: {state}",
        f"  note: {_quote(rng.choice(STATE_NOTES[state]))}",
        "review:",
        f"  cadence: {rng.choice(cadences)}",
    ]
    log_dates = sorted(_date(rng, identified, 300) for _ in range(rng.randint(1, 4)))
    out.append(f'  last_reviewed: "{log_dates[-1].isoformat()}"')
    out.append("  log:")
    for day in log_dates:
        out += [
            f'    - date: "{day.isoformat()}"',
            f"      by: {_quote(rng.choice(owners))}",
            f"      note: {_quote(rng.choice(REVIEW_NOTES))}",
        ]
    percent = rng.randrange(0, 101, 5)
    out += [
        "mitigation_status:",
        f"  summary: {percent}% complete",
        f"  percent: {percent}",
    ]
    return f"{risk_id}-{_slug(title)}.yaml", "\n".join(out) + "\n"


def generate(root: Path, count: int, seed: int = SEED) -> list[str]:
    """Write a repository-like register of ``count`` risks; return the risk paths (relative)."""
    (root / ".github").mkdir(parents=True, exist_ok=True)
    shutil.copy(POLICY, root / ".github" / "riskbot.yml")
    (root / "schema").mkdir(exist_ok=True)
    shutil.copy(SCHEMA, root / "schema" / SCHEMA.name)
    risks = root / "risks"
    risks.mkdir(exist_ok=True)
    facts = policy_facts(POLICY)
    rng = random.Random(seed)
    names: list[str] = []
    for number in range(1, count + 1):
        name, text = risk_text(number, rng, facts)
        (risks / name).write_text(text, encoding="utf-8")
        names.append(f"risks/{name}")
    return names


# --------------------------------------------------------------------------------------------
# Running and timing the tools
# --------------------------------------------------------------------------------------------


def riskbot_cmd(root: Path) -> list[str]:
    return [str(RISKBOT), "check", "--root", str(root), "--format", "json", "--today", TODAY]


def cjs_cmd(files: Sequence[str]) -> list[str]:
    return [str(CHECK_JSONSCHEMA), "--schemafile", f"schema/{SCHEMA.name}", *files]


def command_bytes(cmd: Sequence[str]) -> int:
    """What execve counts against ARG_MAX: the arguments and the environment, NUL-terminated."""
    args = sum(len(os.fsencode(a)) + 1 for a in cmd)
    env = sum(len(os.fsencode(k)) + len(os.fsencode(v)) + 2 for k, v in os.environ.items())
    pointers = (len(cmd) + len(os.environ) + 2) * 8
    return args + env + pointers


def verify(root: Path, files: Sequence[str]) -> None:
    """Both tools must accept every generated file, or the timings mean nothing."""
    done = subprocess.run(riskbot_cmd(root), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"riskbot check failed on the synthetic register:\n{done.stdout[-3000:]}")
    report = json.loads(done.stdout)
    summary = report["summary"]
    risks = summary["risks"] + summary.get("closed", 0)  # open risks and closed ones
    if risks != len(files) or summary["errors"] or summary["warnings"]:
        sys.exit(f"unexpected riskbot summary on the synthetic register: {summary}")
    done = subprocess.run(cjs_cmd(files), cwd=root, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"check-jsonschema failed on the synthetic register:\n{done.stdout[-3000:]}")


def timed(cmd: Sequence[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{cmd[0]} exited {done.returncode} during timing")
    return elapsed


@dataclass
class Row:
    size: int
    avg_bytes: int
    riskbot: list[float]
    cjs: list[float]

    @property
    def riskbot_median(self) -> float:
        return statistics.median(self.riskbot)

    @property
    def cjs_median(self) -> float:
        return statistics.median(self.cjs)

    @property
    def ratio(self) -> float:
        return self.cjs_median / self.riskbot_median


def bench_size(size: int, repeat: int, workdir: Path, verbose: bool) -> Row:
    root = workdir / f"register-{size}"
    files = generate(root, size)
    total = sum((root / f).stat().st_size for f in files)
    need = command_bytes(cjs_cmd(files))
    arg_max = os.sysconf("SC_ARG_MAX")
    if need >= arg_max:
        # Not reached at 10,000 files (about 0.5 MB against Linux's usual 2 MB); refuse rather
        # than silently splitting the run, which would add interpreter start-ups to its time.
        sys.exit(f"check-jsonschema command line needs {need:,} bytes, ARG_MAX is {arg_max:,}")
    if verbose:
        print(
            f"N={size}: {total / size:,.0f} bytes a file on average; "
            f"check-jsonschema command line {need:,} bytes of ARG_MAX {arg_max:,}",
            file=sys.stderr,
        )
    verify(root, files)
    row = Row(size, round(total / size), [], [])
    for rep in range(repeat):
        # Alternate the tools; swap which goes first each repetition so neither always
        # inherits a warm (or a cold) page cache from the other.
        order = ("riskbot", "cjs") if rep % 2 == 0 else ("cjs", "riskbot")
        for tool in order:
            if tool == "riskbot":
                row.riskbot.append(timed(riskbot_cmd(root), root))
            else:
                row.cjs.append(timed(cjs_cmd(files), root))
        if verbose:
            print(
                f"  rep {rep + 1}/{repeat}: riskbot {row.riskbot[-1]:.3f} s, "
                f"check-jsonschema {row.cjs[-1]:.3f} s",
                file=sys.stderr,
            )
    return row


# --------------------------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------------------------


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_revision() -> str:
    try:
        rev = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--", "bot"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{rev} (bot/ has uncommitted changes)" if dirty else rev


def machine() -> list[str]:
    libyaml = bool(getattr(yaml, "__with_libyaml__", False))
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else set()
    return [
        f"- CPU: {cpu_model()}",
        f"- Cores: {os.cpu_count()} ({len(usable) or '?'} usable by this process)",
        f"- OS: {platform.system()} {platform.release()}",
        f"- Python: {platform.python_version()} ({platform.python_implementation()})",
        f"- PyYAML: {yaml.__version__}, "
        + ("with libyaml (CSafeLoader)" if libyaml else "pure Python (no libyaml)"),
        f"- jsonschema: {_version('jsonschema')}",
        f"- check-jsonschema: {_version('check-jsonschema')} "
        f"(ruamel.yaml {_version('ruamel.yaml')})",
        f"- riskbot: {_version('riskbot')} at git {git_revision()}",
    ]


def table(rows: Sequence[Row], repeat_of: dict[int, int]) -> list[str]:
    out = [
        "| N | bytes/file | runs | riskbot median s | check-jsonschema median s | ratio |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        out.append(
            f"| {r.size:,} | {r.avg_bytes:,} | {repeat_of[r.size]} | {r.riskbot_median:.3f} | "
            f"{r.cjs_median:.3f} | {r.ratio:.2f}× |"
        )
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--sizes", default="100,1000,10000", help="comma-separated numbers of risk files"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="runs of each tool per size (default: 3 at 10,000 files and more, else 5)",
    )
    parser.add_argument("--output", type=Path, help="also write the results as Markdown here")
    parser.add_argument("--workdir", type=Path, help="generate here and keep the files")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "").replace(",", "")) for s in args.sizes.split(",") if s]
    for tool in (RISKBOT, CHECK_JSONSCHEMA):
        if not tool.exists():
            sys.exit(f"{tool} not found; install riskbot with its 'bench' extra in this venv")

    repeat_of = {n: args.repeat or (3 if n >= 10_000 else 5) for n in sizes}
    rows: list[Row] = []
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        for n in sizes:
            rows.append(bench_size(n, repeat_of[n], args.workdir, not args.quiet))
    else:
        with tempfile.TemporaryDirectory(prefix="riskbot-bench-") as tmp:
            for n in sizes:
                rows.append(bench_size(n, repeat_of[n], Path(tmp), not args.quiet))

    python = Path(sys.executable)
    if python.is_relative_to(REPO):
        python = python.relative_to(REPO)
    command = f"{python} bench/bench_check.py " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    lines = [
        "## riskbot check vs check-jsonschema",
        "",
        f"Measured {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')} with "
        f"`{command.strip()}`.",
        "",
        *table(rows, repeat_of),
        "",
        "Ratio = check-jsonschema median / riskbot median (higher is better for riskbot). "
        "Wall-clock seconds of whole processes, interpreter start-up included; the two tools "
        "alternate within each repetition.",
        "",
        "Commands timed (cwd = the generated repository):",
        "",
        f"- `riskbot check --root DIR --format json --today {TODAY} > /dev/null`",
        f"- `check-jsonschema --schemafile schema/{SCHEMA.name} risks/R-0001-….yaml "
        "… > /dev/null` (one invocation, every file)",
        "",
        "Machine:",
        "",
        *machine(),
    ]
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
