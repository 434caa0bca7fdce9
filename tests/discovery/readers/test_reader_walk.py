"""Finding files: recursion, globs, size limit, symbolic links."""

from __future__ import annotations

import os
from pathlib import Path

from mamori.discovery.engine.readers import iter_files
from mamori.discovery.engine.readers.walk import iter_file_paths
from mamori.discovery.engine.types import FileProblem, ReadLimits


def tree(root: Path) -> None:
    for rel in ["a.csv", "b.log", "sub/c.csv", "sub/deep/d.txt", "node_modules/x.js"]:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("data\n")


def names(items: list[Path | FileProblem], root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in items if isinstance(p, Path)]


def test_directories_are_walked_recursively_in_sorted_order(tmp_path: Path) -> None:
    # given a small tree
    tree(tmp_path)
    # when walked
    found = names(list(iter_files([tmp_path], ReadLimits())), tmp_path)
    # then every file comes back, sorted
    assert found == ["a.csv", "b.log", "node_modules/x.js", "sub/c.csv", "sub/deep/d.txt"]


def test_include_and_exclude_globs_match_relative_paths_and_base_names(tmp_path: Path) -> None:
    # given a tree and globs
    tree(tmp_path)
    limits = ReadLimits(include=("*.csv", "sub/deep/*"), exclude=("node_modules", "a.*"))
    # when walked
    found = names(list(iter_files([tmp_path], limits)), tmp_path)
    # then only included files outside excluded names remain
    assert found == ["sub/c.csv", "sub/deep/d.txt"]


def test_a_file_over_the_size_limit_is_reported_not_read(tmp_path: Path) -> None:
    # given a file larger than the limit
    big = tmp_path / "big.log"
    big.write_bytes(b"x" * 3000)
    # when walked with a 2 KB limit
    items = list(iter_files([big], ReadLimits(max_file_size=2048)))
    # then it is a problem that says how big it is and what the limit is
    assert items == [FileProblem(str(big), "skipped: 2.9 KB exceeds the 2 KB limit")]


def test_symbolic_links_are_skipped_unless_followed(tmp_path: Path) -> None:
    # given a link to a file outside the tree
    outside = tmp_path / "outside.txt"
    outside.write_text("secret\n")
    root = tmp_path / "root"
    root.mkdir()
    (root / "link.txt").symlink_to(outside)
    # when walked without and with following links
    plain = names(list(iter_files([root], ReadLimits())), root)
    followed = names(list(iter_files([root], ReadLimits(follow_symlinks=True))), root)
    # then the link is only read when asked
    assert plain == []
    assert followed == ["link.txt"]


def test_a_symbolic_link_loop_is_never_followed_round(tmp_path: Path) -> None:
    # given a directory containing a link to itself
    root = tmp_path / "root"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "f.txt").write_text("x\n")
    (root / "sub" / "again").symlink_to(root)
    # when walked following links
    found = names(list(iter_files([root], ReadLimits(follow_symlinks=True))), root)
    # then each file comes back once and the walk ends
    assert found == ["sub/f.txt"]


def test_missing_and_unreadable_paths_are_problems(tmp_path: Path) -> None:
    # given a missing path and a directory without read permission
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "f.txt").write_text("x")
    os.chmod(locked, 0)
    try:
        # when walked
        items = list(iter_files([tmp_path / "missing", locked], ReadLimits()))
    finally:
        os.chmod(locked, 0o700)
    # then both are reported, with what is wrong
    problems = [i for i in items if isinstance(i, FileProblem)]
    assert problems[0].message == "no such file or directory"
    if os.geteuid() != 0:  # root can read anything
        assert "cannot read directory" in problems[1].message


def test_file_paths_are_written_as_pathlib_writes_them(tmp_path: Path, monkeypatch: object) -> None:
    # given a tree, walked from the current directory, with a trailing separator and with a doubled one
    tree(tmp_path)
    monkeypatch.chdir(tmp_path)  # type: ignore[attr-defined]
    limits = ReadLimits(include=("*.csv", "sub/deep/*"))
    for roots in (["."], ["./"], ["sub/"], ["sub//deep"], [f"{tmp_path}/./sub"], ["a.csv", "./sub/c.csv"]):
        # when the paths are listed as text
        listed = list(iter_file_paths(roots, limits))
        # then they are the paths' own text, and the globs saw the same relative paths
        assert listed == [str(p) for p in iter_files(roots, limits)]
        assert listed == [str(Path(p)) for p in listed]
    assert list(iter_file_paths(["."], limits)) == ["a.csv", "sub/c.csv", "sub/deep/d.txt"]
