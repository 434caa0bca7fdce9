"""Findings lose the fast keyed hash of every value; card numbers get slow fingerprints instead.

The old ``fingerprint`` was an HMAC keyed from SECRET_KEY next to the masked value: with the key, the hidden
digits of a card number (or a whole security code) fall to brute force in seconds. It cannot be converted
(the clear values are gone), so it is dropped; the next scan of a source stores the new fingerprints.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("discovery", "0001_initial")]

    operations = [
        migrations.RemoveField(model_name="scanfinding", name="fingerprint"),
        migrations.AddField(
            model_name="scanfinding",
            name="card_fingerprints",
            field=models.JSONField(blank=True, default=list, editable=False, verbose_name="card fingerprints"),
        ),
    ]
