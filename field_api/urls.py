from django.urls import path

from field_api.apis import areas, auth, handoffs, sync

app_name = "field_api"

urlpatterns = [
    path("auth/login/", auth.LoginApi.as_view(), name="login"),
    path("auth/logout/", auth.LogoutApi.as_view(), name="logout"),
    path("auth/password/", auth.PasswordChangeApi.as_view(), name="password-change"),
    path("auth/logoutall/", auth.LogoutAllApi.as_view(), name="logoutall"),
    path("me/", auth.MeApi.as_view(), name="me"),
    path("areas/communes/", areas.CommuneListApi.as_view(), name="communes"),
    path("areas/villages/", areas.VillageListApi.as_view(), name="villages"),
    path("services/", areas.ServiceListApi.as_view(), name="services"),
    path("sync/push/", sync.PushApi.as_view(), name="sync-push"),
    path("sync/pull/", sync.PullApi.as_view(), name="sync-pull"),
    path("handoffs/", handoffs.HandoffListApi.as_view(), name="handoffs"),
    path("handoffs/<uuid:handoff_id>/handled/", handoffs.HandoffHandledApi.as_view(), name="handoff-handled"),
]
