"""`mamori keys`: create, inspect and rotate Mamori's own keys (core/keys.py). Never prints a key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from mamori.core import keys

ROTATABLE = {"secrets": keys.SECRETS, "fingerprint": keys.FINGERPRINT}


class Command(BaseCommand):
    help = (
        "Mamori's keys (secrets key, fingerprint key): `init` creates the missing key files, `status` says where "
        "each key comes from and how its file is protected, `rotate secrets|fingerprint` replaces one. "
        "No key is ever printed."
    )
    # `keys init` is what fixes the missing-key errors, so the checks must not stop it.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True, metavar="init|status|rotate")
        commands.add_parser("init", help="create the missing key files (mode 0600, folder 0700); never replaces one")
        commands.add_parser("status", help="where each key comes from, file modes and problems (never the values)")
        rotate = commands.add_parser("rotate", help="replace a key: secrets (re-encrypts) or fingerprint (clears)")
        rotate.add_argument("key", choices=sorted(ROTATABLE))
        rotate.add_argument(
            "--new-key-file",
            type=Path,
            metavar="PATH",
            help="write the new key to this new file (mode 0600) instead of the key folder; needed when the key "
            "comes from the environment, which then must name PATH",
        )
        rotate.add_argument(
            "--yes", action="store_true", help="confirm rotating the fingerprint key (it clears stored fingerprints)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "init":
                self._init()
            elif options["action"] == "status":
                self._status()
            else:
                self._rotate(options["key"], options["new_key_file"], yes=options["yes"])
        except keys.KeyProblem as exc:
            raise CommandError(str(exc)) from None

    def _init(self) -> None:
        for source, created in keys.init():
            if created:
                self.stdout.write(self.style.SUCCESS(f"{source.spec.name} key created: {source.where} (mode 0600)"))
            elif source.from_environment:
                self.stdout.write(f"{source.spec.name} key: from {source.where} (nothing created)")
            else:
                self.stdout.write(f"{source.spec.name} key: {source.where} exists (kept as it is)")
        self.stdout.write(f"Keep a copy of {keys.keys_dir()} apart from the backups: without it no secret is readable.")

    def _status(self) -> None:
        problems = 0
        for spec in keys.known_keys():
            report = keys.inspect(spec)
            self.stdout.write(f"{spec.name} key ({spec.purpose}):")
            self.stdout.write(f"  source: {_describe(report)}")
            if report.file_mode is not None:
                self.stdout.write(f"  file mode: {report.file_mode:04o}")
            if report.folder_mode is not None:
                self.stdout.write(f"  folder mode: {report.folder_mode:04o}")
            retired = keys.retired_paths(spec)
            if retired:
                self.stdout.write(f"  retired keys kept: {len(retired)} (newest {retired[0].name})")
            if spec not in keys.ALL_KEYS and report.source.origin == "missing":
                continue  # the audit key is made by the audit app when it writes its first checkpoint
            for problem in _problems(report):
                problems += 1
                self.stdout.write(self.style.ERROR(f"  problem: {problem}"))
        if problems:
            raise CommandError(f"{problems} key problem(s); see above", returncode=1)

    def _rotate(self, name: str, new_key_file: Path | None, *, yes: bool) -> None:
        if name == "fingerprint":
            if not yes:
                raise CommandError(
                    "rotating the fingerprint key clears every stored card fingerprint (they cannot be matched "
                    "under a new key; the next scan of each source stores new ones). Run again with --yes."
                )
            done = keys.rotate_fingerprint(new_key_file)
            self.stdout.write(
                self.style.SUCCESS(f"fingerprint key rotated: {done.new_key_at}; {done.cleared} findings cleared")
            )
        else:
            done = keys.rotate_secrets(new_key_file)
            self.stdout.write(
                self.style.SUCCESS(
                    f"secrets key rotated: {done.new_key_at}; {done.reencrypted} stored secrets re-encrypted; "
                    f"the old key is kept as {done.retired_to} so older backups stay readable"
                )
            )
            if done.unreadable:
                self.stdout.write(
                    self.style.WARNING(
                        f"{done.unreadable} stored value(s) no known key decrypts were left as they were "
                        "(enter those secrets again)"
                    )
                )
        if new_key_file is not None:
            spec = ROTATABLE[name]
            self.stdout.write(
                self.style.WARNING(
                    f"Now set {spec.env}_FILE={done.new_key_at} (or {spec.env} to that file's content) and "
                    "restart every Mamori process (server and workers)."
                )
            )


def _describe(report: keys.KeyReport) -> str:
    source = report.source
    if source.origin == "missing":
        return f"missing ({source.where}; " + ("created at first use)" if keys.may_create() else "not created)")
    if source.origin == "environment":
        return f"environment variable {source.where}"
    if source.origin == "environment file":
        return f"file named by {source.where}"
    return f"file {source.where}"


def _problems(report: keys.KeyReport) -> list[str]:
    problems = [report.error] if report.error else []
    if report.weakness:
        problems.append(f"the key {report.weakness}")
    problems += [f"readable by other users: {where}" for where in report.loose_modes]
    return problems
