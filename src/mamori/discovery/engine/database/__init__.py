"""Scanning live databases (SQLite, PostgreSQL, MySQL/MariaDB) through SQLAlchemy, read-only."""
