"""What a pushed item may hold: one declaration per item kind, read by the parser and by the schema.

The push parser (``household_in``, ``visit_in``, ``session_in``) and the OpenAPI components of
``/api/v1/sync/push/`` (field_api/apis/sync.py) are both built from the specs below, so the schema
cannot drift from what the server accepts. A spec names the JSON type, range, length and default of
each field; rules across fields (consent, catalogue, both coordinates or none) are checked by the
``*_in`` functions after every field has been read, and described in the fields' help texts.

Every value a phone can send is judged here, whatever its JSON type: a field error for the item,
never an exception that costs the batch. Text must be valid Unicode without NUL (a lone surrogate
cannot be stored or sent back), and is then cleaned by the product's one rule for stored text
(``backend.text.clean_text``: control and bidi-override characters out, NFC), so a resend in another
normal form hashes the same and lengths count the characters as stored. Ids are UUIDs in their
36-character form, either case, answered in lower case. Numbers must be finite; an integral float counts as the
integer (``12.0`` is ``12``). Instants must carry an offset and fall in a sane window, checked by
comparison (which never overflows) before anything converts them (which can, at the ends of the
calendar with an extreme offset).

This is the hot path of a push (200 visits per batch): plain classes with ``__slots__``, type checks
by ``type(value) is``, and messages looked up only when something fails.
"""

import datetime as dt
import hashlib
import json
import re
import uuid
from dataclasses import dataclass

from django.utils.translation import gettext as _

from backend.text import clean_text
from core.models import HelpResult, Outcome

MISSING = object()
# Vietnam keeps +07:00 all year; a fixed offset compares faster than a zone on the hot path.
VIETNAM = dt.timezone(dt.timedelta(hours=7))
# No phone recorded anything before the programme existed; a clock far ahead is a broken clock.
EARLIEST_MOMENT = dt.datetime(2020, 1, 1, tzinfo=VIETNAM)
MAX_AHEAD = dt.timedelta(days=30)
# Mainland, Côn Đảo, Phú Quốc, Hoàng Sa and Trường Sa all fall inside this box.
LAT_RANGE = (6.0, 23.5)
LON_RANGE = (102.0, 117.5)
MAX_HELP_ITEMS = 20
CODE_PATTERN = r"^[-a-zA-Z0-9_]+$"  # Service.code is a slug
PHONE_PATTERN = r"^\+?[0-9][0-9 ]*$"


class Rejected(Exception):
    """An item is refused; ``errors`` maps each field to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


def _fail(field_name: str, message: str):
    raise Rejected({field_name: [message]})


class Context:
    """What parsing needs besides the item: the time of the push and the service catalogue."""

    __slots__ = ("latest", "now", "services")

    def __init__(self, *, now: dt.datetime, services: dict[str, int]):
        self.now = now
        self.latest = now + MAX_AHEAD
        self.services = services  # code → follow-up days


# --- fields --------------------------------------------------------------------------------------


class Field:
    """One field of an item: how it is read, and what the schema says about it."""

    __slots__ = ("default", "help", "nullable", "required")

    def __init__(self, *, required: bool = False, nullable: bool = False, default=None, help: str = ""):
        self.required = required
        self.nullable = nullable
        self.default = default
        self.help = help

    def parse(self, value, context: Context):
        raise NotImplementedError

    def absent(self, value):
        """The value for a missing field, or for null: the default where allowed, else an error."""
        if value is MISSING:
            if self.required:
                raise Invalid(_("Trường này là bắt buộc."))
            return self.default
        if self.nullable:
            return self.default
        raise Invalid(self.wrong_type())

    def wrong_type(self) -> str:
        return _("Giá trị không hợp lệ.")


class Invalid(Exception):
    """One field's value is refused (the parser adds the field's name)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# A citizen ID (CCCD) number: twelve digits (any script's digits: full-width ones too), with up to
