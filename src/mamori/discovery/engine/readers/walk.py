"""Finding the files to scan: recursion, include/exclude globs, size limit and symlink policy."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from fnmatch import fnmatchcase
from pathlib import Path

from ..types import FileProblem, ReadLimits
from .common import human_size


def iter_files(paths: Sequence[str | Path], limits: ReadLimits) -> Iterator[Path | FileProblem]:
    """Yield the files under ``paths`` in sorted order, or a problem for each one left out.

    Globs match the path relative to the root it was found under, or its base name. A root given
    explicitly is always read even if it is a symbolic link; links met while walking are followed
    only with ``follow_symlinks``, and a directory already visited is never entered twice.
    """
    seen_dirs: set[tuple[int, int]] = set()
    for given in paths:
        root = Path(given)
        try:
            st = root.stat()
        except FileNotFoundError:
            kind = "broken symbolic link" if root.is_symlink() else "no such file or directory"
            yield FileProblem(str(root), kind)
            continue
        except OSError as exc:
            yield FileProblem(str(root), f"cannot read: {exc.strerror or exc}")
            continue
        if stat.S_ISDIR(st.st_mode):
            yield from _walk_dir(root, root, limits, seen_dirs)
        else:
            yield from _check_file(root, root.name, st, limits)


def _selected(rel: str, limits: ReadLimits) -> bool:
    name = rel.rsplit("/", 1)[-1]
    if any(fnmatchcase(rel, p) or fnmatchcase(name, p) for p in limits.exclude):
        return False
    if not limits.include:
        return True
    return any(fnmatchcase(rel, p) or fnmatchcase(name, p) for p in limits.include)


def _excluded(rel: str, limits: ReadLimits) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return any(fnmatchcase(rel, p) or fnmatchcase(name, p) for p in limits.exclude)


def _walk_dir(
    directory: Path, root: Path, limits: ReadLimits, seen: set[tuple[int, int]]
) -> Iterator[Path | FileProblem]:
    try:
        st = directory.stat()
        ident = (st.st_dev, st.st_ino)
        if ident in seen:
            return
        seen.add(ident)
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        yield FileProblem(str(directory), f"cannot read directory: {exc.strerror or exc}")
        return
    for entry in entries:
        path = Path(entry.path)
        rel = path.relative_to(root).as_posix()
        if _excluded(rel, limits):
            continue
        if entry.is_symlink() and not limits.follow_symlinks:
            continue
        try:
            est = entry.stat(follow_symlinks=True)
        except FileNotFoundError:
            yield FileProblem(str(path), "broken symbolic link")
            continue
        except OSError as exc:
            yield FileProblem(str(path), f"cannot read: {exc.strerror or exc}")
            continue
        if stat.S_ISDIR(est.st_mode):
            yield from _walk_dir(path, root, limits, seen)
        elif _selected(rel, limits):
            yield from _check_file(path, rel, est, limits)


def _check_file(path: Path, rel: str, st: os.stat_result, limits: ReadLimits) -> Iterator[Path | FileProblem]:
    if not _selected(rel, limits):
        return
    if not stat.S_ISREG(st.st_mode):
        yield FileProblem(str(path), "skipped: not a regular file (device, FIFO or socket)")
    elif st.st_size > limits.max_file_size:
        yield FileProblem(
            str(path),
            f"skipped: {human_size(st.st_size)} exceeds the {human_size(limits.max_file_size)} limit",
        )
    elif not os.access(path, os.R_OK):
        yield FileProblem(str(path), "cannot read: permission denied")
    else:
        yield path
