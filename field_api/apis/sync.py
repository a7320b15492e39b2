"""The phone's sync endpoints. Thin: parse, call the service, answer. Contract: API.md "Sync"."""

import copy
import json
import re

import orjson
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.gzip import gzip_page
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser, get_encoding
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.exceptions import ApplicationError
from core import record_spec as spec
from core.models import Outcome
from core.services.changes import Cursor
from core.services.integrity import FLAG_DESCRIPTIONS
from core.services.sync_seen import member_sync_seen
from field_api.pull import MAX_LIMIT, REVIEW_DAYS, REVIEW_LIMIT, REVIEW_STATES, sync_pull
from field_api.push import MAX_ITEMS, PUSH_STATUSES, sync_push
from field_api.schema import ErrorSerializer

# backend/db_budget.py: a lock or the request's database time past its budget.
BUSY_DOC = "Máy chủ bận quá thời gian chờ cho phép; không có gì được lưu: gửi lại sau Retry-After giây"
FLAGS_DOC = "; ".join(f"`{code}`: {text}" for code, text in FLAG_DESCRIPTIONS.items())


class PushJSONParser(JSONParser):
    """JSON as phones really send it, judged item by item rather than as a whole batch.

    ``NaN``/``Infinity`` and integers past Python's 4300-digit limit would fail the whole body (400,
    retried forever); here they reach their item, which is rejected naming the field. Nesting too
    deep for the parser is a 400, never a 500.

    A push's body is read by orjson, several times quicker than the standard library on 200 visits;
    what orjson refuses (``NaN``, nesting past 1,024 levels, a lone surrogate) or would read otherwise
    (an integer past 64 bits becomes a float there) goes to the standard library's reading below, so
    every body means what it always meant.
    """

    strict = False

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = get_encoding(parser_context or {})
        body = stream.read()
        if encoding.lower().replace("-", "") == "utf8" and not LONG_DIGITS.search(body):
            try:
                return orjson.loads(body)
            except orjson.JSONDecodeError:
                pass  # read again below, for the same answer as ever
        try:
            text = body.decode(encoding)
        except UnicodeDecodeError as error:
            raise ParseError(
                _("Thân yêu cầu không phải văn bản %(encoding)s.") % {"encoding": encoding}
            ) from error
        try:
            try:
                return json.loads(text)
            except ValueError as error:
                if "digits" not in str(error):
                    raise
                return json.loads(text, parse_int=_bounded_int)
        except ValueError as error:
            raise ParseError(_("JSON không hợp lệ: %(error)s") % {"error": error}) from error
        except RecursionError as error:
            raise ParseError(_("JSON lồng nhau quá sâu.")) from error


LONG_DIGITS = re.compile(rb"\d{19}")  # possibly past 64 bits: orjson would read such an integer as a float


def _bounded_int(digits: str) -> int | float:
    # Past any range a field allows: the item is rejected there, the rest of the batch is kept.
    if len(digits.lstrip("-")) > 4000:
        return float("-inf") if digits.startswith("-") else float("inf")
    return int(digits)


def _schema_field(spec_field: spec.Field) -> serializers.Field:
    """The OpenAPI face of one spec field: same type, range, length, default and nullability."""
    common = {"required": spec_field.required, "help_text": spec_field.help or None}
    if spec_field.nullable:
        common["allow_null"] = True
    if not spec_field.required and spec_field.default not in (None, (), ""):
        common["default"] = spec_field.default
        common.pop("required")
    if isinstance(spec_field, spec.Text):
        text = {"max_length": spec_field.max_length, "allow_blank": not spec_field.required}
        if spec_field.pattern is not None:
            return serializers.RegexField(spec_field.pattern.pattern, **text, **common)
        return serializers.CharField(**text, **common)
    if isinstance(spec_field, spec.Integer):
        return serializers.IntegerField(min_value=spec_field.low, max_value=spec_field.high, **common)
    if isinstance(spec_field, spec.Number):
        return serializers.FloatField(min_value=spec_field.low, max_value=spec_field.high, **common)
    if isinstance(spec_field, spec.Boolean):
        return serializers.BooleanField(**common)
    if isinstance(spec_field, spec.Choice):
        return serializers.ChoiceField(choices=spec_field.enum.choices, **common)
    if isinstance(spec_field, spec.Uuid):
        return serializers.UUIDField(**common)
    if isinstance(spec_field, spec.Moment):
        return serializers.DateTimeField(**common)
    if isinstance(spec_field, spec.Codes):
        child = _schema_field(spec_field.code)
        return serializers.ListField(
            child=child, min_length=spec_field.min_items, max_length=spec_field.max_items, **common
        )
    if isinstance(spec_field, spec.Objects):
        nested = _spec_serializer(SPEC_NAMES[id(spec_field.spec)], spec_field.spec)
        return serializers.ListField(child=nested(), max_length=spec_field.max_items, **common)
    raise TypeError(f"no schema for {type(spec_field).__name__}")


