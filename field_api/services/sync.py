"""Push: what a phone recorded offline, stored once, item by item (API.md "Sync: push").

A bad item is rejected with its reasons and never blocks the good ones. Sending anything again is
safe: same id and content → ``duplicate``; households change only from the version the phone saw
(``base_version``), otherwise ``conflict`` with the stored record; visits never change once stored.

Concurrency: the households a push touches are locked in id order (``SELECT … FOR UPDATE``) before
anything is read from them, so two phones (or a retry racing its original) serialize on the same door
and the second one sees what the first stored. Inserts rely on the primary key (``insert_new``), never
on a check followed by an insert. Lookups are one query per kind per batch; writes are bulk.
"""

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status

from field_api.exceptions import ApplicationError
from field_api.models import (
    FollowUp,
    GroupSession,
    HelpItem,
    HelpResult,
    Household,
    HouseholdExit,
    Outcome,
    Service,
    User,
    Visit,
)
from field_api.selectors import villages_for
from field_api.services import integrity
from field_api.services.bulk import insert_new, insert_rows, model_rows, update_rows
from field_api.services.changes import change_stamp
from field_api.signals import announce_field_records_stored
from field_api.text import search_key

MAX_ITEMS = 500
# Mainland, Côn Đảo, Phú Quốc, Hoàng Sa and Trường Sa all fall inside this box.
LAT_RANGE = (6.0, 23.5)
LON_RANGE = (102.0, 117.5)
OUTCOMES = {choice.value for choice in Outcome}
RESULTS = {choice.value for choice in HelpResult}
HOUSEHOLD_FIELDS = (
    "village",
    "label",
    "head_name",
    "phone",
    "members",
    "working_age",
    "lat",
    "lon",
    "consent",
)
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
# What a push reads of the households it locks: the record, and the hash that spots a resend.
# Plain rows, not model instances: a push of 200 visits locks 200 households.
LOCKED_FIELDS = (*RECORD_FIELDS, "content_hash")


