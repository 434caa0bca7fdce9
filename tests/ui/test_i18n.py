"""Both message catalogues are complete, and the compiled .mo files match the .po files."""

from __future__ import annotations

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import skip_or_fail

LOCALE = Path(settings.LOCALE_PATHS[0])
LANGUAGES = [code for code, _ in settings.LANGUAGES]


def _unquote(line: str) -> str:
    return line[line.index('"') + 1 : line.rindex('"')].encode("raw_unicode_escape").decode("unicode_escape")


def po_entries(path: Path) -> list[dict[str, object]]:
    """The entries of a .po file: msgid, msgstr (all forms), flags. Obsolete (#~) entries are left out."""
    entries: list[dict[str, object]] = []
    current: dict[str, object] = {"flags": set(), "msgstr": []}
    key = ""
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if not line:
            if "msgid" in current:
                entries.append(current)
            current, key = {"flags": set(), "msgstr": []}, ""
        elif line.startswith("#,"):
            current["flags"] = {flag.strip() for flag in line[2:].split(",")}  # type: ignore[assignment]
        elif line.startswith("#"):
            continue
        elif line.startswith(("msgid ", "msgid_plural ", "msgctxt ")):
            key = line.split(" ", 1)[0]
            current[key] = _unquote(line)
        elif line.startswith("msgstr"):
            key = "msgstr"
            current["msgstr"].append(_unquote(line))  # type: ignore[union-attr]
        elif line.startswith('"'):
            if key == "msgstr":
                current["msgstr"][-1] += _unquote(line)  # type: ignore[index]
            else:
                current[key] = str(current[key]) + _unquote(line)
    return entries


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_and_none_is_fuzzy(language: str) -> None:
    # given the catalogue of one language
    entries = [e for e in po_entries(LOCALE / language / "LC_MESSAGES" / "django.po") if e["msgid"]]
    assert len(entries) > 100
    # then every entry has a translation in every plural form, and none is marked fuzzy
    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"])]  # type: ignore[call-overload]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]  # type: ignore[operator]
    assert untranslated == [], f"{language}: untranslated"
    assert fuzzy == [], f"{language}: fuzzy"


def test_the_english_catalogue_repeats_each_message_id() -> None:
    # given the English catalogue
    entries = [e for e in po_entries(LOCALE / "en" / "LC_MESSAGES" / "django.po") if e["msgid"]]
    # then each singular translation is the message id itself
    different = [e["msgid"] for e in entries if "msgid_plural" not in e and e["msgstr"] != [e["msgid"]]]
    assert different == []


def test_both_catalogues_hold_the_same_messages() -> None:
    ids = {
        language: {e["msgid"] for e in po_entries(LOCALE / language / "LC_MESSAGES" / "django.po")}
        for language in LANGUAGES
    }
    assert ids["ja"] == ids["en"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_compiled_catalogue_matches_its_source(language: str, tmp_path: Path) -> None:
    # given the .po source and the .mo shipped next to it
    msgfmt = shutil.which("msgfmt")
    if msgfmt is None:
        skip_or_fail("msgfmt from GNU gettext is not installed (apt-get install gettext)")
    po = LOCALE / language / "LC_MESSAGES" / "django.po"
    shipped = po.with_suffix(".mo")
    assert shipped.exists(), f"{shipped} is missing: run django-admin compilemessages"
    # when the source is compiled afresh
    fresh = tmp_path / "django.mo"
    subprocess.run([msgfmt, "--check-format", "-o", str(fresh), str(po)], check=True)
    # then the shipped catalogue holds exactly the same translations
    with fresh.open("rb") as a, shipped.open("rb") as b:
        assert gettext.GNUTranslations(a)._catalog == gettext.GNUTranslations(b)._catalog, (  # type: ignore[attr-defined]
            f"{shipped} is out of date: run django-admin compilemessages"
        )
