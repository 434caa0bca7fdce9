"""Reading the requirements catalogue (``data/controls.json`` or a file the company supplies) and applying it.

The file is the only source of the catalogue fields; applying it adds new requirements, updates the text of
known ones (matched by ``key``, so a renumbering keeps owners, status and evidence), and marks requirements the
file no longer lists as retired — never deleting them, because audits and reviews may point at them.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mamori.pms.models import Control, Mapping2017

SHIPPED = Path(__file__).resolve().parent / "data" / "controls.json"
CATALOGUE_FIELDS = (
    "code",
    "number_confirmed",
    "group",
    "title_ja",
    "title_en",
    "guidance_ja",
    "guidance_en",
    "a2017",
    "a2017_mapping",
    "evidence_sources",
)
REQUIRED = ("key", "group", "title_ja", "title_en")
KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
GROUP = re.compile(r"^J\.(?:[1-9]|1[01])$")
CODE = re.compile(r"^(?:J\.[0-9]+(?:\.[0-9]+){0,3})?$")
SOURCES = frozenset(
    {
        "ledger",
        "risk",
        "nonconformity",
        "contractors",
        "playbooks",
        "incidents",
        "scans",
        "users",
        "audit_trail",
        "training",
        "internal_audit",
        "management_review",
        "documents",
        "requests",
        "complaints",
    }
)


class CatalogueError(ValueError):
    """The catalogue file is not usable; the message says where and what."""


@dataclass
class LoadResult:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    unchanged: int = 0


def read(path: Path = SHIPPED) -> list[dict[str, Any]]:
    """The requirements in a catalogue file, checked; ``CatalogueError`` names the entry and field at fault."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogueError(f"{path}: cannot read the file ({exc.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogueError(f"{path}: not a UTF-8 JSON file ({exc})") from None
    entries = data.get("controls") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise CatalogueError(f'{path}: expected an object with a non-empty "controls" list')
    seen: set[str] = set()
    return [_checked(entry, i, seen) for i, entry in enumerate(entries, start=1)]


@functools.cache
def chapters(path: Path = SHIPPED) -> dict[str, tuple[str, str]]:
    """Chapter names by group ("J.1" → (Japanese, English)) from the catalogue file's "chapters" list.

    The names are read from the shipped file, not stored with the requirements: the chapters J.1 … J.11 are fixed
    by the guideline, so a company's own catalogue needs none; a group missing here is shown by its number alone.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    names: dict[str, tuple[str, str]] = {}
    for entry in data.get("chapters", []) if isinstance(data, dict) else []:
        if not isinstance(entry, dict) or not GROUP.match(str(entry.get("group", ""))):
            continue
        ja, en = entry.get("title_ja"), entry.get("title_en")
        if isinstance(ja, str) and isinstance(en, str) and ja.strip() and en.strip():
            names[entry["group"]] = (ja.strip(), en.strip())
    return names


def _checked(entry: Any, number: int, seen: set[str]) -> dict[str, Any]:
    where = f"entry {number}"
    if not isinstance(entry, dict):
        raise CatalogueError(f"{where}: expected an object")
    where = f"entry {number} ({entry.get('key', '?')})"
    for name in REQUIRED:
        if not isinstance(entry.get(name), str) or not entry[name].strip():
            raise CatalogueError(f'{where}: "{name}" is required text')
    unknown = set(entry) - {"key", *CATALOGUE_FIELDS}
    if unknown:
        raise CatalogueError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    if not KEY.match(entry["key"]):
        raise CatalogueError(f'{where}: "key" must be lower-case letters, digits and hyphens')
    if entry["key"] in seen:
        raise CatalogueError(f'{where}: the key "{entry["key"]}" appears twice')
    seen.add(entry["key"])
    if not GROUP.match(entry["group"]):
        raise CatalogueError(f'{where}: "group" must be J.1 … J.11')
    if not CODE.match(entry.get("code", "")):
        raise CatalogueError(f'{where}: "code" must look like J.3.1.1 (or be empty when not confirmed)')
    if entry.get("a2017_mapping", Mapping2017.NONE) not in Mapping2017.values:
        raise CatalogueError(f'{where}: "a2017_mapping" must be one of {", ".join(Mapping2017.values)}')
    sources = entry.get("evidence_sources", [])
    if not isinstance(sources, list) or not set(sources) <= SOURCES:
        raise CatalogueError(f'{where}: "evidence_sources" must be a list of {", ".join(sorted(SOURCES))}')
    for name in ("code", "guidance_ja", "guidance_en", "a2017"):
        if not isinstance(entry.get(name, ""), str):
            raise CatalogueError(f'{where}: "{name}" must be text')
    if not isinstance(entry.get("number_confirmed", True), bool):
        raise CatalogueError(f'{where}: "number_confirmed" must be true or false')
    defaults = {"code": "", "number_confirmed": True, "guidance_ja": "", "guidance_en": "", "a2017": ""}
    return {**defaults, "a2017_mapping": Mapping2017.NONE, "evidence_sources": [], **entry}


def apply(entries: list[dict[str, Any]], now: Any) -> LoadResult:
    """Bring the Control rows in line with ``entries`` (already checked). The caller holds the transaction."""
    result = LoadResult()
    known = {c.key: c for c in Control.objects.select_for_update()}
    for order, entry in enumerate(entries, start=1):
        values = {name: entry[name] for name in CATALOGUE_FIELDS} | {"order": order, "retired_at": None}
        control = known.pop(entry["key"], None)
        if control is None:
            Control.objects.create(key=entry["key"], **values)
            result.added.append(entry["key"])
        elif any(getattr(control, name) != entry[name] for name in CATALOGUE_FIELDS):
            Control.objects.filter(pk=control.pk).update(**values)
            result.updated.append(entry["key"])
        else:
            # A new position or a comeback from retirement is not a change of the requirement's text.
            if (control.order, control.retired_at) != (order, None):
                Control.objects.filter(pk=control.pk).update(order=order, retired_at=None)
            result.unchanged += 1
    for control in known.values():
        if control.retired_at is None:
            Control.objects.filter(pk=control.pk).update(retired_at=now)
            result.retired.append(control.key)
    return result
