"""Campaign API (API.md "Campaigns"): list/create, detail, tally, exports and export jobs."""

from django.db.models import Prefetch
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.exceptions import ApplicationError
from backend.text_fields import CleanSerializerCharField
from campaigns import tally
from campaigns.exports import FORMATS
from campaigns.jobs import export_job_request
from campaigns.models import (
    CAMPAIGN_EARLIEST_DAY,
    CAMPAIGN_LATEST_DAY,
    CAMPAIGN_LONGEST_DAYS,
    MAX_TARGET_HOUSEHOLDS,
    MAX_TARGET_PEOPLE,
    Campaign,
    ExportJob,
)
from campaigns.selectors import campaigns_for
from campaigns.services import MAX_TARGETS, campaign_create
from core.models import Commune, Service


class CampaignTargetSerializer(serializers.Serializer):
    commune = serializers.CharField(required=False, allow_null=True, max_length=5)
    village = serializers.CharField(required=False, allow_null=True, max_length=16)
    households = serializers.IntegerField(min_value=0, max_value=MAX_TARGET_HOUSEHOLDS, default=0)
    people = serializers.IntegerField(min_value=0, max_value=MAX_TARGET_PEOPLE, default=0)


class CampaignInputSerializer(serializers.Serializer):
    name = CleanSerializerCharField(max_length=200)
    province = serializers.RegexField(r"^\d{2}$", max_length=2)
    communes = serializers.ListField(
        child=serializers.RegexField(r"^\d{5}$", max_length=5), required=False, default=list, max_length=4000
    )
    services = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, default=list, max_length=200
    )
    starts_on = serializers.DateField(
        help_text=f"YYYY-MM-DD, từ {CAMPAIGN_EARLIEST_DAY} đến {CAMPAIGN_LATEST_DAY}"
    )
    ends_on = serializers.DateField(
        help_text=f"YYYY-MM-DD; chiến dịch dài tối đa {CAMPAIGN_LONGEST_DAYS} ngày"
    )
    targets = CampaignTargetSerializer(many=True, required=False, default=list, max_length=MAX_TARGETS)


class CampaignOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    province = serializers.CharField()
    communes = serializers.ListField(child=serializers.CharField())
    services = serializers.ListField(child=serializers.CharField())
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    targets = CampaignTargetSerializer(many=True)

    def to_representation(self, campaign: Campaign):
        return {
            "id": campaign.pk,
            "name": campaign.name,
            "province": campaign.province_id,
            "communes": sorted(c.code for c in campaign.communes.all()),
            "services": sorted(s.code for s in campaign.services.all()),
            "starts_on": campaign.starts_on.isoformat(),
            "ends_on": campaign.ends_on.isoformat(),
            "targets": [
                {
                    "commune": t.commune_id,
                    "village": t.village_id,
                    "households": t.households,
                    "people": t.people,
                }
                for t in sorted(campaign.targets.all(), key=lambda t: t.pk)
            ],
        }


class TallyRowSerializer(serializers.Serializer):
    key = serializers.CharField(
        allow_blank=True, help_text="Mã xã, thôn, tổ, dịch vụ hoặc ngày; rỗng: chưa có tổ"
    )
    name = serializers.CharField()
    households_reached = serializers.IntegerField()
    visits = serializers.IntegerField()
    flagged_visits = serializers.IntegerField(allow_null=True, help_text="null theo dịch vụ")
    unflagged_visits = serializers.IntegerField(allow_null=True, help_text="null theo dịch vụ")
    people_helped = serializers.IntegerField(help_text="Lượt người được hướng dẫn")
    unique_people = serializers.IntegerField(
        allow_null=True, help_text="Số người không trùng (ước tính dưới); null theo dịch vụ"
    )
    working_age_reached = serializers.IntegerField(allow_null=True)
    services_done = serializers.IntegerField()
    target = serializers.IntegerField(allow_null=True, help_text="Chỉ tiêu hộ; null theo dịch vụ")
    target_people = serializers.IntegerField(allow_null=True)
    progress = serializers.FloatField(allow_null=True)
    people_progress = serializers.FloatField(allow_null=True)
    households_reached_cumulative = serializers.IntegerField(required=False, help_text="Chỉ theo ngày")


class TallySerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    by = serializers.ChoiceField(choices=tally.BREAKDOWNS)
    rows = TallyRowSerializer(many=True)
    totals = TallyRowSerializer()


class ExportJobSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()
    progress = serializers.IntegerField()
    format = serializers.CharField()
    download_url = serializers.CharField(allow_null=True)
    error = serializers.CharField(allow_blank=True)


def _job_data(job: ExportJob) -> dict:
    download = (
        reverse("campaign-export-download", args=[job.pk]) if job.status == ExportJob.Status.DONE else None
    )
    return {
        "id": job.pk,
        "status": job.status,
        "progress": job.progress,
        "format": job.format,
        "download_url": download,
        "error": job.error,
    }


def _campaign(user, pk) -> Campaign:
    return get_object_or_404(campaigns_for(scope=user.scope), pk=pk)


def _export_job(user, job_id) -> ExportJob:
    """One's own export, of a campaign one may still see (a member moved elsewhere loses old files)."""
    return get_object_or_404(
        ExportJob, pk=job_id, requested_by=user, campaign__in=campaigns_for(scope=user.scope)
    )


