from django.urls import path

from maps.campaigns import views

urlpatterns = [
    path("campaigns/", views.campaign_list, name="campaign-list"),
    path("campaigns/<int:pk>/", views.campaign_dashboard, name="campaign-dashboard"),
]
