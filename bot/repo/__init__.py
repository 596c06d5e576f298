"""The repository on disk: the register's files from the working tree or from a git revision."""
