"""Households: the record, its revisions, a resident's data on request and its erasure.

Every writer goes through here. A phone's edit (push, in bulk), an administrator's or a commune
leader's edit in the browser (``household_update``): each is read by the same field spec as a push
(NFC text, ranges, consent before a name or phone), becomes the next version with the same content
hash, search key and change stamp, records an exit when the household moves village (so the old
team's phones drop it), leaves an audit entry naming who changed which fields, and tells the maps
that the villages changed. What visits taught us (moved, last visit, services done) is never edited
by hand: it follows the visits.

Export gives the record, every visit with what was helped, follow-ups and the audit trail of who
created and changed it. Erasure removes the record and everything recorded about it; phones in scope
are told to drop it, tallies lose its visits (as the person asked), and the audit trail keeps only
that it existed and was erased, by whom (entries carry the id and changed field names, never values).
"""

import time
import uuid
from types import SimpleNamespace
from typing import NamedTuple

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import OperationalError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status

from backend.bulk import insert_new, model_rows, update_rows
from backend.db_budget import DEADLOCK, sqlstate_of
from backend.exceptions import ApplicationError
from backend.text import search_key
from core.audit import households_logged
from core.models import ErasedHousehold, FollowUp, HelpItem, Household, HouseholdExit, User, Visit
from core.projections import field_records_batch, field_records_project
from core.record_spec import EDITABLE_FIELDS, Context, HouseholdEdit, HouseholdIn, Rejected, household_in
from core.selectors import erased_households_for, households_for, villages_for
from core.services.changes import change_stamp

# What a phone (or a person) edits: the household as the push sends it (one list, the record spec's).
HOUSEHOLD_FIELDS = EDITABLE_FIELDS
# A household as phones see it (household_as_record): what they send plus what visits taught us.
RECORD_FIELDS = (
    "id",
    "village_id",
    *HOUSEHOLD_FIELDS[1:],
    "version",
    "moved",
    "last_visited_at",
    "last_outcome",
    "services_done",
)
# What a writer reads of the households it locks: the record, and the hash that spots a resend.
# Plain rows, not model instances: a push of 200 visits locks 200 households.
LOCKED_FIELDS = (*RECORD_FIELDS, "content_hash", "field_stamps")
# The columns a revision writes.
REVISED_COLUMNS = [
    "village",
    *HOUSEHOLD_FIELDS[1:],
    "version",
    "content_hash",
    "field_stamps",
    "search_name",
    "change_seq",
    "device_id",
    "updated_at",
]
assert HOUSEHOLD_FIELDS == EDITABLE_FIELDS


def household_as_record(household, *, with_identity: bool = True) -> dict:
    """A household as phones see it (push ``current`` and pull)."""
    return {
        "id": str(household.id),
        "village": household.village_id,
        "label": household.label if with_identity else "",
        "head_name": household.head_name if with_identity else "",
        "phone": household.phone if with_identity else "",
        "members": household.members,
        "working_age": household.working_age,
        "lat": household.lat,
        "lon": household.lon,
        "consent": household.consent,
        "version": household.version,
        "moved": household.moved,
        "last_visited_at": household.last_visited_at.isoformat() if household.last_visited_at else None,
        "last_outcome": household.last_outcome or None,
        "services_done": household.services_done or [],
    }


# --- revisions: shared by every writer -----------------------------------------------------------


def household_row(
    *, item: HouseholdIn, version: int, stamp: int, author: User | None, device_id: str
) -> Household:
    """A household as one version of what an editor sent (not saved: writers store rows in bulk)."""
    fields = dict(item.fields)
    village = fields.pop("village")
    row = Household(
        id=item.id,
        village_id=village,
        version=version,
        content_hash=item.content_hash,
        search_name=search_key(f"{fields['label']} {fields['head_name']}"),
        change_seq=stamp,
        created_by=author,
        device_id=device_id,
        **fields,
    )
    if version == 1:
        stamped(stored=None, row=row, changed=[], author=author)
    return row


def _stamp(*, version: int, author: User | None, at: str) -> dict:
    name = (author.full_name or author.username) if author is not None else ""
    return {"v": version, "by": author.pk if author is not None else None, "name": name, "at": at}


