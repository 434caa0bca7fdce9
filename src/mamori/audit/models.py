"""The audit trail (監査証跡): append-only, hash-chained records of every change, login, export and download."""

from __future__ import annotations

from typing import Any, NoReturn

from django.db import models
from django.utils.translation import gettext_lazy as _


class AppendOnlyError(Exception):
    """An attempt to change or remove an audit entry through the ORM.

    A storage guard, not a permission: nobody may do this, so there is no role to ask about. Someone with
    direct database access can still change rows; ``mamori audit verify`` detects that.
    """


def _refuse(what: str) -> NoReturn:
    raise AppendOnlyError(f"audit entries are append-only: {what} is refused")


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> NoReturn:
        _refuse("update()")

    def delete(self) -> NoReturn:
        _refuse("delete()")

    def update_or_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("update_or_create()")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("bulk_update()")


AuditEntryManager = models.Manager.from_queryset(AuditEntryQuerySet)


class AuditEntry(models.Model):
    """One event. ``hash`` covers the entry's content and ``prev_hash``, so any edit, deletion,
    insertion or reordering breaks the chain and ``mamori audit verify`` names the entry.

    Actor fields are copies, not foreign keys: the trail must outlive the users and records it names.
    """

    seq = models.BigIntegerField(_("sequence"), unique=True, editable=False)
    created_at = models.DateTimeField(_("time"), editable=False, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, editable=False, db_index=True)
    actor_username = models.CharField(_("who"), max_length=150, editable=False)
    actor_role = models.CharField(_("role"), max_length=32, blank=True, editable=False)
    via = models.CharField(_("via"), max_length=16, editable=False)  # web, api, cli, job
    ip_address = models.CharField(_("from"), max_length=64, blank=True, editable=False)
    user_agent = models.CharField(max_length=300, blank=True, editable=False)
    action = models.CharField(_("action"), max_length=32, editable=False, db_index=True)
    object_type = models.CharField(_("record type"), max_length=100, blank=True, editable=False)
    object_id = models.CharField(_("record id"), max_length=64, blank=True, editable=False)
    object_repr = models.CharField(_("record"), max_length=300, blank=True, editable=False)
    changes = models.JSONField(_("changes"), default=dict, editable=False)
    message = models.TextField(_("message"), blank=True, editable=False)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AuditEntryManager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        # Related-object access and Django internals use the base manager; it must refuse too.
        base_manager_name = "objects"

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id} by {self.actor_username}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding or kwargs.get("force_update") or kwargs.get("update_fields"):
            _refuse("saving an existing entry")
        kwargs["force_insert"] = True  # never an UPDATE, even if a primary key was set by hand
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("delete()")


class ChainHead(models.Model):
    """The last sequence number and hash. Locking this one row serialises writers, and comparing it with
    the table detects entries cut off the end of the chain."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"#{self.seq} {self.hash}"
