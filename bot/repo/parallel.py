"""Checking many risk files on every core: a process pool, only where it pays.

Each file is checked on its own (:func:`bot.register.load.check_file`), so the files can be
shared out among processes and the results put back in order: the register is the same as one
process would build, byte for byte. A pool costs tens of milliseconds to start, more than a
small register takes to check, so below :data:`POOL_THRESHOLD` files everything runs here.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from bot.register.load import CheckedFile, SourceFile, check_file, check_files
from bot.repo.schemas import install

if TYPE_CHECKING:
    from multiprocessing.context import BaseContext

POOL_THRESHOLD = 1000
"""Fewer files than this are checked in this process."""
MAX_WORKERS = 8
WORKERS_ENV = "RISKBOT_WORKERS"
"""``1`` checks every register in this process; ``N`` uses N processes whatever its size."""


def usable_cpus() -> int:
    """The CPUs this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def free_cpus() -> float:
    """CPUs nobody else is using: the usable ones less the load average (as ``make -l`` does).

    The load average also counts this run (and whatever ran just before it in the same job),
    so one runnable process of it is taken as ours.
    """
    cpus = usable_cpus()
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):  # not on every platform
        return float(cpus)
    return cpus - max(0.0, load - 1.0)


def workers_for(files: int, env: Mapping[str, str] | None = None) -> int:
    """How many processes should check this many files (1: no pool).

    A pool pays while at least half a CPU is free: its workers then get more of the machine
    than one process would. On a machine busy with other work, they only add the cost of
    handing files out and results back.
    """
    wanted = (os.environ if env is None else env).get(WORKERS_ENV, "")
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    cpus = usable_cpus()
    free = free_cpus()
    if files < POOL_THRESHOLD or cpus < 2 or free < 0.5:
        return 1
    return min(cpus, MAX_WORKERS, max(2, math.ceil(free)))


def _context() -> BaseContext:
    import multiprocessing  # only here: importing it costs more than checking a small register

    # fork shares what this process has loaded (the compiled validators included), so a worker
    # starts in a millisecond; where fork is not safe (macOS) the platform's default is used.
    if sys.platform != "darwin" and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def check_in_parallel(
    sources: Sequence[SourceFile], workers: int | None = None
) -> list[CheckedFile]:
    """Check each file on its own, in ``workers`` processes (default: :func:`workers_for`)."""
    count = workers_for(len(sources)) if workers is None else workers
    if count <= 1 or len(sources) < 2:
        return check_files(sources)
    # The first file is checked here: that loads the validators once, before the workers fork.
    first = check_file(sources[0])
    rest = sources[1:]
    chunk = max(1, len(rest) // (count * 4))
    context = _context()
    # A worker that does not fork from here starts afresh: it is given the schemas first.
    start = None if context.get_start_method() == "fork" else install
    with context.Pool(count, initializer=start) as pool:
        checked = pool.map(check_file, rest, chunksize=chunk)
    return [first, *checked]
