"""Pull: what changed in the caller's scope since their cursor (API.md "Sync: pull").

Two ordered streams share one cursor: household changes (``Household.change_seq``) and households
leaving the scope (``HouseholdExit``). Both are ordered by (stamp, id) and cut at the read horizon
(see services/changes.py), so paging never skips or repeats a change while other phones push.
Open follow-ups come complete on the last page: the phone replaces its list.

Pull is for the phones of teams and commune leaders only (``Scope.works_in_field``): province
officers and admins read aggregates; a pull would hand them every household's location, size and
outcomes as one dump. Cursors name the change
history they belong to; one from another history answers 410 (start over). ``held_back`` says a long
transaction is holding the horizon back, so the phone should pull again soon.

The last page also carries ``reviews``: the caller's own visits of the last ``REVIEW_DAYS`` days that are
held out of the totals or were decided by the commune leader (core/services/reviews.py), newest first and
at most ``REVIEW_LIMIT``, so the volunteer sees the outcome (and a rejection's reason) on the phone.
"""

import datetime as dt
from types import SimpleNamespace

from django.db.models import F, Q, QuerySet
from django.db.models.fields.tuple_lookups import Tuple, TupleGreaterThan
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status

from backend.exceptions import ApplicationError
from core.models import Review, User, VisitReview
from core.scope import Scope
from core.selectors import followups_for, household_exits_for, households_for, visits_for
from core.services.catalogue import catalogue_for_phone, catalogue_version
from core.services.changes import Cursor, Horizon, pull_horizon, sync_epoch
from core.services.households import RECORD_FIELDS, household_as_record

MAX_LIMIT = 500
PULL_FIELDS = (*RECORD_FIELDS, "change_seq")
REVIEW_DAYS = 30
REVIEW_LIMIT = 200
REVIEW_STATES = ("held", Review.CONFIRMED.value, Review.REJECTED.value)


def _after(queryset: QuerySet, cursor: Cursor, horizon: int | None, id_field: str) -> QuerySet:
    # A row comparison, (change_seq, id) > (stamp, id), not the equivalent OR: PostgreSQL reads it
    # straight from the (village, change_seq, id) index instead of scanning every change since stamp.
    queryset = queryset.filter(
        TupleGreaterThan(Tuple(F("change_seq"), F(id_field)), (cursor.stamp, cursor.id))
    )
    if horizon is not None:
        queryset = queryset.filter(change_seq__lt=horizon)
    return queryset.order_by("change_seq", id_field)


def _check_cursor(cursor: Cursor, *, epoch: str, horizon: Horizon) -> None:
    """A cursor from another history (a restore of any kind: services/changes.py ``sync_epoch``) or ahead
    of the clock would silently match nothing, or keep households the server no longer has: tell the
    phone to drop it and pull everything again (410 Gone)."""
    foreign = cursor.epoch is not None and cursor.epoch != epoch
    if foreign or cursor.stamp >= horizon.next_stamp:
        raise ApplicationError(
            _("Con trỏ đồng bộ thuộc một bản dữ liệu khác."),
            errors={"cursor": [_("Bỏ con trỏ này và kéo lại toàn bộ từ đầu (không gửi cursor).")]},
            status_code=status.HTTP_410_GONE,
        )


