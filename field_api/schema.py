"""OpenAPI: describe our cached knox authentication as the token header phones send, and the one
error shape every /api/ answer uses."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import serializers


class ErrorResponseSerializer(serializers.Serializer):
    """``{"detail": "...", "errors": {field: [messages]}}`` (field_api/exceptions.py)."""

    detail = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Lỗi theo tên trường; có thể rỗng",
    )


class CachedTokenScheme(OpenApiAuthenticationExtension):
    target_class = "field_api.authentication.CachedTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'Token knox, dạng "Token <token>"',
        }
