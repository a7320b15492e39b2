from django.urls import path

from campaigns import views

urlpatterns = [
    path("campaigns/", views.campaign_list, name="campaign-list"),
    path("campaigns/new/", views.campaign_new, name="campaign-new"),
    path(
        "campaigns/targets-template.xlsx", views.campaign_targets_template, name="campaign-targets-template"
    ),
    path("campaigns/<int:pk>/", views.campaign_dashboard, name="campaign-dashboard"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign-edit"),
    path("campaigns/<int:pk>/communes/<str:code>/", views.campaign_commune, name="campaign-commune"),
]
