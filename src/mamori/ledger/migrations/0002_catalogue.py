"""Load the data-category catalogue so that every installation starts with it."""

from django.db import migrations


def load(apps, schema_editor):  # type: ignore[no-untyped-def]
    from mamori.ledger.data.catalogue import CATEGORIES

    DataCategory = apps.get_model("ledger", "DataCategory")
    for order, row in enumerate(CATEGORIES, start=1):
        values = {k: v for k, v in row.items() if k != "code"}
        DataCategory.objects.update_or_create(code=row["code"], defaults={**values, "order": order * 10})


class Migration(migrations.Migration):
    dependencies = [("ledger", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
