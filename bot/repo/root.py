"""Where the register is: the folder holding `.github/riskbot.yml`, found by looking upward.

Like git, ruff and pre-commit, riskbot can be run from anywhere inside the repository: it looks
in the working directory and each folder above it, and stops at the repository root (the folder
holding `.git`) so that it never picks up a register of an enclosing repository.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

from bot.register.load import POLICY_PATH, Loaded, Unloaded

POLICY_MISSING = "policy-missing"
"""The code of the finding that says the policy file is not there."""


@dataclass(frozen=True)
class RootSearch:
    """The outcome of looking for the register: where it is, or where riskbot looked."""

    start: Path
    found: Path | None
    repository: Path | None
    explicit: bool = False

    @property
    def root(self) -> Path:
        """The register's root; where none was found, the folder the search started in."""
        return self.found if self.found is not None else self.start

    def missing_message(self) -> str:
        """What a person reads when there is no policy: where riskbot looked, what to do."""
        if self.explicit:
            return (
                f"policy file not found: {self.start / POLICY_PATH} does not exist; "
                f"run `riskbot init {self.start}` to create one"
            )
        where = _shown(self.start)
        if self.repository is not None:
            upto = f"up to the repository root {_shown(self.repository)}"
            there = "in the repository root"
        else:
            upto = "up to the filesystem root (no repository root, a folder with .git, was found)"
            there = "in the folder that should hold the register"
        return (
            f"policy file not found: looked for {POLICY_PATH} in {where} and every folder above "
            f"it {upto}; run `riskbot init` {there} to create one"
        )


def _shown(path: Path) -> str:
    return str(path.resolve())


def find_root(start: Path) -> RootSearch:
    """Look for ``.github/riskbot.yml`` in ``start`` and upward, stopping at the repository root."""
    here = start.resolve()
    for folder in (here, *here.parents):
        if (folder / POLICY_PATH).is_file():
            return RootSearch(start, _relative(folder, start), folder)
        if (folder / ".git").exists():
            return RootSearch(start, None, folder)
    return RootSearch(start, None, None)


def given_root(root: Path) -> RootSearch:
    """A root named with ``--root``: used as it is, never searched from."""
    found = root if (root / POLICY_PATH).is_file() else None
    return RootSearch(root, found, None, explicit=True)


def _relative(folder: Path, start: Path) -> Path:
    # Keep paths as short as the person typed them: "wrote ../RISKS.md", not an absolute path.
    if start.is_absolute():
        return folder
    try:
        return Path(os.path.relpath(folder))
    except ValueError:  # another drive on Windows
        return folder


def name_missing_policy(loaded: Loaded, search: RootSearch) -> Loaded:
    """The register, with its "policy file not found" finding saying where riskbot looked."""
    if not isinstance(loaded, Unloaded):
        return loaded
    findings = [
        dataclasses.replace(f, message=search.missing_message()) if f.code == POLICY_MISSING else f
        for f in loaded.findings
    ]
    return dataclasses.replace(loaded, findings=findings)


def enclosing_register(directory: Path) -> Path | None:
    """The register ``directory`` is inside of (not ``directory`` itself), if any."""
    here = directory.resolve()
    if (here / ".git").exists():
        return None  # a repository of its own
    for folder in here.parents:
        if (folder / POLICY_PATH).is_file():
            return folder
        if (folder / ".git").exists():
            return None
    return None