def _spec_serializer(name: str, item_spec: dict) -> type[serializers.Serializer]:
    """A serializer class used only to document a spec (push never runs a serializer per item)."""
    if name not in _SERIALIZERS:
        fields = {field_name: _schema_field(spec_field) for field_name, spec_field in item_spec.items()}
        _SERIALIZERS[name] = type(name, (serializers.Serializer,), fields)
    return _SERIALIZERS[name]


_SERIALIZERS: dict[str, type] = {}
SPEC_NAMES = {id(spec.HELP_SPEC): "PushHelpSerializer"}
PushHouseholdSerializer = _spec_serializer("PushHouseholdSerializer", spec.HOUSEHOLD_SPEC)
PushVisitSerializer = _spec_serializer("PushVisitSerializer", spec.VISIT_SPEC)
PushGroupSessionSerializer = _spec_serializer("PushGroupSessionSerializer", spec.SESSION_SPEC)


def _optional(spec_field: spec.Field) -> spec.Field:
    """The same field, named only when it changed (an edit's ``fields``)."""
    optional = copy.copy(spec_field)
    optional.required, optional.default = False, None
    return optional


PushHouseholdFieldsSerializer = _spec_serializer(
    "PushHouseholdFieldsSerializer",
    {name: _optional(spec.HOUSEHOLD_SPEC[name]) for name in spec.EDITABLE_FIELDS},
)


class PushHouseholdEditSerializer(serializers.Serializer):
    """An edit of a stored household: only the fields it changes, merged field by field."""

    id = _schema_field(spec.EDIT_SPEC["id"])
    base_version = _schema_field(spec.EDIT_SPEC["base_version"])
    fields = PushHouseholdFieldsSerializer(
        help_text=(
            "Chỉ các trường điện thoại đã sửa (ít nhất một). Trường chỉ một bên sửa từ base_version được "
            "áp dụng; trường cả hai bên cùng sửa (khác giá trị) trả về conflict kèm conflicts; trường không "
            "gửi giữ nguyên. Quy tắc giữa các trường (working_age ≤ members, consent) xét trên hộ sau khi gộp."
        )
    )


class PushSerializer(serializers.Serializer):
    device_id = _schema_field(spec.ENVELOPE_SPEC["device_id"])
    households = serializers.ListField(
        child=PolymorphicProxySerializer(
            component_name="PushHouseholdItem",
            serializers=[PushHouseholdSerializer, PushHouseholdEditSerializer],
            resource_type_field_name=None,
        ),
        required=False,
        allow_null=True,
        help_text=(
            "Mỗi hộ: cả bản ghi (hộ mới; hoặc điện thoại cũ, chỉ áp dụng khi base_version đúng phiên bản "
            "đang lưu, không thì conflict kèm current) hoặc một lần sửa {id, base_version, fields}"
        ),
    )
    visits = PushVisitSerializer(many=True, required=False, allow_null=True)
    group_sessions = PushGroupSessionSerializer(many=True, required=False, allow_null=True)


class PulledHouseholdSerializer(serializers.Serializer):
    """A household as pull and ``current`` send it (core.services.households.household_as_record)."""

    id = serializers.UUIDField()
    village = serializers.CharField()
    label = serializers.CharField(allow_blank=True, help_text="Trống với vai trò không được xem")
    head_name = serializers.CharField(allow_blank=True)
    phone = serializers.CharField(allow_blank=True)
    members = serializers.IntegerField()
    working_age = serializers.IntegerField()
    lat = serializers.FloatField(allow_null=True)
    lon = serializers.FloatField(allow_null=True)
    consent = serializers.BooleanField()
    version = serializers.IntegerField()
    moved = serializers.BooleanField()
    last_visited_at = serializers.DateTimeField(allow_null=True)
    last_outcome = serializers.ChoiceField(choices=Outcome.choices, allow_null=True)
    services_done = serializers.ListField(child=serializers.CharField())


