"""The site's URLs plus two bare views, the yardsticks of bench/web.py: a signed-in request
through the same middleware that does nothing, and one that reads one row by primary key."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as site_urlpatterns
from households.models import Household


@login_required
def bare(request):
    return HttpResponse("ok", content_type="text/plain")


@login_required
def bare_query(request):
    code = Household.objects.filter(pk=request.GET.get("pk") or 1).values_list("code").first()
    return HttpResponse(str(code), content_type="text/plain")


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/bare-query/", bare_query),
    *site_urlpatterns,
]
