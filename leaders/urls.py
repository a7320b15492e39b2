"""The commune leader's pages, included in the site's "maps" namespace (maps/urls.py)."""

from django.urls import path

from leaders import views

urlpatterns = [
    path("communes/<str:code>/", views.commune_page, name="leader-commune"),
    path("communes/<str:code>/review/", views.review_page, name="leader-review"),
    path("communes/<str:code>/visits/", views.visits_page, name="leader-visits"),
    path("communes/<str:code>/visits/xlsx/", views.visits_export, name="leader-visits-export"),
    path("communes/<str:code>/xlsx/<str:kind>/", views.commune_export, name="leader-export"),
    path("villages/<str:code>/", views.village_page, name="leader-village"),
    path("villages/<str:code>/xlsx/", views.village_export, name="leader-village-export"),
]
