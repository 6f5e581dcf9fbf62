"""A URLconf where the home page lives elsewhere (test_list_work: the frame's cached URLs
follow the URLconf)."""

from django.http import HttpResponse
from django.urls import path

urlpatterns = [path("elsewhere/", lambda request: HttpResponse(), name="home")]
