"""A household's data on request (Decree 13/2023): everything we hold about one household, to hand
over, and its erasure.

Export gives the record, every visit with what was helped, follow-ups and the audit trail of who
created and changed it. Erasure removes the record and everything recorded about it; phones in scope
are told to drop it, tallies lose its visits (as the person asked), and the audit trail keeps only
that it existed and was erased, by whom (entries carry the id and changed field names, never values).
"""

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from field_api.models import FollowUp, HelpItem, Household, HouseholdExit, Visit
from field_api.services.changes import change_stamp
from field_api.signals import announce_field_records_stored


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


@transaction.atomic
def household_erase(*, household: Household) -> None:
    """Erase a household and everything recorded about it (Decree 13/2023: the right to deletion).

    Phones in scope are told to drop it; coverage and tallies are recomputed without its visits.
    """
    village = household.village
    HouseholdExit.objects.create(
        household_id=household.id,
        team_id=village.team_id,
        commune_id=village.commune_id,
        erased=True,
        change_seq=change_stamp(),
    )
    FollowUp.objects.filter(household=household).delete()
    Visit.objects.filter(household=household).delete()
    household.delete()
    announce_field_records_stored(village_codes={village.code}, visit_ids=[])


def household_stamp(*, household: Household) -> None:
    """Mark a household changed outside sync (admin edit) so pulls carry it."""
    household.change_seq = change_stamp()
