"""Small typed readers for settings that come from the environment (healthchecks style)."""

from __future__ import annotations

import contextlib
import math
import os
import stat
from collections import Counter
from pathlib import Path


class ConfigError(Exception):
    """A setting in the environment is missing or malformed. The message names the variable."""


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name}={raw!r} is not a yes/no value (use 1/0, true/false, yes/no, on/off)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str, default: str = "") -> str:
    """Read NAME, or the contents of the file named by NAME_FILE (for Docker/systemd secrets)."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{name}_FILE={file_name!r} cannot be read: {exc.strerror}") from None
    return os.environ.get(name, default)


def default_data_dir() -> Path:
    """``var/`` in a source checkout, else the user's data directory."""
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "pyproject.toml").exists():
        return checkout / "var"
    return Path.home() / ".local" / "share" / "mamori"


# --------------------------------------------------------------------------------------------------
# Keys: how weak a configured key is, and private files and folders

MIN_KEY_LENGTH = 32
MIN_DISTINCT_CHARACTERS = 8
# Estimated from the characters' frequencies; 32 random hex digits (128 bits) measure about 90-140.
MIN_ESTIMATED_BITS = 80
# Share of distinct 4-character pieces below which a value is mostly one pattern repeated.
MIN_DISTINCT_PIECES = 0.75
DEVELOPMENT_SECRET_KEY = "mamori-development-only-not-secret"  # noqa: S105 - refused when DEBUG is off
KNOWN_DEFAULT_KEYS = frozenset(
    {
        DEVELOPMENT_SECRET_KEY,
        "changeme",
        "change-me",
        "change_me",
        "secret",
        "secret-key",
        "secret_key",
        "secretkey",
        "your-secret-key",
        "your-secret-key-here",
        "replace-me",
        "insecure",
        "development",
        "password",
        "test",
    }
)


def key_weakness(value: str) -> str | None:
    """Why ``value`` is too weak to be a key (a phrase to follow "it"), or None when it looks random enough.

    Leading and trailing whitespace does not count: "a-default " is the default. The estimate is only a
    screen for mistakes (a placeholder left in, a key typed by hand), not a proof of randomness.
    """
    key = value.strip()
    if not key:
        return "is empty"
    if key.lower() in KNOWN_DEFAULT_KEYS or key.lower().startswith("django-insecure"):
        return "is a published default value"
    if len(key) < MIN_KEY_LENGTH:
        return f"is shorter than {MIN_KEY_LENGTH} characters"
    distinct = len(set(key))
    if distinct == 1:
        return "is one character repeated"
    if distinct < MIN_DISTINCT_CHARACTERS:
        return f"uses only {distinct} different characters"
    if _distinct_pieces(key) < MIN_DISTINCT_PIECES:
        return "repeats a short pattern"
    if estimated_bits(key) < MIN_ESTIMATED_BITS:
        return "has too little randomness"
    return None


def estimated_bits(key: str) -> float:
    """Shannon estimate of the randomness in ``key``: its length times the entropy of its characters."""
    total = len(key)
    return sum(count * math.log2(total / count) for count in Counter(key).values())


def _distinct_pieces(key: str, size: int = 4) -> float:
    pieces = [key[i : i + size] for i in range(len(key) - size + 1)]
    return len(set(pieces)) / len(pieces) if pieces else 1.0


def make_private_dir(folder: Path) -> None:
    """Create ``folder`` (and missing parents) readable by the owner only; tighten it when it already exists.

    Only group and other bits are removed, so a folder the administrator set to 0500 stays 0500.
    """
    missing = [folder, *(parent for parent in folder.parents if not parent.exists())]
    for each in reversed(missing):  # parents first, each 0700 (mkdir(parents=True) would use the umask)
        each.mkdir(mode=0o700, exist_ok=True)
    _tighten(folder)


def make_private_file(path: Path) -> None:
    """Create an empty ``path`` with mode 0600 when missing; remove group and other access when present."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        _tighten(path)


def _tighten(path: Path) -> None:
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        # Owned by someone else (a shared mount): left as it is; `mamori keys status` and `mamori check` show it.
        with contextlib.suppress(PermissionError):
            os.chmod(path, mode & 0o700)
