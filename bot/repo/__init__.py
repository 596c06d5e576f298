"""The repository on disk: the register's files from the working tree or from a git revision.

Importing it gives the pure register the schemas it validates with (:mod:`bot.repo.schemas`).
"""

from bot.repo import schemas

schemas.install()