class FieldConflictSerializer(serializers.Serializer):
    """One field changed on both sides since the phone's base_version."""

    mine = serializers.JSONField(help_text="Giá trị điện thoại gửi")
    theirs = serializers.JSONField(help_text="Giá trị đang lưu")
    version = serializers.IntegerField(help_text="Phiên bản đã đổi trường này trên máy chủ")
    by = serializers.CharField(
        allow_null=True, help_text="Tên người đã đổi; null khi không rõ (hộ lưu trước khi có)"
    )
    at = serializers.DateTimeField(allow_null=True, help_text="Lúc đổi; null khi không rõ")


class PushResultSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["household", "visit", "group_session"])
    id = serializers.CharField(
        help_text=(
            "Id của mục đã gửi: UUID ghi bằng chữ thường; một id không phải UUID được trả lại như đã gửi "
            "(trống khi không thể gửi lại)"
        )
    )
    status = serializers.ChoiceField(
        choices=PUSH_STATUSES,
        help_text=(
            "erased: hộ đã bị xóa theo yêu cầu của người dân; trạng thái cuối cùng, "
            "điện thoại bỏ mục này (và hộ) và không gửi lại"
        ),
    )
    version = serializers.IntegerField(required=False, help_text="Hộ: phiên bản đang lưu")
    flags = serializers.ListField(
        child=serializers.CharField(), required=False, help_text=f"Cảnh báo: {FLAGS_DOC}"
    )
    held = serializers.BooleanField(
        required=False,
        help_text=(
            "Lượt thăm: true khi có cảnh báo nặng (thời điểm ở tương lai, quá xa hộ, ngoài ranh giới xã, "
            "nghi giả lập vị trí, hai hộ cách nhau dưới 60 giây): đã lưu nhưng chưa tính vào số liệu "
            "cho đến khi lãnh đạo xã xác nhận"
        ),
    )
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)
    retry = serializers.BooleanField(
        required=False,
        help_text="Chỉ khi bị từ chối vì hộ chưa đến máy chủ: giữ mục trong hàng đợi, gửi lại sau khi gửi hộ",
    )
    current = PulledHouseholdSerializer(required=False, help_text="Bản ghi đang lưu, khi xung đột")
    conflicts = serializers.DictField(
        child=FieldConflictSerializer(),
        required=False,
        help_text=(
            "Lần sửa theo trường: mỗi trường cả hai bên cùng sửa từ base_version; điện thoại cho người dùng "
            "chọn từng trường rồi gửi lại các trường giữ bản của mình với base_version = version"
        ),
    )
    applied = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Lần sửa theo trường, khi conflict: các trường đã được áp dụng (đã lưu ở version)",
    )


class PushResponseSerializer(serializers.Serializer):
    results = PushResultSerializer(many=True)
    server_time = serializers.DateTimeField()


class FollowUpSerializer(serializers.Serializer):
    household = serializers.UUIDField()
    service = serializers.CharField()
    since = serializers.DateTimeField()
    due = serializers.DateField()


class CatalogueServiceSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField()
    guide = serializers.ListField(child=serializers.CharField())


class CatalogueSerializer(serializers.Serializer):
    version = serializers.CharField()
    services = CatalogueServiceSerializer(many=True)


class ReviewOutcomeSerializer(serializers.Serializer):
    """One of the caller's own visits held out of the totals or decided by the commune leader."""

    id = serializers.UUIDField(help_text="Id của lượt thăm (như điện thoại đã gửi)")
    household = serializers.UUIDField()
    visited_at = serializers.DateTimeField()
    state = serializers.ChoiceField(
        choices=REVIEW_STATES,
        help_text=(
            "held: có cảnh báo nặng, chưa tính vào số liệu, chờ lãnh đạo xã xem; confirmed: xã đã xác nhận, "
            "được tính; rejected: xã không tính, kèm lý do"
        ),
    )
    reason = serializers.CharField(allow_blank=True, help_text="Lý do xã không tính; trống trừ khi rejected")
    decided_at = serializers.DateTimeField(allow_null=True, help_text="Lúc xã quyết định; null khi held")