# three separators between any two of them, as people write it or a document copies it (spaces of any
# kind, line breaks, dots, dashes, slashes, underscores: "079 095 001 234", "079/095/001/234",
# "0790 - 9500 - 1234"). The product never stores one (DESIGN.md "Personal data"): free text that holds
# one is refused, naming the field. A phone number (10 or 11 digits) or a date is not one.
_CITIZEN_ID = re.compile(r"(?<!\d)\d(?:[\s.\-/_\u2010-\u2015]{0,3}\d){11}(?!\d)")


def has_citizen_id(text: str) -> bool:
    return _CITIZEN_ID.search(text) is not None


class Text(Field):
    __slots__ = ("free", "max_length", "multiline", "pattern")

    def __init__(
        self,
        max_length: int,
        *,
        pattern: str | None = None,
        multiline: bool = False,
        free: bool = False,
        **kwargs,
    ):
        kwargs.setdefault("default", "")
        kwargs.setdefault("nullable", not kwargs.get("required", False))
        super().__init__(**kwargs)
        self.max_length = max_length
        self.multiline = multiline  # line breaks kept (a visit's notes); elsewhere they become spaces
        self.pattern = re.compile(pattern) if pattern else None
        # Words a person writes (labels, names, notes): a citizen ID number in them is refused.
        self.free = free

    def wrong_type(self) -> str:
        return _("Phải là chuỗi ký tự.")

    def parse(self, value, context: Context) -> str:
        if value is MISSING or value is None:
            return self.absent(value)
        return self.clean(value)

    def clean(self, value) -> str:
        if type(value) is not str:
            raise Invalid(self.wrong_type())
        value = text_clean(value, multiline=self.multiline)
        if not value and self.required:
            raise Invalid(_("Trường này là bắt buộc."))
        # Judged on the text as stored (cleaned, NFC), whatever form it was sent in.
        if len(value) > self.max_length:
            raise Invalid(_("Tối đa %(count)d ký tự.") % {"count": self.max_length})
        if value and self.pattern is not None and self.pattern.match(value) is None:
            raise Invalid(_("Có ký tự không được phép."))
        if self.free and value and has_citizen_id(value):
            raise Invalid(_("Không ghi số căn cước công dân."))
        return value


def text_clean(value: str, *, multiline: bool = False) -> str:
    """Valid Unicode without NUL (else ``Invalid``: the phone has a bug), then the product's one rule
    for stored text (``backend.text.clean_text``: controls and bidi overrides out, NFC, trimmed)."""
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            # A lone surrogate ("\ud800" in the JSON): PostgreSQL cannot store it, JSON cannot echo it.
            raise Invalid(_("Không phải văn bản Unicode hợp lệ.")) from None
    if "\x00" in value:  # PostgreSQL text cannot hold it; a phone that sends it has a bug
        raise Invalid(_("Không được chứa ký tự NUL."))
    return clean_text(value, multiline=multiline)


class Integer(Field):
    __slots__ = ("high", "low")

    def __init__(self, low: int, high: int, **kwargs):
        super().__init__(**kwargs)
        self.low, self.high = low, high

    def wrong_type(self) -> str:
        return _("Phải là số nguyên.")

    def parse(self, value, context: Context) -> int | None:
        if value is MISSING or value is None:
            return self.absent(value)
        kind = type(value)
        if kind is float and value.is_integer():  # false for inf and nan
            value = int(value)
        elif kind is not int:  # bool is its own type, so true/false are refused too
            raise Invalid(self.wrong_type())
        if not self.low <= value <= self.high:
            raise Invalid(_("Phải từ %(low)d đến %(high)d.") % {"low": self.low, "high": self.high})
        return value


class Number(Field):
    __slots__ = ("high", "low", "range_message")

    def __init__(self, low: float, high: float, *, range_message=None, **kwargs):
        kwargs.setdefault("nullable", True)
        super().__init__(**kwargs)
        self.low, self.high = low, high
        self.range_message = range_message

    def wrong_type(self) -> str:
        return _("Phải là số (độ thập phân).")

    def parse(self, value, context: Context) -> float | None:
        if value is MISSING or value is None:
            return self.absent(value)
        kind = type(value)
        if kind is not float and kind is not int:
            raise Invalid(self.wrong_type())
        # nan fails both comparisons; inf (JSON 1e400) and huge integers fall outside the range.
        if not self.low <= value <= self.high:
            if self.range_message is not None:
                raise Invalid(self.range_message())
            raise Invalid(_("Phải từ %(low)s đến %(high)s.") % {"low": self.low, "high": self.high})
        return float(value) + 0.0  # -0.0 becomes 0.0: one number, one hash


