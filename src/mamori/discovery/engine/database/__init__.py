"""Scanning live databases (SQLite, PostgreSQL, MySQL/MariaDB) through SQLAlchemy, read-only.

This module itself imports nothing heavy: the CLI asks it whether an argument is a database URL before
deciding to load SQLAlchemy (a file scan starts faster without it).
"""

SUPPORTED = {"sqlite": "SQLite", "postgresql": "PostgreSQL", "mysql": "MySQL", "mariadb": "MariaDB"}


def looks_like_dsn(text: str) -> bool:
    return "://" in text and text.split("://", 1)[0].split("+", 1)[0] in SUPPORTED
