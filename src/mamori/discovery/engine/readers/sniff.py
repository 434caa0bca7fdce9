"""Deciding a file's format from its first bytes, with the extension as a tie-breaker."""

from __future__ import annotations

import json
import re

# Container formats recognised by their magic bytes, checked before any text decoding.
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "zip"),
    (b"PK\x05\x06", "zip"),  # empty zip
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"%PDF-", "pdf"),
)

TEXT_EXTENSIONS: dict[str, str] = {
    ".csv": "csv",
    ".tsv": "csv",
    ".tab": "csv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".sql": "sql",
    ".dump": "sql",
    ".eml": "mail",
    ".mbox": "mbox",
    ".mbx": "mbox",
}

# Extensions that are plain text even when their content looks like something else.
PLAIN_EXTENSIONS = frozenset({".log", ".md", ".html", ".htm", ".xml", ".php", ".py", ".js", ".ini", ".conf"})

SQL_HINTS = re.compile(
    r"^(--\s*(MySQL dump|MariaDB dump|PostgreSQL database dump)|"
    r"(INSERT\s+INTO|CREATE\s+TABLE|COPY\s+\S+.*FROM\s+stdin)\b)",
    re.IGNORECASE | re.MULTILINE,
)


def extension(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > name.rfind("/") else ""


def sniff_container(head: bytes) -> str | None:
    for magic, kind in MAGIC:
        if head.startswith(magic):
            return kind
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    return None


def sniff_text(sample: str, name: str) -> str:
    """One of ``csv``, ``json``, ``jsonl``, ``sql``, ``mail``, ``mbox`` or ``text``."""
    ext = extension(name)
    if ext in TEXT_EXTENSIONS:
        kind = TEXT_EXTENSIONS[ext]
        return "jsonl" if kind == "json" and _looks_jsonl(sample) else kind
    if ext in PLAIN_EXTENSIONS:
        # logs are often JSON Lines; a bad line is still scanned as text, so nothing is lost
        return "jsonl" if _looks_jsonl(sample.lstrip("\ufeff \t\r\n")) else "text"
    stripped = sample.lstrip("\ufeff \t\r\n")
    if stripped[:1] in ("{", "["):
        if _looks_jsonl(stripped):
            return "jsonl"
        return "json"
    if SQL_HINTS.search(sample[:8192]):
        return "sql"
    return _mail_kind(stripped) or "text"


# A mailbox starts with its separator line (`From sender date`), a saved message with header lines. Only
# MIME messages count as mail without an extension: a plain text note that starts `From:` reads as text.
_MBOX_START = re.compile(r"From \S+ .*\d\d:\d\d")
_HEADER_LINE = re.compile(r"[!-9;-~]+:[ \t]|[ \t]")
_MIME_VERSION = re.compile(r"^MIME-Version:", re.IGNORECASE | re.MULTILINE)


def _mail_kind(sample: str) -> str | None:
    head = sample.replace("\r\n", "\n").split("\n\n", 1)[0]
    lines = head.split("\n")
    if _MBOX_START.match(lines[0]) and len(lines) > 2 and all(_HEADER_LINE.match(ln) for ln in lines[1:6]):
        return "mbox"
    if _MIME_VERSION.search(head) and all(_HEADER_LINE.match(ln) for ln in lines[:10]):
        return "mail"
    return None


def _looks_jsonl(sample: str) -> bool:
    """At least two of the first lines are complete JSON objects or arrays on their own."""
    if sample.lstrip()[:1] not in ("{", "["):  # the first line that is not blank must be one (quick for logs)
        return False
    lines = [ln.strip() for ln in sample.splitlines()[:20] if ln.strip()]
    complete = lines[:-1] if len(lines) > 1 else lines  # the last line of a sample may be cut off
    if len(complete) < 2 and not (len(lines) == 2 and lines[0][:1] in "{["):
        return False
    good = 0
    for ln in complete[:10]:
        if ln[:1] not in "{[":
            return False
        try:
            json.loads(ln)
        except ValueError:
            continue
        good += 1
    return good >= 1 and good >= len(complete[:10]) // 2
