"""The IOC feed, mounted under /api/v1/ioc/."""

from django.urls import path

from ioc import apis

urlpatterns = [
    path("campaigns/", apis.FeedCampaignListApi.as_view(), name="ioc-campaigns"),
    path("campaigns/<int:pk>/", apis.FeedCampaignProgressApi.as_view(), name="ioc-campaign"),
    path("campaigns/<int:pk>/geojson/", apis.FeedCampaignGeoJsonApi.as_view(), name="ioc-campaign-geojson"),
    path("coverage/", apis.FeedCoverageApi.as_view(), name="ioc-coverage"),
    path("coverage/geojson/", apis.FeedCoverageGeoJsonApi.as_view(), name="ioc-coverage-geojson"),
]
