"""Audit actions of accounts: sign-in, two-factor, passwords and API tokens (see ``mamori.audit.registry``)."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "login": _("Sign-in"),
    "login_failed": _("Failed sign-in"),
    "logout": _("Sign-out"),
    "two_factor_enabled": _("Two-factor authentication set up"),
    "two_factor_reset": _("Two-factor authentication reset"),
    "unlock": _("Account unlocked"),
    "password_changed": _("Password changed"),
    "api_token_issued": _("API token issued"),
    "api_token_revoked": _("API token revoked"),
    "api_tokens_revoked": _("All API tokens revoked"),
}

# The reasons a sign-in was refused, as services.py writes them; most specific first.
MESSAGES = {
    r"(?P<reason>.+?); address (?P<address>\S+) locked for (?P<minutes>\d+) minutes": _(
        "%(reason)s; address %(address)s locked for %(minutes)s minutes"
    ),
    r"(?P<reason>.+?); locked for (?P<minutes>\d+) minutes": _("%(reason)s; locked for %(minutes)s minutes"),
    r"(?P<what>wrong password|wrong two-factor code) \((?P<count>\d+) in a row\)": _("%(what)s (%(count)s in a row)"),
    r"wrong password": _("wrong password"),
    r"wrong two-factor code": _("wrong two-factor code"),
    r"unknown user name": _("unknown user name"),
    r"account inactive or access expired": _("account inactive or access expired"),
    r"account locked until (?P<until>.+)": _("account locked until %(until)s"),
    r"(?P<count>\d+) token\(s\) revoked: (?P<reason>.+)": _("%(count)s token(s) revoked: %(reason)s"),
}
