"""The audit trail (Decree 13/2023): who created or changed households, members, teams, villages and
campaigns, and when, kept by django-auditlog.

A household's trail says which fields changed and who changed them, never their values: a label,
a head of household's name and a phone are the citizen's data, and an audit trail outlives the
record it describes (erasure keeps the trail of the erasure). Entries name a household by its id
only. Pushes write households in bulk SQL, past the model signals auditlog listens to, so the push
writes its entries itself (``households_logged``).
"""

import uuid

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from auditlog.signals import post_log
from django.contrib.contenttypes.models import ContentType
from django.dispatch import receiver

from core import models

REDACTED = "[ẩn]"
HOUSEHOLD_PERSONAL = ["label", "head_name", "phone", "lat", "lon"]
# Bookkeeping that changes with every visit or sync, not a person's decision.
HOUSEHOLD_BOOKKEEPING = [
    "content_hash",
    "field_stamps",
    "search_name",
    "change_seq",
    "updated_at",
    "last_visited_at",
    "last_outcome",
    "services_done",
]
GEOMETRY = ["geometry", "geometry_simplified", "bbox_west", "bbox_south", "bbox_east", "bbox_north"]


def redact(_value: str) -> str:
    """auditlog's mask: nothing of the value survives, only the fact that it changed."""
    return REDACTED


def household_label(household_id) -> str:
    return f"Hộ {household_id}"


def register_audited_models() -> None:
    mask = "core.audit.redact"
    auditlog.register(
        models.Household,
        exclude_fields=HOUSEHOLD_BOOKKEEPING,
        mask_fields=HOUSEHOLD_PERSONAL,
        mask_callable=mask,
    )
    auditlog.register(
        models.User, exclude_fields=["password", "last_login"], mask_fields=["phone"], mask_callable=mask
    )
    auditlog.register(models.Team)
    auditlog.register(models.Village, exclude_fields=[*GEOMETRY, "search_name"])
    auditlog.register(models.Service)
    auditlog.register(models.ProvinceService)
    # Campaigns and their targets: campaigns/audit.py.


@receiver(post_log, sender=models.Household, dispatch_uid="core.audit.household_repr")
def _household_entry_by_id(sender, log_entry=None, **kwargs):
    # auditlog names an entry by str(instance), which for a household is its label: keep the id only.
    if log_entry is not None:
        LogEntry.objects.filter(pk=log_entry.pk).update(object_repr=household_label(log_entry.object_pk))


def households_logged(*, actor: models.User | None, created: list[uuid.UUID], changed: dict) -> None:
    """Entries for households written in bulk (a push, or one edit in the browser): ``created`` ids,
    and ``changed``: id → names of the fields changed. Values are never written, only field names."""
    if not created and not changed:
        return
    content_type = ContentType.objects.get_for_model(models.Household)

    def entry(household_id, action, changes) -> LogEntry:
        return LogEntry(
            content_type=content_type,
            object_pk=str(household_id),
            object_id=None,
            object_repr=household_label(household_id),
            action=action,
            changes=changes,
            actor=actor,
        )

    LogEntry.objects.bulk_create(
        [entry(household_id, LogEntry.Action.CREATE, {}) for household_id in created]
        + [
            entry(
                household_id, LogEntry.Action.UPDATE, {name: [REDACTED, REDACTED] for name in sorted(fields)}
            )
            for household_id, fields in changed.items()
            if fields
        ]
    )
