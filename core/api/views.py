"""Small API views of no resource: the JSON 404 and the documentation pages."""

from __future__ import annotations

from csp.decorators import csp_update
from django.http import JsonResponse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import SpectacularRedocView, SpectacularSwaggerSplitView


@csrf_exempt  # answers 404 to every method and changes nothing
def api_not_found(request, *args, **kwargs):
    """Any unknown path under /api/v1/: a JSON 404 like DRF's, not the HTML error page."""
    return JsonResponse({"detail": _("未找到。"), "code": "not_found"}, status=404)


class SwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI whose init script is a separate request (no inline script: CSP script-src
    'self'), with the vendored drf-spectacular-sidecar assets."""


@method_decorator(csp_update({"worker-src": ["blob:"]}), name="dispatch")
class RedocView(SpectacularRedocView):
    """ReDoc from the vendored bundle, without the stock template's Google Fonts. Its search
    runs in a Web Worker built from a blob: URL, allowed on this page only. (The bundle's footer
    also tries a Redocly logo from cdn.redoc.ly; the CSP blocks it and nothing is loaded.)"""

    template_name = "api/redoc.html"
