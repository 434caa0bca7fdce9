"""Audit actions of the core: backups, restores and key rotation (see ``mamori.audit.registry``)."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "backup": _("Backup"),
    "restore": _("Restore from backup"),
    "rotate_key": _("Key rotation"),
}

MESSAGES = {
    r"(?P<what>.+) \((?P<count>\d+) records\)": _("%(what)s (%(count)s records)"),
    r"demo user": _("demo user"),
    r"backup (?P<name>\S+) written: sha256 (?P<sha>\w+), (?P<size>\d+) bytes, (?P<rows>\d+) rows, "
    r"(?P<files>\d+) files": _(
        "backup %(name)s written: sha256 %(sha)s, %(size)s bytes, %(rows)s rows, %(files)s files"
    ),
    r"restored backup (?P<name>\S+) \(sha256 (?P<sha>\w+), created (?P<created>\S+) by Mamori (?P<version>\S+)\): "
    r"(?P<rows>\d+) rows and (?P<files>\d+) files replaced the previous data": _(
        "restored backup %(name)s (sha256 %(sha)s, created %(created)s by Mamori %(version)s): %(rows)s rows "
        "and %(files)s files replaced the previous data"
    ),
    r"secrets key rotated: (?P<changed>\d+) stored secrets re-encrypted, (?P<unreadable>\d+) unreadable left as "
    r"they were; the old key is kept as (?P<name>\S+)": _(
        "secrets key rotated: %(changed)s stored secrets re-encrypted, %(unreadable)s unreadable left as they "
        "were; the old key is kept as %(name)s"
    ),
    r"fingerprint key rotated: the card fingerprints of (?P<count>\d+) findings were cleared": _(
        "fingerprint key rotated: the card fingerprints of %(count)s findings were cleared"
    ),
}

RECORD_KINDS = {
    "backup": _("backup"),
    "key": _("key"),
}
