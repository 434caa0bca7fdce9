"""Magnetic-stripe track data becomes a scanner type of the ledger (the scanner has reported `card_track_data`
since it could; reconciliation showed the raw code), with its data category for existing installations.

A fresh installation already gets the category from 0002, which loads the whole current catalogue; here it is
only added where missing, placed right after the card security code, and no edited category is touched.
"""

from django.db import migrations, models

CODE = "card-track-data"


def add_category(apps, schema_editor):  # type: ignore[no-untyped-def]
    from mamori.ledger.data.catalogue import CATEGORIES

    DataCategory = apps.get_model("ledger", "DataCategory")
    if DataCategory.objects.filter(code=CODE).exists():
        return
    row = next(r for r in CATEGORIES if r["code"] == CODE)
    after = DataCategory.objects.filter(code="card-security-code").first()
    order = after.order + 5 if after is not None else 0
    values = {k: v for k, v in row.items() if k != "code"}
    if DataCategory.objects.filter(name=values["name"]).exists():
        return  # someone created a category of that name by hand: keep theirs
    DataCategory.objects.create(code=CODE, order=order, **values)


class Migration(migrations.Migration):
    dependencies = [("ledger", "0002_catalogue")]

    operations = [
        migrations.AlterField(
            model_name="datacategory",
            name="scanner_type",
            field=models.CharField(
                blank=True,
                choices=[
                    ("credit_card_number", "Credit card number"),
                    ("card_security_code", "Card security code"),
                    ("card_track_data", "Magnetic stripe track data"),
                    ("card_expiry", "Card expiry date"),
                    ("my_number", "My Number"),
                    ("phone_number", "Phone number"),
                    ("email_address", "E-mail address"),
                    ("postal_code", "Postal code"),
                    ("address", "Address"),
                    ("person_name", "Person name"),
                    ("bank_account", "Bank account"),
                    ("drivers_license", "Driver's licence number"),
                    ("passport_number", "Passport number"),
                ],
                max_length=40,
                verbose_name="scanner finding type",
            ),
        ),
        migrations.RunPython(add_category, migrations.RunPython.noop),
    ]
