"""Push: what a phone recorded offline, stored once, item by item (API.md "Sync: push").

A bad item is rejected with its reasons and never blocks the good ones. Sending anything again is
safe: same id and content → ``duplicate``; households change only from the version the phone saw
(``base_version``), otherwise ``conflict`` with the stored record; visits never change once stored.

Each item is read by its spec (services/push_spec.py): any JSON value in any field gives that item a
field error, never an exception that costs the batch. An id sent twice in one batch is judged
against what its first copy stored (``duplicate`` or ``conflict``), as if it came in the next push.
A visit whose household the server has not seen is rejected with ``retry: true``: its household's
batch may still be on the way. A household erased on request (its tombstone, ``ErasedHousehold``) is
never stored again: the household, an edit of it or a visit to it answers ``erased``, a final status.

Concurrency: the households a push touches are locked in id order (``SELECT … FOR UPDATE``) before
anything is read from them, so two phones (or a retry racing its original) serialize on the same door
and the second one sees what the first stored. Inserts rely on the primary key (``insert_new``), never
on a check followed by an insert: a visit's id on ``VisitKey``'s, unique across the history's province
partitions, claimed before the visit is written. Lookups are one query per kind per batch; writes are
bulk.
"""

import uuid
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status

from backend.bulk import insert_new, insert_rows, model_rows, update_rows
from backend.exceptions import ApplicationError
from core.audit import households_logged
from core.models import (
    ErasedHousehold,
    GroupSession,
    HelpItem,
    HelpResult,
    Household,
    Outcome,
    User,
    Visit,
    VisitKey,
)
from core.projections import StoredVisit, field_records_batch, field_records_project
from core.record_spec import (
    ENVELOPE_SPEC,
    HOUSEHOLD_SPEC,
    MISSING,
    Context,
    HouseholdIn,
    Invalid,
    Rejected,
    SessionIn,
    VisitIn,
    household_in,
    session_in,
    shown_id,
    visit_in,
)
from core.selectors import erased_households_for, villages_for
from core.services import integrity
from core.services.catalogue import services_in_use
from core.services.changes import change_stamp
from core.services.followups import followups_refresh
from core.services.households import (
    LOCKED_FIELDS,
    changed_fields,
    household_as_record,
    household_move_exit,
    household_revision,
    household_row,
    households_store_revisions,
)

MAX_ITEMS = 500
KINDS = ("household", "visit", "group_session")
# ``erased``: the household was erased on a resident's request (``ErasedHousehold``). Final: the phone
# drops the item (and the household) and never sends it again; nothing is stored.
PUSH_STATUSES = ("created", "duplicate", "updated", "conflict", "rejected", "erased")


# --- results -------------------------------------------------------------------------------------


@dataclass
class Outcomes:
    """One result per item sent, answered in the order sent (households, visits, then sessions)."""

    results: list[tuple[tuple[int, int], dict]] = field(default_factory=list)

    def add(self, kind: str, position: int, item_id, state: str, **extra):
        self.results.append(
            ((KINDS.index(kind), position), {"type": kind, "id": str(item_id), "status": state, **extra})
        )

    def in_order(self) -> list[dict]:
        return [result for _key, result in sorted(self.results, key=lambda pair: pair[0])]


# --- the push ------------------------------------------------------------------------------------


def _envelope_errors(payload: dict) -> tuple[dict, str, dict]:
    """The batch's own fields: three lists (absent or null = empty) and the device name."""
    lists, errors = {}, {}
    for name in ("households", "visits", "group_sessions"):
        value = payload.get(name)
        if value is None:
            value = []
        elif type(value) is not list:
            errors[name] = [_("Phải là một danh sách.")]
        lists[name] = value
    device_id = ""
    try:
        device_id = ENVELOPE_SPEC["device_id"].parse(payload.get("device_id", MISSING), None)
    except Invalid as invalid:
        errors["device_id"] = [invalid.message]
    return lists, device_id, errors


