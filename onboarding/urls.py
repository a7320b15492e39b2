from django.urls import path

from onboarding import (
    boundary_views,
    catalogue_views,
    password_views,
    province_boundary_views,
    remove_views,
    setup_views,
    views,
)
from onboarding.sheet_templates import import_template

app_name = "onboarding"

urlpatterns = [
    path("accounts/password/", password_views.password_change, name="password-change"),
    path("setup/imports/<str:kind>/new/", views.upload, name="import-upload"),
    path("setup/imports/<str:kind>/template.xlsx", import_template, name="import-template"),
    path("setup/imports/<uuid:pk>/", views.job_page, name="import-job"),
    path("setup/imports/<uuid:pk>/mapping/", views.job_mapping, name="import-mapping"),
    path("setup/imports/<uuid:pk>/answers/", views.job_answers, name="import-answers"),
    path("setup/imports/<uuid:pk>/retry/", views.job_retry, name="import-retry"),
    path("setup/imports/<uuid:pk>/cancel/", views.job_cancel, name="import-cancel"),
    path("setup/imports/<uuid:pk>/confirm/", views.job_confirm, name="import-confirm"),
    path("setup/imports/<uuid:pk>/status/", views.job_status, name="import-status"),
    path("setup/imports/<uuid:pk>/passwords.xlsx", views.job_passwords, name="import-passwords"),
    path("setup/imports/<uuid:pk>/slips/", views.job_slips, name="import-slips"),
]

urlpatterns += [
    path("setup/", setup_views.setup_home, name="home"),
    path("setup/communes/<str:code>/", setup_views.commune_page, name="commune"),
    path("setup/communes/<str:code>/villages/", setup_views.village_add, name="village-add"),
    path("setup/communes/<str:code>/villages/<str:village>/", setup_views.village_edit, name="village-edit"),
    path("setup/communes/<str:code>/teams/", setup_views.team_add, name="team-add"),
    path("setup/communes/<str:code>/teams/<int:team>/", setup_views.team_rename, name="team-rename"),
    path("setup/communes/<str:code>/teams/<int:team>/remove/", remove_views.team_remove, name="team-remove"),
    path(
        "setup/communes/<str:code>/teams/<int:team>/delete/",
        remove_views.team_delete_view,
        name="team-delete",
    ),
    path(
        "setup/communes/<str:code>/teams/<int:team>/merge/", remove_views.team_merge_view, name="team-merge"
    ),
    path(
        "setup/communes/<str:code>/villages/<str:village>/remove/",
        remove_views.village_remove,
        name="village-remove",
    ),
    path(
        "setup/communes/<str:code>/villages/<str:village>/delete/",
        remove_views.village_delete_view,
        name="village-delete",
    ),
    path(
        "setup/communes/<str:code>/villages/<str:village>/merge/",
        remove_views.village_merge_view,
        name="village-merge",
    ),
    path("setup/communes/<str:code>/members/", setup_views.member_add, name="member-add"),
    path("setup/communes/<str:code>/members/<int:pk>/move/", setup_views.member_move, name="member-move"),
    path(
        "setup/communes/<str:code>/members/<int:pk>/active/", setup_views.member_active, name="member-active"
    ),
    path(
        "setup/communes/<str:code>/members/<int:pk>/password/",
        setup_views.member_password,
        name="member-password",
    ),
]

urlpatterns += [
    path("setup/communes/<str:code>/boundaries/", boundary_views.boundaries_upload, name="boundaries"),
    path(
        "setup/communes/<str:code>/boundaries/<uuid:pk>/",
        boundary_views.boundaries_preview,
        name="boundaries-preview",
    ),
    path(
        "setup/communes/<str:code>/boundaries/<uuid:pk>/check/",
        boundary_views.boundaries_check,
        name="boundaries-check",
    ),
    path(
        "setup/communes/<str:code>/boundaries/<uuid:pk>/store/",
        boundary_views.boundaries_store,
        name="boundaries-store",
    ),
    path(
        "setup/provinces/<str:code>/boundaries/",
        province_boundary_views.upload,
        name="province-boundaries",
    ),
    path(
        "setup/provinces/<str:code>/boundaries/<uuid:pk>/",
        province_boundary_views.preview,
        name="province-boundaries-preview",
    ),
    path(
        "setup/provinces/<str:code>/boundaries/<uuid:pk>/check/",
        province_boundary_views.check,
        name="province-boundaries-check",
    ),
    path(
        "setup/provinces/<str:code>/boundaries/<uuid:pk>/store/",
        province_boundary_views.store,
        name="province-boundaries-store",
    ),
]

urlpatterns += [
    path("setup/catalogue/", catalogue_views.catalogue_list, name="catalogue"),
    path("setup/catalogue/new/", catalogue_views.service_edit, name="service-new"),
    path("setup/catalogue/<slug:code>/", catalogue_views.service_edit, name="service-edit"),
    path(
        "setup/catalogue/<slug:code>/provinces/<str:province>/",
        catalogue_views.province_service_edit,
        name="province-service-edit",
    ),
]
