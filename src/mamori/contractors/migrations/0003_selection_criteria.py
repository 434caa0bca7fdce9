"""The selection criteria Mamori ships (委託先の選定基準), with weights; editable afterwards as data.
Running it again leaves criteria already there (and any edits) untouched."""

from django.db import migrations

from mamori.contractors.checklist import DEFAULT_CRITERIA


def load_criteria(apps, schema_editor):
    criterion = apps.get_model("contractors", "SelectionCriterion")
    for order, (name, name_en, weight) in enumerate(DEFAULT_CRITERIA, start=1):
        criterion.objects.get_or_create(name=name, defaults={"name_en": name_en, "weight": weight, "order": order})


def unload_criteria(apps, schema_editor):
    criterion = apps.get_model("contractors", "SelectionCriterion")
    criterion.objects.filter(name__in=[c[0] for c in DEFAULT_CRITERIA], selectionscore__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("contractors", "0002_supervision_and_manual")]

    operations = [migrations.RunPython(load_criteria, unload_criteria)]
