"""Push: what a phone recorded offline, stored once, item by item (API.md "Sync: push").

A bad item is rejected with its reasons and never blocks the good ones. Sending anything again is
safe: same id and content → ``duplicate``; a household edit naming its fields (``fields``) is merged
field by field from the version the phone saw (``base_version``; a field changed on both sides is a
``conflict`` naming who changed it and when, the others are applied), a whole household from an older
phone changes only from the stored version, otherwise ``conflict`` with the stored record; visits never
change once stored.

Each item is read by its spec (core/record_spec.py): any JSON value in any field gives that item a
field error, never an exception that costs the batch. An id sent twice in one batch is judged
against what its first copy stored (``duplicate`` or ``conflict``), as if it came in the next push.
A visit whose household the server has not seen is rejected with ``retry: true``: its household's
batch may still be on the way. A household erased on request (its tombstone, ``ErasedHousehold``) is
never stored again: the household, an edit of it or a visit to it answers ``erased``, a final status.

Concurrency: the households a push touches are locked in id order (``SELECT … FOR NO KEY UPDATE``)
before anything derived from them is written, so two phones (or a retry racing its original) serialize
on the same door and the second one sees what the first stored. Only new rows are written before: the
visits to households already stored, with their help items and ids' claims (``_store_visits_ahead``), so
two phones working one village wait for each other only for the short part of the push that changes
shared rows. Such a visit took its partition, village, team and flags from its household as read without
the lock; under the lock that is checked, and if another session moved, repositioned or erased the
household in between, the whole push is undone and runs again with the locks first (``_start_again``).
Every foreign key is checked at the commit, as declared: checked earlier, the villages' key checks would
be held for the whole push, and pushes into the same villages would queue behind each other's rollup
locks (docs/SCALING.md). Inserts rely on the primary key (``insert_new``), never on a check followed by
an insert: a visit's id on ``VisitKey``'s, unique across the history's province partitions, claimed
before the visit is written. Lookups are one query per kind per batch; writes are bulk.
"""

import uuid
from dataclasses import dataclass, field, replace
from types import SimpleNamespace
from typing import NamedTuple

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status

from backend.bulk import insert_new, insert_rows, model_rows, update_rows
from backend.db_budget import DEADLOCK, sqlstate_of
from backend.exceptions import ApplicationError
from core.audit import households_logged
from core.counting import visit_held
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
from core.projections import (
    HelpGiven,
    StoredVisit,
    VillageArea,
    field_records_batch,
    field_records_project,
)
from core.record_spec import (
    ENVELOPE_SPEC,
    HOUSEHOLD_SPEC,
    MISSING,
    Context,
    HouseholdEdit,
    HouseholdIn,
    Invalid,
    Rejected,
    SessionIn,
    VisitIn,
    household_edit_in,
    household_in,
    is_household_edit,
    session_in,
    shown_id,
    visit_in,
)
from core.selectors import villages_for
from core.services import integrity
from core.services.catalogue import services_in_use
from core.services.changes import change_stamp
from core.services.followups import followups_refresh
from core.services.households import (
    LOCKED_FIELDS,
    changed_fields,
    household_as_record,
    household_merge,
    household_merged_item,
    household_move_exit,
    household_revision,
    household_row,
    households_store_revisions,
    stamped,
)
from core.services.last_visit import (
    RESIDENCE_OUTCOMES,
    VisitFact,
    household_visit_facts,
    last_visit_of,
    moved_by,
)
from core.visit_province import village_with_province

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


class Envelope(NamedTuple):
    """A push's own fields, read: its three lists of raw items (absent or null = empty) and the device."""

    households: list
    visits: list
    sessions: list
    device_id: str


def _envelope(payload: dict) -> Envelope:
    """The batch's own fields, or an ApplicationError naming each bad one."""
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
    return Envelope(lists["households"], lists["visits"], lists["group_sessions"], device_id)


