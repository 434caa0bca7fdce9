"""The catalogues shipped in ``risk/data``: threats, safety-measure categories and the default matrix.

Each entry carries a Japanese and an English label; ``label()`` picks the one for the active language so
that the catalogue text stays in one data file instead of the translation catalogues.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.utils.translation import get_language

DATA_DIR = Path(__file__).resolve().parent / "data"


@cache
def _load(name: str) -> dict[str, Any]:
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def label(entry: dict[str, str]) -> str:
    """The entry's label in the active language (Japanese unless English is chosen)."""
    language = (get_language() or "ja")[:2]
    return entry.get("en" if language == "en" else "ja") or entry.get("ja") or entry.get("en") or ""


def threats() -> list[dict[str, str]]:
    return list(_load("threats.json")["threats"])


def threat_codes() -> list[str]:
    return [t["code"] for t in threats()]


def threat_label(code: str) -> str:
    for threat in threats():
        if threat["code"] == code:
            return label(threat)
    return code


def threat_choices() -> list[tuple[str, str]]:
    return [(t["code"], label(t)) for t in threats()]


def measure_categories() -> list[dict[str, str]]:
    return list(_load("measures.json")["categories"])


def measures() -> list[dict[str, str]]:
    return list(_load("measures.json")["measures"])


def default_matrix() -> dict[str, Any]:
    return dict(_load("matrix.json"))
