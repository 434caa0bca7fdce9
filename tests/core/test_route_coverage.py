"""Every URL route of the project is in a permission matrix, or on the short list of routes that need no
permission, with the reason. A new page or endpoint without a matrix row fails here, so nobody ships a
route whose access for each role was never written down."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404

from tests.matrix import MATRIX_MODULES, matrix_paths

# Routes open to everyone or to any signed-in user about their own account only: no record of anybody
# else is read or changed through them, so no role decides anything. Keyed by the route as Django joins it.
NO_PERMISSION_NEEDED: dict[str, str] = {
    "healthz": "load-balancer health check; answers 'ok' and reads no records",
    "i18n/setlang/": "switches the interface language (a cookie); no records",
    "accounts/login/": "sign-in itself",
    "accounts/logout/": "sign-out itself",
    "accounts/two-factor/verify/": "second step of the user's own sign-in",
    "accounts/two-factor/setup/": "the signed-in user enrols their own authenticator; nobody else's",
    "accounts/password/": "the signed-in user changes their own password; nobody else's",
    "api/[\\s\\S]*$": "unknown API addresses, newlines included: a JSON 404 instead of the HTML page (tests/api)",
}

PLACEHOLDER = re.compile(r"\{[^}]+\}")
SAMPLE_IDS = ["1", "00000000-0000-0000-0000-000000000001"]  # an integer id, or a job's UUID


@dataclass(frozen=True)
class Route:
    route: str  # as Django joins it, the same string as ResolverMatch.route
    name: str | None
    format_suffix: bool  # DRF's ".json" twin of another route, answering exactly as that route


def _join(prefix: str, route: str) -> str:
    """The way Django's resolver joins nested patterns (ResolverMatch.route)."""
    return prefix + route.removeprefix("^") if prefix else route


def _walk(patterns: list[URLPattern | URLResolver], prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for pattern in patterns:
        route = _join(prefix, str(pattern.pattern))
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, route, inner)
        else:
            name = f"{namespace}{pattern.name}" if pattern.name else None
            yield Route(route, name, "format" in pattern.pattern.regex.groupindex)


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns))


def _route_of(path_template: str) -> str:
    """The route a matrix row's path lands on, with any id filled in."""
    path = path_template.split("?", 1)[0]
    for sample in SAMPLE_IDS:
        try:
            return resolve(PLACEHOLDER.sub(sample, path)).route
        except Resolver404:
            continue
    raise AssertionError(f"matrix row {path_template!r} matches no URL route")


def covered_routes() -> dict[str, list[str]]:
    """Route → the matrix modules that check it for every role."""
    covered: dict[str, list[str]] = {}
    for module in MATRIX_MODULES:
        for path in matrix_paths(module):
            covered.setdefault(_route_of(path), []).append(module)
    return covered


def test_every_route_is_in_a_permission_matrix_or_needs_no_permission():
    # given
    routes = all_routes()
    covered = covered_routes()
    covered_names = {r.name for r in routes if r.route in covered}
    # when: a format-suffix twin counts when the route it doubles is covered
    missing = [
        r.route
        for r in routes
        if r.route not in covered
        and r.route not in NO_PERMISSION_NEEDED
        and not (r.format_suffix and r.name in covered_names)
    ]
    # then
    assert not missing, "routes with no permission-matrix row (add rows, see tests/matrix.py):\n" + "\n".join(missing)


def test_the_allow_list_names_only_routes_that_exist_and_are_not_in_a_matrix():
    routes = {r.route for r in all_routes()}
    covered = covered_routes()
    assert set(NO_PERMISSION_NEEDED) <= routes, set(NO_PERMISSION_NEEDED) - routes
    assert not set(NO_PERMISSION_NEEDED) & set(covered), "a route in a matrix needs no allow-list entry"
    assert all(reason.strip() for reason in NO_PERMISSION_NEEDED.values())


def test_the_walk_finds_the_web_pages_and_the_api_routes_of_every_app():
    routes = {r.route for r in all_routes()}
    for expected in ("discovery/scans/<int:pk>/diff/", "discovery/evidence/", "api/v1/risks/(?P<pk>[0-9]+)/$"):
        assert expected in routes
