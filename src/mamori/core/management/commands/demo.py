from __future__ import annotations

from typing import Any

import pyotp
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mamori.core import demo


class Command(BaseCommand):
    help = (
        "Load the demo organisation (an invented hobby retailer and its contractors) into a new database, once: "
        "later runs leave the demo's records as they are. --reset starts over with a new database (the old one "
        "is moved aside, never deleted)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--code", action="store_true", help="only print the current demo two-factor code")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="start the demo over: move the demo's database, files and audit checkpoint to "
            "MAMORI_DATA_DIR/previous-demos/ and load a fresh demo (demo data folders only; stop the server first)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["code"]:
            self.stdout.write(pyotp.TOTP(demo.DEMO_TOTP_SECRET).now())
            return
        if options["reset"]:
            try:
                moved = demo.reset()
            except demo.DemoRefused as refused:
                raise CommandError(str(refused)) from None
            self.stdout.write(f"The previous demo (database, files, audit trail) was moved to {moved}")
        call_command("migrate", interactive=False, verbosity=0)
        state = demo.demo_state()
        if state is demo.DemoState.FOREIGN:
            raise CommandError(
                "This database holds an organisation or users of its own, not the demo: `mamori demo` never adds "
                "its published logins to real data. Use an empty MAMORI_DATA_DIR (or DATABASE_URL) for the demo."
            )
        if state is demo.DemoState.LOADED:
            users = demo.demo_users()
            since = demo.loaded_at()
            self.stdout.write(
                "Demo organisation already loaded"
                + (f" (since {since})" if since else "")
                + ": records changed or deleted since are left as they are. `mamori demo --reset` starts over."
            )
            if not demo.marker_path().is_file():
                demo.mark_loaded()  # loaded by an earlier version, before the marker
        else:
            users = demo.load_demo()
            demo.mark_loaded()
            self.stdout.write(self.style.SUCCESS("Demo organisation loaded: " + demo.ORGANISATION["name"]))
        self.stdout.write(
            f"Sign in at {settings.SITE_URL}/accounts/login/  password for every demo user: {demo.DEMO_PASSWORD}"
        )
        for spec, user in users:
            two_factor = "  (two-factor: `mamori demo --code`)" if user.has_totp else ""
            self.stdout.write(f"  {user.username:<13} {spec.role.label}{two_factor}")
        self.stdout.write(f"Demo two-factor secret (add to an authenticator app): {demo.DEMO_TOTP_SECRET}")
