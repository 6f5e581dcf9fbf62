"""OpenAPI description of the API's authentication classes (drf-spectacular extensions)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class AnonymousThrottleAuthenticationScheme(OpenApiAuthenticationExtension):
    """Not a way to sign in (it only charges anonymous requests to the throttle): no scheme."""

    target_class = "core.api.authentication.AnonymousThrottleAuthentication"
    name: list[str] = []

    def get_security_requirement(self, auto_schema):
        return []

    def get_security_definition(self, auto_schema):
        return []