def stamped(
    *, stored: SimpleNamespace | None, row: Household, changed: list[str], author: User | None
) -> None:
    """Record on ``row`` which version changed each field, who and when (``Household.field_stamps``).

    A new household stamps every field with version 1. A household stored before stamps existed starts
    them at its current version (``since``): a field without a stamp last changed at or before it.
    """
    at = timezone.now().isoformat()
    if stored is None:
        row.field_stamps = {
            "since": 0,
            "fields": {name: _stamp(version=row.version, author=author, at=at) for name in HOUSEHOLD_FIELDS},
        }
        return
    stamps = stored.field_stamps or {}
    fields = dict(stamps.get("fields") or {})
    for name in changed:
        fields[name] = _stamp(version=row.version, author=author, at=at)
    row.field_stamps = {"since": stamps.get("since", stored.version), "fields": fields}


class Merge(NamedTuple):
    """A phone's edit against the stored household: what to apply, and what both sides changed."""

    apply: dict  # field → the phone's value, changed on the phone's side only
    conflicts: dict  # field → {"mine", "theirs", "version", "by", "at"}


def _stored_value(stored: SimpleNamespace, name: str):
    return getattr(stored, "village_id" if name == "village" else name)


def household_merge(*, edit: HouseholdEdit, stored: SimpleNamespace) -> Merge:
    """Field by field: a field the server has not changed since ``edit.base_version`` takes the phone's
    value; one changed on both sides (to different values) is a conflict naming who changed it and when;
    a field already holding the phone's value is left alone; fields not named are never touched."""
    stamps = stored.field_stamps or {}
    since = stamps.get("since", stored.version)
    field_stamps = stamps.get("fields") or {}
    apply, conflicts = {}, {}
    for name, mine in edit.fields.items():
        theirs = _stored_value(stored, name)
        if mine == theirs:
            continue
        stamp = field_stamps.get(name)
        changed_version = stamp["v"] if stamp else since
        if changed_version <= edit.base_version:
            apply[name] = mine
            continue
        conflicts[name] = {
            "mine": mine,
            "theirs": theirs,
            "version": changed_version,
            "by": (stamp or {}).get("name") or None,
            "at": (stamp or {}).get("at"),
        }
    return Merge(apply=apply, conflicts=conflicts)


def household_merged_item(*, stored: SimpleNamespace, apply: dict) -> dict:
    """The whole household as a push item: the stored fields with ``apply`` on top (parsed again by
    ``household_in``, so the rules across fields hold for the merged household)."""
    record = household_as_record(stored)
    item = {name: record[name] for name in HOUSEHOLD_FIELDS}
    item.update(apply)
    item.update({"id": str(stored.id), "base_version": stored.version})
    return item


def household_revision(
    *, item: HouseholdIn, stored: SimpleNamespace, stamp: int, author: User | None, device_id: str
) -> Household:
    """The next version of a stored household: the editor's fields; what visits taught us stays."""
    row = household_row(
        item=item, version=stored.version + 1, stamp=stamp, author=author, device_id=device_id
    )
    row.moved, row.last_visited_at, row.last_outcome = (
        stored.moved,
        stored.last_visited_at,
        stored.last_outcome,
    )
    row.services_done = stored.services_done
    return row


def household_move_exit(
    *, stored: SimpleNamespace, row: Household, old_village, stamp: int
) -> HouseholdExit | None:
    """A household moved to another village leaves its old team's phones (pull's ``removed``)."""
    if row.village_id == stored.village_id:
        return None
    return HouseholdExit(
        household_id=stored.id,
        team_id=old_village.team_id,
        commune_id=old_village.commune_id,
        change_seq=stamp,
    )


def changed_fields(*, stored: SimpleNamespace, row: Household) -> list[str]:
    """Which of the editable fields a revision changes (named in the audit trail, values never)."""
    return [
        name
        for name in HOUSEHOLD_FIELDS
        if getattr(row, "village_id" if name == "village" else name)
        != getattr(stored, "village_id" if name == "village" else name)
    ]


def households_store_revisions(*, rows: list[Household], exits: list[HouseholdExit]) -> None:
    """Write revisions of locked households (their versions cannot have moved since they were read)."""
    update_rows(Household, model_rows(rows, add=False), REVISED_COLUMNS)
    HouseholdExit.objects.bulk_create([exit_ for exit_ in exits if exit_ is not None])