class CampaignListApi(APIView):
    @extend_schema(
        operation_id="campaigns_list",
        responses={200: CampaignOutputSerializer(many=True)},
        summary="Các chiến dịch trong phạm vi",
    )
    def get(self, request):
        # Codes only: a commune row carries its boundary, which a list has no use for.
        campaigns = campaigns_for(scope=request.user.scope).prefetch_related(
            Prefetch("communes", queryset=Commune.objects.only("code")),
            Prefetch("services", queryset=Service.objects.only("code")),
            "targets",
        )
        return Response(CampaignOutputSerializer(campaigns, many=True).data)

    @extend_schema(
        operation_id="campaigns_create",
        request=CampaignInputSerializer,
        responses={201: CampaignOutputSerializer},
        summary="Tạo chiến dịch",
    )
    def post(self, request):
        if not request.user.scope.runs_campaigns:
            raise ApplicationError(
                _("Chỉ cán bộ tỉnh tạo chiến dịch cho tỉnh của mình."), status_code=status.HTTP_403_FORBIDDEN
            )
        data = CampaignInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = campaign_create(user=request.user, data=data.validated_data)
        return Response(CampaignOutputSerializer(campaign).data, status=status.HTTP_201_CREATED)


class CampaignDetailApi(APIView):
    @extend_schema(
        operation_id="campaigns_detail", responses={200: CampaignOutputSerializer}, summary="Một chiến dịch"
    )
    def get(self, request, pk: int):
        return Response(CampaignOutputSerializer(_campaign(request.user, pk)).data)


class CampaignTallyApi(APIView):
    class TallyFilterSerializer(serializers.Serializer):
        by = serializers.ChoiceField(choices=tally.BREAKDOWNS, default="commune")

    @extend_schema(
        operation_id="campaigns_tally",
        parameters=[OpenApiParameter("by", str, enum=list(tally.BREAKDOWNS))],
        responses={200: TallySerializer},
        summary="Kết quả chiến dịch theo xã, thôn, tổ, dịch vụ hoặc ngày",
        description=tally.__doc__,
    )
    def get(self, request, pk: int):
        params = self.TallyFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        campaign = _campaign(request.user, pk)
        by = params.validated_data["by"]
        scope = request.user.scope
        rows = tally.campaign_tally(campaign=campaign, by=by, scope=scope)
        totals = tally.campaign_totals(campaign=campaign, scope=scope)
        return Response(
            {
                "campaign": campaign.pk,
                "by": by,
                "rows": rows,
                "totals": {"key": "", "name": _("Tổng"), **totals},
            }
        )


class CampaignExportApi(APIView):
    class ExportFilterSerializer(serializers.Serializer):
        format = serializers.ChoiceField(choices=list(FORMATS))

    @extend_schema(
        operation_id="campaigns_export",
        parameters=[OpenApiParameter("format", str, enum=list(FORMATS), required=True)],
        responses={
            (200, "application/octet-stream"): OpenApiResponse(description="Tệp CSV, XLSX hoặc GeoJSON")
        },
        summary="Xuất kết quả (số tổng hợp, không có tên hay số điện thoại)",
    )
    def get(self, request, pk: int):
        params = self.ExportFilterSerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        campaign = _campaign(request.user, pk)
        kind = params.validated_data["format"]
        content_type, build = FORMATS[kind]
        response = HttpResponse(
            build(campaign=campaign, scope=request.user.scope),
            content_type=content_type,
        )
        response["Content-Disposition"] = f'attachment; filename="chien-dich-{campaign.pk}.{kind}"'
        return response


class CampaignExportJobApi(APIView):
    class ExportJobInputSerializer(serializers.Serializer):
        format = serializers.ChoiceField(choices=list(FORMATS))

    @extend_schema(
        operation_id="campaigns_export_job",
        request=ExportJobInputSerializer,
        responses={202: ExportJobSerializer},
        summary="Xuất tệp lớn trong nền (Celery); theo dõi tiến độ và tải về khi xong",
    )
    def post(self, request, pk: int):
        params = self.ExportJobInputSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        campaign = _campaign(request.user, pk)
        job = export_job_request(user=request.user, campaign=campaign, format=params.validated_data["format"])
        return Response(_job_data(job), status=status.HTTP_202_ACCEPTED)


class ExportJobStatusApi(APIView):
    @extend_schema(
        operation_id="export_job_status", responses={200: ExportJobSerializer}, summary="Tiến độ một lần xuất"
    )
    def get(self, request, job_id):
        return Response(_job_data(_export_job(request.user, job_id)))


class ExportJobDownloadApi(APIView):
    @extend_schema(
        operation_id="export_job_download",
        responses={(200, "application/octet-stream"): OpenApiResponse(description="Tệp đã xuất")},
        summary="Tải tệp đã xuất",
    )
    def get(self, request, job_id):
        job = _export_job(request.user, job_id)
        if job.status != ExportJob.Status.DONE or not job.file:
            raise Http404
        return FileResponse(
            job.file.open("rb"),
            as_attachment=True,
            filename=job.file.name.rsplit("/", 1)[-1],
            content_type=FORMATS[job.format][0],
        )
