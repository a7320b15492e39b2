"""The phone's sync endpoints. Thin: parse, call the service, answer. Contract: API.md "Sync"."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from field_api.exceptions import ApplicationError
from field_api.models import HelpResult, Outcome
from field_api.services.changes import Cursor
from field_api.services.integrity import FLAG_DESCRIPTIONS
from field_api.services.pull import MAX_LIMIT, sync_pull
from field_api.services.sync import MAX_ITEMS, sync_push

FLAGS_DOC = "; ".join(f"`{code}`: {text}" for code, text in FLAG_DESCRIPTIONS.items())


class PushHouseholdSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    village = serializers.CharField(help_text="Mã thôn, ví dụ 21025-01")
    label = serializers.CharField(max_length=200)
    head_name = serializers.CharField(required=False, allow_blank=True, max_length=150)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    members = serializers.IntegerField(min_value=1, max_value=50)
    working_age = serializers.IntegerField(min_value=0, max_value=50)
    lat = serializers.FloatField(required=False, allow_null=True)
    lon = serializers.FloatField(required=False, allow_null=True)
    consent = serializers.BooleanField(help_text="Hộ đồng ý lưu tên và số điện thoại (Nghị định 13/2023)")
    base_version = serializers.IntegerField(
        allow_null=True, help_text="Phiên bản điện thoại đã thấy; null khi tạo mới"
    )


class PushHelpSerializer(serializers.Serializer):
    service = serializers.CharField(help_text="Mã dịch vụ trong /api/v1/services/")
    result = serializers.ChoiceField(choices=HelpResult.choices)
    people = serializers.IntegerField(min_value=1, max_value=50)


class PushVisitSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    household = serializers.UUIDField()
    visited_at = serializers.DateTimeField()
    lat = serializers.FloatField(required=False, allow_null=True)
    lon = serializers.FloatField(required=False, allow_null=True)
    accuracy_m = serializers.FloatField(required=False, allow_null=True)
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    help = PushHelpSerializer(many=True, required=False)
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class PushGroupSessionSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    village = serializers.CharField()
    held_at = serializers.DateTimeField()
    services = serializers.ListField(child=serializers.CharField())
    attendees = serializers.IntegerField(min_value=1, max_value=2000)
    lat = serializers.FloatField(required=False, allow_null=True)
    lon = serializers.FloatField(required=False, allow_null=True)


class PushRequestSerializer(serializers.Serializer):
    device_id = serializers.CharField(required=False, max_length=100)
    households = PushHouseholdSerializer(many=True, required=False)
    visits = PushVisitSerializer(many=True, required=False)
    group_sessions = PushGroupSessionSerializer(many=True, required=False)


class PulledHouseholdSerializer(PushHouseholdSerializer):
    base_version = None
    version = serializers.IntegerField()
    moved = serializers.BooleanField()
    last_visited_at = serializers.DateTimeField(allow_null=True)
    last_outcome = serializers.ChoiceField(choices=Outcome.choices, allow_null=True)
    services_done = serializers.ListField(child=serializers.CharField())


class PushResultSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["household", "visit", "group_session"])
    id = serializers.CharField()
    status = serializers.ChoiceField(choices=["created", "duplicate", "updated", "conflict", "rejected"])
    version = serializers.IntegerField(required=False, help_text="Hộ: phiên bản đang lưu")
    flags = serializers.ListField(
        child=serializers.CharField(), required=False, help_text=f"Cảnh báo: {FLAGS_DOC}"
    )
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)
    current = PulledHouseholdSerializer(required=False, help_text="Bản ghi đang lưu, khi xung đột")


class PushResponseSerializer(serializers.Serializer):
    results = PushResultSerializer(many=True)
    server_time = serializers.DateTimeField()


class FollowUpSerializer(serializers.Serializer):
    household = serializers.UUIDField()
    service = serializers.CharField()
    since = serializers.DateTimeField()
    due = serializers.DateField()


class PullResponseSerializer(serializers.Serializer):
    households = PulledHouseholdSerializer(many=True)
    removed = serializers.ListField(child=serializers.UUIDField())
    followups = FollowUpSerializer(many=True, help_text="Đầy đủ các việc cần theo dõi đang mở, ở trang cuối")
    cursor = serializers.CharField()
    has_more = serializers.BooleanField()


class PushApi(APIView):
    @extend_schema(
        operation_id="sync_push",
        request=PushRequestSerializer,
        responses={
            200: PushResponseSerializer,
            400: OpenApiResponse(description="Thân yêu cầu sai cấu trúc"),
            403: OpenApiResponse(description="Vai trò không gửi dữ liệu thực địa"),
            413: OpenApiResponse(description=f"Quá {MAX_ITEMS} mục; không có gì được lưu"),
        },
        summary="Gửi dữ liệu ghi ngoại tuyến (hộ, lượt thăm, buổi hướng dẫn)",
        description="Mỗi mục có kết quả riêng; gửi lại bao nhiêu lần cũng không bị trùng. " + FLAGS_DOC,
    )
    def post(self, request):
        return Response(sync_push(user=request.user, payload=request.data))


class PullApi(APIView):
    class PullFilterSerializer(serializers.Serializer):
        cursor = serializers.CharField(required=False, allow_blank=True)
        limit = serializers.IntegerField(required=False, min_value=1, max_value=MAX_LIMIT, default=MAX_LIMIT)

    @extend_schema(
        operation_id="sync_pull",
        parameters=[
            OpenApiParameter("cursor", str, description="Con trỏ từ lần kéo trước; bỏ trống để lấy tất cả"),
            OpenApiParameter("limit", int, description=f"Tối đa {MAX_LIMIT}"),
        ],
        responses={200: PullResponseSerializer},
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
        return Response(
            sync_pull(scope=request.user.scope, cursor=cursor, limit=filters.validated_data["limit"])
        )
