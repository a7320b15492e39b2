"""OpenAPI: describe our cached knox authentication as the token header phones send."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


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
