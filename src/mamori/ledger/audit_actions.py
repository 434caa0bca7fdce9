"""Audit actions of the ledger (個人情報管理台帳; see ``mamori.audit.registry``)."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "import": _("Import"),
}

MESSAGES = {
    r"ledger (?P<format>\w+) \((?P<count>\d+) entries\)": _("ledger %(format)s (%(count)s entries)"),
    r"catalogue loaded \((?P<count>\d+) new\)": _("catalogue loaded (%(count)s new)"),
    r"ledger import from (?P<source>.+) \((?P<rows>\d+) entries: (?P<new>\d+) new, (?P<updated>\d+) updated\)": _(
        "ledger import from %(source)s (%(rows)s entries: %(new)s new, %(updated)s updated)"
    ),
}
