from django.urls import path

from phoneapp import views

app_name = "phoneapp"

urlpatterns = [
    path("i18n/<str:lang>.json", views.catalogue, name="catalogue"),
    path("", views.app_missing, name="index"),
]
