"""Materialise the real-world corpus: public source trees and published test vectors.

Nothing here is generated: the trees are other projects' files as their repositories hold them, and the
vectors are numbers and addresses that other projects publish in their test suites. Run through
``bench/scan_real/fetch`` (see bench/README.md). Reads git mirrors (bare repositories) from
``$MAMORI_MIRRORS`` (default /work/.mirror/<owner>+<name>/repo, as the `fetch` tool leaves them) or clones
them with ``git clone --bare`` when ``--clone`` is given and the network allows; writes

    bench/corpus/real/trees/<owner>+<name>/...     the files of each tree at the mirror's HEAD
    bench/corpus/real/vectors/<type>.txt            one published value per line (raw, for the peers too)
    bench/corpus/real/manifest.json                 sources, commits, file counts, vector counts

bench/corpus/ is git-ignored: the trees are large and under their own licences.
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "bench" / "corpus" / "real"
VECTORS_DIR = Path(__file__).resolve().parent / "vectors"


@dataclass(frozen=True)
class Tree:
    repo: str  # owner/name on GitHub
    what: str  # why it is in the corpus
    paths: tuple[str, ...] = ()  # sub-trees to keep (all when empty)


# Public source trees that hold no real people's data: e-commerce platforms (with their fixtures, master data
# and tests) and libraries whose tests are full of numbers that look like personal data.
TREES: tuple[Tree, ...] = (
    Tree(
        "EC-CUBE/ec-cube",
        "EC-CUBE 4 (PHP/Symfony, Japanese e-commerce): CSV master data, fixtures, Twig, TypeScript e2e",
    ),
    Tree(
        "EC-CUBE/ec-cube2",
        "EC-CUBE 2 (PHP, Japanese e-commerce): SQL master data, Smarty templates, KEN_ALL postal codes",
    ),
    Tree("saleor/saleor", "Saleor (Python/Django e-commerce): fixtures, GraphQL tests, JSON data"),
    Tree("Sylius/Sylius", "Sylius (PHP/Symfony e-commerce): YAML fixtures, Behat features, JS"),
    Tree("joke2k/faker", "Faker (Python): fake-data providers and their tests in many locales"),
    Tree("arthurdejong/python-stdnum", "python-stdnum (Python): national ID/tax/bank number validators and doctests"),
)

# Where each published vector list comes from (repository, path): read as data, never as code.
VECTOR_SOURCES = {
    "phone_number": ("google/libphonenumber", "resources/PhoneNumberMetadata.xml"),
    "email_address": ("JoshData/python-email-validator", "tests/test_syntax.py"),
    "my_number": ("arthurdejong/python-stdnum", "stdnum/jp/in_.py"),
}


def mirror_of(repo: str, clone: bool) -> Path | None:
    """The bare git directory of ``repo``: the `fetch` tool's mirror, or a bare clone made with --clone."""
    base = Path(os.environ.get("MAMORI_MIRRORS", "/work/.mirror"))
    for candidate in (base / repo.replace("/", "+") / "repo", OUT / "git" / repo.replace("/", "+")):
        if (candidate / "HEAD").exists():
            return candidate
    if not clone:
        return None
    target = OUT / "git" / repo.replace("/", "+")
    target.parent.mkdir(parents=True, exist_ok=True)
    url = f"https://github.com/{repo}.git"
    if subprocess.run(["git", "clone", "--bare", "--depth", "1", url, str(target)], check=False).returncode:
        return None
    return target


def git(mirror: Path, *args: str) -> bytes:
    return subprocess.run(["git", "--git-dir", str(mirror), *args], check=True, capture_output=True).stdout


def extract(tree: Tree, mirror: Path) -> dict[str, object]:
    """Write the tree's files at HEAD under trees/<owner>+<name>/ and describe them.

    Blobs are read one by one (``git cat-file --batch``), not with ``git archive``: a mirror may list its
    largest files without holding them, and those are skipped (and counted) rather than failing the tree.
    """
    commit = git(mirror, "rev-parse", "HEAD").decode().strip()
    target = OUT / "trees" / tree.repo.replace("/", "+")
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    listing = git(mirror, "ls-tree", "-r", "-z", "HEAD", "--", *tree.paths).split(b"\0")
    blobs = []
    for entry in filter(None, listing):
        meta, _, name = entry.partition(b"\t")
        mode, kind, sha = meta.split()
        if kind == b"blob" and mode in (b"100644", b"100755"):  # no links: the scan must not leave the tree
            blobs.append((sha.decode(), name.decode("utf-8", "surrogateescape")))
    request = "".join(f"{sha}\n" for sha, _ in blobs).encode()
    batch = subprocess.run(
        ["git", "--git-dir", str(mirror), "cat-file", "--batch"], input=request, capture_output=True, check=True
    ).stdout
    files = size = absent = 0
    cursor = 0
    for _sha, name in blobs:
        header_end = batch.index(b"\n", cursor)
        header = batch[cursor:header_end].split()
        cursor = header_end + 1
        if header[-1] == b"missing":
            absent += 1
            continue
        length = int(header[2])
        path = target / name
        if ".." in Path(name).parts:
            cursor += length + 1
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(batch[cursor : cursor + length])
        cursor += length + 1
        files += 1
        size += length
    return {"repo": tree.repo, "commit": commit, "what": tree.what, "files": files, "bytes": size, "absent": absent}