def sync_push(*, user: User, payload: dict) -> dict:
    """Parse → apply → project, in one transaction (see ``_Push.run``)."""
    if not user.scope.works_in_field:
        raise ApplicationError(
            _("Vai trò này không gửi dữ liệu thực địa."), status_code=status.HTTP_403_FORBIDDEN
        )
    if type(payload) is not dict:
        raise ApplicationError(
            _("Dữ liệu gửi lên không hợp lệ."),
            errors={"non_field_errors": [_("Phải là một đối tượng JSON.")]},
        )
    envelope = _envelope(payload)
    try:
        with transaction.atomic():
            push = _Push(user=user, device_id=envelope.device_id, ahead=True)
            push.run(envelope)
    except (_AheadStale, IntegrityError, OperationalError) as error:
        if not _start_again(error):
            raise
        # Undone; the push runs again with the locks first, as if it had come a moment later, for the
        # member as they are now (a team merge moves them with their villages).
        user = User.objects.filter(pk=user.pk).first() or user
        with transaction.atomic():
            push = _Push(user=user, device_id=envelope.device_id, ahead=False)
            push.run(envelope)
    return {"results": push.outcomes.in_order(), "server_time": timezone.localtime().isoformat()}


def _start_again(error: Exception) -> bool:
    """Whether a push that wrote visits ahead of its locks must be undone and run with the locks first:
    what those visits took from their households or villages changed meanwhile (rare): a household
    moved, repositioned or erased (``_AheadStale``), or a village, team or member deleted, which the
    foreign keys checked at the commit refuse; or the database broke a deadlock by aborting this push
    (a retry racing its original, each holding a visit's id the other wants, one of them waiting for a
    household's lock). With the locks first, none of these can happen again."""
    if isinstance(error, OperationalError):
        return sqlstate_of(error) == DEADLOCK
    return True


class _AheadStale(Exception):
    """A visit stored ahead of the households' locks (``_Push._store_visits_ahead``) no longer matches its
    household as locked: moved to another village or position, or gone."""


@dataclass
class _Round:
    """Items applied together. An id sent twice in one batch goes to the next round, so the repeat
    is judged against what its first copy stored, exactly as if it had come in the next push."""

    households: list[HouseholdIn] = field(default_factory=list)
    visits: list[VisitIn] = field(default_factory=list)
    sessions: list[SessionIn] = field(default_factory=list)


class _Revision(NamedTuple):
    """A household item that edits a stored household from the version it saw. ``conflicts``: fields
    of an edit (``HouseholdEdit``) changed on both sides, answered with the fields that were applied."""

    item: HouseholdIn
    stored: SimpleNamespace
    conflicts: dict | None = None


def _household_item(item, context: Context) -> HouseholdIn | HouseholdEdit:
    """A whole household (new, or from a phone older than field merges) or an edit naming its fields."""
    return household_edit_in(item, context) if is_household_edit(item) else household_in(item, context)


class VisitFlags(NamedTuple):
    flags: list[str]
    distance: float | None  # metres from its household's recorded position, when both are known


class NewVisit(NamedTuple):
    """A visit this push stored, with what its row took from its household and village at that moment."""

    item: VisitIn
    province: str
    village: str
    team: int | None
    flags: list[str]


