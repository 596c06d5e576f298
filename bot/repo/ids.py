"""Which risk ids the register ever used, read from git: for new ids and for reused ones.

One ``git log`` over every ref lists each risk file ever added or deleted; a deletion whose id
no file of the same commit takes up again (a rename) is a removal. Only when a removal's id is
held again now is the removed file's title read, in one more git process. Outside git, or with
git missing, there is no history: the working tree alone counts.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import replace
from pathlib import Path

from bot.register.ids import IdHistory, Removal, id_of_name, next_id
from bot.register.load import RISK_SUFFIXES, RISKS_DIR
from bot.register.yamlfile import load_yaml
from bot.repo.git import SHALLOW, GitError, ShallowClone, start_git, start_reading_objects

_COMMIT = "commit:"


def _risk_file(name: str) -> bool:
    return name.startswith(f"{RISKS_DIR}/") and name.endswith(RISK_SUFFIXES)


def parse_log(out: bytes) -> tuple[set[str], dict[str, Removal]]:
    """Ids and last removals from ``git log -z --name-status --format=commit:%h`` output."""
    used: set[str] = set()
    removals: dict[str, Removal] = {}
    tokens = [t.strip() for t in out.decode("utf-8", "surrogateescape").split("\0")]
    commit = ""
    added: set[str] = set()
    deleted: list[tuple[str, str]] = []

    def close() -> None:
        for risk_id, name in deleted:
            if risk_id not in added:  # newest first: the first removal seen is the last one
                removals.setdefault(risk_id, Removal(risk_id, name, commit))

    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.startswith(_COMMIT):
            close()
            commit, added, deleted = token[len(_COMMIT) :], set(), []
        elif token and token[0] in "ADMT" and i + 1 < len(tokens):
            name = tokens[i + 1]
            i += 1
            risk_id = id_of_name(name) if _risk_file(name) else None
            if risk_id is not None:
                used.add(risk_id)
                if token[0] == "D":
                    deleted.append((risk_id, name))
                else:
                    added.add(risk_id)
        i += 1
    close()
    return used, removals


def _titles(root: Path, removals: Iterable[Removal]) -> dict[str, str]:
    """The title each removed file had just before its removal (one ``git cat-file``)."""
    wanted = {f"{r.commit}^:{r.file}": r for r in removals}
    try:
        found = start_reading_objects(root, wanted)()
    except GitError:
        return {}
    titles: dict[str, str] = {}
    for name, removal in wanted.items():
        got = found.get(name)
        if got is None:
            continue  # not there
        data = load_yaml(removal.file, got[2]).data
        title = data.get("title") if isinstance(data, dict) else None
        if isinstance(title, str):
            titles[removal.risk_id] = title
    return titles


_LOG = (
    "-c",
    "core.quotePath=false",
    "log",
    "--all",
    "--no-renames",
    "--relative",
    "--name-status",
    "-z",
    f"--format={_COMMIT}%h",
    "--",
    f"{RISKS_DIR}/",
)


def start_id_history(root: Path) -> Callable[[Collection[str]], IdHistory | None]:
    """Start the ``git log`` of :func:`id_history` now; the function returned waits for it.

    git lists the history while this process reads and checks the files.
    """
    started: list[Callable[[], bytes]] = []
    try:
        for args in (_LOG, ("rev-parse", "--is-shallow-repository")):
            started.append(start_git(root, *args))
    except GitError:
        pass  # git cannot run here: no history (what started is still waited for below)

    def finish(present: Collection[str]) -> IdHistory | None:
        answers: list[bytes | None] = []
        for answer in started:  # each waited for, whichever fails
            try:
                answers.append(answer())
            except GitError:
                answers.append(None)
        if len(answers) < 2 or answers[0] is None:
            return None
        out, cut = answers[0], answers[1] is not None and answers[1].strip() == b"true"
        history = _history(root, out, present)
        return replace(history, cut_off=SHALLOW) if cut else history

    return finish


def id_history(root: Path, present: Collection[str] = ()) -> IdHistory | None:
    """The ids of every risk file git ever saw under ``risks/``, and the last removal of each.

    ``present``: ids held now; only their removals get a title (to tell a restored risk from a
    new one). None outside a git repository.
    """
    return start_id_history(root)(present)


def _history(root: Path, out: bytes, present: Collection[str]) -> IdHistory:
    used, removals = parse_log(out)
    titles = _titles(root, (removals[i] for i in sorted(present) if i in removals))
    removals = {
        rid: Removal(r.risk_id, r.file, r.commit, titles.get(rid)) for rid, r in removals.items()
    }
    return IdHistory(frozenset(used), removals)


def _ids_now(root: Path) -> set[str]:
    """The ids the working tree's risk file names hold (found as ``check`` finds them)."""
    from bot.repo.files import risk_file_names

    return {i for n in risk_file_names(root) if (i := id_of_name(n)) is not None}


def removed_ids(root: Path) -> frozenset[str]:
    """Ids git saw removed that no file of the working tree holds now: never to be used again."""
    history = id_history(root)
    if history is None:
        return frozenset()
    return frozenset(set(history.removals) - _ids_now(root))


def next_free_id(root: Path) -> str:
    """The id a new risk gets: above every id ever used, in git's history of ``risks/`` (all
    refs) and in the working tree. A shallow clone cannot tell every id ever used, so it is
    refused (:class:`ShallowClone`, saying how to fetch the rest)."""
    history = id_history(root)
    if history is not None and history.cut_off:
        raise ShallowClone(
            f"new: {history.cut_off}. A new risk's id must be above every id the register ever "
            "held, and a cut history cannot tell them all: nothing written"
        )
    return next_id(_ids_now(root) | (history.used if history is not None else set()))
