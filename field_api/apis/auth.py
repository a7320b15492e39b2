"""Login for phones (knox tokens), the member's own password, logout, logout-all and /me, as in API.md."""

from django.contrib.auth import authenticate, logout, update_session_auth_hash
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from knox.models import get_token_model
from knox.settings import knox_settings
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.logins import LoginRateThrottle
from core.models import User
from core.selectors import member_villages
from core.services.members import member_password_change


class MeSerializer(serializers.ModelSerializer):
    villages = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "full_name", "role", "province", "commune", "team", "villages"]

    def get_villages(self, user: User) -> list[str]:
        return member_villages(scope=user.scope)


class LoginApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []
    throttle_classes = [LoginRateThrottle]

    class LoginInputSerializer(serializers.Serializer):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=128, trim_whitespace=False)
        device_name = serializers.CharField(max_length=100, required=False, allow_blank=True)

    class LoginOutputSerializer(serializers.Serializer):
        token = serializers.CharField()
        expiry = serializers.DateTimeField(allow_null=True)
        user = MeSerializer()
        # The password was handed out (a sheet's slip, a leader's reset): the member must set their own.
        password_change_required = serializers.BooleanField()

    @extend_schema(
        operation_id="auth_login",
        request=LoginInputSerializer,
        responses={200: LoginOutputSerializer},
        auth=[],
        summary="Đăng nhập, nhận token cho điện thoại",
    )
    def post(self, request):
        data = self.LoginInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        # The Django request, not DRF's wrapper: django-axes flags a lockout on it, and its middleware
        # answers 429 instead of this view's 400 (backend.logins).
        user = authenticate(
            request._request,
            username=data.validated_data["username"],
            password=data.validated_data["password"],
        )
        if user is None:
            raise serializers.ValidationError(
                {"non_field_errors": [_("Tên đăng nhập hoặc mật khẩu không đúng.")]}
            )
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        return _token_response(user=user)


def _token_response(*, user: User) -> Response:
    """A new token for ``user``, in the login's shape (the password change answers the same)."""
    instance, token = get_token_model().objects.create(user, knox_settings.TOKEN_TTL)
    output = {
        "token": token,
        "expiry": instance.expiry,
        "user": user,
        "password_change_required": user.password_change_required,
    }
    response = Response(LoginApi.LoginOutputSerializer(output).data)
    add_never_cache_headers(response)  # it carries the token
    return response


class PasswordChangeApi(APIView):
    """The member sets their own password (the phone's "Đặt mật khẩu của bạn", after signing in with a
    handed-out one, or whenever they choose). The current password is asked for every time, also when a
    change is required: the phone has just been given it (it signed in with it), while a token alone is
    something a shared or lost phone still holds; and a wrong guess here counts against the account like a
    failed login (django-axes), so a token cannot be used to guess the password. Changing it ends every
    sign-in of the member (``User.save``), this phone's token too, so the answer carries a new token in
    the login's shape and the phone keeps working."""

    throttle_classes = [LoginRateThrottle]

    class PasswordChangeInputSerializer(serializers.Serializer):
        current_password = serializers.CharField(max_length=128, trim_whitespace=False)
        new_password = serializers.CharField(max_length=128, trim_whitespace=False)

    @extend_schema(
        operation_id="auth_password_change",
        request=PasswordChangeInputSerializer,
        responses={200: LoginApi.LoginOutputSerializer},
        summary="Đổi mật khẩu của tôi, nhận token mới",
        description=(
            "Kiểm tra mật khẩu hiện tại (sai nhiều lần thì bị khoá như khi đăng nhập) và mật khẩu mới theo "
            "quy định của hệ thống (phải khác mật khẩu được cấp). Thành công: mọi phiên đăng nhập khác của "
            "thành viên (các token, các trình duyệt) kết thúc, token đang dùng cũng vậy; câu trả lời mang "
            "token mới, cùng dạng với đăng nhập. Lỗi: 400 theo từng trường current_password, new_password."
        ),
    )
    def post(self, request):
        data = self.PasswordChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = request.user
        # authenticate(), not check_password(): a wrong guess counts toward the account's lockout.
        if (
            authenticate(
                request._request,
                username=user.get_username(),
                password=data.validated_data["current_password"],
            )
            is None
        ):
            raise serializers.ValidationError({"current_password": [_("Mật khẩu hiện tại không đúng.")]})
        with transaction.atomic():
            try:
                member_password_change(member=user, password=data.validated_data["new_password"])
            except ValidationError as error:
                raise serializers.ValidationError({"new_password": error.message_dict["password"]}) from error
            response = _token_response(user=user)
        if request.auth is None:
            update_session_auth_hash(request._request, user)  # Swagger UI's browser stays signed in
        return response


class LogoutApi(APIView):
    @extend_schema(
        operation_id="auth_logout", request=None, responses={204: None}, summary="Đăng xuất token này"
    )
    def post(self, request):
        token_key = getattr(request.auth, "token_key", None)
        if token_key:
            # Deleting the row also evicts the cached lookup (post_delete in field_api.authentication).
            get_token_model().objects.filter(user=request.user, token_key=token_key).delete()
            user_logged_out.send(sender=request.user.__class__, request=request, user=request.user)
        else:
            # Signed in with a browser session (Swagger UI): end the session instead.
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllApi(APIView):
    @extend_schema(
        operation_id="auth_logoutall", request=None, responses={204: None}, summary="Đăng xuất mọi thiết bị"
    )
    def post(self, request):
        get_token_model().objects.filter(user=request.user).delete()
        if request.auth is None:
            logout(request._request)
            return Response(status=status.HTTP_204_NO_CONTENT)
        user_logged_out.send(sender=request.user.__class__, request=request, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeApi(APIView):
    @extend_schema(operation_id="me", responses={200: MeSerializer}, summary="Tài khoản và phạm vi của tôi")
    def get(self, request):
        return Response(MeSerializer(request.user).data)
