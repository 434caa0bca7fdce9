"""WSGI entry point: ``gunicorn mamori.wsgi`` or ``mamori serve``."""

import os
import sys

from mamori.env import ConfigError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mamori.settings")
try:
    from django.core.wsgi import get_wsgi_application

    application = get_wsgi_application()
    from mamori.core import keys

    keys.require_all()  # as `mamori serve` does: never serve without usable keys
except ConfigError as exc:
    sys.stderr.write(f"mamori: configuration error: {exc}\n")
    raise SystemExit(2) from None
