"""OpenAPI: the token header phones send, the one error shape on every operation, and query limits.

``ApiSchema`` (DEFAULT_SCHEMA_CLASS) documents, for every operation, the error answers it can give
in the one shape ``{"detail", "errors"}`` (``ErrorSerializer``): 400 when it takes a body or query
parameters, 401 and 403 when it needs a login, 404 when it addresses something by path or scope, 413
and 415 when it takes a body, 429 when it is throttled. It also takes each query parameter's limits
(maximum, minimum, maxLength, pattern, enum) from the view's own ``*FilterSerializer``, the same
serializer that validates the request, so the schema cannot drift from what is accepted.
"""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class CachedTokenScheme(OpenApiAuthenticationExtension):
    """The phone token as what it is, an HTTP authentication scheme named ``Token`` (RFC 9110 §11:
    ``Authorization: Token <token>``, and 401 answers say ``WWW-Authenticate: Token``). An ``apiKey``
    in the Authorization header made generated clients send the bare token or ``Bearer <token>``."""

    target_class = "field_api.authentication.CachedTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        from knox.settings import knox_settings

        scheme = knox_settings.AUTH_HEADER_PREFIX
        return {
            "type": "http",
            "scheme": scheme,
            "description": (
                f'Token knox nhận từ POST /api/v1/auth/login/, gửi dạng "Authorization: {scheme} <token>" '
                '(không phải "Bearer"). Thiếu, sai hoặc hết hạn: 401 kèm "WWW-Authenticate: '
                f'{scheme}".'
            ),
        }


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(
        help_text="Thông báo cho người dùng (tiếng Việt, hoặc theo Accept-Language)."
    )
    errors = serializers.DictField(
        child=serializers.JSONField(),
        help_text="Lỗi theo từng trường: tên trường → danh sách thông báo (lồng nhau với trường lồng nhau).",
    )


ERROR_DESCRIPTIONS = {
    "400": _("Dữ liệu gửi lên không hợp lệ (xem errors)."),
    "401": _("Chưa đăng nhập hoặc token không còn hiệu lực."),
    "403": _("Không có quyền thực hiện thao tác này."),
    "404": _("Không tìm thấy, hoặc nằm ngoài phạm vi của bạn."),
    "413": _("Nội dung gửi lên quá lớn."),
    "415": _("Chỉ nhận nội dung JSON (Content-Type: application/json)."),
    "429": _("Thử quá nhiều lần; chờ rồi thử lại."),
}


# DRF's CharField refuses a NUL character (PostgreSQL text cannot hold one), and so do the request
# guard for URLs and the push parser: say so, so a schema-valid string is one the API accepts.
NO_NUL = "^[^\\u0000]+$"  # + not *: blank strings, where allowed, are their own alternative


class ApiSchema(AutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            direction == "request"
            and isinstance(field, serializers.CharField)
            and not isinstance(field, serializers.RegexField)  # its own pattern says more
            and schema.get("type") == "string"
            and not {"pattern", "format", "enum"} & schema.keys()
        ):
            schema["pattern"] = NO_NUL
        return schema

    def _filter_fields(self) -> dict:
        """Fields of the view's query-parameter serializers (nested ``*FilterSerializer`` classes)."""
        if self.method != "GET":
            return {}
        fields = {}
        view_class = type(self.view)
        for name in dir(view_class):
            candidate = getattr(view_class, name, None)
            if (
                name.endswith("FilterSerializer")
                and isinstance(candidate, type)
                and issubclass(candidate, serializers.Serializer)
            ):
                fields.update(candidate().fields)
        return fields

    def _get_parameters(self):
        parameters = super()._get_parameters()
        fields = self._filter_fields()
        present = {parameter["name"] for parameter in parameters if parameter["in"] == "query"}
        for parameter in parameters:
            field = fields.get(parameter["name"]) if parameter["in"] == "query" else None
            if field is not None:
                parameter["schema"] = {**parameter.get("schema", {}), **self._field_limits(field)}
        for name, field in fields.items():
            if name not in present:
                parameter = {"in": "query", "name": name, "schema": self._field_limits(field)}
                if field.required:
                    parameter["required"] = True
                if field.help_text:
                    parameter["description"] = str(field.help_text)
                parameters.append(parameter)
        for parameter in parameters:
            field = fields.get(parameter["name"]) if parameter["in"] == "query" else None
            if field is not None and not field.required:
                parameter["schema"] = self._empty_means_absent(parameter["schema"])
        return parameters

    @staticmethod
    def _empty_means_absent(schema: dict) -> dict:
        """DRF reads an optional query parameter sent empty (``?search=``) as not sent at all, so an
        empty string is a valid value: say so, or the schema would call an accepted request invalid."""
        if schema.get("type") != "string":
            return schema
        schema = {key: value for key, value in schema.items() if key != "minLength"}
        if schema.get("pattern") == NO_NUL:
            schema["pattern"] = "^[^\\u0000]*$"
        elif "pattern" in schema:
            schema["pattern"] = f"^$|{schema['pattern']}"
        return schema

    def _field_limits(self, field) -> dict:
        schema = self._map_serializer_field(field, "request")
        self._insert_field_validators(field, schema)  # max_length, min/max_value, regex
        return {key: value for key, value in schema.items() if key not in ("description", "readOnly")}

    def _error_codes(self) -> list[str]:
        has_body = self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None
        has_query = bool(self._filter_fields()) or any(
            parameter["in"] == "query" for parameter in super()._get_parameters()
        )
        has_path = "{" in self.path
        needs_login = not any(isinstance(permission, AllowAny) for permission in self.view.get_permissions())
        codes = []
        if has_body or has_query:
            codes.append("400")
        if needs_login:
            codes += ["401", "403"]
        if has_path or has_query:
            codes.append("404")
        if has_body:
            codes += ["413", "415"]
        if self.view.get_throttles():
            codes.append("429")
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in sorted(
            {*self._error_codes(), *(code for code in responses if code in ERROR_DESCRIPTIONS)}
        ):
            if "content" not in responses.get(code, {}):
                response = self._get_response_for_code(
                    ErrorSerializer, code, media_types=["application/json"], direction=direction
                )
                response["description"] = responses.get(code, {}).get("description") or str(
                    ERROR_DESCRIPTIONS[code]
                )
                responses[code] = response
        return responses