class Boolean(Field):
    __slots__ = ()

    def wrong_type(self) -> str:
        return _("Phải là true hoặc false.")

    def parse(self, value, context: Context) -> bool | None:
        if value is MISSING or value is None:
            return self.absent(value)
        if type(value) is not bool:
            raise Invalid(self.wrong_type())
        return value


class Choice(Field):
    __slots__ = ("choices", "enum")

    def __init__(self, enum, **kwargs):
        super().__init__(**kwargs)
        self.enum = enum  # a TextChoices: its values are the choices, the schema names it
        self.choices = frozenset(enum.values)

    def wrong_type(self) -> str:
        return _("Phải là một trong: %(values)s.") % {"values": ", ".join(sorted(self.choices))}

    def parse(self, value, context: Context) -> str:
        if value is MISSING or value is None:
            return self.absent(value)
        # The type check first: a list or an object is unhashable and cannot meet ``in``.
        if type(value) is not str or value not in self.choices:
            raise Invalid(self.wrong_type())
        return value


UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_UUID = re.compile(UUID_PATTERN)
UUID_HELP = (
    "UUID dạng 8-4-4-4-12 chữ số hệ 16, chữ hoa hay thường đều được; mọi câu trả lời (kết quả gửi, "
    "pull, current) ghi id bằng chữ thường: so sánh id không phân biệt hoa thường. Không nhận UUID toàn "
    "số 0 (nil) hay toàn chữ f."
)


_PLACEHOLDER_UUIDS = frozenset({0, 2**128 - 1})  # 00000000-…-000000000000 and ffffffff-…-ffffffffffff


class SentUuid(uuid.UUID):
    """A UUID read from a phone's item that keeps its text in lower case, the one form stored and
    answered. A push writes each id it read several times as text (the id's claim, the row, its help
    items, the answer, the content hash): ``uuid.UUID.__str__`` formats it anew each time, a measurable
    share of a 200-visit push. Equal to, and hashed as, the same ``uuid.UUID``; pickled as one."""

    __slots__ = ("_text",)

    def __init__(self, text: str):
        super().__init__(text)
        object.__setattr__(self, "_text", text.lower())

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"UUID('{self._text}')"

    def __reduce__(self):
        return (uuid.UUID, (self._text,))


class Uuid(Field):
    """A UUID in its 36-character form, either case (RFC 9562); answers give it in lower case, the only
    form stored. Other spellings (braces, "urn:uuid:", no hyphens) are refused, as the schema's
    ``format: uuid`` says."""

    __slots__ = ()

    def wrong_type(self) -> str:
        return _("Phải là một UUID dạng xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx.")

    def parse(self, value, context: Context) -> uuid.UUID | None:
        if value is MISSING or value is None:
            return self.absent(value)
        if type(value) is not str or len(value) != 36 or _UUID.match(value) is None:
            raise Invalid(self.wrong_type())
        parsed = SentUuid(value)
        if parsed.int in _PLACEHOLDER_UUIDS:
            # The nil and max UUIDs are what a phone sends when it failed to make an id (an unset field,
            # a zeroed buffer): accepted, every such phone's records would collide on one id.
            raise Invalid(
                _("Không được là UUID toàn số 0 hay toàn chữ f: điện thoại phải tạo một UUID ngẫu nhiên.")
            )
        return parsed