# --- one household, by a person in the browser ---------------------------------------------------


@transaction.atomic
def household_update(
    *, household_id: uuid.UUID, changes: dict, actor: User, device_id: str = "web"
) -> Household:
    """Create or edit one household as ``actor`` (admin, commune leader): the push's rules, one row.

    ``changes`` holds any of HOUSEHOLD_FIELDS. The household and its new village must lie in the
    actor's scope (404 / a field error otherwise). Bad values raise an ApplicationError naming each
    field, exactly as a push would reject the item.
    """
    scope = actor.scope
    # The household's row only (``of``): the village joined here is read, not locked; locking it would
    # hold every push into that village at its key check until this edit commits.
    locked = (
        Household.objects.select_for_update(of=("self",))
        .filter(pk=household_id)
        .values(*LOCKED_FIELDS, "village__commune_id", "village__team_id")
        .first()
    )
    # After the lock, as push does: an erasure that held it has committed its tombstone by now.
    if locked is None and erased_households_for(scope=scope).filter(pk=household_id).exists():
        raise ApplicationError(
            _("Hộ này đã bị xóa theo yêu cầu của người dân."), status_code=status.HTTP_410_GONE
        )
    if locked is not None and not households_for(scope=scope).filter(pk=household_id).exists():
        raise ApplicationError(
            _("Không tìm thấy, hoặc nằm ngoài phạm vi của bạn."), status_code=status.HTTP_404_NOT_FOUND
        )
    stored = SimpleNamespace(**locked) if locked else None
    base = household_as_record(stored) if stored else {}
    item = {name: base[name] for name in HOUSEHOLD_FIELDS if name in base}
    item.update(changes)
    item.update({"id": str(household_id), "base_version": stored.version if stored else None})
    try:
        parsed = household_in(item, Context(now=timezone.now(), services={}))
    except Rejected as rejected:
        raise ApplicationError(_("Dữ liệu gửi lên không hợp lệ."), errors=rejected.errors) from None
    if not villages_for(scope=scope).filter(code=parsed.fields["village"]).exists():
        raise ApplicationError(
            _("Dữ liệu gửi lên không hợp lệ."), errors={"village": [_("Thôn không thuộc phạm vi của bạn.")]}
        )
    if stored is not None and stored.content_hash == parsed.content_hash:
        return Household.objects.get(pk=household_id)
    stamp = change_stamp()
    if stored is None:
        row = household_row(item=parsed, version=1, stamp=stamp, author=actor, device_id=device_id)
        insert_new(Household, model_rows([row], add=True))
        households_logged(actor=actor, created=[row.id], changed={})
        villages = {row.village_id}
    else:
        row = household_revision(item=parsed, stored=stored, stamp=stamp, author=actor, device_id=device_id)
        changed = changed_fields(stored=stored, row=row)
        stamped(stored=stored, row=row, changed=changed, author=actor)
        old_village = SimpleNamespace(team_id=stored.village__team_id, commune_id=stored.village__commune_id)
        households_store_revisions(
            rows=[row],
            exits=[household_move_exit(stored=stored, row=row, old_village=old_village, stamp=stamp)],
        )
        households_logged(actor=actor, created=[], changed={row.id: changed})
        villages = {stored.village_id, row.village_id}
        if {"members", "working_age"} & set(changed):
            # Campaigns count the people reached wherever it was visited: those villages are recounted.
            villages |= set(Visit.objects.filter(household_id=row.id).values_list("village_id", flat=True))
    field_records_project(field_records_batch(village_codes=villages))
    return Household.objects.get(pk=household_id)


# --- a resident's data on request ----------------------------------------------------------------


