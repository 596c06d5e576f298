"""Which risk ids the register ever used, read from git: for new ids and for reused ones.

One ``git log`` over every ref lists each risk file ever added or deleted; a deletion whose id
no file of the same commit takes up again (a rename) is a removal. Only when a removal's id is
held again now is the removed file's title read, in one more git process. Outside git, or with
git missing, there is no history: the working tree alone counts.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from pathlib import Path

from bot.register.ids import IdHistory, Removal, id_of_name, next_id
from bot.register.load import RISK_SUFFIXES, RISKS_DIR
from bot.register.yamlfile import load_yaml
from bot.repo.git import GitError, start_git, start_reading_objects

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
    try:
        listing = start_git(root, *_LOG)
    except GitError:
        return lambda present: None

    def finish(present: Collection[str]) -> IdHistory | None:
        try:
            out = listing()
        except GitError:
            return None
        return _history(root, out, present)

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


def used_ids(root: Path) -> frozenset[str]:
    """Every id ever used: in git's history of ``risks/`` (all refs) and in the working tree."""
    now = _ids_now(root)
    history = id_history(root)
    return frozenset(now | (history.used if history is not None else set()))


def removed_ids(root: Path) -> frozenset[str]:
    """Ids git saw removed that no file of the working tree holds now: never to be used again."""
    history = id_history(root)
    if history is None:
        return frozenset()
    return frozenset(set(history.removals) - _ids_now(root))


def next_free_id(root: Path) -> str:
    """The id a new risk gets: above every id ever used."""
    return next_id(used_ids(root))