class Moment(Field):
    """An instant with an offset, from 2020-01-01 to 30 days after the push."""

    __slots__ = ()

    def wrong_type(self) -> str:
        return _("Phải là thời điểm ISO 8601 có múi giờ, ví dụ 2026-11-20T09:15:00+07:00.")

    def parse(self, value, context: Context) -> dt.datetime:
        if value is MISSING or value is None:
            return self.absent(value)
        if type(value) is not str or len(value) > 40:
            raise Invalid(self.wrong_type())
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            raise Invalid(self.wrong_type()) from None
        if moment.tzinfo is None:  # fromisoformat gives a fixed offset or none
            raise Invalid(_("Thiếu múi giờ (ví dụ +07:00)."))
        # Comparing aware instants never overflows (converting them may): the window is checked first,
        # and inside it every later conversion is safe.
        if not EARLIEST_MOMENT <= moment <= context.latest:
            raise Invalid(
                _("Phải trong khoảng từ %(earliest)s đến %(latest)s.")
                % {
                    "earliest": EARLIEST_MOMENT.date().isoformat(),
                    "latest": context.latest.date().isoformat(),
                }
            )
        return moment


class Codes(Field):
    """A list of catalogue codes (the catalogue itself is checked against the database)."""

    __slots__ = ("code", "max_items", "min_items")

    def __init__(self, *, min_items: int, max_items: int, **kwargs):
        super().__init__(**kwargs)
        self.min_items, self.max_items = min_items, max_items
        self.code = Text(50, pattern=CODE_PATTERN, required=True)

    def wrong_type(self) -> str:
        return _("Phải là danh sách từ %(low)d đến %(high)d mã.") % {
            "low": self.min_items,
            "high": self.max_items,
        }

    def parse(self, value, context: Context) -> list[str]:
        if value is MISSING or value is None:
            return self.absent(value)
        if type(value) is not list or not self.min_items <= len(value) <= self.max_items:
            raise Invalid(self.wrong_type())
        codes = []
        for code in value:
            try:
                codes.append(self.code.clean(code))
            except Invalid:
                raise Invalid(_("Mỗi mã phải là chuỗi ký tự (chữ, số, - và _).")) from None
        return codes


class Objects(Field):
    """A list of nested items with their own spec (a visit's help entries)."""

    __slots__ = ("max_items", "spec")

    def __init__(self, spec: dict[str, Field], *, max_items: int, **kwargs):
        kwargs.setdefault("nullable", True)
        kwargs.setdefault("default", ())
        super().__init__(**kwargs)
        self.spec, self.max_items = spec, max_items

    def wrong_type(self) -> str:
        return _("Phải là danh sách tối đa %(count)d nội dung hỗ trợ.") % {"count": self.max_items}

    def parse(self, value, context: Context) -> list:
        """The list's shape only: entries are read by their spec where their names are known."""
        if value is MISSING or value is None:
            return self.absent(value)
        if type(value) is not list or len(value) > self.max_items:
            raise Invalid(self.wrong_type())
        return value


# --- the item kinds ------------------------------------------------------------------------------


def _coordinates_help() -> str:
    return "Cả lat và lon, hoặc không có cả hai; trong lãnh thổ Việt Nam."


def _outside_vietnam() -> str:
    return _("Tọa độ nằm ngoài lãnh thổ Việt Nam.")


def _lat() -> Number:
    return Number(*LAT_RANGE, range_message=_outside_vietnam, help=_coordinates_help())


def _lon() -> Number:
    return Number(*LON_RANGE, range_message=_outside_vietnam, help=_coordinates_help())


MOMENT_HELP = "ISO 8601 có múi giờ, từ 2020-01-01 đến 30 ngày sau lúc gửi."

HOUSEHOLD_SPEC: dict[str, Field] = {
    "id": Uuid(required=True, help="Tạo trên điện thoại. " + UUID_HELP),
    "village": Text(16, required=True, help="Mã thôn, ví dụ 21025-01"),
    "label": Text(200, required=True, free=True),
    "head_name": Text(150, free=True, help="Chỉ khi consent = true"),
    "phone": Text(20, pattern=PHONE_PATTERN, help="Chữ số, có thể bắt đầu bằng +; chỉ khi consent = true"),
    "members": Integer(1, 50, default=1),
    "working_age": Integer(0, 50, default=0, help="Không lớn hơn members"),
    "lat": _lat(),
    "lon": _lon(),
    "consent": Boolean(default=False, help="Hộ đồng ý lưu tên và số điện thoại (Nghị định 13/2023)"),
    "base_version": Integer(
        0, 2**31 - 1, nullable=True, help="Phiên bản điện thoại đã thấy; null khi tạo mới"
    ),
}

