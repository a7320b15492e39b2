from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("field_api.urls")),
    path("api/v1/", include("maps.api_urls")),
    path("api/v1/ioc/", include("ioc.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's set-up script as a file: no inline script under our CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    path("app/", include("phoneapp.urls")),
    # The shell's language switch: set_language stores the choice in a cookie (LocaleMiddleware reads it).
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("onboarding.urls")),
    path("", include("maps.urls")),
]

# Django's own answers (no view matched, request refused, crash): JSON under /api/, pages elsewhere.
handler400 = "backend.errors.bad_request"
handler403 = "backend.errors.permission_denied"
handler404 = "backend.errors.page_not_found"
handler500 = "backend.errors.server_error"