def sync_push(*, user: User, payload: dict) -> dict:
    if not user.scope.works_in_field:
        raise ApplicationError(
            _("Vai trò này không gửi dữ liệu thực địa."), status_code=status.HTTP_403_FORBIDDEN
        )
    if type(payload) is not dict:
        raise ApplicationError(
            _("Dữ liệu gửi lên không hợp lệ."),
            errors={"non_field_errors": [_("Phải là một đối tượng JSON.")]},
        )
    lists, device_id, errors = _envelope_errors(payload)
    if errors:
        raise ApplicationError(_("Dữ liệu gửi lên không hợp lệ."), errors=errors)
    total = sum(len(items) for items in lists.values())
    if total > MAX_ITEMS:
        raise ApplicationError(
            _("Mỗi lần gửi tối đa %(max)d mục (đã gửi %(count)d); chia nhỏ rồi gửi lại.")
            % {"max": MAX_ITEMS, "count": total},
            errors={"non_field_errors": [_("Quá %(max)d mục.") % {"max": MAX_ITEMS}]},
            status_code=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    with transaction.atomic():
        push = _Push(user=user, device_id=device_id)
        push.run(lists["households"], lists["visits"], lists["group_sessions"])
    return {"results": push.outcomes.in_order(), "server_time": timezone.localtime().isoformat()}


@dataclass
class _Round:
    """Items applied together. An id sent twice in one batch goes to the next round, so the repeat
    is judged against what its first copy stored, exactly as if it had come in the next push."""

    households: list[HouseholdIn] = field(default_factory=list)
    visits: list[VisitIn] = field(default_factory=list)
    sessions: list[SessionIn] = field(default_factory=list)


class _Push:
    def __init__(self, *, user: User, device_id: str):
        self.user = user
        self.device_id = device_id
        self.now = timezone.now()
        self.now_text = self.now.isoformat()
        self.outcomes = Outcomes()
        # The pusher's province's catalogue: a service its province switched off is refused here only.
        self.services = services_in_use(province=user.scope.province)
        self.context = Context(now=self.now, services=self.services)
        self.stamp: int | None = None
        self.changed_villages: set[str] = set()
        self.recount_villages: set[str] = set()  # households left or moved: counted anew, not added to
        self.new_households_villages: set[str] = set()  # their household counts grew
        self.became_moved: set[uuid.UUID] = set()
        self.counted_again: set[uuid.UUID] = set()  # members or working-age members changed
        self.new_visits: list[StoredVisit] = []
        # For the audit trail: households this push created, and the fields it changed in others.
        self.audit_created: list[uuid.UUID] = []
        self.audit_changed: dict[uuid.UUID, list[str]] = {}
        # Households named by this push's own household items, whether or not they were accepted.
        self.households_sent: set[uuid.UUID] = set()
        self.erased: set[uuid.UUID] = set()  # households erased on request, named by this push
        self.erased_elsewhere: set[uuid.UUID] = set()  # ... and erased outside the caller's villages

    def _stamp(self) -> int:
        if self.stamp is None:
            self.stamp = change_stamp()
        return self.stamp

    def _parse(self, kind: str, raw_items: list, parse, rounds: list[_Round], bucket: str) -> None:
        copies: dict[uuid.UUID, int] = {}
        for position, item in enumerate(raw_items):
            try:
                parsed = parse(item, self.context)
            except Rejected as rejected:
                self.outcomes.add(kind, position, shown_id(item), "rejected", errors=rejected.errors)
                if kind == "household" and type(item) is dict:
                    self._note_household_sent(item)
                continue
            if kind == "household":
                self.households_sent.add(parsed.id)
            parsed.position = position
            copy = copies.get(parsed.id, 0)
            copies[parsed.id] = copy + 1
            if copy == len(rounds):
                rounds.append(_Round())
            getattr(rounds[copy], bucket).append(parsed)

    def _note_household_sent(self, item: dict) -> None:
        try:
            self.households_sent.add(HOUSEHOLD_SPEC["id"].parse(item.get("id", MISSING), self.context))
        except Invalid:
            pass  # no usable id: no visit can name it either

    def run(self, raw_households: list, raw_visits: list, raw_sessions: list) -> None:
        rounds: list[_Round] = [_Round()]
        self._parse("household", raw_households, household_in, rounds, "households")
        self._parse("visit", raw_visits, visit_in, rounds, "visits")
        self._parse("group_session", raw_sessions, session_in, rounds, "sessions")
        households = [h for r in rounds for h in r.households]
        visits = [v for r in rounds for v in r.visits]
        sessions = [s for r in rounds for s in r.sessions]

        # Lock every household this push reads or writes, in id order (no deadlocks between pushes).
        household_ids = sorted({h.id for h in households} | {v.household for v in visits})
        self.stored = self._lock_households(household_ids)
        # Read after the locks: an erasure that held one of them has committed its tombstone by now.
        unstored = [hid for hid in household_ids if hid not in self.stored]
        self.erased = set(
            erased_households_for(scope=self.user.scope)
            .filter(household_id__in=unstored)
            .values_list("household_id", flat=True)
        )
        # An id erased outside the caller's villages is never stored again either, and is answered as a
        # living household outside their villages would be: no one learns it was erased.
        self.erased_elsewhere = set(
            ErasedHousehold.objects.filter(household_id__in=unstored)
            .exclude(household_id__in=self.erased)
            .values_list("household_id", flat=True)
        )
        wanted_villages = {h.fields["village"] for h in households} | {s.village for s in sessions}
        wanted_villages |= {h.village_id for h in self.stored.values()}
        self.villages = {
            v.code: v
            for v in villages_for(scope=self.user.scope)
            .filter(code__in=wanted_villages)
            .only("code", "commune_id", "team_id")
            .annotate(province_code=F("commune__province_id"))
        }
        for batch in rounds:
            self._apply_households(batch.households)
            self._apply_visits(batch.visits)
            self._apply_sessions(batch.sessions)
        households_logged(actor=self.user, created=self.audit_created, changed=self.audit_changed)
        if self.became_moved or self.counted_again:
            # A household that moved away no longer counts wherever it was visited, and one whose
            # members changed counts differently: those villages' rollups are recounted (the other
            # villages only add this push's visits).
            visited_in = set(
                Visit.objects.filter(household_id__in=self.became_moved | self.counted_again)
                .values_list("village_id", flat=True)
                .distinct()
            )
            self.changed_villages |= visited_in
            self.recount_villages |= visited_in
        if self.changed_villages:
            field_records_project(
                field_records_batch(
                    village_codes=self.changed_villages,
                    visits=self.new_visits,
                    recount_village_codes=self.recount_villages,
                    denominator_village_codes=self.new_households_villages,
                )
            )

    # households ----------------------------------------------------------------------------------

    @staticmethod
    def _lock_households(ids) -> dict[uuid.UUID, SimpleNamespace]:
        locked = Household.objects.select_for_update().filter(id__in=ids).order_by("id")
        return {row["id"]: SimpleNamespace(**row) for row in locked.values(*LOCKED_FIELDS)}

    @staticmethod
    def _as_stored(household: Household) -> SimpleNamespace:
        return SimpleNamespace(**{name: getattr(household, name) for name in LOCKED_FIELDS})

    def _household_model(self, item: HouseholdIn, version: int) -> Household:
        return household_row(
            item=item, version=version, stamp=self._stamp(), author=self.user, device_id=self.device_id
        )

    def _apply_households(self, items: list[HouseholdIn]) -> None:
        to_create, to_update = [], []
        for item in items:
            if item.id in self.erased:
                self.outcomes.add("household", item.position, item.id, "erased")
                continue
            if item.fields["village"] not in self.villages:
                self.outcomes.add(
                    "household",
                    item.position,
                    item.id,
                    "rejected",
                    errors={"village": [_("Thôn không thuộc phạm vi của bạn.")]},
                )
                continue
            stored = self.stored.get(item.id)
            if stored is None and item.id in self.erased_elsewhere:
                self._reject_outside_household(item)
            elif stored is None:
                to_create.append(item)
            else:
                self._classify_existing_household(item, stored, to_update)
        new_rows = {item.id: self._household_model(item, 1) for item in to_create}
        created = insert_new(Household, model_rows(new_rows.values(), add=True))
        raced = [item for item in to_create if item.id not in created]
        if raced:  # created by another push between our lock and our insert: now it exists, lock it
            self.stored.update(self._lock_households([item.id for item in raced]))
        for item in to_create:
            if item.id in created:
                self.stored[item.id] = self._as_stored(new_rows[item.id])
                self.changed_villages.add(item.fields["village"])
                self.new_households_villages.add(item.fields["village"])
                self.audit_created.append(item.id)
                self.outcomes.add("household", item.position, item.id, "created", version=1)
            else:
                self._classify_existing_household(item, self.stored[item.id], to_update)
        self._write_household_updates(to_update)

    def _classify_existing_household(
        self, item: HouseholdIn, stored: SimpleNamespace, to_update: list
    ) -> None:
        if stored.village_id not in self.villages:
            self._reject_outside_household(item)
        elif stored.content_hash == item.content_hash:
            self.outcomes.add("household", item.position, item.id, "duplicate", version=stored.version)
        elif item.base_version is None or item.base_version != stored.version:
            self.outcomes.add(
                "household",
                item.position,
                item.id,
                "conflict",
                version=stored.version,
                current=household_as_record(stored),
            )
        else:
            to_update.append((item, stored))

    def _reject_outside_household(self, item: HouseholdIn) -> None:
        self.outcomes.add(
            "household",
            item.position,
            item.id,
            "rejected",
            errors={"id": [_("Hộ không thuộc các thôn của bạn.")]},
        )

    def _write_household_updates(self, pairs: list) -> None:
        if not pairs:
            return
        rows, exits = [], []
        for item, stored in pairs:
            row = household_revision(
                item=item, stored=stored, stamp=self._stamp(), author=self.user, device_id=self.device_id
            )
            exits.append(
                household_move_exit(
                    stored=stored, row=row, old_village=self.villages[stored.village_id], stamp=self._stamp()
                )
            )
            changed = changed_fields(stored=stored, row=row)
            if row.village_id != stored.village_id:
                self.changed_villages.add(stored.village_id)
                self.recount_villages |= {stored.village_id, row.village_id}
            if {"members", "working_age"} & set(changed):
                # Campaigns count the people reached in every village it was visited in: recounted.
                self.counted_again.add(row.id)
            self.audit_changed[row.id] = changed
            rows.append(row)
            self.stored[item.id] = self._as_stored(row)
            self.changed_villages.add(row.village_id)
            self.outcomes.add("household", item.position, item.id, "updated", version=row.version)
        # The rows are locked, so the version cannot have moved since we compared it.
        households_store_revisions(rows=rows, exits=exits)

    # visits --------------------------------------------------------------------------------------

    def _apply_visits(self, items: list[VisitIn]) -> None:
        accepted = []
        for item in items:
            household = self.stored.get(item.household)
            if household is None and item.household in self.erased:
                self.outcomes.add("visit", item.position, item.id, "erased")
            elif household is None and item.household in self.erased_elsewhere:
                self._reject_outside_visit(item)
            elif household is None:
                self._reject_unknown_household(item)
            elif household.village_id not in self.villages:
                self._reject_outside_visit(item)
            else:
                accepted.append(item)
        if not accepted:
            return
        # Insert first and ask afterwards: the insert says which ids were new, so a fresh batch costs no
        # lookup, and only the ids already stored (a retry) are read back to tell duplicate from conflict.
        # The id goes in first, alone (``VisitKey``): it is unique across the history's partitions, and a
        # retry racing its original waits here and then finds the id taken.
        flags = self._flags(accepted)
        inserted = insert_new(VisitKey, [{"id": str(item.id)} for item in accepted])
        insert_rows(
            Visit,
            [self._visit_row(item, *flags[item.id]) for item in accepted if item.id in inserted],
            with_pk=True,
        )
        existing = {}
        if len(inserted) < len(accepted):
            # In this push's provinces only: an id another province's visit holds is a conflict here.
            existing = dict(
                Visit.objects.filter(
                    province_id__in={self._province_of(v) for v in accepted},
                    id__in=[v.id for v in accepted if v.id not in inserted],
                ).values_list("id", "content_hash")
            )
        stored_visits = []
        for item in accepted:
            if item.id in inserted:
                stored_visits.append(item)
                self.outcomes.add("visit", item.position, item.id, "created", flags=flags[item.id][0])
            elif existing.get(item.id) == item.content_hash:
                self.outcomes.add("visit", item.position, item.id, "duplicate")
            else:
                self.outcomes.add(
                    "visit",
                    item.position,
                    item.id,
                    "conflict",
                    errors={"id": [_("Lượt thăm đã lưu không thể sửa.")]},
                )
        if stored_visits:
            self._after_visits(stored_visits, flags)

    def _province_of(self, item: VisitIn) -> str:
        return self.villages[self.stored[item.household].village_id].province_code

    def _reject_outside_visit(self, item: VisitIn) -> None:
        self.outcomes.add(
            "visit",
            item.position,
            item.id,
            "rejected",
            errors={"household": [_("Hộ không thuộc các thôn của bạn.")]},
        )

    def _reject_unknown_household(self, item: VisitIn) -> None:
        """A household the server does not have: "resend later" unless this very push refused it.

        Saying "not here yet" reveals nothing: household ids are random UUIDs made on the phone, so no
        one can probe for another team's households by guessing ids.
        """
        if item.household in self.households_sent:
            message = _("Hộ của lượt thăm này bị từ chối trong cùng lần gửi; sửa hộ rồi gửi lại cả hai.")
            self.outcomes.add("visit", item.position, item.id, "rejected", errors={"household": [message]})
            return
        message = _("Hộ này chưa đến máy chủ; gửi lại lượt thăm sau khi đã gửi hộ.")
        self.outcomes.add(
            "visit", item.position, item.id, "rejected", errors={"household": [message]}, retry=True
        )

    def _flags(self, items: list[VisitIn]) -> dict:
        if not items:
            return {}
        communes = {self.villages[self.stored[v.household].village_id].commune_id for v in items}
        polygons = integrity.commune_polygons(communes)
        facts = [
            integrity.VisitFacts(
                id=v.id,
                household_id=v.household,
                volunteer_id=self.user.id,
                visited_at=v.visited_at,
                lat=v.lat,
                lon=v.lon,
                accuracy_m=v.accuracy_m,
                household_lat=self.stored[v.household].lat,
                household_lon=self.stored[v.household].lon,
                commune=self.villages[self.stored[v.household].village_id].commune_id,
            )
            for v in items
        ]
        earliest = min(f.visited_at for f in facts) - integrity.MIN_GAP
        latest = max(f.visited_at for f in facts) + integrity.MIN_GAP
        neighbours = Visit.objects.filter(
            province_id__in={self._province_of(v) for v in items},
            volunteer=self.user,
            visited_at__gte=earliest,
            visited_at__lte=latest,
        ).values_list("id", "volunteer_id", "household_id", "visited_at")
        close = integrity.too_close_in_time(facts, neighbours)
        result = {}
        for fact in facts:
            visit_flags, distance = integrity.visit_flags(fact, now=self.now, polygons=polygons)
            if fact.id in close:
                visit_flags.append(integrity.TOO_CLOSE_IN_TIME)
            result[fact.id] = (visit_flags, distance)
        return result

    def _visit_row(self, item: VisitIn, flags: list[str], distance: float | None) -> dict:
        village = self.villages[self.stored[item.household].village_id]
        # Strings rather than UUID and datetime objects: json.dumps then encodes the batch in C alone.
        return {
            "id": str(item.id),
            "province_id": self._province_of(item),
            "household_id": str(item.household),
            "village_id": village.code,
            "volunteer_id": self.user.id,
            "team_id": village.team_id,
            "device_id": self.device_id,
            "visited_at": item.visited_at.isoformat(),
            "lat": item.lat,
            "lon": item.lon,
            "accuracy_m": item.accuracy_m,
            "distance_m": round(distance, 1) if distance is not None else None,
            "outcome": item.outcome,
            "notes": item.notes,
            "flags": flags,
            "is_flagged": bool(flags),
            "content_hash": item.content_hash,
            "received_at": self.now_text,
            "is_demo": False,
        }

    def _after_visits(self, visits: list[VisitIn], flags: dict) -> None:
        help_rows = []
        for visit in visits:
            visit_id = str(visit.id)
            province = self._province_of(visit)
            help_rows.extend(
                {
                    "visit_id": visit_id,
                    "province_id": province,
                    "service_id": h.service,
                    "result": h.result,
                    "people": h.people,
                }
                for h in visit.help
            )
        insert_rows(HelpItem, help_rows)
        followups_refresh(
            pairs={
                (v.household, h.service)
                for v in visits
                for h in v.help
                if h.result in (HelpResult.PENDING, HelpResult.DONE)
            },
            pending={
                (v.household, h.service) for v in visits for h in v.help if h.result == HelpResult.PENDING
            },
            due_days=self.services,
            teams={v.household: self.villages[self.stored[v.household].village_id].team_id for v in visits},
            villages={v.household: self.stored[v.household].village_id for v in visits},
            provinces={self._province_of(v) for v in visits},
        )
        touched: dict = {}
        for visit in sorted(visits, key=lambda v: v.visited_at):
            household = self.stored[visit.household]
            # A visit dated in the future is a wrong clock: stored and flagged, but it never becomes the
            # household's last visit (it would stay "last" for good and hide every real one after it).
            in_future = integrity.TIME_IN_FUTURE in flags[visit.id][0]
            if not in_future and (
                household.last_visited_at is None or visit.visited_at >= household.last_visited_at
            ):
                household.last_visited_at = visit.visited_at
                household.last_outcome = visit.outcome
            if visit.outcome == Outcome.MOVED and not household.moved:
                household.moved = True
                self.became_moved.add(household.id)
            done = {h.service for h in visit.help if h.result == HelpResult.DONE}
            if done - set(household.services_done or []):
                household.services_done = sorted(set(household.services_done or []) | done)
            household.change_seq = self._stamp()
            touched[household.id] = household
            self.changed_villages.add(household.village_id)
            self.new_visits.append(
                StoredVisit(
                    id=visit.id,
                    province=self._province_of(visit),
                    village=household.village_id,
                    team=self.villages[household.village_id].team_id,
                    household=household.id,
                    household_moved=household.moved,  # became moved later in this push: recounted
                    visited_at=visit.visited_at,
                    flagged=bool(flags[visit.id][0]),
                    help=tuple((item.service, item.result, item.people) for item in visit.help),
                )
            )
        columns = ["last_visited_at", "last_outcome", "moved", "services_done", "change_seq"]
        update_rows(
            Household,
            [
                {
                    "id": str(h.id),
                    "last_visited_at": h.last_visited_at.isoformat() if h.last_visited_at else None,
                    "last_outcome": h.last_outcome,
                    "moved": h.moved,
                    "services_done": h.services_done,
                    "change_seq": h.change_seq,
                }
                for h in touched.values()
            ],
            columns,
        )

    # group sessions ------------------------------------------------------------------------------

    def _apply_sessions(self, items: list[SessionIn]) -> None:
        accepted = []
        for item in items:
            if item.village not in self.villages:
                self.outcomes.add(
                    "group_session",
                    item.position,
                    item.id,
                    "rejected",
                    errors={"village": [_("Thôn không thuộc phạm vi của bạn.")]},
                )
            else:
                accepted.append(item)
        if not accepted:
            return
        rows = [
            {
                "id": s.id,
                "village_id": s.village,
                "volunteer_id": self.user.id,
                "team_id": self.villages[s.village].team_id,
                "device_id": self.device_id,
                "held_at": s.held_at,
                "services": s.services,
                "attendees": s.attendees,
                "lat": s.lat,
                "lon": s.lon,
                "content_hash": s.content_hash,
                "received_at": self.now,
            }
            for s in accepted
        ]
        inserted = insert_new(GroupSession, rows)
        existing = dict(
            GroupSession.objects.filter(id__in=[s.id for s in accepted if s.id not in inserted]).values_list(
                "id", "content_hash"
            )
        )
        for item in accepted:
            if item.id in inserted:
                self.changed_villages.add(item.village)
                self.outcomes.add("group_session", item.position, item.id, "created")
            elif existing.get(item.id) == item.content_hash:
                self.outcomes.add("group_session", item.position, item.id, "duplicate")
            else:
                self.outcomes.add(
                    "group_session",
                    item.position,
                    item.id,
                    "conflict",
                    errors={"id": [_("Buổi hướng dẫn đã lưu không thể sửa.")]},
                )