HELP_SPEC: dict[str, Field] = {
    "service": Text(50, pattern=CODE_PATTERN, required=True, help="Mã dịch vụ trong /api/v1/services/"),
    "result": Choice(HelpResult, required=True),
    "people": Integer(1, 50, default=1),
}

VISIT_SPEC: dict[str, Field] = {
    "id": Uuid(required=True, help="Tạo trên điện thoại. " + UUID_HELP),
    "household": Uuid(required=True, help=UUID_HELP),
    "visited_at": Moment(required=True, help=MOMENT_HELP),
    "lat": _lat(),
    "lon": _lon(),
    "accuracy_m": Number(0, 10_000, help="Độ chính xác GPS (m)"),
    "outcome": Choice(Outcome, required=True),
    "help": Objects(
        HELP_SPEC,
        max_items=MAX_HELP_ITEMS,
        help="Chỉ khi outcome = met; mỗi dịch vụ một lần, có trong danh mục",
    ),
    "notes": Text(
        2000, multiline=True, free=True, help="Nhiều dòng được; tối đa 2000 ký tự sau chuẩn hóa NFC"
    ),
}

SESSION_SPEC: dict[str, Field] = {
    "id": Uuid(required=True, help="Tạo trên điện thoại. " + UUID_HELP),
    "village": Text(16, required=True),
    "held_at": Moment(required=True, help=MOMENT_HELP),
    "services": Codes(min_items=1, max_items=50, required=True, help="Mã dịch vụ trong /api/v1/services/"),
    "attendees": Integer(1, 2000, required=True),
    "lat": _lat(),
    "lon": _lon(),
}


def parse_fields(spec: dict[str, Field], item, context: Context) -> dict:
    """Every field of ``item`` read by its spec. Any bad field rejects the item, each named."""
    if type(item) is not dict:
        raise Rejected({"non_field_errors": [_("Phải là một đối tượng JSON.")]})
    values = {}
    get = item.get
    try:
        for name, spec_field in spec.items():
            values[name] = spec_field.parse(get(name, MISSING), context)
    except Invalid:
        raise Rejected(_all_errors(spec, item, context)) from None
    return values


def _all_errors(spec: dict[str, Field], item: dict, context: Context) -> dict[str, list[str]]:
    """Once one field failed, every field's error (the phone fixes them all in one go)."""
    errors = {}
    for name, spec_field in spec.items():
        try:
            spec_field.parse(item.get(name, MISSING), context)
        except Invalid as invalid:
            errors[name] = [invalid.message]
    return errors


# --- parsed items --------------------------------------------------------------------------------


def _canonical_number(value: float | None):
    # 12 and 12.0 are one number: hash the integer when the float is integral.
    return int(value) if value is not None and value.is_integer() else value


# One encoder for every hash: ``json.dumps`` with options builds a new one per call. Same output as
# the first protocol version (sorted keys, str() for anything else), so stored hashes still match.
_HASH_ENCODER = json.JSONEncoder(sort_keys=True, default=str)


def content_hash(data: dict) -> str:
    return hashlib.sha256(_HASH_ENCODER.encode(data).encode()).hexdigest()


@dataclass
class HouseholdIn:
    id: uuid.UUID
    base_version: int | None
    fields: dict
    content_hash: str
    position: int = 0


@dataclass(slots=True)
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
    position: int = 0


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
    position: int = 0


def _check_coordinates(values: dict) -> None:
    if (values["lat"] is None) != (values["lon"] is None):
        _fail("lat" if values["lat"] is None else "lon", _("Phải là số (độ thập phân)."))