# --- published vectors ---------------------------------------------------------------------------------


def jp_example_numbers(xml: str) -> list[str]:
    """Japan's example numbers in libphonenumber's metadata (one per number type), in national format."""
    block = xml[xml.index('<territory id="JP"') :]
    block = block[: block.index("</territory>")]
    return ["0" + n for n in re.findall(r"<exampleNumber>([0-9]+)</exampleNumber>", block)]


def email_vectors(source: str) -> list[str]:
    """The addresses python-email-validator's syntax tests accept: each valid case's first argument, in the
    parametrised lists before the first test of invalid input."""
    valid = source[: source.index("def test_email_invalid")] if "def test_email_invalid" in source else source
    found = re.findall(r"""^\s+\(?\s*('[^'\n]*@[^'\n]*'|"[^"\n]*@[^"\n]*"),\s*$""", valid, re.M)
    values = [ast.literal_eval(literal) for literal in found]
    return [v for v in dict.fromkeys(values) if "\n" not in v]


def my_number_vectors(source: str) -> list[str]:
    """The valid Individual Numbers in python-stdnum's jp.in_ doctests (`validate('...')` that returns)."""
    found = re.findall(r">>> validate\('([0-9 ]+)'\)\n'([0-9]+)'", source)
    return [number for number, _ in found]


def card_vectors() -> list[str]:
    """In-scope published card test numbers, as tests/discovery/data/card_test_vectors.csv records them."""
    path = REPO / "tests" / "discovery" / "data" / "card_test_vectors.csv"
    with path.open(encoding="utf-8") as handle:
        return [row["number"] for row in csv.DictReader(handle) if row["in_scope"] == "yes"]


def write_vectors(clone: bool) -> dict[str, dict[str, object]]:
    """Vectors from the mirrors where present, else the small committed copies in bench/scan_real/vectors/."""
    out = OUT / "vectors"
    out.mkdir(parents=True, exist_ok=True)
    makers = {"phone_number": jp_example_numbers, "email_address": email_vectors, "my_number": my_number_vectors}
    described: dict[str, dict[str, object]] = {}
    for kind, (repo, path) in VECTOR_SOURCES.items():
        mirror = mirror_of(repo, clone)
        values: list[str] = []
        commit = "committed copy"
        if mirror is not None:
            commit = git(mirror, "rev-parse", "HEAD").decode().strip()
            values = makers[kind](git(mirror, "show", f"HEAD:{path}").decode("utf-8"))
        committed = VECTORS_DIR / f"{kind}.txt"
        if committed.exists():
            values += [v for v in committed.read_text(encoding="utf-8").splitlines() if v and not v.startswith("#")]
        values = list(dict.fromkeys(values))
        (out / f"{kind}.txt").write_text("".join(v + "\n" for v in values), encoding="utf-8")
        described[kind] = {"source": f"{repo}:{path}", "commit": commit, "count": len(values)}
    cards = card_vectors()
    (out / "credit_card_number.txt").write_text("".join(v + "\n" for v in cards), encoding="utf-8")
    described["credit_card_number"] = {"source": "tests/discovery/data/card_test_vectors.csv", "count": len(cards)}
    return described


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clone", action="store_true", help="git clone what no mirror holds (needs the network)")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    trees = []
    missing = []
    for tree in TREES:
        mirror = mirror_of(tree.repo, args.clone)
        if mirror is None:
            missing.append(tree.repo)
            continue
        described = extract(tree, mirror)
        print(f"{tree.repo:32} {described['commit'][:12]} {described['files']:6} files", file=sys.stderr)  # type: ignore[index]
        trees.append(described)
    manifest = {"trees": trees, "missing": missing, "vectors": write_vectors(args.clone)}
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    if missing:
        print("not found (fetch them, or run with --clone): " + ", ".join(missing), file=sys.stderr)
    print(f"wrote {OUT}", file=sys.stderr)
    return 0 if trees else 2


if __name__ == "__main__":
    raise SystemExit(main())
