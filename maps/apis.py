"""GET /api/v1/coverage/: coverage as GeoJSON, one feature per area (API.md "Coverage and maps")."""

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.views import APIView

from campaigns.models import CAMPAIGN_EARLIEST_DAY as EARLIEST_DAY
from campaigns.models import CAMPAIGN_LATEST_DAY as LATEST_DAY
from campaigns.selectors import campaign_window, campaigns_for
from core.selectors import communes_for, provinces_for, services_list
from coverage.numbers import CoverageFilter


class CoverageApi(APIView):
    class CoverageFilterSerializer(serializers.Serializer):
        level = serializers.ChoiceField(choices=["commune", "village"])
        province = serializers.RegexField(r"^\d{2}$", required=False)
        commune = serializers.RegexField(r"^\d{5}$", required=False)
        campaign = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
        date_from = serializers.DateField(required=False)
        date_to = serializers.DateField(required=False)
        service = serializers.CharField(required=False, max_length=50)

        def _within_window(self, value):
            if not EARLIEST_DAY <= value <= LATEST_DAY:
                raise serializers.ValidationError(
                    _("Phải trong khoảng %(first)s đến %(last)s.")
                    % {"first": EARLIEST_DAY.isoformat(), "last": LATEST_DAY.isoformat()}
                )
            return value

        validate_date_from = _within_window
        validate_date_to = _within_window

        def validate(self, data):
            if data["level"] == "commune" and not data.get("province"):
                raise serializers.ValidationError({"province": [_("Cần mã tỉnh khi level=commune.")]})
            if data["level"] == "village" and not data.get("commune"):
                raise serializers.ValidationError({"commune": [_("Cần mã xã khi level=village.")]})
            if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
                raise serializers.ValidationError({"date_to": [_("Phải sau hoặc bằng date_from.")]})
            if data.get("service") and not services_list().filter(code=data["service"]).exists():
                raise serializers.ValidationError({"service": [_("Dịch vụ không có trong danh mục.")]})
            return data

    @extend_schema(
        operation_id="coverage",
        parameters=[
            OpenApiParameter("level", str, enum=["commune", "village"], required=True),
            OpenApiParameter("province", str, description="Mã tỉnh (level=commune)"),
            OpenApiParameter("commune", str, description="Mã xã (level=village)"),
            OpenApiParameter("campaign", int),
            OpenApiParameter(
                "date_from",
                OpenApiTypes.DATE,
                description=f"Giờ Việt Nam, từ {EARLIEST_DAY} đến {LATEST_DAY}",
            ),
            OpenApiParameter(
                "date_to", OpenApiTypes.DATE, description=f"Giờ Việt Nam, từ {EARLIEST_DAY} đến {LATEST_DAY}"
            ),
            OpenApiParameter("service", str, description="Mã dịch vụ"),
        ],
        responses={
            (200, "application/geo+json"): OpenApiResponse(
                description="FeatureCollection; properties: code, name, households, households_reached, coverage, "
                "people_helped, services_done"
            )
        },
        summary="Độ phủ theo xã hoặc theo thôn (GeoJSON)",
    )
    def get(self, request):
        params = self.CoverageFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        scope = request.user.scope
        campaign = None
        if data.get("campaign"):
            campaign = campaigns_for(scope=scope).filter(pk=data["campaign"]).first()
            if campaign is None:
                raise Http404
        filters = CoverageFilter(
            campaign=campaign_window(campaign) if campaign else None,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            service=data.get("service"),
        )
        from maps import pages  # geopandas and folium: kept out of the URLconf's imports

        if data["level"] == "commune":
            if not provinces_for(scope=scope).filter(code=data["province"]).exists():
                raise Http404
            body = pages.province_communes_geojson(scope=scope, province=data["province"], filters=filters)
        else:
            if not communes_for(scope=scope).filter(code=data["commune"]).exists():
                raise Http404
            body = pages.commune_villages_geojson(scope=scope, commune=data["commune"], filters=filters)
        return HttpResponse(body, content_type="application/geo+json; charset=utf-8")
