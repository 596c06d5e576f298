"""When riskbot checks files in a pool of processes, and that the pool changes nothing."""

from __future__ import annotations

import os

import pytest

from bot.register.load import SourceFile, check_files
from bot.repo import parallel
from tests.factories import RISKS


@pytest.mark.parametrize(
    ("files", "cpus", "load", "workers"),
    [
        (10_000, 2, 0.1, 2),  # idle: every CPU
        (10_000, 2, 2.0, 2),  # one other busy process: the pool still gets more of the machine
        (10_000, 2, 2.6, 1),  # under half a CPU free: one process
        (10_000, 2, 5.0, 1),
        (10_000, 1, 0.0, 1),  # nothing to share out
        (999, 8, 0.0, 1),  # small registers do not pay for a pool
        (10_000, 16, 0.0, parallel.MAX_WORKERS),
        (10_000, 8, 6.0, 3),
    ],
)
def test_workers_follow_size_and_free_cpus(
    monkeypatch: pytest.MonkeyPatch, files: int, cpus: int, load: float, workers: int
) -> None:
    monkeypatch.setattr(parallel, "usable_cpus", lambda: cpus)
    monkeypatch.setattr(os, "getloadavg", lambda: (load, load, load))
    assert parallel.workers_for(files, {}) == workers


def test_the_environment_decides_when_it_says(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "getloadavg", lambda: (9.0, 9.0, 9.0))
    assert parallel.workers_for(5, {"RISKBOT_WORKERS": "3"}) == 3
    assert parallel.workers_for(50_000, {"RISKBOT_WORKERS": "1"}) == 1
    assert parallel.workers_for(50_000, {"RISKBOT_WORKERS": "lots"}) == 1


def test_without_a_load_average_every_cpu_counts_as_free(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing() -> tuple[float, float, float]:
        raise OSError("no load average here")

    monkeypatch.setattr(os, "getloadavg", missing)
    monkeypatch.setattr(parallel, "usable_cpus", lambda: 4)
    assert parallel.free_cpus() == 4.0


def test_a_pool_answers_in_order_what_one_process_answers() -> None:
    sources = [SourceFile(f"risks/{p.name}", p.read_bytes()) for p in sorted(RISKS.glob("*"))]
    sources.append(SourceFile("risks/R-099-broken.yaml", b"id: R-099\ntitle: [\n"))
    assert parallel.check_in_parallel(sources, 3) == check_files(sources)
    assert parallel.check_in_parallel(sources[:1], 3) == check_files(sources[:1])


def test_workers_that_start_afresh_are_given_the_schemas(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where processes are spawned, not forked (macOS), a worker imports only what it runs: it
    is handed the schemas before it checks a file."""
    import multiprocessing

    monkeypatch.setattr(parallel, "_context", lambda: multiprocessing.get_context("spawn"))
    sources = [SourceFile(f"risks/{p.name}", p.read_bytes()) for p in sorted(RISKS.glob("*"))]
    assert parallel.check_in_parallel(sources, 2) == check_files(sources)


DYING_WORKER = """
import os, sys, time
from bot.register import load
from bot.register.load import SourceFile, check_files
from bot.repo import parallel
from tests.factories import risk_yaml

parent = os.getpid()
real = load.check_file


def check_file(source):
    # In a worker, one file makes the process die at once (as the kernel's OOM killer would).
    if os.getpid() != parent and source.name == "risks/R-0050-x.yaml":
        os._exit(9)
    return real(source)


load.check_file = parallel.check_file = check_file
sources = [
    SourceFile(f"risks/R-{n:04d}-x.yaml", risk_yaml(f"R-{n:04d}").encode()) for n in range(1, 121)
]
got = parallel.check_in_parallel(sources, 3)
assert got == check_files(sources), "not the same register"
print("checked", len(got))
"""


@pytest.mark.parametrize(
    ("fault", "timeout"),
    [("os._exit(9)", parallel.POOL_TIMEOUT), ("time.sleep(600)", 2.0)],
    ids=["dies", "hangs"],
)
def test_a_worker_that_dies_or_hangs_is_replaced_by_this_process(
    fault: str, timeout: float
) -> None:
    """A pool worker killed mid-run made ``Pool.map`` wait forever: the files it held are
    checked here instead, and the register is the same; one that does not answer in time is
    stopped, and the run ends."""
    import subprocess
    import sys

    from tests.factories import REPO

    script = DYING_WORKER.replace("os._exit(9)", fault).replace(
        "check_in_parallel(sources, 3)", f"check_in_parallel(sources, 3, timeout={timeout})"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "checked 120\n"
