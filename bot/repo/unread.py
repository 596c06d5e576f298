"""Files under `risks/` that riskbot does not read, said out loud instead of skipped silently.

riskbot reads ``risks/**/*.yaml`` and ``*.yml``. Anything else there is most likely a risk that
will never be checked (``R-023.YAML``, ``R-024.yaml.txt``) or a note that belongs elsewhere, so
each gets a warning. Files that are obviously not risks are left alone: dotfiles and anything
in a dot-folder (``.gitkeep``, ``.DS_Store``), and Markdown (``README.md``, ``INDEX.md``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from pathlib import PurePosixPath

from bot.register.findings import Finding, sort_key, warning
from bot.register.load import RISK_SUFFIXES, RISKS_DIR, Loaded

UNREAD = "unread"
"""The code of the warning for a file riskbot does not read."""
NOT_RISKS = (".md", ".markdown")


def _obviously_not_a_risk(relative: PurePosixPath) -> bool:
    if any(part.startswith(".") for part in relative.parts):
        return True
    return relative.suffix.casefold() in NOT_RISKS or relative.stem.casefold() == "readme"


def unread_file_warnings(names: Iterable[str]) -> list[Finding]:
    """A warning for each of these files under ``risks/`` (the files riskbot does not read)
    that is not obviously something other than a risk."""
    found: list[Finding] = []
    for name in sorted(names):
        relative = PurePosixPath(name).relative_to(RISKS_DIR)
        if _obviously_not_a_risk(relative):
            continue
        if relative.suffix.casefold() in RISK_SUFFIXES:
            fix = f"rename it to {relative.stem}{relative.suffix.casefold()}"
            why = "riskbot reads only names ending in .yaml or .yml, in lower case"
        else:
            fix = "rename it to .yaml if it is a risk, or move it out of risks/"
            why = "riskbot reads only .yaml and .yml files there"
        found.append(warning(name, 1, f"not read: {why}; {fix}", code=UNREAD))
    return found


def with_unread_files(loaded: Loaded, names: Iterable[str]) -> Loaded:
    """The register with a warning added for each file under ``risks/`` it did not read."""
    extra = unread_file_warnings(names)
    if not extra:
        return loaded
    return dataclasses.replace(loaded, findings=sorted([*loaded.findings, *extra], key=sort_key))
