"""Checking many risk files on every core: a process pool, only where it pays.

Each file is checked on its own (:func:`bot.register.load.check_file`), so the files can be
shared out among processes and the results put back in order: the register is the same as one
process would build, byte for byte. A pool costs tens of milliseconds to start, more than a
small register takes to check, so below :data:`POOL_THRESHOLD` files everything runs here.

A worker that dies (killed by the kernel for memory, say) or that does not answer within
:data:`POOL_TIMEOUT` never holds the run up: the pool is stopped and the files it had not
answered for are checked here.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from bot.register.load import CheckedFile, SourceFile, check_file, check_files
from bot.repo.schemas import install

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor
    from multiprocessing.context import BaseContext

POOL_THRESHOLD = 1000
"""Fewer files than this are checked in this process."""
MAX_WORKERS = 8
POOL_TIMEOUT = 120.0
"""Seconds the pool has to answer for all its files (a file takes milliseconds)."""
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
    sources: Sequence[SourceFile], workers: int | None = None, timeout: float = POOL_TIMEOUT
) -> list[CheckedFile]:
    """Check each file on its own, in ``workers`` processes (default: :func:`workers_for`);
    what the pool does not answer for within ``timeout`` seconds is checked here."""
    count = workers_for(len(sources)) if workers is None else workers
    if count <= 1 or len(sources) < 2:
        return check_files(sources)
    # The first file is checked here: that loads the validators once, before the workers fork.
    first = check_file(sources[0])
    rest = sources[1:]
    size = max(1, len(rest) // (count * 4))
    chunks = [rest[at : at + size] for at in range(0, len(rest), size)]
    answers = _pool_answers(chunks, count, timeout)
    checked = [first]
    for chunk, answer in zip(chunks, answers, strict=True):
        checked += answer if answer is not None else check_files(chunk)
    return checked


def _pool_answers(
    chunks: Sequence[Sequence[SourceFile]], count: int, timeout: float
) -> list[list[CheckedFile] | None]:
    """Each chunk checked in a pool of ``count`` processes, in order; None for those it did not
    answer for (a worker died, or the time ran out)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures import TimeoutError as TooLate
    from concurrent.futures.process import BrokenProcessPool

    context = _context()
    # A worker that does not fork from here starts afresh: it is given the schemas first.
    start = None if context.get_start_method() == "fork" else install
    answers: list[list[CheckedFile] | None] = [None] * len(chunks)
    # Processes that were there before the pool are not its workers (riskbot run as a library,
    # or in a test's process, may have others): only the pool's own are ever stopped.
    others = {process.pid for process in multiprocessing.active_children()}
    pool = ProcessPoolExecutor(count, mp_context=context, initializer=start)
    try:
        futures: list[Future[list[CheckedFile]]] = [pool.submit(check_files, c) for c in chunks]
        deadline = time.monotonic() + timeout
        for index, future in enumerate(futures):
            answers[index] = future.result(timeout=max(0.0, deadline - time.monotonic()))
    except (BrokenProcessPool, TooLate):
        pass  # the rest is checked here
    finally:
        _stop(pool, others, finished=all(a is not None for a in answers))
    return answers


def _stop(pool: ProcessPoolExecutor, others: set[int | None], *, finished: bool) -> None:
    """Shut the pool down; one that did not finish has its workers stopped, not waited for."""
    if finished:
        pool.shutdown()
        return
    import multiprocessing

    pool.shutdown(wait=False, cancel_futures=True)
    for process in multiprocessing.active_children():
        if process.pid not in others:  # the pool's own workers
            process.terminate()
            process.join(5)
