"""Fill the safety-measure catalogue from risk/data/measures.json (idempotent: existing codes are updated)."""

from __future__ import annotations

from typing import Any

from django.db import migrations


def seed(apps: Any, schema_editor: Any) -> None:
    from mamori.risk import catalogue

    safety_measure = apps.get_model("risk", "SafetyMeasure")
    for item in catalogue.measures():
        safety_measure.objects.update_or_create(
            code=item["code"],
            defaults={"category": item["category"], "name_ja": item["ja"], "name_en": item["en"]},
        )


class Migration(migrations.Migration):
    dependencies = [("risk", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