def household_export(*, household: Household) -> dict:
    """Everything held about one household, as plain JSON-ready data."""
    visits = list(
        Visit.objects.filter(household=household)
        .order_by("visited_at")
        .values(
            "id", "visited_at", "outcome", "notes", "lat", "lon", "accuracy_m", "flags", "volunteer__username"
        )
    )
    help_items = {}
    for visit_id, service, result, people in HelpItem.objects.filter(visit__household=household).values_list(
        "visit_id", "service_id", "result", "people"
    ):
        help_items.setdefault(visit_id, []).append({"service": service, "result": result, "people": people})
    trail = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Household), object_pk=str(household.pk)
    ).order_by("timestamp")
    return {
        "household": {
            "id": str(household.id),
            "village": household.village_id,
            "label": household.label,
            "head_name": household.head_name,
            "phone": household.phone,
            "members": household.members,
            "working_age": household.working_age,
            "lat": household.lat,
            "lon": household.lon,
            "consent": household.consent,
            "moved": household.moved,
            "version": household.version,
            "created_at": household.created_at.isoformat(),
            "updated_at": household.updated_at.isoformat(),
        },
        "visits": [
            {
                "id": str(visit["id"]),
                "visited_at": visit["visited_at"].isoformat(),
                "outcome": visit["outcome"],
                "notes": visit["notes"],
                "lat": visit["lat"],
                "lon": visit["lon"],
                "accuracy_m": visit["accuracy_m"],
                "flags": visit["flags"],
                "volunteer": visit["volunteer__username"],
                "help": help_items.get(visit["id"], []),
            }
            for visit in visits
        ],
        "followups": [
            {
                "service": f.service_id,
                "since": f.since.isoformat(),
                "due": f.due.isoformat(),
                "closed_at": f.closed_at.isoformat() if f.closed_at else None,
            }
            for f in FollowUp.objects.filter(household=household).order_by("since")
        ],
        "audit": [
            {
                "at": entry.timestamp.isoformat(),
                "action": entry.get_action_display(),
                "by": entry.actor.username if entry.actor else None,
                "fields": sorted(entry.changes_dict) if entry.changes else [],
            }
            for entry in trail.select_related("actor")
        ],
    }


# Deadlock, serialization failure, lock wait cut short: the erasure rolled back whole and may run again.
ERASE_RETRIED_STATES = frozenset({DEADLOCK, "40001", "55P03"})
ERASE_ATTEMPTS = 5


def household_erase(*, household: Household) -> None:
    """Erase a household and everything recorded about it (Decree 13/2023: the right to deletion).

    Phones in scope are told to drop it; coverage and tallies are recomputed without its visits; a
    tombstone (``ErasedHousehold``: the id, when, the village and province) keeps anything a phone sends
    for it later from storing it again (push answers ``erased``).

    A resident's request must not fail because a volunteer is visiting at that moment: the erasure takes
    the household's row lock first, the lock every push holds while it changes a household, so it waits
    for a push under way (and then erases what that push added) and holds later pushes until it commits
    (they then find the tombstone; a push that had written visits ahead of the lock finds the household
    gone and starts again, field_api/push.py). Should the database still abort it (a deadlock with a
    writer that locks in another order, a lock wait cut short), the whole erasure rolled back and runs
    again.
    """
    for attempt in range(1, ERASE_ATTEMPTS + 1):
        try:
            with transaction.atomic():
                _household_erase_locked(household_id=household.pk)
            return
        except OperationalError as error:
            if attempt == ERASE_ATTEMPTS or sqlstate_of(error) not in ERASE_RETRIED_STATES:
                raise
            time.sleep(0.05 * attempt)


def _household_erase_locked(*, household_id: uuid.UUID) -> None:
    locked = list(Household.objects.select_for_update().filter(pk=household_id).values_list("pk", flat=True))
    if not locked:
        return  # erased already (or never stored): nothing left to erase
    village = (
        Household.objects.filter(pk=household_id)
        .values("village_id", "village__team_id", "village__commune_id", "village__commune__province_id")
        .get()
    )
    ErasedHousehold.objects.get_or_create(
        household_id=household_id,
        defaults={
            "village_code": village["village_id"],
            "province_code": village["village__commune__province_id"],
        },
    )
    HouseholdExit.objects.create(
        household_id=household_id,
        team_id=village["village__team_id"],
        commune_id=village["village__commune_id"],
        erased=True,
        change_seq=change_stamp(),
    )
    FollowUp.objects.filter(household_id=household_id).delete()
    # Every village it was visited in (before a move, too) is counted anew without it.
    visited_in = set(Visit.objects.filter(household_id=household_id).values_list("village_id", flat=True))
    Visit.objects.filter(household_id=household_id).delete()
    Household.objects.filter(pk=household_id).delete()
    field_records_project(field_records_batch(village_codes={village["village_id"]} | visited_in))
