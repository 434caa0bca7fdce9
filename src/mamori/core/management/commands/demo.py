from __future__ import annotations

from typing import Any

import pyotp
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from mamori.core import demo


class Command(BaseCommand):
    help = "Load the demo organisation (an invented hobby retailer and its contractors). Safe to run again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--code", action="store_true", help="only print the current demo two-factor code")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["code"]:
            self.stdout.write(pyotp.TOTP(demo.DEMO_TOTP_SECRET).now())
            return
        call_command("migrate", interactive=False, verbosity=0)
        users = demo.load_demo()
        self.stdout.write(self.style.SUCCESS("Demo organisation loaded: " + demo.ORGANISATION["name"]))
        self.stdout.write(
            f"Sign in at {settings.SITE_URL}/accounts/login/  password for every demo user: {demo.DEMO_PASSWORD}"
        )
        for spec, user in users:
            two_factor = "  (two-factor: `mamori demo --code`)" if user.has_totp else ""
            self.stdout.write(f"  {user.username:<13} {spec.role.label}{two_factor}")
        self.stdout.write(f"Demo two-factor secret (add to an authenticator app): {demo.DEMO_TOTP_SECRET}")
