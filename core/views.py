"""Error pages."""

from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader


def error_400(request, exception=None):
    return render(request, "errors/400.html", status=400)


def error_403(request, exception=None):
    return render(request, "errors/403.html", status=403)


def error_404(request, exception=None):
    return render(request, "errors/404.html", status=404)


def error_500(request):
    # No request context: the failure may be in the database the context processors read.
    body = loader.get_template("errors/500.html").render({})
    return HttpResponseServerError(body)
