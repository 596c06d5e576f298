"""riskbot's command line as the tests run it: in this process, as a new process would see it.

:func:`run_riskbot` runs ``bot.cli.main`` here, with what a subprocess of the installed command
gets: its own argv, a clean environment (no Actions or riskbot variables of the host) plus the
call's additions, its working directory, its stdin (empty unless given, never a terminal), its
stdout and stderr apart, its exit code, Python's default warning filters, and a traceback on
stderr (exit 1) for an exception that escapes. Everything it changes is put back after the run
(environment, working directory, streams, argv, signal handlers, logging, umask), and the memo
caches of riskbot's modules are emptied before and after, so no run sees another's state.

:func:`run_installed` runs the installed console script as a subprocess, for what only a real
process shows: the entry point itself, a fresh interpreter, signals and timeouts.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
import signal
import subprocess
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Literal

RISKBOT = shutil.which("riskbot", path=str(Path(sys.executable).parent)) or "riskbot"
"""The console script installed beside the interpreter running the tests."""

Result = subprocess.CompletedProcess[str]
"""What a run of riskbot gives, from either runner: args, returncode, stdout and stderr."""

HOST_ONLY = ("GITHUB_", "RISKBOT_")
"""Variables of the host's environment a run never inherits: it gets only those a test gives."""


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """This process's environment without Actions or riskbot variables, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(HOST_ONLY)}
    env.update(extra or {})
    return env


def run_installed(
    *args: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    timeout: float = 60,
) -> Result:
    """Run the installed ``riskbot ARGS`` as a subprocess; ``env`` adds to a clean environment;
    no terminal on stdin."""
    return subprocess.run(
        [RISKBOT, *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=clean_env(env),
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        timeout=timeout,
        check=False,
    )


def run_riskbot(
    *args: str,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
) -> Result:
    """Run ``riskbot ARGS`` in this process: the result a subprocess of the installed command
    gives (exit code, stdout, stderr), from a clean environment plus ``env``, in ``cwd``."""
    from bot.cli import main

    argv = ["riskbot", *args]
    stdout, stderr = io.BytesIO(), io.BytesIO()
    with _as_a_new_process(argv, cwd, clean_env(env), stdin, stdout, stderr):
        code = _exit_code(main)
    return subprocess.CompletedProcess(argv, code, _text(stdout), _text(stderr))


def _exit_code(main: Callable[[], object]) -> int:
    """Call ``main`` and return the exit status the interpreter would end with."""
    try:
        main()
    except SystemExit as done:
        if done.code is None:
            return 0
        if isinstance(done.code, int):
            return done.code
        print(done.code, file=sys.stderr)  # as the interpreter does for sys.exit("message")
        return 1
    except KeyboardInterrupt:  # the interpreter prints it, then ends itself by SIGINT
        traceback.print_exc()
        return -signal.SIGINT
    except BaseException:  # any other exception that escapes: printed, exit 1
        traceback.print_exc()
        return 1
    return 0


def _text(pipe: io.BytesIO) -> str:
    """What ``subprocess.run(text=True)`` reads from a pipe: UTF-8, universal newlines."""
    return io.TextIOWrapper(io.BytesIO(pipe.getvalue()), encoding="utf-8").read()


def _writer(pipe: io.BytesIO, errors: str) -> io.TextIOWrapper:
    """Python's stdout or stderr on a pipe: UTF-8 text, not a terminal."""
    return io.TextIOWrapper(pipe, encoding="utf-8", errors=errors, newline="\n")


_STREAMS = ("stdin", "stdout", "stderr", "__stdin__", "__stdout__")

# Python's warning filters when no -W option or PYTHONWARNINGS is given, first match wins.
_DEFAULT_WARNINGS: tuple[tuple[Literal["default", "ignore"], type[Warning], str], ...] = (
    ("default", DeprecationWarning, "__main__"),
    ("ignore", DeprecationWarning, ""),
    ("ignore", PendingDeprecationWarning, ""),
    ("ignore", ImportWarning, ""),
    ("ignore", ResourceWarning, ""),
)


