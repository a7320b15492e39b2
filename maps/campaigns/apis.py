"""Campaign API (API.md "Campaigns"): list/create, detail, tally, exports and export jobs."""

from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from field_api.exceptions import ApplicationError
from field_api.models import Campaign, CampaignTarget, Commune, Role, Service, Village
from field_api.selectors import campaigns_for
from maps.campaigns import tally
from maps.campaigns.exports import FORMATS
from maps.campaigns.jobs import export_job_request
from maps.campaigns.models import ExportJob
from maps.campaigns.selectors import export_scope_villages


class CampaignTargetSerializer(serializers.Serializer):
    commune = serializers.CharField(required=False, allow_null=True)
    village = serializers.CharField(required=False, allow_null=True)
    households = serializers.IntegerField(min_value=0, default=0)
    people = serializers.IntegerField(min_value=0, default=0)


class CampaignSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=200)
    province = serializers.CharField(max_length=2)
    communes = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    services = serializers.ListField(child=serializers.CharField(), required=False, default=list)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    targets = CampaignTargetSerializer(many=True, required=False, default=list)

    def validate(self, data):
        errors = {}
        if data["ends_on"] < data["starts_on"]:
            errors["ends_on"] = [_("Ngày kết thúc phải sau ngày bắt đầu.")]
        outside = set(data["communes"]) - set(
            Commune.objects.filter(province_id=data["province"], code__in=data["communes"]).values_list(
                "code", flat=True
            )
        )
        if outside:
            errors["communes"] = [_("Xã không thuộc tỉnh: %(codes)s") % {"codes": ", ".join(sorted(outside))}]
        unknown = set(data["services"]) - set(
            Service.objects.filter(code__in=data["services"]).values_list("code", flat=True)
        )
        if unknown:
            errors["services"] = [
                _("Dịch vụ không có trong danh mục: %(codes)s") % {"codes": ", ".join(sorted(unknown))}
            ]
        for index, target in enumerate(data["targets"]):
            commune, village = target.get("commune"), target.get("village")
            if bool(commune) == bool(village):
                errors[f"targets[{index}]"] = [_("Mỗi chỉ tiêu gắn với đúng một xã hoặc một thôn.")]
            elif commune and not Commune.objects.filter(code=commune, province_id=data["province"]).exists():
                errors[f"targets[{index}].commune"] = [_("Xã không thuộc tỉnh.")]
            elif (
                village
                and not Village.objects.filter(code=village, commune__province_id=data["province"]).exists()
            ):
                errors[f"targets[{index}].village"] = [_("Thôn không thuộc tỉnh.")]
        if errors:
            raise serializers.ValidationError(errors)
        return data

    def to_representation(self, campaign: Campaign):
        return {
            "id": campaign.pk,
            "name": campaign.name,
            "province": campaign.province_id,
            "communes": sorted(campaign.communes.values_list("code", flat=True)),
            "services": sorted(campaign.services.values_list("code", flat=True)),
            "starts_on": campaign.starts_on.isoformat(),
            "ends_on": campaign.ends_on.isoformat(),
            "targets": [
                {
                    "commune": t.commune_id,
                    "village": t.village_id,
                    "households": t.households,
                    "people": t.people,
                }
                for t in CampaignTarget.objects.filter(campaign=campaign).order_by("pk")
            ],
        }


@transaction.atomic
def campaign_create(*, user, data: dict) -> Campaign:
    if not (
        user.role == Role.ADMIN
        or user.is_superuser
        or (user.role == Role.PROVINCE_OFFICER and user.province_id == data["province"])
    ):
        raise ApplicationError(
            _("Chỉ cán bộ tỉnh tạo chiến dịch cho tỉnh của mình."), status_code=status.HTTP_403_FORBIDDEN
        )
    campaign = Campaign.objects.create(
        name=data["name"],
        province_id=data["province"],
        starts_on=data["starts_on"],
        ends_on=data["ends_on"],
        created_by=user,
    )
    campaign.communes.set(data["communes"])
    campaign.services.set(data["services"])
    CampaignTarget.objects.bulk_create(
        [
            CampaignTarget(
                campaign=campaign,
                commune_id=t.get("commune") or None,
                village_id=t.get("village") or None,
                households=t["households"],
                people=t["people"],
            )
            for t in data["targets"]
        ]
    )
    return campaign


class TallyRowSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    households_visited = serializers.IntegerField()
    visits = serializers.IntegerField(required=False)
    flagged_visits = serializers.IntegerField(required=False)
    unflagged_visits = serializers.IntegerField(required=False)
    people_helped = serializers.IntegerField(help_text="Lượt người được hướng dẫn")
    unique_people = serializers.IntegerField(required=False, help_text="Số người không trùng (ước tính dưới)")
    services_done = serializers.IntegerField()
    target = serializers.IntegerField(allow_null=True)
    progress = serializers.FloatField(allow_null=True)


class TallySerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    by = serializers.CharField()
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
    return get_object_or_404(campaigns_for(user=user), pk=pk)


class CampaignListApi(APIView):
    @extend_schema(
        operation_id="campaigns_list",
        responses={200: CampaignSerializer(many=True)},
        summary="Các chiến dịch trong phạm vi",
    )
    def get(self, request):
        campaigns = campaigns_for(user=request.user).prefetch_related("communes", "services")
        return Response([CampaignSerializer().to_representation(c) for c in campaigns])

    @extend_schema(
        operation_id="campaigns_create",
        request=CampaignSerializer,
        responses={201: CampaignSerializer},
        summary="Tạo chiến dịch",
    )
    def post(self, request):
        if request.user.role not in (Role.ADMIN, Role.PROVINCE_OFFICER) and not request.user.is_superuser:
            raise ApplicationError(
                _("Chỉ cán bộ tỉnh tạo chiến dịch cho tỉnh của mình."), status_code=status.HTTP_403_FORBIDDEN
            )
        data = CampaignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = campaign_create(user=request.user, data=data.validated_data)
        return Response(CampaignSerializer().to_representation(campaign), status=status.HTTP_201_CREATED)


class CampaignDetailApi(APIView):
    @extend_schema(
        operation_id="campaigns_detail", responses={200: CampaignSerializer}, summary="Một chiến dịch"
    )
    def get(self, request, pk: int):
        return Response(CampaignSerializer().to_representation(_campaign(request.user, pk)))


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
        rows = tally.campaign_tally(
            campaign=campaign, by=by, villages=export_scope_villages(user=request.user)
        )
        totals = tally.campaign_totals(rows) if by != "service" else {}
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
            build(campaign=campaign, villages=export_scope_villages(user=request.user)),
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
        job = get_object_or_404(ExportJob, pk=job_id, requested_by=request.user)
        return Response(_job_data(job))


class ExportJobDownloadApi(APIView):
    @extend_schema(
        operation_id="export_job_download",
        responses={(200, "application/octet-stream"): OpenApiResponse(description="Tệp đã xuất")},
        summary="Tải tệp đã xuất",
    )
    def get(self, request, job_id):
        job = get_object_or_404(ExportJob, pk=job_id, requested_by=request.user, status=ExportJob.Status.DONE)
        if not job.file:
            raise Http404
        return FileResponse(
            job.file.open("rb"),
            as_attachment=True,
            filename=job.file.name.rsplit("/", 1)[-1],
            content_type=FORMATS[job.format][0],
        )