class Rejected(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


def _fail(field_name: str, message: str):
    raise Rejected({field_name: [message]})


# --- reading the phone's JSON, one field at a time -------------------------------------------------


def _uuid(item: dict, name: str) -> uuid.UUID:
    value = item.get(name)
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        _fail(name, _("Phải là một UUID."))


def _text(item: dict, name: str, max_length: int, *, required: bool = False) -> str:
    value = item.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        _fail(name, _("Phải là chuỗi ký tự."))
    value = value.strip()
    if "\x00" in value:  # PostgreSQL text cannot hold it; a phone that sends it has a bug
        _fail(name, _("Không được chứa ký tự NUL."))
    if required and not value:
        _fail(name, _("Trường này là bắt buộc."))
    if len(value) > max_length:
        _fail(name, _("Tối đa %(count)d ký tự.") % {"count": max_length})
    return value


def _int(item: dict, name: str, low: int, high: int, *, default: int | None = None) -> int:
    value = item.get(name, default)
    if value is None or isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        _fail(name, _("Phải là số nguyên."))
    if not low <= value <= high:
        _fail(name, _("Phải từ %(low)d đến %(high)d.") % {"low": low, "high": high})
    return int(value)


def _coordinates(item: dict) -> tuple[float | None, float | None]:
    lat, lon = item.get("lat"), item.get("lon")
    if lat is None and lon is None:
        return None, None
    for name, value, (low, high) in (("lat", lat, LAT_RANGE), ("lon", lon, LON_RANGE)):
        if value is None or isinstance(value, bool) or not isinstance(value, int | float):
            _fail(name, _("Phải là số (độ thập phân)."))
        if not low <= value <= high:
            _fail(name, _("Tọa độ nằm ngoài lãnh thổ Việt Nam."))
    return float(lat), float(lon)


def _moment(item: dict, name: str) -> dt.datetime:
    value = item.get(name)
    try:
        moment = dt.datetime.fromisoformat(value)
    except (TypeError, ValueError):
        _fail(name, _("Phải là thời điểm ISO 8601 có múi giờ, ví dụ 2026-11-20T09:15:00+07:00."))
    if moment.tzinfo is None:
        _fail(name, _("Thiếu múi giờ (ví dụ +07:00)."))
    return moment


def _content_hash(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class HouseholdIn:
    id: uuid.UUID
    base_version: int | None
    fields: dict
    content_hash: str


@dataclass
class HelpIn:
    service: str
    result: str
    people: int


@dataclass
class VisitIn:
    id: uuid.UUID
    household: uuid.UUID
    visited_at: dt.datetime
    lat: float | None
    lon: float | None
    accuracy_m: float | None
    outcome: str
    notes: str
    help: list[HelpIn]
    content_hash: str


@dataclass
class SessionIn:
    id: uuid.UUID
    village: str
    held_at: dt.datetime
    services: list[str]
    attendees: int
    lat: float | None
    lon: float | None
    content_hash: str


def _household_in(item: dict) -> HouseholdIn:
    household_id = _uuid(item, "id")
    members = _int(item, "members", 1, 50, default=1)
    working_age = _int(item, "working_age", 0, 50, default=0)
    if working_age > members:
        _fail("working_age", _("Không được lớn hơn số nhân khẩu."))
    lat, lon = _coordinates(item)
    consent = item.get("consent", False)
    if not isinstance(consent, bool):
        _fail("consent", _("Phải là true hoặc false."))
    head_name = _text(item, "head_name", 150)
    phone = _text(item, "phone", 20)
    if phone and not phone.replace("+", "", 1).replace(" ", "").isdigit():
        _fail("phone", _("Số điện thoại chỉ gồm chữ số."))
    if (head_name or phone) and not consent:
        # Decree 13/2023: names and phones only with the household's consent.
        _fail("consent", _("Cần hộ đồng ý (consent) mới được lưu tên và số điện thoại."))
    base_version = item.get("base_version")
    if base_version is not None and (isinstance(base_version, bool) or not isinstance(base_version, int)):
        _fail("base_version", _("Phải là số nguyên hoặc null."))
    village = _text(item, "village", 16, required=True)
    fields = {
        "village": village,
        "label": _text(item, "label", 200, required=True),
        "head_name": head_name,
        "phone": phone,
        "members": members,
        "working_age": working_age,
        "lat": lat,
        "lon": lon,
        "consent": consent,
    }
    return HouseholdIn(household_id, base_version, fields, _content_hash(fields))


def _visit_in(item: dict, services: dict[str, int]) -> VisitIn:
    visit_id = _uuid(item, "id")
    household = _uuid(item, "household")
    visited_at = _moment(item, "visited_at")
    lat, lon = _coordinates(item)
    accuracy = item.get("accuracy_m")
    if accuracy is not None and (
        isinstance(accuracy, bool) or not isinstance(accuracy, int | float) or not 0 <= accuracy <= 10_000
    ):
        _fail("accuracy_m", _("Phải là số mét từ 0 đến 10000, hoặc null."))
    outcome = item.get("outcome")
    if outcome not in OUTCOMES:
        _fail("outcome", _("Phải là một trong: %(values)s.") % {"values": ", ".join(sorted(OUTCOMES))})
    notes = _text(item, "notes", 2000)
    raw_help = item.get("help") or []
    if not isinstance(raw_help, list) or len(raw_help) > 20:
        _fail("help", _("Phải là danh sách tối đa 20 nội dung hỗ trợ."))
    if raw_help and outcome != Outcome.MET:
        _fail("help", _("Chỉ ghi nội dung hỗ trợ khi gặp được hộ (outcome = met)."))
    help_items = []
    seen = set()
    for index, entry in enumerate(raw_help):
        if not isinstance(entry, dict):
            _fail(f"help[{index}]", _("Phải là một đối tượng."))
        service = entry.get("service")
        if service not in services:
            _fail(
                f"help[{index}].service", _('Dịch vụ "%(code)s" không có trong danh mục.') % {"code": service}
            )
        if service in seen:
            _fail(f"help[{index}].service", _("Dịch vụ lặp lại trong cùng lượt thăm."))
        seen.add(service)
        result = entry.get("result")
        if result not in RESULTS:
            _fail(
                f"help[{index}].result",
                _("Phải là một trong: %(values)s.") % {"values": ", ".join(sorted(RESULTS))},
            )
        try:
            people = _int(entry, "people", 1, 50, default=1)
        except Rejected as rejected:
            raise Rejected({f"help[{index}].people": rejected.errors["people"]}) from rejected
        help_items.append(HelpIn(service, result, people))
    content = {
        "household": str(household),
        "visited_at": visited_at.astimezone(dt.UTC).isoformat(),
        "lat": lat,
        "lon": lon,
        "accuracy_m": accuracy,
        "outcome": outcome,
        "notes": notes,
        "help": sorted((h.service, h.result, h.people) for h in help_items),
    }
    return VisitIn(
        visit_id,
        household,
        visited_at,
        lat,
        lon,
        accuracy,
        outcome,
        notes,
        help_items,
        _content_hash(content),
    )


def _session_in(item: dict, services: dict[str, int]) -> SessionIn:
    session_id = _uuid(item, "id")
    village = _text(item, "village", 16, required=True)
    held_at = _moment(item, "held_at")
    codes = item.get("services")
    if not isinstance(codes, list) or not codes:
        _fail("services", _("Phải là danh sách mã dịch vụ, ít nhất một."))
    unknown = [code for code in codes if code not in services]
    if unknown:
        _fail(
            "services",
            _("Dịch vụ không có trong danh mục: %(codes)s.") % {"codes": ", ".join(map(str, unknown))},
        )
    attendees = _int(item, "attendees", 1, 2000)
    lat, lon = _coordinates(item)
    content = {
        "village": village,
        "held_at": held_at.astimezone(dt.UTC).isoformat(),
        "services": sorted(codes),
        "attendees": attendees,
        "lat": lat,
        "lon": lon,
    }
    return SessionIn(
        session_id, village, held_at, sorted(set(codes)), attendees, lat, lon, _content_hash(content)
    )


# --- results -------------------------------------------------------------------------------------


@dataclass
class Outcomes:
    results: list[dict] = field(default_factory=list)

    def add(self, kind: str, item_id, state: str, **extra):
        self.results.append({"type": kind, "id": str(item_id), "status": state, **extra})


def household_as_record(household: Household, *, with_identity: bool = True) -> dict:
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


def _item_id(item) -> str:
    return str(item.get("id")) if isinstance(item, dict) else ""


# --- the push ------------------------------------------------------------------------------------


def sync_push(*, user: User, payload: dict) -> dict:
    if not user.scope.works_in_field:
        raise ApplicationError(
            _("Vai trò này không gửi dữ liệu thực địa."), status_code=status.HTTP_403_FORBIDDEN
        )
    if not isinstance(payload, dict):
        raise ApplicationError(
            _("Dữ liệu gửi lên không hợp lệ."),
            errors={"non_field_errors": [_("Phải là một đối tượng JSON.")]},
        )
    lists = {}
    errors = {}
    for name in ("households", "visits", "group_sessions"):
        value = payload.get(name) or []
        if not isinstance(value, list):
            errors[name] = [_("Phải là một danh sách.")]
        lists[name] = value
    device_id = payload.get("device_id", "")
    if not isinstance(device_id, str) or len(device_id) > 100 or "\x00" in device_id:
        errors["device_id"] = [_("Phải là chuỗi tối đa 100 ký tự.")]
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
    return {"results": push.outcomes.results, "server_time": timezone.localtime().isoformat()}


class _Push:
    def __init__(self, *, user: User, device_id: str):
        self.user = user
        self.device_id = device_id
        self.now = timezone.now()
        self.now_text = self.now.isoformat()
        self.outcomes = Outcomes()
        self.services = dict(Service.objects.filter(is_active=True).values_list("code", "followup_days"))
        self.stamp: int | None = None
        self.changed_villages: set[str] = set()
        self.new_visit_ids: list[str] = []

    def _stamp(self) -> int:
        if self.stamp is None:
            self.stamp = change_stamp()
        return self.stamp

    def run(self, raw_households: list, raw_visits: list, raw_sessions: list) -> None:
        households, visits, sessions = [], [], []
        parsed_ids: set = set()
        for kind, raw_items, parse, bucket in (
            ("household", raw_households, _household_in, households),
            ("visit", raw_visits, lambda item: _visit_in(item, self.services), visits),
            ("group_session", raw_sessions, lambda item: _session_in(item, self.services), sessions),
        ):
            for item in raw_items:
                try:
                    if not isinstance(item, dict):
                        raise Rejected({"non_field_errors": [_("Phải là một đối tượng JSON.")]})
                    parsed = parse(item)
                except Rejected as rejected:
                    self.outcomes.add(kind, _item_id(item), "rejected", errors=rejected.errors)
                    continue
                if (kind, parsed.id) in parsed_ids:
                    self.outcomes.add(
                        kind, parsed.id, "rejected", errors={"id": [_("Id lặp lại trong cùng lần gửi.")]}
                    )
                    continue
                parsed_ids.add((kind, parsed.id))
                bucket.append(parsed)

        # Lock every household this push reads or writes, in id order (no deadlocks between pushes).
        household_ids = sorted({h.id for h in households} | {v.household for v in visits})
        self.stored = self._lock_households(household_ids)
        wanted_villages = {h.fields["village"] for h in households} | {s.village for s in sessions}
        wanted_villages |= {h.village_id for h in self.stored.values()}
        self.villages = {
            v.code: v
            for v in villages_for(scope=self.user.scope)
            .filter(code__in=wanted_villages)
            .only("code", "commune_id", "team_id")
        }
        self._apply_households(households)
        self._apply_visits(visits)
        self._apply_sessions(sessions)
        if self.changed_villages:
            announce_field_records_stored(village_codes=self.changed_villages, visit_ids=self.new_visit_ids)

    # households ----------------------------------------------------------------------------------

    @staticmethod
    def _lock_households(ids) -> dict[uuid.UUID, SimpleNamespace]:
        locked = Household.objects.select_for_update().filter(id__in=ids).order_by("id")
        return {row["id"]: SimpleNamespace(**row) for row in locked.values(*LOCKED_FIELDS)}

    @staticmethod
    def _as_stored(household: Household) -> SimpleNamespace:
        return SimpleNamespace(**{name: getattr(household, name) for name in LOCKED_FIELDS})

    def _household_model(self, item: HouseholdIn, version: int) -> Household:
        fields = dict(item.fields)
        village = fields.pop("village")
        return Household(
            id=item.id,
            village_id=village,
            version=version,
            content_hash=item.content_hash,
            search_name=search_key(f"{fields['label']} {fields['head_name']}"),
            change_seq=self._stamp(),
            created_by=self.user,
            device_id=self.device_id,
            **fields,
        )

    def _apply_households(self, items: list[HouseholdIn]) -> None:
        to_create, to_update = [], []
        for item in items:
            if item.fields["village"] not in self.villages:
                self.outcomes.add(
                    "household",
                    item.id,
                    "rejected",
                    errors={"village": [_("Thôn không thuộc phạm vi của bạn.")]},
                )
                continue
            stored = self.stored.get(item.id)
            if stored is None:
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
                self.outcomes.add("household", item.id, "created", version=1)
            else:
                self._classify_existing_household(item, self.stored[item.id], to_update)
        self._write_household_updates(to_update)

    def _classify_existing_household(
        self, item: HouseholdIn, stored: SimpleNamespace, to_update: list
    ) -> None:
        if stored.village_id not in self.villages:
            self.outcomes.add(
                "household", item.id, "rejected", errors={"id": [_("Hộ không thuộc các thôn của bạn.")]}
            )
        elif stored.content_hash == item.content_hash:
            self.outcomes.add("household", item.id, "duplicate", version=stored.version)
        elif item.base_version is None or item.base_version != stored.version:
            self.outcomes.add(
                "household", item.id, "conflict", version=stored.version, current=household_as_record(stored)
            )
        else:
            to_update.append((item, stored))

    def _write_household_updates(self, pairs: list) -> None:
        if not pairs:
            return
        rows, exits = [], []
        for item, stored in pairs:
            row = self._household_model(item, stored.version + 1)
            # What visits taught us about the household stays; the phone edits only its own fields.
            row.moved, row.last_visited_at, row.last_outcome = (
                stored.moved,
                stored.last_visited_at,
                stored.last_outcome,
            )
            row.services_done = stored.services_done
            if row.village_id != stored.village_id:
                old = self.villages[stored.village_id]
                exits.append(
                    HouseholdExit(
                        household_id=stored.id,
                        team_id=old.team_id,
                        commune_id=old.commune_id,
                        change_seq=self._stamp(),
                    )
                )
                self.changed_villages.add(stored.village_id)
            rows.append(row)
            self.stored[item.id] = self._as_stored(row)
            self.changed_villages.add(row.village_id)
            self.outcomes.add("household", item.id, "updated", version=row.version)
        # The rows are locked, so the version cannot have moved since we compared it.
        update_rows(
            Household,
            model_rows(rows, add=False),
            [
                "village",
                *HOUSEHOLD_FIELDS[1:],
                "version",
                "content_hash",
                "search_name",
                "change_seq",
                "device_id",
                "updated_at",
            ],
        )
        HouseholdExit.objects.bulk_create(exits)

    # visits --------------------------------------------------------------------------------------

    def _apply_visits(self, items: list[VisitIn]) -> None:
        accepted = []
        for item in items:
            household = self.stored.get(item.household)
            if household is None or household.village_id not in self.villages:
                # Unknown and out-of-scope look the same: nothing leaks about other teams' households.
                self.outcomes.add(
                    "visit",
                    item.id,
                    "rejected",
                    errors={"household": [_("Hộ không thuộc các thôn của bạn.")]},
                )
                continue
            accepted.append(item)
        if not accepted:
            return
        # Insert first and ask afterwards: the insert says which ids were new, so a fresh batch costs no
        # lookup, and only the ids already stored (a retry) are read back to tell duplicate from conflict.
        flags = self._flags(accepted)
        inserted = insert_new(Visit, [self._visit_row(item, *flags[item.id]) for item in accepted])
        existing = {}
        if len(inserted) < len(accepted):
            existing = dict(
                Visit.objects.filter(id__in=[v.id for v in accepted if v.id not in inserted]).values_list(
                    "id", "content_hash"
                )
            )
        stored_visits = []
        for item in accepted:
            if item.id in inserted:
                stored_visits.append(item)
                self.outcomes.add("visit", item.id, "created", flags=flags[item.id][0])
            elif existing.get(item.id) == item.content_hash:
                self.outcomes.add("visit", item.id, "duplicate")
            else:
                self.outcomes.add(
                    "visit", item.id, "conflict", errors={"id": [_("Lượt thăm đã lưu không thể sửa.")]}
                )
        if stored_visits:
            self._after_visits(stored_visits)

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
            volunteer=self.user, visited_at__gte=earliest, visited_at__lte=latest
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

    def _after_visits(self, visits: list[VisitIn]) -> None:
        help_rows = []
        for visit in visits:
            visit_id = str(visit.id)
            help_rows.extend(
                {"visit_id": visit_id, "service_id": h.service, "result": h.result, "people": h.people}
                for h in visit.help
            )
        insert_rows(HelpItem, help_rows)
        self._follow_ups(visits)
        touched: dict = {}
        for visit in sorted(visits, key=lambda v: v.visited_at):
            household = self.stored[visit.household]
            if household.last_visited_at is None or visit.visited_at >= household.last_visited_at:
                household.last_visited_at = visit.visited_at
                household.last_outcome = visit.outcome
            if visit.outcome == Outcome.MOVED:
                household.moved = True
            done = {h.service for h in visit.help if h.result == HelpResult.DONE}
            if done - set(household.services_done or []):
                household.services_done = sorted(set(household.services_done or []) | done)
            household.change_seq = self._stamp()
            touched[household.id] = household
            self.changed_villages.add(household.village_id)
            self.new_visit_ids.append(str(visit.id))
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

    def _follow_ups(self, visits: list[VisitIn]) -> None:
        """``pending`` opens a follow-up for the team; a later ``done`` for the same service closes it."""
        pairs = {
            (v.household, h.service)
            for v in visits
            for h in v.help
            if h.result in (HelpResult.PENDING, HelpResult.DONE)
        }
        if not pairs:
            return
        open_followups = {
            (f.household_id, f.service_id): f
            for f in FollowUp.objects.filter(household_id__in={h for h, _s in pairs}, closed_at__isnull=True)
        }
        to_open, to_close = {}, {}
        for visit in sorted(visits, key=lambda v: v.visited_at):
            village = self.villages[self.stored[visit.household].village_id]
            for help_item in visit.help:
                key = (visit.household, help_item.service)
                current = to_open.get(key) or open_followups.get(key)
                if help_item.result == HelpResult.PENDING and current is None:
                    due = timezone.localtime(visit.visited_at).date() + dt.timedelta(
                        days=self.services[help_item.service]
                    )
                    to_open[key] = FollowUp(
                        household_id=visit.household,
                        service_id=help_item.service,
                        team_id=village.team_id,
                        opened_by_id=visit.id,
                        since=visit.visited_at,
                        due=due,
                    )
                elif (
                    help_item.result == HelpResult.DONE
                    and current is not None
                    and visit.visited_at >= current.since
                ):
                    if key in to_open:
                        del to_open[key]
                    else:
                        current.closed_at, current.closed_by_id = visit.visited_at, visit.id
                        to_close[key] = current
                        del open_followups[key]
        FollowUp.objects.bulk_create(to_open.values(), ignore_conflicts=True)
        update_rows(
            FollowUp,
            [
                {"id": f.id, "closed_at": f.closed_at, "closed_by_id": f.closed_by_id}
                for f in to_close.values()
            ],
            ["closed_at", "closed_by"],
        )

    # group sessions ------------------------------------------------------------------------------

    def _apply_sessions(self, items: list[SessionIn]) -> None:
        accepted = []
        for item in items:
            if item.village not in self.villages:
                self.outcomes.add(
                    "group_session",
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
                self.outcomes.add("group_session", item.id, "created")
            elif existing.get(item.id) == item.content_hash:
                self.outcomes.add("group_session", item.id, "duplicate")
            else:
                self.outcomes.add(
                    "group_session",
                    item.id,
                    "conflict",
                    errors={"id": [_("Buổi hướng dẫn đã lưu không thể sửa.")]},
                )
