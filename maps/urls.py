from django.contrib.auth import views as auth_views
from django.urls import include, path

from maps import views

app_name = "maps"

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("maps/province/<str:code>/", views.province_map, name="province"),
    path("maps/commune/<str:code>/", views.commune_map, name="commune"),
    path("maps/national/", views.national_map, name="national"),
    path("campaigns/<int:pk>/map/", views.campaign_map, name="campaign-map"),
    # One namespace, "maps", for every page of the site, so links stay the same wherever a page lives.
    path("", include("leaders.urls")),
    path("", include("campaigns.urls")),
]
