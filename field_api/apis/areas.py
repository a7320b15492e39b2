"""Reference data for the phone: communes, villages and the service catalogue."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.models import Commune, Village
from core.outlines import MAX_POINTS, outline_for_phone
from core.selectors import communes_for, villages_for
from core.services.catalogue import catalogue_for_phone

SEARCH_PARAM = OpenApiParameter(
    "search", str, description='Tìm theo tên, không phân biệt dấu ("Cam Thanh" tìm được "Cẩm Thành")'
)


class CommuneListApi(APIView):
    class CommuneFilterSerializer(serializers.Serializer):
        province = serializers.RegexField(r"^\d{2}$", required=False)
        search = serializers.CharField(required=False, max_length=100)

    class CommuneOutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = Commune
            fields = ["code", "name", "full_name", "province"]

    @extend_schema(
        operation_id="areas_communes",
        parameters=[OpenApiParameter("province", str, description="Mã tỉnh, ví dụ 51"), SEARCH_PARAM],
        responses={200: CommuneOutputSerializer(many=True)},
        summary="Danh sách xã trong phạm vi",
    )
    def get(self, request):
        filters = self.CommuneFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        communes = communes_for(scope=request.user.scope, **filters.validated_data).only(
            "code", "name", "full_name", "province_id"
        )
        return Response(self.CommuneOutputSerializer(communes, many=True).data)


@extend_schema_field(
    {
        "type": "array",
        "nullable": True,
        "items": {
            "type": "array",
            "items": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
        },
    }
)
class _OutlineField(serializers.JSONField):
    """A village's outer rings as the phone's walk map draws them (core.outlines)."""


class VillageListApi(APIView):
    class VillageFilterSerializer(serializers.Serializer):
        commune = serializers.RegexField(r"^\d{5}$", required=False)
        search = serializers.CharField(required=False, max_length=100)
        outline = serializers.BooleanField(required=False, default=False)

    class VillageOutputSerializer(serializers.ModelSerializer):
        # Not read-only, so the schema lists it as optional: it is there only when outline=true.
        outline = _OutlineField(
            required=False,
            allow_null=True,
            help_text=f"Chỉ khi outline=true: các vòng ngoài [[lon, lat], …], tổng cộng tối đa {MAX_POINTS} điểm; "
            "null khi thôn chưa có ranh giới",
        )

        class Meta:
            model = Village
            fields = ["code", "name", "commune", "outline"]

        def to_representation(self, village):
            row = {"code": village.code, "name": village.name, "commune": village.commune_id}
            if self.context.get("outline"):
                row["outline"] = outline_for_phone(village.geometry_simplified or village.geometry)
            return row

    @extend_schema(
        operation_id="areas_villages",
        parameters=[
            OpenApiParameter("commune", str, description="Mã xã, ví dụ 21025"),
            SEARCH_PARAM,
            OpenApiParameter(
                "outline",
                bool,
                description="true: kèm ranh giới rút gọn của từng thôn (bản đồ đi thăm ngoại tuyến trên điện thoại)",
            ),
        ],
        responses={200: VillageOutputSerializer(many=True)},
        summary="Danh sách thôn, tổ dân phố trong phạm vi",
    )
    def get(self, request):
        filters = self.VillageFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        wanted = dict(filters.validated_data)
        outline = wanted.pop("outline")
        fields = (
            ("code", "name", "commune_id", "geometry", "geometry_simplified")
            if outline
            else ("code", "name", "commune_id")
        )
        villages = villages_for(scope=request.user.scope, **wanted).only(*fields)
        return Response(self.VillageOutputSerializer(villages, many=True, context={"outline": outline}).data)


class ServiceListApi(APIView):
    class ServiceOutputSerializer(serializers.Serializer):
        code = serializers.CharField()
        name = serializers.CharField()
        category = serializers.CharField()
        guide = serializers.ListField(child=serializers.CharField())

    @extend_schema(
        operation_id="services_list",
        responses={200: ServiceOutputSerializer(many=True)},
        summary="Danh mục dịch vụ và kỹ năng của tỉnh, kèm hướng dẫn từng bước",
    )
    def get(self, request):
        services = catalogue_for_phone(province=request.user.scope.province)
        return Response(self.ServiceOutputSerializer(services, many=True).data)
