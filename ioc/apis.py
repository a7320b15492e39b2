"""The IOC feed (API.md "IOC feed"): a province's campaign progress and coverage per commune, as JSON
and as GeoJSON with commune boundaries, for machine clients holding a feed key (models.py).

Read-only, aggregates only (no household, name or phone), throttled per key; anything outside the
key's province is a 404.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from ioc.authentication import FeedKeyAuthentication, FeedKeyThrottle, HasFeedKey
from ioc.selectors import (
    as_feature_collection,
    feed_campaign_progress,
    feed_campaigns,
    feed_coverage,
)

GEOJSON = "application/geo+json"


class CommuneProgressSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Mã xã")
    name = serializers.CharField(help_text="Tên xã")
    households_reached = serializers.IntegerField(
        help_text="Số hộ đã gặp được (mỗi hộ tính một lần; lượt bị giữ lại chờ xem xét không tính)"
    )
    target = serializers.IntegerField(help_text="Chỉ tiêu hộ")
    progress = serializers.FloatField(help_text="households_reached ÷ target (0 khi không có chỉ tiêu)")
    target_people = serializers.IntegerField(help_text="Chỉ tiêu lượt người được hướng dẫn (0 khi không đặt)")
    people_progress = serializers.FloatField(
        allow_null=True, help_text="people_helped ÷ target_people (null khi không có chỉ tiêu người)"
    )
    expected = serializers.IntegerField(
        help_text="Số hộ lẽ ra đã tiếp cận theo tiến độ: chỉ tiêu × ngày đã qua ÷ tổng số ngày"
    )
    pace = serializers.FloatField(
        allow_null=True, help_text="households_reached ÷ expected; 1 là đúng tiến độ"
    )
    visits = serializers.IntegerField(help_text="Lượt thăm")
    flagged_visits = serializers.IntegerField(help_text="Lượt thăm có cảnh báo nhẹ (vẫn được tính)")
    held_visits = serializers.IntegerField(
        help_text="Lượt thăm có cảnh báo nặng, bị giữ ngoài mọi số liệu đến khi lãnh đạo xã xác nhận"
    )
    people_helped = serializers.IntegerField(help_text="Lượt người được hướng dẫn")
    unique_people = serializers.IntegerField(help_text="Số người không trùng (ước tính dưới)")
    services_done = serializers.IntegerField(help_text="Dịch vụ hoàn thành")


class TotalsSerializer(CommuneProgressSerializer):
    code = None
    name = None


class FeedCampaignSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    province = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    communes = serializers.ListField(child=serializers.CharField(), help_text="Rỗng: mọi xã của tỉnh")
    services = serializers.ListField(child=serializers.CharField(), help_text="Rỗng: mọi dịch vụ")

    def to_representation(self, campaign):
        return {
            "id": campaign.pk,
            "name": campaign.name,
            "province": campaign.province_id,
            "starts_on": campaign.starts_on.isoformat(),
            "ends_on": campaign.ends_on.isoformat(),
            "communes": sorted(c.code for c in campaign.communes.all()),
            "services": sorted(s.code for s in campaign.services.all()),
        }


class FeedProgressSerializer(FeedCampaignSerializer):
    elapsed_share = serializers.FloatField(help_text="Phần số ngày của chiến dịch đã qua (0–1)")
    totals = TotalsSerializer()
    communes_progress = CommuneProgressSerializer(many=True, help_text="Xếp từ xã chậm nhất so với tiến độ")


class CommuneCoverageSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Mã xã")
    name = serializers.CharField(help_text="Tên xã")
    households = serializers.IntegerField(help_text="Số hộ (khai báo, hoặc đã đăng ký nếu nhiều hơn)")
    households_reached = serializers.IntegerField(help_text="Số hộ đã gặp được")
    households_tried = serializers.IntegerField(help_text="Số hộ đã đến nhưng chưa gặp được ai")
    coverage = serializers.FloatField(help_text="households_reached ÷ households")
    people_helped = serializers.IntegerField(help_text="Lượt người được hướng dẫn")
    services_done = serializers.IntegerField(help_text="Dịch vụ hoàn thành")


def _feature_collection(properties: serializers.Serializer, name: str) -> serializers.Serializer:
    feature = type(
        f"{name}FeatureSerializer",
        (serializers.Serializer,),
        {
            "type": serializers.ChoiceField(choices=["Feature"]),
            "id": serializers.CharField(help_text="Mã xã"),
            "properties": properties,
            "geometry": serializers.JSONField(
                allow_null=True, help_text="Ranh giới xã (GeoJSON, WGS84); null nếu chưa có"
            ),
        },
    )
    return type(
        f"{name}FeatureCollectionSerializer",
        (serializers.Serializer,),
        {
            "type": serializers.ChoiceField(choices=["FeatureCollection"]),
            "features": feature(many=True),
        },
    )


ProgressCollectionSerializer = _feature_collection(CommuneProgressSerializer(), "CommuneProgress")
CoverageCollectionSerializer = _feature_collection(CommuneCoverageSerializer(), "CommuneCoverage")


class FeedView(APIView):
    authentication_classes = [FeedKeyAuthentication]
    permission_classes = [HasFeedKey]
    throttle_classes = [FeedKeyThrottle]

    def campaign(self, pk: int):
        return get_object_or_404(feed_campaigns(feed_key=self.request.auth), pk=pk)


class FeedCampaignListApi(FeedView):
    @extend_schema(
        operation_id="ioc_campaigns",
        tags=["ioc"],
        responses={200: FeedCampaignSerializer(many=True)},
        summary="IOC: các chiến dịch của tỉnh",
    )
    def get(self, request):
        return Response(FeedCampaignSerializer(feed_campaigns(feed_key=request.auth), many=True).data)


class FeedCampaignProgressApi(FeedView):
    @extend_schema(
        operation_id="ioc_campaign_progress",
        tags=["ioc"],
        responses={200: FeedProgressSerializer},
        summary="IOC: tiến độ một chiến dịch theo xã (so với đường tiến độ)",
    )
    def get(self, request, pk: int):
        campaign = self.campaign(pk)
        progress = feed_campaign_progress(feed_key=request.auth, campaign=campaign)
        return Response(
            {
                **FeedCampaignSerializer(campaign).data,
                "elapsed_share": progress["elapsed_share"],
                "totals": progress["totals"],
                "communes_progress": progress["communes"],
            }
        )


class FeedCampaignGeoJsonApi(FeedView):
    @extend_schema(
        operation_id="ioc_campaign_geojson",
        tags=["ioc"],
        responses={(200, GEOJSON): ProgressCollectionSerializer},
        summary="IOC: tiến độ một chiến dịch theo xã, GeoJSON có ranh giới xã",
    )
    def get(self, request, pk: int):
        progress = feed_campaign_progress(feed_key=request.auth, campaign=self.campaign(pk))
        return Response(as_feature_collection(progress["communes"]), content_type=GEOJSON)


class FeedCoverageApi(FeedView):
    @extend_schema(
        operation_id="ioc_coverage",
        tags=["ioc"],
        responses={200: CommuneCoverageSerializer(many=True)},
        summary="IOC: độ phủ theo xã của tỉnh (mọi lượt thăm)",
    )
    def get(self, request):
        return Response(feed_coverage(feed_key=request.auth))


class FeedCoverageGeoJsonApi(FeedView):
    @extend_schema(
        operation_id="ioc_coverage_geojson",
        tags=["ioc"],
        responses={(200, GEOJSON): CoverageCollectionSerializer},
        summary="IOC: độ phủ theo xã của tỉnh, GeoJSON có ranh giới xã",
    )
    def get(self, request):
        return Response(as_feature_collection(feed_coverage(feed_key=request.auth)), content_type=GEOJSON)
