from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mamori.core import keys

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def split_bind(value: str) -> tuple[str, int]:
    """``HOST:PORT``, ``[::1]:PORT`` or ``:PORT`` (all addresses of the default host) from --bind."""
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise CommandError(f"--bind {value!r}: write HOST:PORT, e.g. 127.0.0.1:8080 or 0.0.0.0:8000")
    return (host.strip("[]") or DEFAULT_HOST), int(port)


def browser_url(host: str, port: int) -> str:
    """The address to open in a browser: a wildcard bind is reached on this machine as 127.0.0.1."""
    shown = {"0.0.0.0": "127.0.0.1", "::": "[::1]", "": "127.0.0.1"}.get(host, host)  # noqa: S104 - only shown
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


class Command(BaseCommand):
    help = "Run the web app with waitress, after applying migrations; runs an embedded worker unless --no-worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=None, help=f"address to listen on (default {DEFAULT_HOST})")
        parser.add_argument("--port", type=int, default=None, help=f"port (default {DEFAULT_PORT}; 0: any free one)")
        parser.add_argument("--bind", metavar="HOST:PORT", help="address and port in one, e.g. 0.0.0.0:8080")
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-worker", action="store_true", help="do not run background jobs in this process")
        parser.add_argument("--no-migrate", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress import create_server

        host, port = split_bind(options["bind"]) if options["bind"] else (DEFAULT_HOST, DEFAULT_PORT)
        host = options["host"] or host
        port = port if options["port"] is None else options["port"]
        # First, before migrations: a production server without its keys (or with weak ones) stops here with
        # one line naming the variable and `mamori keys init`, instead of failing at the first secret it reads.
        keys.require_all()
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        if not settings.DEBUG:
            call_command("collectstatic", interactive=False, verbosity=0)
        # Imported after collectstatic: WhiteNoise indexes the static files when the application is built.
        from mamori.wsgi import application

        # Bound before the banner, so that it names the address really listened on (also for --port 0).
        try:
            server = create_server(application, host=host, port=port, threads=options["threads"], ident="mamori")
        except OSError as exc:  # the port is taken, or the address is not this machine's
            raise CommandError(
                f"cannot listen on {host}:{port} ({exc.strerror or exc}); is Mamori already running there? "
                "Choose another port with --port or --bind HOST:PORT"
            ) from None
        listening = getattr(server, "effective_listen", None) or [(server.effective_host, server.effective_port)]
        urls = [browser_url(str(h), int(p)) for h, p in listening]
        if not os.environ.get("SITE_URL"):
            settings.SITE_URL = urls[0]  # links in e-mails then point where the server really is
        if not options["no_worker"]:
            from mamori.jobs.worker import start_embedded_worker

            start_embedded_worker()
        mode = "development mode (DEBUG on)" if settings.DEBUG else "production mode"
        self.stdout.write(self.style.SUCCESS(f"Mamori is running at {urls[0]}/  ({mode}; Ctrl+C stops it)"))
        for url in urls[1:]:
            self.stdout.write(f"  also at {url}/")
        if host in ("0.0.0.0", "::"):  # noqa: S104 - only compared
            self.stdout.write(f"  listening on all addresses ({host}:{listening[0][1]}); list them in ALLOWED_HOSTS")
        self.stdout.flush()
        try:
            server.run()
        except KeyboardInterrupt:
            pass
        finally:
            server.close()