class PullResponseSerializer(serializers.Serializer):
    households = PulledHouseholdSerializer(many=True)
    removed = serializers.ListField(child=serializers.UUIDField())
    followups = FollowUpSerializer(many=True, help_text="Đầy đủ các việc cần theo dõi đang mở, ở trang cuối")
    cursor = serializers.CharField()
    has_more = serializers.BooleanField()
    held_back = serializers.BooleanField(
        help_text="Một giao dịch dài đang giữ các thay đổi mới lại: kéo lại sau ít giây"
    )
    catalogue = CatalogueSerializer(
        required=False,
        help_text="Ở trang cuối, khi điện thoại gửi tham số catalogue và danh mục đã đổi từ phiên bản đó",
    )
    reviews = ReviewOutcomeSerializer(
        many=True,
        required=False,
        help_text=(
            f"Ở trang cuối: các lượt thăm của chính người gọi trong {REVIEW_DAYS} ngày qua đang bị giữ lại "
            f"chờ xã xem hoặc đã được xã quyết định, mới nhất trước, tối đa {REVIEW_LIMIT}; "
            "danh sách đầy đủ, điện thoại thay danh sách cũ"
        ),
    )


def _errors(**descriptions: str) -> dict:
    return {
        int(code): OpenApiResponse(response=ErrorSerializer, description=text)
        for code, text in descriptions.items()
    }


class PushApi(APIView):
    parser_classes = [PushJSONParser]

    @extend_schema(
        operation_id="sync_push",
        request={"application/json": PushSerializer},
        responses={
            200: PushResponseSerializer,
            **_errors(
                **{
                    "400": "Thân yêu cầu sai cấu trúc (device_id, các danh sách); từng mục sai thì ở 200",
                    "401": "Thiếu hoặc sai token",
                    "403": "Vai trò không gửi dữ liệu thực địa",
                    "413": f"Quá {MAX_ITEMS} mục hoặc thân quá lớn; không có gì được lưu",
                    "415": "Chỉ nhận application/json",
                    "429": "Gửi quá nhiều; thử lại sau",
                    "503": BUSY_DOC,
                }
            ),
        },
        summary="Gửi dữ liệu ghi ngoại tuyến (hộ, lượt thăm, buổi hướng dẫn)",
        description="Mỗi mục có kết quả riêng; gửi lại bao nhiêu lần cũng không bị trùng. " + FLAGS_DOC,
    )
    def post(self, request):
        answer = sync_push(user=request.user, payload=request.data)
        member_sync_seen(user=request.user)
        return Response(answer)


# A phone's first pull is its team's whole list, often over a slow link: compressed it is a fraction of
# the bytes. Safe from BREACH-style guessing: the answer holds no secret, and only a token header (never
# a cookie a foreign page could make the browser send) authenticates it.
@method_decorator(gzip_page, name="dispatch")
class PullApi(APIView):
    class PullFilterSerializer(serializers.Serializer):
        cursor = serializers.CharField(required=False, allow_blank=True, max_length=200)
        limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT, default=MAX_LIMIT)
        catalogue = serializers.CharField(required=False, allow_blank=True, max_length=64)

    @extend_schema(
        operation_id="sync_pull",
        parameters=[
            OpenApiParameter("cursor", str, description="Con trỏ từ lần kéo trước; bỏ trống để lấy tất cả"),
            OpenApiParameter("limit", int, description=f"Từ 1 đến {MAX_LIMIT} (mặc định {MAX_LIMIT})"),
            OpenApiParameter(
                "catalogue",
                str,
                description="Phiên bản danh mục dịch vụ điện thoại đang giữ (trống nếu chưa có): "
                "trang cuối kèm danh mục mới khi đã đổi",
            ),
        ],
        responses={
            200: PullResponseSerializer,
            **_errors(
                **{
                    "400": "cursor hoặc limit không hợp lệ",
                    "401": "Thiếu hoặc sai token",
                    "403": "Chỉ điện thoại của tổ và lãnh đạo xã mới kéo dữ liệu hộ",
                    "410": "Con trỏ thuộc bản dữ liệu khác: bỏ con trỏ, kéo lại từ đầu",
                    "429": "Kéo quá nhiều; thử lại sau",
                    "503": BUSY_DOC,
                }
            ),
        },
        summary="Lấy các thay đổi trong phạm vi từ con trỏ",
    )
    def get(self, request):
        filters = self.PullFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        try:
            cursor = Cursor.decode(filters.validated_data.get("cursor"))
        except ValueError as error:
            message = _("Con trỏ không hợp lệ.")
            raise ApplicationError(message, errors={"cursor": [message]}) from error
        answer = sync_pull(
            scope=request.user.scope,
            member=request.user,
            cursor=cursor,
            limit=filters.validated_data["limit"],
            catalogue=filters.validated_data.get("catalogue"),
        )
        member_sync_seen(user=request.user)
        return Response(answer)
