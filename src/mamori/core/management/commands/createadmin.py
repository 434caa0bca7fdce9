from __future__ import annotations

import getpass
import os
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from mamori.accounts import services
from mamori.accounts.policy import SYSTEM
from mamori.accounts.roles import Role


class Command(BaseCommand):
    help = "Create a personal-information protection manager (個人情報保護管理者) account."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--display-name", default="")
        parser.add_argument(
            "--password-env",
            metavar="VAR",
            help="read the password from this environment variable (for scripts)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password = self._password(options["password_env"])
        data = {
            "username": options["username"],
            "email": options["email"],
            "display_name": options["display_name"],
            "role": Role.PROTECTION_MANAGER,
        }
        try:
            user = services.create_user(SYSTEM, data, password)
        except ValidationError as error:
            raise CommandError("; ".join(_messages(error))) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Created {user.username} ({Role.PROTECTION_MANAGER.label}). "
                "Two-factor enrolment starts at first sign-in."
            )
        )

    def _password(self, env_name: str | None) -> str:
        if env_name:
            value = os.environ.get(env_name)
            if not value:
                raise CommandError(f"environment variable {env_name} is empty or not set")
            return value
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("the two passwords differ")
        return first


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [f"{field}: {m}" for field, msgs in error.message_dict.items() for m in msgs]
    return list(error.messages)