def household_in(item, context: Context) -> HouseholdIn:
    values = parse_fields(HOUSEHOLD_SPEC, item, context)
    if values["working_age"] > values["members"]:
        _fail("working_age", _("Không được lớn hơn số nhân khẩu."))
    _check_coordinates(values)
    if (values["head_name"] or values["phone"]) and not values["consent"]:
        # Decree 13/2023: names and phones only with the household's consent.
        _fail("consent", _("Cần hộ đồng ý (consent) mới được lưu tên và số điện thoại."))
    fields = {name: values[name] for name in HOUSEHOLD_SPEC if name not in ("id", "base_version")}
    # Hashed as the first versions of the protocol did (plain floats for coordinates), so a phone
    # resending what it sent before this parser still gets ``duplicate``.
    return HouseholdIn(values["id"], values["base_version"], fields, content_hash(fields))


# A household edit names only the fields it changes (``fields``) and the version the phone saw
# (``base_version``); push merges it field by field (core.services.households.household_merge).
EDITABLE_FIELDS = (
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
EDIT_SPEC: dict[str, Field] = {
    "id": HOUSEHOLD_SPEC["id"],
    "base_version": Integer(
        1,
        2**31 - 1,
        required=True,
        help=(
            "Phiên bản điện thoại đã thấy khi sửa. Lớn hơn phiên bản trên máy chủ (máy chủ chưa từng có): "
            "mọi trường gửi lên khác giá trị đã lưu đều là xung đột, không ghi đè"
        ),
    ),
}


@dataclass
class HouseholdEdit:
    """An edit of a stored household: only the fields it changes, read by the household spec."""

    id: uuid.UUID
    base_version: int
    fields: dict
    position: int = 0


def _shown_name(name: str) -> str:
    """A field name the phone sent, as an error may echo it: valid Unicode, cleaned, short (a lone
    surrogate in a JSON key cannot be sent back: the answer would fail to encode)."""
    try:
        return text_clean(name)[:50]
    except Invalid:
        return "\ufffd"


def is_household_edit(item) -> bool:
    """The edit form (``fields`` given) rather than the whole household (older phones, new households)."""
    return type(item) is dict and "fields" in item


def household_edit_in(item, context: Context) -> HouseholdEdit:
    """Each named field read by its spec; rules across fields are checked on the merged household."""
    values = parse_fields(EDIT_SPEC, item, context)
    raw = item["fields"]
    if type(raw) is not dict or not raw:
        _fail("fields", _("Phải là một đối tượng JSON có ít nhất một trường."))
    unknown = sorted(_shown_name(name) for name in raw if name not in EDITABLE_FIELDS)
    if unknown:
        _fail("fields", _("Trường không sửa được: %(names)s.") % {"names": ", ".join(unknown)[:200]})
    fields, errors = {}, {}
    for name in EDITABLE_FIELDS:
        if name not in raw:
            continue
        try:
            fields[name] = HOUSEHOLD_SPEC[name].parse(raw[name], context)
        except Invalid as invalid:
            errors[name] = [invalid.message]
    if errors:
        raise Rejected(errors)
    return HouseholdEdit(values["id"], values["base_version"], fields)


def _help_in(raw_help, context: Context) -> list[HelpIn]:
    entries, seen = [], set()
    for index, entry in enumerate(raw_help):
        try:
            values = parse_fields(HELP_SPEC, entry, context)
        except Rejected as rejected:  # named here, not on the hot path: help[1].result
            raise Rejected(
                {
                    f"help[{index}]" + ("" if key == "non_field_errors" else f".{key}"): messages
                    for key, messages in rejected.errors.items()
                }
            ) from None
        service = values["service"]
        if service not in context.services:
            _fail(
                f"help[{index}].service", _('Dịch vụ "%(code)s" không có trong danh mục.') % {"code": service}
            )
        if service in seen:
            _fail(f"help[{index}].service", _("Dịch vụ lặp lại trong cùng lượt thăm."))
        seen.add(service)
        entries.append(HelpIn(service, values["result"], values["people"]))
    return entries


def visit_in(item, context: Context) -> VisitIn:
    values = parse_fields(VISIT_SPEC, item, context)
    _check_coordinates(values)
    raw_help = values["help"]
    if raw_help and values["outcome"] != Outcome.MET:
        _fail("help", _("Chỉ ghi nội dung hỗ trợ khi gặp được hộ (outcome = met)."))
    help_items = _help_in(raw_help, context)
    visited_at = values["visited_at"]
    content = {
        "household": str(values["household"]),
        "visited_at": visited_at.astimezone(dt.UTC).isoformat(),
        "lat": values["lat"],
        "lon": values["lon"],
        "accuracy_m": _canonical_number(values["accuracy_m"]),
        "outcome": values["outcome"],
        "notes": values["notes"],
        "help": sorted((h.service, h.result, h.people) for h in help_items),
    }
    return VisitIn(
        values["id"],
        values["household"],
        visited_at,
        values["lat"],
        values["lon"],
        values["accuracy_m"],
        values["outcome"],
        values["notes"],
        help_items,
        content_hash(content),
    )


def session_in(item, context: Context) -> SessionIn:
    values = parse_fields(SESSION_SPEC, item, context)
    codes = values["services"]
    unknown = [code for code in codes if code not in context.services]
    if unknown:
        _fail("services", _("Dịch vụ không có trong danh mục: %(codes)s.") % {"codes": ", ".join(unknown)})
    _check_coordinates(values)
    held_at = values["held_at"]
    content = {
        "village": values["village"],
        "held_at": held_at.astimezone(dt.UTC).isoformat(),
        "services": sorted(codes),
        "attendees": values["attendees"],
        "lat": values["lat"],
        "lon": values["lon"],
    }
    return SessionIn(
        values["id"],
        values["village"],
        held_at,
        sorted(set(codes)),
        values["attendees"],
        values["lat"],
        values["lon"],
        content_hash(content),
    )


def shown_id(item) -> str:
    """The id to echo for a rejected item: a UUID in lower case as every answer gives it, other text
    only when it is safe to send back, else ``""``."""
    value = item.get("id") if type(item) is dict else None
    if type(value) is not str or len(value) > 64:
        return ""
    if len(value) == 36 and _UUID.match(value) is not None:
        return str(uuid.UUID(value))
    try:
        return text_clean(value)
    except Invalid:
        return ""


ENVELOPE_SPEC: dict[str, Field] = {
    "device_id": Text(100, help="Tên máy, do điện thoại tự đặt"),
}


# --- the rules as the phone checks them before saving ------------------------------------------------


def _field_rule(spec_field: Field) -> dict:
    """One field's limits in plain JSON: what the phone needs to refuse a value at the doorstep."""
    rule: dict = {"required": spec_field.required}
    if isinstance(spec_field, Text):
        rule["max_length"] = spec_field.max_length
        if spec_field.pattern is not None:
            rule["pattern"] = spec_field.pattern.pattern
        if spec_field.free:
            # Refused when found (JavaScript reads it too, with the "u" flag): a citizen ID number.
            rule["refuse_pattern"] = _CITIZEN_ID.pattern
    elif isinstance(spec_field, Integer | Number):
        rule["min"], rule["max"] = spec_field.low, spec_field.high
    elif isinstance(spec_field, Choice):
        rule["choices"] = sorted(spec_field.choices)
    elif isinstance(spec_field, Codes):
        rule["min_items"], rule["max_items"] = spec_field.min_items, spec_field.max_items
    elif isinstance(spec_field, Objects):
        rule["max_items"] = spec_field.max_items
        rule["fields"] = {name: _field_rule(nested) for name, nested in spec_field.spec.items()}
    elif isinstance(spec_field, Moment):
        rule["earliest"] = EARLIEST_MOMENT.date().isoformat()
        rule["max_ahead_days"] = MAX_AHEAD.days
    return rule


def phone_rules() -> dict:
    """The push spec for the phone (served with its strings, phoneapp/views.py): the same limits the
    parser above applies, so a value the server would refuse is refused on the phone before it is saved,
    never days later. Generated from the specs: the app holds no second copy of a number."""
    return {
        kind: {name: _field_rule(spec_field) for name, spec_field in spec.items()}
        for kind, spec in (("household", HOUSEHOLD_SPEC), ("visit", VISIT_SPEC), ("session", SESSION_SPEC))
    }
