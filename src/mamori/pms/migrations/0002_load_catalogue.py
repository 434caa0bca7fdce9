"""Load the shipped JIS Q 15001 requirements catalogue (later updates: ``mamori pms load-controls``)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import migrations

CATALOGUE = Path(__file__).resolve().parent.parent / "data" / "controls.json"
FIELDS = (
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


def load(apps: Any, schema_editor: Any) -> None:
    Control = apps.get_model("pms", "Control")
    entries = json.loads(CATALOGUE.read_text(encoding="utf-8"))["controls"]
    for order, entry in enumerate(entries, start=1):
        values = {name: entry[name] for name in FIELDS if name in entry}
        Control.objects.update_or_create(key=entry["key"], defaults={**values, "order": order})


class Migration(migrations.Migration):
    dependencies = [("pms", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