class _Push:
    """One push, top to bottom (``run``):

    1. **parse**: the items into typed records (``core.record_spec``), each bad one answered ``rejected``;
    2. **ahead**: the visits to households already stored are written (rows, help items, their ids'
       claims) before any household is locked (``_store_visits_ahead``);
    3. **read**: lock the households named, in id order, and check that the visits stored ahead still
       match their households; then the tombstones and the villages;
    4. **apply**, round by round: households, the other visits, group sessions; then, once for every
       visit stored, the steps of ``_after_visits`` in order (follow-ups, last visit, moved, services
       done, the households' columns written, the rollups' description of the visits);
    5. **project**: ``core.projections`` takes the villages' rollup locks and runs the projections.

    Locks: every step from 3 on runs under the households' row locks taken in 3 (no other push can
    write these households, their visits' follow-ups or their last visit meanwhile); only 5 takes the
    villages' rollup locks, last, so a push holds them for the projections alone. Two pushes to the
    same doors (a team in one village) wait for each other only from 3 on: what 2 writes are new rows.
    """

    def __init__(self, *, user: User, device_id: str, ahead: bool = True):
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
        self.moved_changed: set[uuid.UUID] = set()  # moved away, or found at home again
        self.counted_again: set[uuid.UUID] = set()  # members or working-age members changed
        self.stored_visits: list[NewVisit] = []  # visits this push stored, in every round
        self.touched: dict[uuid.UUID, SimpleNamespace] = {}  # households whose visit columns change
        self.new_visits: list[StoredVisit] = []
        # For the audit trail: households this push created, and the fields it changed in others.
        self.audit_created: list[uuid.UUID] = []
        self.audit_changed: dict[uuid.UUID, list[str]] = {}
        # Households named by this push's own household items, whether or not they were accepted.
        self.households_sent: set[uuid.UUID] = set()
        self.erased: set[uuid.UUID] = set()  # households erased on request, named by this push
        self.erased_elsewhere: set[uuid.UUID] = set()  # ... and erased outside the caller's villages
        self.ahead = ahead
        # The households of the visits stored ahead, as read then (``village_id``, ``lat``, ``lon``).
        self.seen_ahead: dict[uuid.UUID, SimpleNamespace] = {}
        self.stored: dict[uuid.UUID, SimpleNamespace] = {}
        self.villages: dict = {}

    def _after_visits(self) -> None:
        """Once for every visit stored, in this order (each step reads what the one before wrote)."""
        self._refresh_followups()
        self._apply_last_visits()
        self._apply_moved()
        self._apply_services_done()
        self._write_visited_households()
        self._describe_new_visits()

    def _stamp(self) -> int:
        if self.stamp is None:
            self.stamp = change_stamp()
        return self.stamp

    def run(self, envelope: Envelope) -> None:
        rounds = self._parse_all(envelope)
        if self.ahead:
            self._store_visits_ahead(rounds[0])
        self._read(rounds)
        for batch in rounds:
            self._apply_households(batch.households)
            self._apply_visits(batch.visits)
            self._apply_sessions(batch.sessions)
        if self.stored_visits:
            self._after_visits()
        households_logged(actor=self.user, created=self.audit_created, changed=self.audit_changed)
        self._project()

    # 1. parse ------------------------------------------------------------------------------------

    def _parse_all(self, envelope: Envelope) -> list[_Round]:
        rounds: list[_Round] = [_Round()]
        self._parse("household", envelope.households, _household_item, rounds, "households")
        self._parse("visit", envelope.visits, visit_in, rounds, "visits")
        self._parse("group_session", envelope.sessions, session_in, rounds, "sessions")
        return rounds

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

    # 2. read -------------------------------------------------------------------------------------

    def _read(self, rounds: list[_Round]) -> None:
        """Lock every household this push reads or writes, in id order (no deadlocks between pushes),
        then read the tombstones of the others and the villages named. Takes the households' locks."""
        households = [h for r in rounds for h in r.households]
        visits = [v for r in rounds for v in r.visits]
        sessions = [s for r in rounds for s in r.sessions]
        household_ids = sorted(
            {h.id for h in households} | {v.household for v in visits} | self.seen_ahead.keys()
        )
        self.stored = self._lock_households(household_ids)
        for household_id, seen in self.seen_ahead.items():
            locked = self.stored.get(household_id)
            if locked is None or (locked.village_id, locked.lat, locked.lon) != (
                seen.village_id,
                seen.lat,
                seen.lon,
            ):
                raise _AheadStale
        # Read after the locks: an erasure that held one of them has committed its tombstone by now.
        self._read_tombstones([hid for hid in household_ids if hid not in self.stored])
        wanted_villages = {h.fields["village"] for h in households if "village" in h.fields}
        wanted_villages |= {s.village for s in sessions}
        wanted_villages |= {h.village_id for h in self.stored.values()}
        self._read_villages(wanted_villages)

    def _read_villages(self, codes: set[str]) -> None:
        """The caller's villages among these (the others are outside the caller's scope), once each."""
        missing = codes - self.villages.keys()
        if missing:
            self.villages |= {
                v.code: v
                for v in village_with_province(villages_for(scope=self.user.scope))
                .filter(code__in=missing)
                .only("code", "commune_id", "team_id")
            }

    def _store_visits_ahead(self, first_round: _Round) -> None:
        """The first round's visits to households already stored, written before any household is locked.

        Their rows, help items and ids' claims are new rows: writing them needs no household lock, only
        that the household's village (hence the visit's partition, village and team) and position (hence
        its flags) are what was read here, unlocked; ``_read`` checks that under the locks and restarts
        the push otherwise (``_AheadStale``). Their foreign keys are checked at the commit; a village, team
        or member deleted meanwhile fails there, and the push restarts the same way (``_start_again``).
        A household this push also sends waits for the locks, as do visits to households not yet stored
        (``_visit_accepted`` answers those).
        """
        candidates = [v for v in first_round.visits if v.household not in self.households_sent]
        if not candidates:
            return
        seen = {
            row["id"]: SimpleNamespace(**row)
            for row in Household.objects.filter(id__any={v.household for v in candidates}).values(
                "id", "village_id", "lat", "lon"
            )
        }
        self._read_villages({h.village_id for h in seen.values()})
        ahead = [
            v for v in candidates if v.household in seen and seen[v.household].village_id in self.villages
        ]
        if not ahead:
            return
        self.stored = seen
        self.seen_ahead = {v.household: seen[v.household] for v in ahead}
        self._apply_visits(ahead)
        stored_ahead = {id(v) for v in ahead}
        first_round.visits = [v for v in first_round.visits if id(v) not in stored_ahead]

    def _read_tombstones(self, unstored: list[uuid.UUID]) -> None:
        """Households erased on request, in one read: in the caller's villages (answered ``erased``) or
        elsewhere, answered as a living household outside their villages would be: no one learns it was
        erased."""
        if not unstored:
            return
        mine = villages_for(scope=self.user.scope).filter(code=OuterRef("village_code"))
        for household_id, in_scope in (
            ErasedHousehold.objects.filter(household_id__in=unstored)
            .annotate(in_scope=Exists(mine))
            .values_list("household_id", "in_scope")
        ):
            (self.erased if in_scope else self.erased_elsewhere).add(household_id)

    # 4. project ----------------------------------------------------------------------------------

    def _project(self) -> None:
        """The rollups follow (``core.projections``: the villages' rollup locks, then each projection)."""
        if self.moved_changed or self.counted_again:
            # A household that moved away no longer counts wherever it was visited (one found at home
            # again counts anew), and one whose members changed counts differently: those villages'
            # rollups are recounted (the other villages only add this push's visits).
            visited_in = set(
                Visit.objects.filter(household_id__in=self.moved_changed | self.counted_again)
                .values_list("village_id", flat=True)
                .distinct()
            )
            self.changed_villages |= visited_in
            self.recount_villages |= visited_in
        if not self.changed_villages:
            return
        known = self.changed_villages <= self.villages.keys()
        field_records_project(
            field_records_batch(
                village_codes=self.changed_villages,
                visits=self.new_visits,
                recount_village_codes=self.recount_villages,
                denominator_village_codes=self.new_households_villages,
                # The villages read in step 2 already say where they lie: no second read.
                areas={
                    code: VillageArea(
                        commune=self.villages[code].commune_id, province=self.villages[code].province_code
                    )
                    for code in self.changed_villages
                }
                if known
                else None,
            )
        )

    # households ----------------------------------------------------------------------------------

    @staticmethod
    def _lock_households(ids) -> dict[uuid.UUID, SimpleNamespace]:
        # NO KEY UPDATE: pushes to the same doors take turns, while the key checks of visits stored
        # ahead by another push (``_store_visits_ahead``) are not held up.
        locked = Household.objects.select_for_update(no_key=True).filter(id__any=ids).order_by("id")
        return {row["id"]: SimpleNamespace(**row) for row in locked.values(*LOCKED_FIELDS)}

    @staticmethod
    def _as_stored(household: Household) -> SimpleNamespace:
        return SimpleNamespace(**{name: getattr(household, name) for name in LOCKED_FIELDS})

    def _household_model(self, item: HouseholdIn, version: int) -> Household:
        return household_row(
            item=item, version=version, stamp=self._stamp(), author=self.user, device_id=self.device_id
        )

    def _apply_households(self, items: list[HouseholdIn | HouseholdEdit]) -> None:
        to_create, to_update = [], []
        for item in items:
            if item.id in self.erased:
                self.outcomes.add("household", item.position, item.id, "erased")
                continue
            if isinstance(item, HouseholdEdit):
                self._merge_edit(item, to_update)
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

    def _merge_edit(self, item: HouseholdEdit, to_update: list[_Revision]) -> None:
        """An edit naming its fields, merged field by field into the stored household (``household_merge``):
        fields changed on the phone's side only are applied; fields changed on both sides are answered
        ``conflict`` with who changed them and when (and the applied ones in ``applied``)."""
        stored = self.stored.get(item.id)
        if stored is None and item.id not in self.erased_elsewhere:
            message = _("Máy chủ không có hộ này nên không sửa được.")
            self.outcomes.add("household", item.position, item.id, "rejected", errors={"id": [message]})
            return
        if stored is None or stored.village_id not in self.villages:
            self._reject_outside_household(item)
            return
        if item.fields.get("village", stored.village_id) not in self.villages:
            message = _("Thôn không thuộc phạm vi của bạn.")
            self.outcomes.add("household", item.position, item.id, "rejected", errors={"village": [message]})
            return
        if item.base_version > stored.version:
            # A version the server never had (a phone's bug, a hostile phone, a queue kept across a
            # database restore): what the phone saw is unknown, so nothing counts as changed on its side
            # only. Every field it names that differs is a conflict for the volunteer to choose, never a
            # silent overwrite of what the server holds.
            item = replace(item, base_version=0)
        merge = household_merge(edit=item, stored=stored)
        if not merge.apply:
            extra = {"conflicts": merge.conflicts, "applied": [], "current": household_as_record(stored)}
            state = "conflict" if merge.conflicts else "duplicate"
            self.outcomes.add(
                "household",
                item.position,
                item.id,
                state,
                version=stored.version,
                **(extra if merge.conflicts else {}),
            )
            return
        try:
            merged = household_in(household_merged_item(stored=stored, apply=merge.apply), self.context)
        except Rejected as rejected:
            self.outcomes.add("household", item.position, item.id, "rejected", errors=rejected.errors)
            return
        merged.position = item.position
        to_update.append(_Revision(item=merged, stored=stored, conflicts=merge.conflicts))

    def _classify_existing_household(
        self, item: HouseholdIn, stored: SimpleNamespace, to_update: list[_Revision]
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
            to_update.append(_Revision(item=item, stored=stored))

    def _reject_outside_household(self, item: HouseholdIn) -> None:
        self.outcomes.add(
            "household",
            item.position,
            item.id,
            "rejected",
            errors={"id": [_("Hộ không thuộc các thôn của bạn.")]},
        )

    def _write_household_updates(self, revisions: list[_Revision]) -> None:
        if not revisions:
            return
        rows, exits = [], []
        for revision in revisions:
            item, stored = revision.item, revision.stored
            row = household_revision(
                item=item, stored=stored, stamp=self._stamp(), author=self.user, device_id=self.device_id
            )
            exits.append(
                household_move_exit(
                    stored=stored, row=row, old_village=self.villages[stored.village_id], stamp=self._stamp()
                )
            )
            changed = changed_fields(stored=stored, row=row)
            stamped(stored=stored, row=row, changed=changed, author=self.user)
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
            if revision.conflicts:
                self.outcomes.add(
                    "household",
                    item.position,
                    item.id,
                    "conflict",
                    version=row.version,
                    conflicts=revision.conflicts,
                    applied=sorted(changed),
                    current=household_as_record(self.stored[item.id]),
                )
            else:
                self.outcomes.add("household", item.position, item.id, "updated", version=row.version)
        # The rows are locked, so the version cannot have moved since we compared it.
        households_store_revisions(rows=rows, exits=exits)

    # visits --------------------------------------------------------------------------------------

    def _apply_visits(self, items: list[VisitIn]) -> None:
        """Store the round's new visits' rows (and their ids' claims); answer each visit. Under the
        households' locks; takes the claims' key locks (``VisitKey``) on the ids."""
        accepted = [item for item in items if self._visit_accepted(item)]
        if not accepted:
            return
        # Insert first and ask afterwards: the insert says which ids were new, so a fresh batch costs no
        # lookup, and only the ids already stored (a retry) are read back to tell duplicate from conflict.
        # The id goes in first, alone (``VisitKey``): it is unique across the history's partitions, and a
        # retry racing its original waits here and then finds the id taken.
        flags = self._flags(accepted)
        inserted = insert_new(VisitKey, [{"id": str(item.id)} for item in accepted])
        new = [self._new_visit(item, flags[item.id].flags) for item in accepted if item.id in inserted]
        insert_rows(
            Visit, [self._visit_row(visit, flags[visit.item.id].distance) for visit in new], with_pk=True
        )
        self._store_help_items(new)
        self.stored_visits.extend(new)
        existing = {}
        if len(inserted) < len(accepted):
            # In this push's provinces only: an id another province's visit holds is a conflict here.
            existing = dict(
                Visit.objects.filter(
                    province_id__in={self._village_of(v).province_code for v in accepted},
                    id__any=[v.id for v in accepted if v.id not in inserted],
                ).values_list("id", "content_hash")
            )
        for item in accepted:
            if item.id in inserted:
                visit_flags = flags[item.id].flags
                self.outcomes.add(
                    "visit",
                    item.position,
                    item.id,
                    "created",
                    flags=visit_flags,
                    held=visit_held(flags=visit_flags),
                )
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

    def _visit_accepted(self, item: VisitIn) -> bool:
        """Whether the visit's household is one this push may add to; otherwise it is answered here."""
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
            return True
        return False

    def _village_of(self, item: VisitIn):
        return self.villages[self.stored[item.household].village_id]

    def _new_visit(self, item: VisitIn, flags: list[str]) -> NewVisit:
        village = self._village_of(item)
        # The partition key follows the village, by the one rule (core.visit_province).
        return NewVisit(
            item=item, province=village.province_code, village=village.code, team=village.team_id, flags=flags
        )

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

    def _flags(self, items: list[VisitIn]) -> dict[uuid.UUID, VisitFlags]:
        """Each visit's integrity flags and its distance from its household (services/integrity.py)."""
        # Each visit's household and village, looked up once.
        places = [(v, self.stored[v.household], self._village_of(v)) for v in items]
        polygons = integrity.commune_polygons({village.commune_id for _v, _h, village in places})
        facts = [
            integrity.VisitFacts(
                id=v.id,
                household_id=v.household,
                volunteer_id=self.user.id,
                visited_at=v.visited_at,
                lat=v.lat,
                lon=v.lon,
                accuracy_m=v.accuracy_m,
                household_lat=household.lat,
                household_lon=household.lon,
                commune=village.commune_id,
            )
            for v, household, village in places
        ]
        earliest = min(f.visited_at for f in facts) - integrity.MIN_GAP
        latest = max(f.visited_at for f in facts) + integrity.MIN_GAP
        neighbours = Visit.objects.filter(
            province_id__in={village.province_code for _v, _h, village in places},
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
            result[fact.id] = VisitFlags(flags=visit_flags, distance=distance)
        return result

    def _visit_row(self, visit: NewVisit, distance: float | None) -> dict:
        item = visit.item
        # Strings rather than UUID and datetime objects: json.dumps then encodes the batch in C alone.
        return {
            "id": str(item.id),
            "province_id": visit.province,
            "household_id": str(item.household),
            "village_id": visit.village,
            "volunteer_id": self.user.id,
            "team_id": visit.team,
            "device_id": self.device_id,
            "visited_at": item.visited_at.isoformat(),
            "lat": item.lat,
            "lon": item.lon,
            "accuracy_m": item.accuracy_m,
            "distance_m": round(distance, 1) if distance is not None else None,
            "outcome": item.outcome,
            "notes": item.notes,
            "flags": visit.flags,
            "is_flagged": bool(visit.flags),
            "held": visit_held(flags=visit.flags),
            "content_hash": item.content_hash,
            "received_at": self.now_text,
            "is_demo": False,
        }

    # 3b. after the visits: ``_after_visits``, in that order, under the households' locks -----------------

    def _household(self, visit: NewVisit) -> SimpleNamespace:
        """The household a visit changes; marked as touched (its visit columns are written)."""
        household = self.stored[visit.item.household]
        self.touched[household.id] = household
        return household

    def _store_help_items(self, visits: list[NewVisit]) -> None:
        """The new visits' help items, in their visits' partitions. Takes no lock (new rows)."""
        insert_rows(
            HelpItem,
            [
                {
                    "visit_id": str(visit.item.id),
                    "province_id": visit.province,
                    "service_id": h.service,
                    "result": h.result,
                    "people": h.people,
                }
                for visit in visits
                for h in visit.item.help
            ],
        )

    def _refresh_followups(self) -> None:
        """Follow-ups of every (household, service) the new help items open or close
        (core.services.followups). Needs the households' locks; takes none."""
        visits = [visit.item for visit in self.stored_visits]
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
            teams={visit.item.household: visit.team for visit in self.stored_visits},
            villages={visit.item.household: visit.village for visit in self.stored_visits},
            provinces={visit.province for visit in self.stored_visits},
        )

    def _apply_last_visits(self) -> None:
        """Each household's last visit, by the one rule (core.services.last_visit). The new visits are
        compared with the stored last; only a tie at the very same second reads the stored visits of
        that second (the rule breaks it by id). Needs the households' locks; takes none."""
        per_household: dict[uuid.UUID, list[VisitFact]] = {}
        for visit in self.stored_visits:
            item = visit.item
            self._household(visit)
            per_household.setdefault(item.household, []).append(
                VisitFact(item.id, item.visited_at, item.outcome, visit.flags)
            )
        winners = {hid: last_visit_of(facts) for hid, facts in per_household.items()}
        ties = {
            hid
            for hid, last in winners.items()
            if last.visited_at is not None and last.visited_at == self.stored[hid].last_visited_at
        }
        if ties:
            tied = household_visit_facts(
                household_ids=ties, visited_at__in={winners[hid].visited_at for hid in ties}
            )
            winners |= {hid: last_visit_of(tied.get(hid, ())) for hid in ties}
        for hid, last in winners.items():
            household = self.stored[hid]
            stored_at = household.last_visited_at
            if last.visited_at is not None and (stored_at is None or last.visited_at >= stored_at):
                household.last_visited_at, household.last_outcome = last.visited_at, last.outcome

    def _apply_moved(self) -> None:
        """Whether each household moved, by the one rule (core.services.last_visit.moved_by): a visit
        reporting the move, or one finding the household at home after it was reported moved, reads the
        household's visits (rare; the push's others cost nothing). Needs the households' locks."""
        asked = {
            visit.item.household
            for visit in self.stored_visits
            if visit.item.outcome in RESIDENCE_OUTCOMES
            and (visit.item.outcome == Outcome.MOVED or self.stored[visit.item.household].moved)
        }
        if not asked:
            return
        facts = household_visit_facts(household_ids=asked)
        for hid in asked:
            household = self.stored[hid]
            moved = moved_by(facts.get(hid, ()), moved=household.moved)
            if moved != household.moved:
                household.moved = moved
                self.moved_changed.add(hid)

    def _apply_services_done(self) -> None:
        """The services each household received at least once. Needs the households' locks."""
        for visit in self.stored_visits:
            done = {h.service for h in visit.item.help if h.result == HelpResult.DONE}
            household = self._household(visit)
            if done - set(household.services_done or []):
                household.services_done = sorted(set(household.services_done or []) | done)

    def _write_visited_households(self) -> None:
        """One statement for the visit columns of every household visited (they reach phones again).
        Needs the households' locks (the rows are updated in place)."""
        stamp = self._stamp()
        update_rows(
            Household,
            [
                {
                    "id": str(h.id),
                    "last_visited_at": h.last_visited_at.isoformat() if h.last_visited_at else None,
                    "last_outcome": h.last_outcome,
                    "moved": h.moved,
                    "services_done": h.services_done,
                    "change_seq": stamp,
                }
                for h in self.touched.values()
            ],
            ["last_visited_at", "last_outcome", "moved", "services_done", "change_seq"],
        )
        for household in self.touched.values():
            household.change_seq = stamp

    def _describe_new_visits(self) -> None:
        """What the rollups read of each new visit (``StoredVisit``), the household's final ``moved``
        included (a household whose ``moved`` changed is recounted anyway). Takes no lock."""
        for visit in self.stored_visits:
            item = visit.item
            self.changed_villages.add(visit.village)
            self.new_visits.append(
                StoredVisit(
                    id=item.id,
                    province=visit.province,
                    village=visit.village,
                    team=visit.team,
                    household=item.household,
                    household_moved=self.stored[item.household].moved,
                    visited_at=item.visited_at,
                    flagged=bool(visit.flags),
                    outcome=item.outcome,
                    held=visit_held(flags=visit.flags),
                    help=tuple(HelpGiven(h.service, h.result, h.people) for h in visit.item.help),
                )
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
