"""The ``mamori`` console command.

``mamori scan ...`` runs the discovery engine without Django; every other sub-command is a Django
management command (``mamori serve``, ``migrate``, ``createadmin``, ``demo``, ``audit verify``,
``backup``, ``restore``, ``check``, ``worker`` ...). Configuration errors print one clear line and exit 2.
"""

from __future__ import annotations

import os
import sys

USAGE = """usage: mamori COMMAND [options]

Commands:
  serve        run the web app (and an embedded background worker)
  worker       run the background job worker
  migrate      create or upgrade the database
  createadmin  create a personal-information protection manager account
  demo         load the demo organisation (idempotent)
  check        report configuration problems (weak or missing keys included)
  keys         init, status, rotate secrets|fingerprint: Mamori's own keys (docs/security.md)
  audit verify check the audit trail's hash chain against its signed checkpoint
               (audit head: the head as JSON for a witness; audit checkpoint [--reset])
  backup       write a consistent backup of the database and uploaded files (--include-keys)
  restore      restore a backup after checking its manifest and audit checkpoint
  scan         scan files for card data and personal data
  appi assess  APPI report decision for a set of facts (FILE.json or -; JSON in, JSON out)
  evidence     add, verify, preserve and destroy evidence (chain of custody, legal hold)
  incidents    remind (queue due-date reminders), verify-export FILE.zip
  pms          load-controls [FILE]: apply a JIS Q 15001 requirements catalogue (owners, status kept)
  scope        count the people affected by a card breach from a shop database (--output people.csv)
Run 'mamori COMMAND --help' for the options of one command.
"""


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        sys.stdout.write(USAGE)
        return 0
    if args[0] == "--version":
        from mamori import __version__

        sys.stdout.write(f"mamori {__version__}\n")
        return 0
    if args[0] == "scan":
        from mamori.discovery.cli import main as scan_main

        return scan_main(args[1:])
    return _django(args)


def _django(args: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
    from mamori.env import ConfigError

    try:
        import django
        from django.core.management import execute_from_command_line

        django.setup()
        from mamori.audit.context import origin

        with origin("cli", "", f"mamori {args[0]} (user {_os_user()})"):
            execute_from_command_line(["mamori", *args])
    except ConfigError as exc:
        sys.stderr.write(f"mamori: configuration error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("mamori: interrupted\n")
        return 130
    return 0


def _os_user() -> str:
    try:
        import getpass

        return getpass.getuser()
    except Exception:  # getuser raises various errors when no name is known
        return "unknown"


if __name__ == "__main__":
    raise SystemExit(main())
