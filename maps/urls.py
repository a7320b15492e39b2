from django.contrib.auth import views as auth_views
from django.urls import include, path

from maps import leader_views, views

app_name = "maps"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("maps/province/<str:code>/", views.province_map, name="province"),
    path("maps/commune/<str:code>/", views.commune_map, name="commune"),
    path("maps/national/", views.national_map, name="national"),
    path("communes/<str:code>/", leader_views.commune_page, name="leader-commune"),
    path("communes/<str:code>/xlsx/<str:kind>/", leader_views.commune_export, name="leader-export"),
    path("villages/<str:code>/", leader_views.village_page, name="leader-village"),
    path("villages/<str:code>/xlsx/", leader_views.village_export, name="leader-village-export"),
    path("", include("maps.campaigns.urls")),
]
