"""Finding the files to scan: recursion, include/exclude globs, size limit and symlink policy."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator, Sequence
from fnmatch import fnmatchcase
from pathlib import Path

from ..types import FileProblem, ReadLimits
from .common import SLASH_PATHS, human_size


def iter_files(paths: Sequence[str | Path], limits: ReadLimits) -> Iterator[Path | FileProblem]:
    """Yield the files under ``paths`` in sorted order, or a problem for each one left out.

    Globs match the path relative to the root it was found under, or its base name. A root given
    explicitly is always read even if it is a symbolic link; links met while walking are followed
    only with ``follow_symlinks``, and a directory already visited is never entered twice.
    """
    for item in iter_file_paths(paths, limits):
        yield item if isinstance(item, FileProblem) else Path(item)


def iter_file_paths(
    paths: Sequence[str | Path], limits: ReadLimits, sizes: dict[str, int] | None = None
) -> Iterator[str | FileProblem]:
    """``iter_files`` with each file as the text of its path (``str(path)``): a walk of many small files
    spent more on path objects than on the system calls. ``sizes``, when given, gets each file's size."""
    seen_dirs: set[tuple[int, int]] = set()
    sizes = {} if sizes is None else sizes
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
        top = str(root)
        if stat.S_ISDIR(st.st_mode):
            # A file's path relative to the root is what follows the root's own path (and a separator).
            posix = top if SLASH_PATHS else root.as_posix()
            skip = 0 if posix == "." else len(posix) + (not posix.endswith("/"))
            yield from _walk_dir(top, skip, limits, seen_dirs, sizes)
        else:
            yield from _check_file(top, root.name, st, limits, sizes)


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
    directory: str, skip: int, limits: ReadLimits, seen: set[tuple[int, int]], sizes: dict[str, int]
) -> Iterator[str | FileProblem]:
    """The files under ``directory`` (a path as ``str(Path(...))`` writes it); ``skip``: length of the root's
    path and separator, which the relative paths leave out."""
    try:
        st = os.stat(directory)
        ident = (st.st_dev, st.st_ino)
        if ident in seen:
            return
        seen.add(ident)
        with os.scandir(directory) as it:
            entries = sorted(it, key=lambda e: e.name)
    except OSError as exc:
        yield FileProblem(directory, f"cannot read directory: {exc.strerror or exc}")
        return
    # ``str(Path(entry.path))`` without the objects: the directory's path, a separator and the name, except
    # below `.` (`./name` is `name`) and `/`, and where the separator is not `/` (Windows).
    plain = SLASH_PATHS and directory != "." and not directory.endswith("/")
    for entry in entries:
        path = f"{directory}/{entry.name}" if plain else str(Path(entry.path))
        rel = path[skip:] if SLASH_PATHS else Path(path).as_posix()[skip:]
        if _excluded(rel, limits):
            continue
        if entry.is_symlink() and not limits.follow_symlinks:
            continue
        try:
            est = entry.stat(follow_symlinks=True)
        except FileNotFoundError:
            yield FileProblem(path, "broken symbolic link")
            continue
        except OSError as exc:
            yield FileProblem(path, f"cannot read: {exc.strerror or exc}")
            continue
        if stat.S_ISDIR(est.st_mode):
            yield from _walk_dir(path, skip, limits, seen, sizes)
        elif _selected(rel, limits):
            yield from _check_file(path, rel, est, limits, sizes)


def _check_file(
    path: str, rel: str, st: os.stat_result, limits: ReadLimits, sizes: dict[str, int]
) -> Iterator[str | FileProblem]:
    if not _selected(rel, limits):
        return
    if not stat.S_ISREG(st.st_mode):
        yield FileProblem(path, "skipped: not a regular file (device, FIFO or socket)")
    elif st.st_size > limits.max_file_size:
        yield FileProblem(
            path,
            f"skipped: {human_size(st.st_size)} exceeds the {human_size(limits.max_file_size)} limit",
        )
    elif not os.access(path, os.R_OK):
        yield FileProblem(path, "cannot read: permission denied")
    else:
        sizes[path] = st.st_size
        yield path
