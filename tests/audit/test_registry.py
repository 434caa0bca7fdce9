"""Audit actions are declared choices with translated labels; recording an undeclared one fails."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.utils import translation

import mamori
from mamori.accounts.policy import SYSTEM
from mamori.audit import registry, services
from mamori.audit.models import AuditEntry
from mamori.evidence.models import CustodyAction

SRC = Path(mamori.__file__).parent
RECORDERS = {"record"}  # audit.record / services.record / record imported by name


def _constants(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "text"`` assignments (``EXPORT_ACTION = "export"``)."""
    found: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value.value
    return found


def _recorders(tree: ast.Module) -> tuple[set[str], set[str]]:
    """The names under which a module knows ``mamori.audit.services`` (``audit``) and its ``record``."""
    modules, functions = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "mamori.audit":
            modules |= {a.asname or a.name for a in node.names if a.name == "services"}
        elif isinstance(node, ast.ImportFrom) and node.module == "mamori.audit.services":
            functions |= {a.asname or a.name for a in node.names if a.name == "record"}
    return modules, functions


# Generic actions that record what their caller names (core/actions.py archive_record's audit_action keyword).
PASS_THROUGH = {("core/actions.py", "audit_action")}


def _calls(node: ast.Call, name: str) -> bool:
    func = node.func
    return (isinstance(func, ast.Attribute) and func.attr == name) or (isinstance(func, ast.Name) and func.id == name)


def _keyword_action(node: ast.Call, where: str) -> tuple[str, int, str]:
    """``archive_record(..., audit_action="x")``: the action it records ("update" when not given)."""
    for keyword in node.keywords:
        if keyword.arg == "audit_action":
            value = keyword.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                return where, node.lineno, value.value
            return where, node.lineno, f"<not a literal: {ast.unparse(value)}>"
    return where, node.lineno, "update"


def recorded_actions() -> list[tuple[str, int, str]]:
    """``(file, line, action)`` for every ``record(actor, ACTION, ...)`` call in src/; an f-string action is
    given as its text with ``{}`` for each placeholder."""
    calls: list[tuple[str, int, str]] = []
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = _constants(tree)
        modules, functions = _recorders(tree)
        if path.parent.name == "audit" and path.name == "services.py":
            functions.add("record")
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _calls(node, "archive_record"):
                calls.append(_keyword_action(node, str(path.relative_to(SRC))))
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            func = node.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                is_record = func.attr in RECORDERS and func.value.id in modules
            else:
                is_record = isinstance(func, ast.Name) and func.id in functions
            if not is_record:
                continue
            action = node.args[1]
            where = str(path.relative_to(SRC))
            if (where, ast.unparse(action)) in PASS_THROUGH:
                continue  # the callers' literal is checked where they call the action (below)
            if isinstance(action, ast.Constant) and isinstance(action.value, str):
                calls.append((where, node.lineno, action.value))
            elif isinstance(action, ast.Name) and action.id in constants:
                calls.append((where, node.lineno, constants[action.id]))
            elif isinstance(action, ast.JoinedStr):
                text = "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in action.values)
                calls.append((where, node.lineno, text))
            else:
                calls.append((where, node.lineno, f"<not a literal: {ast.unparse(action)}>"))
    return calls


def test_the_scan_finds_the_recording_calls() -> None:
    # the scan below is only worth something if it sees the calls it is meant to check
    found = {action for _, _, action in recorded_actions()}
    assert {"login", "login_failed", "export", "connection_test", "evidence_{}", "card_list_archived"} <= found


def test_every_action_recorded_in_the_source_is_declared() -> None:
    # given every record(actor, "<action>", ...) call in src/
    undeclared = []
    for where, line, action in recorded_actions():
        if action == "evidence_{}":
            # services.custody writes evidence_<custody action>: each custody action must be declared
            missing = [f"evidence_{a}" for a in CustodyAction.values if not registry.is_declared(f"evidence_{a}")]
            undeclared += [f"{where}:{line} {m}" for m in missing]
        elif not registry.is_declared(action):
            undeclared.append(f"{where}:{line} {action}")
    # then each one is declared, with a label, in some app's audit_actions.py
    assert undeclared == [], "declare these in <app>/audit_actions.py ACTIONS"


def test_the_create_update_and_delete_helpers_use_declared_actions() -> None:
    for action in ("create", "update", "delete"):
        assert registry.is_declared(action)


def test_no_action_is_declared_twice_with_different_labels() -> None:
    assert registry.conflicts() == []


def test_every_declared_action_has_a_distinct_japanese_label() -> None:
    # given the declared actions, in Japanese
    with translation.override("ja"):
        labels = [label for _, label in registry.choices()]
    # then no two actions read the same in one list (the filter's select)
    assert len(labels) == len(set(labels)), sorted(label for label in labels if labels.count(label) > 1)


@pytest.mark.django_db
def test_recording_an_undeclared_action_fails_and_writes_nothing() -> None:
    # given the trail as it is
    before = AuditEntry.objects.count()
    # when an action nobody declared is recorded
    with pytest.raises(registry.UndeclaredAuditAction, match="not declared"):
        services.record(SYSTEM, "launch_rockets", object_type="core.organisation")
    # then nothing was written
    assert AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_a_declared_action_is_recorded_and_shown_by_its_label() -> None:
    # when a declared action is recorded
    entry = services.record(SYSTEM, "export", object_type="ledger_entry", message="ledger csv (10 entries)")
    # then the stored entry keeps the code, and the reader sees the label in their language
    assert entry.action == "export"
    with translation.override("en"):
        assert registry.action_label(entry.action) == "Export"
        assert registry.translate_message(entry.message) == "ledger csv (10 entries)"


def test_record_kinds_are_model_names_or_declared_names() -> None:
    with translation.override("en"):
        assert registry.record_kind("ledger.ledgerentry") != "ledger.ledgerentry"
        assert registry.record_kind("ledger_entry") == registry.record_kind("ledger.ledgerentry")
        assert registry.record_kind("backup") == "backup"
        assert registry.record_kind("audit.checkpoint") == "audit checkpoint"
        assert registry.record_kind("nothing.known") == "nothing.known"


def test_roles_and_origins_are_translated() -> None:
    with translation.override("en"):
        assert registry.role_label("protection_manager") == "Personal-information protection manager"
        assert registry.role_label("system") == "System"
        assert registry.role_label("") == ""
        assert registry.via_label("cli") == "Console"


def test_stored_messages_are_read_through_the_declared_patterns() -> None:
    with translation.override("en"):
        # a message with parameters that are themselves messages
        reason = "wrong password (5 in a row); locked for 15 minutes; address 10.0.0.1 locked for 15 minutes"
        assert registry.translate_message(reason) == reason
        assert registry.translate_message("nothing anyone declared") == "nothing anyone declared"
    # the pattern's parameters are translated too (msgids the catalogue may not hold yet read as English)
    assert registry.translate_message("") == ""