def clear_riskbot_caches() -> None:
    """Empty the memo caches (``functools.cache``) of every loaded riskbot module."""
    for name, module in list(sys.modules.items()):
        if module is None or not (name == "bot" or name.startswith("bot.")):
            continue
        for value in list(vars(module).values()):
            clear = getattr(value, "cache_clear", None)
            if callable(clear) and getattr(value, "__module__", None) == name:
                clear()


@contextlib.contextmanager
def _as_a_new_process(
    argv: list[str],
    cwd: Path | None,
    env: dict[str, str],
    stdin: str | None,
    stdout_pipe: io.BytesIO,
    stderr_pipe: io.BytesIO,
) -> Iterator[None]:
    """This process set up as a new one would be for ``argv``, writing to the two pipes, and
    put back afterwards."""
    saved_env = dict(os.environ)
    saved_cwd = os.getcwd()
    saved_argv = sys.argv
    saved_streams = {name: getattr(sys, name) for name in _STREAMS}
    saved_signals = _signal_handlers()
    saved_logging = _logging_state()
    saved_umask = os.umask(0o022)
    os.umask(saved_umask)
    stdout, stderr = _writer(stdout_pipe, "strict"), _writer(stderr_pipe, "backslashreplace")
    given = io.TextIOWrapper(io.BytesIO((stdin or "").encode("utf-8")), encoding="utf-8")
    clear_riskbot_caches()
    try:
        os.environ.clear()
        os.environ.update(env)
        if cwd is not None:
            os.chdir(cwd)
        sys.argv = argv
        # The original streams too: the terminal size is read from sys.__stdout__, and a pipe
        # has none (80 columns unless COLUMNS says otherwise), as for a subprocess.
        for name, stream in zip(_STREAMS, (given, stdout, stderr, given, stdout), strict=True):
            setattr(sys, name, stream)
        with warnings.catch_warnings():
            warnings.resetwarnings()
            for action, category, module in reversed(_DEFAULT_WARNINGS):
                warnings.filterwarnings(action, category=category, module=module)
            yield
    finally:
        for stream in (stdout, stderr):
            with contextlib.suppress(ValueError):  # a stream the command closed
                stream.detach()  # flushed, and the pipe stays open to be read
        for name, stream in saved_streams.items():
            setattr(sys, name, stream)
        sys.argv = saved_argv
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        os.umask(saved_umask)
        _restore_signal_handlers(saved_signals)
        _restore_logging(saved_logging)
        clear_riskbot_caches()


def _signal_handlers() -> dict[signal.Signals, object]:
    handlers: dict[signal.Signals, object] = {}
    for number in signal.valid_signals():
        with contextlib.suppress(OSError, ValueError):
            handlers[signal.Signals(number)] = signal.getsignal(number)
    return handlers


def _restore_signal_handlers(saved: dict[signal.Signals, object]) -> None:
    for number, handler in saved.items():
        if handler is not None and signal.getsignal(number) is not handler:
            signal.signal(number, handler)  # type: ignore[arg-type]


_LoggerState = tuple[list[logging.Handler], int, bool, bool]


def _logging_state() -> tuple[int, dict[str, _LoggerState]]:
    loggers = {"": logging.getLogger()}
    for name, logger in logging.Logger.manager.loggerDict.items():
        if isinstance(logger, logging.Logger):
            loggers[name] = logger
    states = {
        name: (list(lg.handlers), lg.level, lg.disabled, lg.propagate)
        for name, lg in loggers.items()
    }
    return logging.root.manager.disable, states


def _restore_logging(saved: tuple[int, dict[str, _LoggerState]]) -> None:
    """The loggers that existed before the run as they were (a logger a module created on its
    first import during the run keeps what that module gave it, as it would in a process)."""
    disable, states = saved
    logging.disable(disable)
    for name, (handlers, level, disabled, propagate) in states.items():
        logger = logging.getLogger(name or None)
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.disabled = disabled
        logger.propagate = propagate
