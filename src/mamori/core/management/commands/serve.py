from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from mamori.core import keys


class Command(BaseCommand):
    help = "Run the web app with waitress, after applying migrations; runs an embedded worker unless --no-worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-worker", action="store_true", help="do not run background jobs in this process")
        parser.add_argument("--no-migrate", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress import serve

        # First, before migrations: a production server without its keys (or with weak ones) stops here with
        # one line naming the variable and `mamori keys init`, instead of failing at the first secret it reads.
        keys.require_all()
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        # Imported after collectstatic: WhiteNoise indexes the static files when the application is built.
        from mamori.wsgi import application

        if not options["no_worker"]:
            from mamori.jobs.worker import start_embedded_worker

            start_embedded_worker()
        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(self.style.SUCCESS(f"Mamori is running at {url}  (Ctrl+C stops it)"))
        serve(
            application,
            host=options["host"],
            port=options["port"],
            threads=options["threads"],
            ident="mamori",
        )