def review_outcomes(*, scope: Scope, member: User) -> list[dict]:
    """The member's own visits of the last ``REVIEW_DAYS`` days that are held or were decided, newest
    first, at most ``REVIEW_LIMIT``: read through the (volunteer, visited_at) index, within the scope."""
    since = timezone.now() - dt.timedelta(days=REVIEW_DAYS)
    visits = list(
        visits_for(scope=scope)
        .filter(volunteer_id=member.id, visited_at__gte=since)
        .filter(Q(held=True) | ~Q(review=Review.NONE))
        .order_by("-visited_at", "-id")
        .values_list("id", "household_id", "visited_at", "review")[:REVIEW_LIMIT]
    )
    decided = [visit_id for visit_id, _household, _at, review in visits if review]
    # The latest decision of each visit (a leader may decide again): its time and reason.
    latest: dict = {}
    for visit_id, reason, reviewed_at in (
        VisitReview.objects.filter(visit_id__in=decided)
        .order_by("reviewed_at", "id")
        .values_list("visit_id", "reason", "reviewed_at")
    ):
        latest[visit_id] = (reason, reviewed_at)
    outcomes = []
    for visit_id, household_id, visited_at, review in visits:
        reason, reviewed_at = latest.get(visit_id, ("", None)) if review else ("", None)
        outcomes.append(
            {
                "id": str(visit_id),
                "household": str(household_id),
                "visited_at": visited_at.isoformat(),
                "state": review or "held",
                "reason": reason if review == Review.REJECTED else "",
                "decided_at": reviewed_at.isoformat() if reviewed_at else None,
            }
        )
    return outcomes


def sync_pull(
    *,
    scope: Scope,
    member: User,
    cursor: Cursor,
    limit: int = MAX_LIMIT,
    catalogue: str | None = None,
) -> dict:
    """One page of changes for ``member`` (whose scope is ``scope``). ``catalogue``: the catalogue version
    the phone holds ("" for none); the last page then carries the catalogue when it changed since
    (core/services/catalogue.py). The last page carries the member's ``reviews`` (``review_outcomes``)."""
    if not scope.works_in_field:
        raise ApplicationError(
            _("Chỉ điện thoại của tổ và lãnh đạo xã mới kéo dữ liệu hộ."),
            status_code=status.HTTP_403_FORBIDDEN,
        )
    clock = pull_horizon()
    epoch = sync_epoch()
    if cursor.stamp or cursor.epoch:
        _check_cursor(cursor, epoch=epoch, horizon=clock)
    horizon = clock.limit
    # Plain rows, not model instances: a 500-household page is the phone's daily download.
    households = [
        SimpleNamespace(**row)
        for row in _after(households_for(scope=scope), cursor, horizon, "id").values(*PULL_FIELDS)[
            : limit + 1
        ]
    ]
    exits = list(
        _after(household_exits_for(scope=scope), cursor, horizon, "household_id").values_list(
            "change_seq", "household_id"
        )[: limit + 1]
    )
    events = sorted(
        [((h.change_seq, h.id), "household", h) for h in households]
        + [((seq, hid), "exit", hid) for seq, hid in exits],
        key=lambda event: event[0],
    )
    page, has_more = events[:limit], len(events) > limit
    with_identity = scope.sees_identity
    changed = [
        household_as_record(item, with_identity=with_identity)
        for _key, kind, item in page
        if kind == "household"
    ]
    present = {record["id"] for record in changed}
    removed = [str(item) for _key, kind, item in page if kind == "exit" and str(item) not in present]
    next_cursor = Cursor(*page[-1][0], epoch) if page else Cursor(cursor.stamp, cursor.id, epoch)
    answer = {
        "households": changed,
        "removed": removed,
        "followups": [],
        "cursor": next_cursor.encode(),
        "has_more": has_more,
        "held_back": clock.held_back,
    }
    if not has_more and catalogue is not None:
        # Each phone gets its province's catalogue (core/services/catalogue.py).
        version = catalogue_version(province=scope.province)
        if catalogue != version:
            answer["catalogue"] = {
                "version": version,
                "services": catalogue_for_phone(province=scope.province),
            }
    if not has_more:
        answer["followups"] = [
            {
                "household": str(household),
                "service": service,
                "since": since.isoformat(),
                "due": due.isoformat(),
            }
            for household, service, since, due in followups_for(scope=scope)
            .filter(closed_at__isnull=True)
            .order_by("due")
            .values_list("household_id", "service_id", "since", "due")
        ]
        answer["reviews"] = review_outcomes(scope=scope, member=member)
    return answer
