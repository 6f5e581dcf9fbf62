"""Small API views of no resource."""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt  # answers 404 to every method and changes nothing
def api_not_found(request, *args, **kwargs):
    """Any unknown path under /api/v1/: a JSON 404 like DRF's, not the HTML error page."""
    return JsonResponse({"detail": _("未找到。"), "code": "not_found"}, status=404)
