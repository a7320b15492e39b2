from django.urls import path, re_path

from phoneapp import views

app_name = "phoneapp"

urlpatterns = [
    path("i18n/<str:lang>.json", views.catalogue, name="catalogue"),
    path("", views.app_file, name="index"),
    re_path(r"^(?P<path>[A-Za-z0-9._/-]+)$", views.app_file, name="file"),
]
