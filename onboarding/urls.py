from django.urls import path

from onboarding import views

app_name = "onboarding"

urlpatterns = [
    path("setup/imports/<str:kind>/new/", views.upload, name="import-upload"),
    path("setup/imports/<uuid:pk>/", views.job_page, name="import-job"),
    path("setup/imports/<uuid:pk>/mapping/", views.job_mapping, name="import-mapping"),
    path("setup/imports/<uuid:pk>/confirm/", views.job_confirm, name="import-confirm"),
    path("setup/imports/<uuid:pk>/status/", views.job_status, name="import-status"),
    path("setup/imports/<uuid:pk>/passwords.xlsx", views.job_passwords, name="import-passwords"),
]
