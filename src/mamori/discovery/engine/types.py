"""Result and input types shared by the scanner engine's readers, detectors and scan loop.

The engine is a plain library: nothing here (or anywhere under ``mamori.discovery.engine``)
imports Django. The web app and the CLI convert these types to their own storage and output.
"""

from __future__ import annotations

import enum
import operator
from dataclasses import dataclass, field, fields
from typing import ClassVar

from mamori.discovery.engine.native import LineCounter


class Severity(enum.IntEnum):
    """How urgent a finding is. Ordered, so ``--fail-on`` can compare."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r} (expected one of: {names})") from None


class DataClass(enum.StrEnum):
    """What kind of data a finding is.

    PROHIBITED: data that must never be stored after authorisation (full card number,
    security code, track data) — 保存してはならないカード情報.
    PERSONAL: personal information (個人情報) that may be held if declared and protected.
    """

    PROHIBITED = "prohibited"
    PERSONAL = "personal"


@dataclass(frozen=True, slots=True)
class TextUnit:
    """A piece of text a reader hands to the detectors, with where it came from.

    ``text`` may be a large chunk of a log file (``line`` is then the 1-based line number of the
    chunk's first character) or a single field of a structured record (``key`` then names the CSV
    column, JSON key, SQL column or ``key=value`` name the value sits under, which detectors use as
    context). ``path`` is the display path; members of archives are written ``outer.zip!inner/file``.
    ``record`` groups units that belong to one record (a CSV row, a JSON object, an SQL INSERT row,
    a serialized payment array) so that detectors can use neighbouring fields as context: a field
    named ``cvv`` next to a card number in the same record.

    ``offset`` is the character offset of ``text[0]`` within the decoded file when the file is
    streamed in overlapping chunks; the engine uses it to drop a value found twice in an overlap.
    Nested keys are dotted paths (``card.number``, ``memo02.card_no``): the last part is the leaf.
    """

    text: str
    path: str
    line: int | None = None
    key: str | None = None
    sheet: str | None = None
    cell: str | None = None
    record: int | None = None
    offset: int | None = None


@dataclass(frozen=True, slots=True)
class AsciiChunk:
    """A chunk of a plain-text file that holds only ASCII, handed on as the bytes that were read.

    Most of a log is ASCII. Decoding it to ``str`` and encoding it back for the prefilter would cost
    more than the prefilter itself, so the detectors search these bytes as they are and decode only
    the short windows around prefilter matches. ``path``, ``line`` and ``offset`` mean what they mean
    for a :class:`TextUnit` chunk (in ASCII a byte offset is a character offset). ``data`` is a buffer
    of the chunk's own, never changed once handed on; ``lines`` gives the line number at an offset.
    """

    data: bytes | bytearray
    path: str
    line: int
    offset: int
    lines: LineCounter = field(init=False, compare=False, repr=False)
    # A chunk of free text: no field name, sheet, cell or record (read alike with TextUnit's).
    key: ClassVar[None] = None
    sheet: ClassVar[None] = None
    cell: ClassVar[None] = None
    record: ClassVar[None] = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "lines", LineCounter(self.data, self.line))

    @property
    def text(self) -> str:
        return self.data.decode("ascii")


@dataclass(frozen=True, slots=True)
class Finding:
    """One detected value. Never holds the full value of a card number or security code.

    ``masked`` is safe to print and store (cards: at most the first six and last four digits, at least
    six hidden, e.g. ``411111******1111``). ``fingerprint`` lets the same value be recognised without
    being stored: for most types a keyed hash (HMAC-SHA256, hex) of the normalised value; for a card
    number a slow keyed hash, or empty (``masking.PanFingerprinter``); for a security code, expiry date
    or track data always empty — a hash of so few unknown digits next to their mask gives them away.
    """

    type: str
    path: str
    masked: str
    detector: str
    confidence: float
    severity: Severity
    data_class: DataClass
    fingerprint: str
    line: int | None = None
    column: str | None = None
    sheet: str | None = None
    cell: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "type": self.type,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "sheet": self.sheet,
            "cell": self.cell,
            "masked": self.masked,
            "detector": self.detector,
            "confidence": round(self.confidence, 3),
            "severity": self.severity.label,
            "data_class": str(self.data_class),
            "fingerprint": self.fingerprint,
        }

    # Pickled as a tuple of its fields, set back through the slots: a parallel scan sends every finding from a
    # worker to the main process, and the dataclass default (a list built by ``fields()``, set back one
    # ``object.__setattr__`` at a time) cost twice as much on each side.
    def __getstate__(self) -> tuple[object, ...]:
        return _finding_state(self)

    def __setstate__(self, state: tuple[object, ...] | list[object]) -> None:
        for set_field, value in zip(_FINDING_SETTERS, state, strict=True):
            set_field(self, value)


_FINDING_FIELDS = tuple(item.name for item in fields(Finding))
_finding_state = operator.attrgetter(*_FINDING_FIELDS)
_FINDING_SETTERS = tuple(Finding.__dict__[name].__set__ for name in _FINDING_FIELDS)


@dataclass(frozen=True, slots=True)
class FileProblem:
    """A file (or archive member) that could not be read; the scan goes on without it.

    ``scanned``: a warning about a file that was still scanned (as best it could be: an uncertain text
    encoding, invalid JSON read as plain text); it is listed but not counted as skipped."""

    path: str
    message: str
    scanned: bool = False


@dataclass(slots=True)
class ReadLimits:
    """Bounds that keep a scan safe on hostile or huge input."""

    max_file_size: int = 2 * 1024**3  # bytes; larger files are skipped and reported
    chunk_size: int = 4 * 1024**2  # bytes of text per TextUnit when streaming
    chunk_overlap: int = 256  # characters carried into the next chunk so values across a boundary are found
    max_archive_depth: int = 3
    max_archive_members: int = 10_000
    max_archive_total: int = 4 * 1024**3  # uncompressed bytes read from one archive
    max_compression_ratio: int = 200  # a member inflating beyond this is treated as a bomb
    follow_symlinks: bool = False
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    extra: dict[str, object] = field(default_factory=dict)
