"""The audit trail (監査証跡): append-only, hash-chained records of every change, login, export and download."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-seq"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id} by {self.actor_username}"


class ChainHead(models.Model):
    """The last sequence number and hash. Locking this one row serialises writers, and comparing it with
    the table detects entries cut off the end of the chain."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)
