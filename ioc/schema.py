"""The feed key in the OpenAPI schema: its own security scheme, separate from people's tokens."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class FeedKeyScheme(OpenApiAuthenticationExtension):
    target_class = "ioc.authentication.FeedKeyAuthentication"
    name = "iocFeedKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                'Khóa IOC do quản trị viên cấp cho một tỉnh, dạng "Api-Key ioc_<tiền tố>.<bí mật>". '
                "Chỉ dùng cho các đường dẫn /api/v1/ioc/; không phải token của người dùng."
            ),
        }
