from django.urls import path

from campaigns import apis

urlpatterns = [
    path("campaigns/", apis.CampaignListApi.as_view(), name="campaigns"),
    path("campaigns/<int:pk>/", apis.CampaignDetailApi.as_view(), name="campaign"),
    path("campaigns/<int:pk>/tally/", apis.CampaignTallyApi.as_view(), name="campaign-tally"),
    path("campaigns/<int:pk>/export/", apis.CampaignExportApi.as_view(), name="campaign-export"),
    path("campaigns/<int:pk>/exports/", apis.CampaignExportJobApi.as_view(), name="campaign-export-jobs"),
    path("exports/<uuid:job_id>/", apis.ExportJobStatusApi.as_view(), name="campaign-export-status"),
    path(
        "exports/<uuid:job_id>/download/",
        apis.ExportJobDownloadApi.as_view(),
        name="campaign-export-download",
    ),
]
