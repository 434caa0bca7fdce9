"""Readers turn files into TextUnits for the detectors (plain library: no Django imports).

``iter_files`` finds the files to scan; ``read_file`` sniffs a file's format and yields its text
units, reporting anything it cannot read as a FileProblem instead of raising.
"""

from __future__ import annotations

from .dispatch import read_file
from .walk import iter_files

__all__ = ["iter_files", "read_file"]
