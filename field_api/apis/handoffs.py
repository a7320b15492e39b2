"""Items handed to the team leader (core.services.handoffs). Thin: parse, call the service, answer."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.models import HandoffReason, Outcome
from core.selectors import handoffs_for
from core.services.handoffs import (
    DAILY_LIMIT,
    HANDOFF_SPEC,
    ITEM_KINDS,
    handoff_as_record,
    handoff_create,
    handoff_handle,
)
from field_api.apis.sync import _errors, _schema_field

LIST_LIMIT = 200


# Documents the body; the service reads it by HANDOFF_SPEC (the same declaration).
HandoffInputSerializer = type(
    "HandoffInputSerializer",
    (serializers.Serializer,),
    {
        **{name: _schema_field(field) for name, field in HANDOFF_SPEC.items() if name != "kind"},
        "kind": serializers.ChoiceField(choices=ITEM_KINDS),
    },
)


class HandoffOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    household = serializers.UUIDField(allow_null=True)
    household_label = serializers.CharField()
    kind = serializers.ChoiceField(choices=ITEM_KINDS)
    recorded_at = serializers.DateTimeField()
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_null=True)
    note = serializers.CharField(allow_blank=True)
    reason = serializers.ChoiceField(choices=HandoffReason.choices)
    reason_text = serializers.CharField(allow_blank=True)
    volunteer_name = serializers.CharField(help_text="Họ tên (hoặc tên đăng nhập) của thành viên đã chuyển")
    created_at = serializers.DateTimeField()
    handled_at = serializers.DateTimeField(
        allow_null=True, help_text="Lúc tổ trưởng hoặc xã đánh dấu đã xử lý"
    )


class HandoffListApi(APIView):
    @extend_schema(
        operation_id="handoffs_list",
        responses={200: HandoffOutputSerializer(many=True)},
        summary="Các mục đã chuyển cho tổ trưởng trong phạm vi",
        description=(
            "Thành viên: của mình; tổ trưởng: của tổ; lãnh đạo xã: của xã. Mới nhất trước, "
            f"tối đa {LIST_LIMIT}."
        ),
    )
    def get(self, request):
        notes = handoffs_for(user=request.user).order_by("-created_at")[:LIST_LIMIT]
        return Response([handoff_as_record(note) for note in notes])

    @extend_schema(
        operation_id="handoffs_create",
        request={"application/json": HandoffInputSerializer},
        responses={
            201: HandoffOutputSerializer,
            200: HandoffOutputSerializer,
            **_errors(
                **{
                    "400": "Trường sai (được nêu tên), hoặc có số căn cước công dân",
                    "403": "Chỉ thành viên tổ mới chuyển mục cho tổ trưởng",
                    "409": "Id đã dùng cho một ghi chú khác",
                    "429": f"Quá {DAILY_LIMIT} mục trong 24 giờ",
                }
            ),
        },
        summary="Chuyển cho tổ trưởng một mục máy chủ không nhận",
        description=(
            "Mục máy chủ không thể lưu (hộ đã bị xóa, hộ đã chuyển sang tổ khác, bản đã lưu khác) được gửi "
            "thành một ghi chú tổ trưởng và lãnh đạo xã xem được. Id do điện thoại tạo: gửi lại cùng nội "
            "dung trả 200 với ghi chú đã lưu, không tạo ghi chú thứ hai. Không bao giờ ghi số căn cước."
        ),
    )
    def post(self, request):
        handoff, created = handoff_create(user=request.user, payload=request.data)
        return Response(
            handoff_as_record(handoff), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class HandoffHandledApi(APIView):
    @extend_schema(
        operation_id="handoffs_handled",
        request=None,
        responses={
            200: HandoffOutputSerializer,
            **_errors(
                **{
                    "403": "Chỉ tổ trưởng hoặc lãnh đạo xã đánh dấu đã xử lý",
                    "404": "Không có ghi chú này trong phạm vi (tổ, xã) của người gọi",
                }
            ),
        },
        summary="Đánh dấu một ghi chú đã xử lý",
        description=(
            "Tổ trưởng (ghi chú của tổ) hoặc lãnh đạo xã (của xã). Gọi lại không đổi gì: trả ghi chú với "
            "lần đánh dấu đầu tiên. Ghi chú ngoài phạm vi: 404."
        ),
    )
    def post(self, request, handoff_id):
        handoff = handoff_handle(actor=request.user, handoff_id=handoff_id)
        return Response(handoff_as_record(handoff))
