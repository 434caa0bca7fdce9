"""Contractor actions (委託先の登録・変更・削除)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mamori.accounts.policy import Actor
from mamori.contractors.models import Contractor
from mamori.core import actions

RESOURCE = "contractor"


def create_contractor(actor: Actor, data: Mapping[str, Any]) -> Contractor:
    return actions.create_record(actor, RESOURCE, Contractor, data)


def update_contractor(actor: Actor, contractor: Contractor, data: Mapping[str, Any]) -> Contractor:
    return actions.update_record(actor, RESOURCE, contractor, data)


def delete_contractor(actor: Actor, contractor: Contractor) -> None:
    actions.delete_record(actor, RESOURCE, contractor)
